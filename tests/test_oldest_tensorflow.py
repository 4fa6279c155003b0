"""CI runs the quick tests a second time against the oldest supported TensorFlow, in a venv of
its own that scripts/setup.sh makes from constraints.txt with constraints-tf2.16.txt's pins."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

OLDEST_PINS = "scripts/constraints-tf2.16.txt"


def _pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)$", line.strip())
        if match:
            found[re.sub(r"[-_.]+", "-", match[1].lower())] = match[2]
    return found


def test_ci_makes_the_oldest_tensorflow_venv_and_reports_its_quick_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"VENV=.venv-tf2.16 PINS={OLDEST_PINS} bash scripts/setup.sh &&" in ci
    assert re.search(r'^  \.venv-tf2\.16/bin/python -m pytest -m "not slow"[^\n]* '
                     r"\|\| failed\+=\(pytest-tf2\.16\)$", ci, flags=re.M), ci
    # it runs after the main checks, before the verdict that reads `failed`
    assert ci.index("failed+=(pytest-tf2.16)") < ci.index("if [ ${#failed[@]} -gt 0 ]")
    assert ".venv-tf2.16/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_oldest_pins_are_tensorflow_2_16_with_its_tensorboard() -> None:
    oldest, newest = _pins(ROOT / OLDEST_PINS), _pins(ROOT / "scripts" / "constraints.txt")
    assert oldest["tensorflow"].startswith("2.16.")
    assert oldest["tensorboard"].startswith("2.16.")
    assert "keras" in oldest and oldest["tensorflow"] != newest["tensorflow"]
    assert "pytest" not in oldest, "test tools keep constraints.txt's pins (one home)"
    # Keras 3.14 and older name a fit() step's optimizer variables otherwise (pyproject's bound)
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"keras>=3.15"' in project
    for pins in (oldest, newest):
        assert tuple(map(int, pins["keras"].split(".")[:2])) >= (3, 15)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz installed")
def test_setup_makes_the_named_venv_with_the_oldest_pins_over_the_newest(tmp_path: Path) -> None:
    """A real set-up run with VENV and PINS, pip given no index (so it stops, offline, right
    after writing what it would install from): the venv is the one named, its constraints are
    constraints.txt with TensorFlow's family replaced, and pip's failure names that venv."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for rel in ("scripts/setup.sh", "scripts/constraints.txt", OLDEST_PINS, "pyproject.toml",
                "README.md"):
        shutil.copy(ROOT / rel, repo / rel)
    env = {**os.environ, "PYTHON": sys.executable, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "",
           "PIP_CONFIG_FILE": os.devnull, "VENV": ".venv-tf2.16", "PINS": OLDEST_PINS}
    proc = subprocess.run(["bash", "scripts/setup.sh"], cwd=repo, capture_output=True,
                          text=True, timeout=600, check=False, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "setup: pip could not install tfgraphviz into .venv-tf2.16 (its error is above)")
    assert "setup: creating .venv-tf2.16" in proc.stdout
    assert not (repo / ".venv").exists()
    combined = _pins(repo / ".venv-tf2.16" / ".constraints.txt")
    oldest, newest = _pins(ROOT / OLDEST_PINS), _pins(ROOT / "scripts" / "constraints.txt")
    assert combined == {**newest, **oldest}
    lines = (repo / ".venv-tf2.16" / ".constraints.txt").read_text().splitlines()
    assert [ln for ln in lines if ln.startswith("tensorflow==")] == ["tensorflow==2.16.2"]


def test_setup_refuses_pins_that_do_not_exist(tmp_path: Path) -> None:
    """(Before any venv is made or anything installed.)"""
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True,
                          text=True, timeout=600, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PINS": str(tmp_path / "missing.txt"),
                               "VENV": str(tmp_path / "venv")})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f"setup: PINS={tmp_path / 'missing.txt'} not found")
    assert not (tmp_path / "venv").exists()


# What TensorFlow 2.16 itself emits differently from the newest (tests/golden/tf2.16/README.md)
_TF_EMITTED = [(re.compile(r"\\nTshape = int32"), ""),
               (re.compile(r"config_proto = b'[^\"]*?'\\n"), "config_proto = ...\\n"),
               (re.compile(r"tensorflow/python/ops/variables\.py:\d+"), "variables.py:N")]


def test_the_2_16_golden_files_differ_only_in_what_tensorflow_emits() -> None:
    """Each per-version golden file is needed (it differs) and differs in one line, only by
    the TensorFlow-made text its README names: the drawing itself is the same."""
    versioned = sorted((ROOT / "tests" / "golden" / "tf2.16").glob("*.dot"))
    assert [p.name for p in versioned] == ["article_tf1_graph.g.dot",
                                           "loops_and_conds.normalize.dot",
                                           "loops_and_conds.sum_of_abs.dot"]
    for path in versioned:
        old = path.read_text(encoding="utf-8").splitlines()
        new = (ROOT / "tests" / "golden" / path.name).read_text(encoding="utf-8").splitlines()
        assert len(old) == len(new)
        changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert len(changed) == 1, path.name
        for a, b in changed:
            for pattern, replacement in _TF_EMITTED:
                a, b = pattern.sub(replacement, a), pattern.sub(replacement, b)
            assert a == b, path.name
