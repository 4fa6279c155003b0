"""The README's commands and code run as written: the Python API snippet, the set-up commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the README section headed `## title`, up to the next `## ` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.M | re.S)



@pytest.mark.slow
def test_the_notebook_snippet_runs_as_written(tmp_path: Path) -> None:
    (snippet,) = blocks(section("Notebooks"), "python")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", snippet + "\nprint(repr(d))"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "tfgraphviz.Drawing of step" in proc.stdout
    assert (tmp_path / "step.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")

@pytest.mark.slow
def test_the_api_snippet_runs_as_written(tmp_path: Path) -> None:
    (snippet,) = blocks(section("Python API"), "python")
    assert "model.py\"," not in snippet, "the snippet must render a file that exists"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "digraph" in proc.stdout
    assert re.search(r"^0 [1-9]\d*$", proc.stdout.strip().splitlines()[-1]), proc.stdout[-500:]
    for name in ("f.svg", "f.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert any((tmp_path / "logs" / "f").iterdir())
    out = tmp_path / "out" / "control_deps"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["functions"][0]["name"] == "step"
    assert (out / "step.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def setup_commands() -> list[str]:
    (block,) = blocks(section("Set-up (two commands)"), "bash")
    return [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]


def test_the_setup_commands_run_through_the_venv_and_ci_runs_the_test_one() -> None:
    render, test = setup_commands()
    for command in (render, test):
        first, second = command.split(" && ")
        assert first == "bash scripts/setup.sh"
        assert second.startswith(".venv/bin/python "), "Debian's python3 refuses pip installs"
    assert test.endswith(" -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(test)}( |$)", ci, flags=re.M), "CI must run the README's"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".venv/" in ignored


@pytest.fixture
def setup_copy(tmp_path: Path) -> Path:
    """The files scripts/setup.sh reads, in a folder of their own."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for rel in ("scripts/setup.sh", "scripts/constraints.txt", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / rel, repo / rel)
    return repo


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz installed")
def test_setup_stops_with_one_clear_line_when_pip_fails(setup_copy: Path) -> None:
    """pip without any index (a real failure, offline) must stop set-up with exit 1."""
    env = {**os.environ, "PYTHON": sys.executable, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "",
           "PIP_CONFIG_FILE": os.devnull}
    proc = subprocess.run(["bash", "scripts/setup.sh"], cwd=setup_copy, capture_output=True,
                          text=True, timeout=600, check=False, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "setup: pip could not install tfgraphviz into .venv (its error is above)"
    assert "setup: creating .venv" in proc.stdout
    assert (setup_copy / ".venv" / "bin" / "python").exists()
    assert not (setup_copy / ".venv" / ".tfgraphviz-setup").exists()
