"""The built wheel holds every subpackage and asset: installed (not editable) into a fresh venv
outside the checkout, it renders a bundled example with its report."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900,
                          check=False, env=env)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_the_wheel_installed_in_a_fresh_venv_renders_an_example_with_its_report(
        tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # the build uses this venv's setuptools (no download), from a copy-free build of the checkout
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(dist), str(ROOT)], cwd=tmp_path)
    wheel = next(dist.glob("tfgraphviz_tf2-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "tfgraphviz").rglob("__init__.py")}
    for package in packages:
        assert f"{package}/__init__.py" in names, f"{package} is missing from the wheel"
    for asset in (ROOT / "tfgraphviz" / "report" / "assets").iterdir():
        assert f"tfgraphviz/report/assets/{asset.name}" in names
    assert "tfgraphviz/py.typed" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
         cwd=tmp_path)
    # TensorFlow and the other dependencies come from this venv's site-packages, appended
    # after the fresh venv's own: its .pth files (the editable install) are not processed
    fresh_site = next((env_dir / "lib").glob("python3*/site-packages"))
    (fresh_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    example = work / "control_deps.py"
    example.write_text((ROOT / "tfgraphviz" / "examples" / "control_deps.py").read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = _run([str(python), "-c", "import tfgraphviz; print(tfgraphviz.__file__)"],
                 cwd=work, env=env).stdout.strip()
    assert where.startswith(str(fresh_site)), where
    _run([str(env_dir / "bin" / "tfgraphviz"), "render", str(example), "-o", "out", "-q"],
         cwd=work, env=env)
    report = (work / "out" / "report.html").read_text(encoding="utf-8")
    assert "Viz" in report and "control_deps.py" in report
    assert sorted(p.name for p in (work / "out").glob("*.svg"))
