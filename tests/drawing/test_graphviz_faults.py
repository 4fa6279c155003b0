"""A `dot` that hangs, fails, prints garbage, or is interrupted as it starts: the render stops
with the documented exit and one line, within --layout-timeout, the DOT and JSON written.

The broken and hanging `dot`s are small executable scripts first on PATH (real faults of a
real program); Ctrl-C is a real SIGINT, sent at the moment Python forks the real `dot`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_clean_error, run_cli
from tfgraphviz.drawing.layout import graphviz_version, run_dot
from tfgraphviz.errors import LayoutError, LayoutTimeoutError

EXAMPLE = ROOT / "tfgraphviz" / "examples" / "control_deps.py"


def _fake_dot(tmp_path: Path, body: str) -> str:
    """PATH with a `dot` script running `body` first."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "dot"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


# `sleep` runs as a child of the shell and keeps dot's pipes open after the shell is killed
HANGING = "cat > /dev/null\nsleep 600\necho never"
GARBAGE = "cat > /dev/null\nprintf '\\377\\376garbage, not an image'\nexit 0"
FAILING = "cat > /dev/null\necho 'Segmentation fault' >&2\nexit 139"


def test_a_hanging_dot_with_children_obeys_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, HANGING))
    start = time.monotonic()
    with pytest.raises(LayoutTimeoutError, match="within 1 s"):
        run_dot("digraph G { a -> b }", "svg", timeout=1)
    assert time.monotonic() - start < 10  # was 600 s: the shell's child held the pipes
    start = time.monotonic()
    assert graphviz_version(timeout=1) == ""  # `dot -V` hangs too
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
def test_garbage_from_dot_is_a_layout_error(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, GARBAGE))
    with pytest.raises(LayoutError, match=f"Graphviz's dot printed no {fmt.upper()}"):
        run_dot("digraph G { a -> b }", fmt)


def test_real_dot_output_passes_the_check():
    for fmt, start in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF"),
                       ("dot", b"digraph")):
        assert run_dot("digraph G { a -> b }", fmt).startswith(start)


def test_a_huge_timeout_is_clamped_not_an_overflow():
    assert b"<svg" in run_dot("digraph G { a -> b }", "svg", timeout=1e308)


@pytest.mark.slow
@pytest.mark.parametrize(("body", "needle"), [
    (HANGING, "did not finish the layout within 4 s"),
    (GARBAGE, "Graphviz's dot printed no SVG"),
    (FAILING, "Graphviz failed: Segmentation fault"),
])
def test_a_broken_or_hanging_dot_gives_the_layout_exit(tmp_path, body, needle):
    out = tmp_path / "out"
    start = time.monotonic()
    result = run_cli("render", str(EXAMPLE), "-o", str(out), "--format", "dot,svg,json",
                     "--layout-timeout", "4", env={"PATH": _fake_dot(tmp_path, body)})
    elapsed = time.monotonic() - start
    assert_clean_error(result, 1, needle, "the .dot and .json files are written")
    assert (out / "step.dot").exists() and (out / "step.json").exists()
    assert not (out / "step.svg").exists()
    assert elapsed < 60, elapsed  # the hanging one took 10 minutes and exit 70


def test_layout_timeout_too_large_is_refused_in_one_line(tmp_path):
    result = run_cli("render", str(EXAMPLE), "-o", str(tmp_path / "out"),
                     "--layout-timeout", "1e308")
    assert_clean_error(result, 2, "--layout-timeout 1e+308: at most 604800 seconds")  # was exit 70
    assert not (tmp_path / "out").exists()


# Ctrl-C at the moment `dot` starts. Without util-linux's setpriv, Python forks with a
# preexec_fn: the SIGINT is sent from an at-fork hook, where Python code (logging's
# _releaseLock) runs in the parent, and where an exception is printed as "Exception ignored"
# and swallowed. With setpriv (vfork, no Python code at the fork) it is sent as Popen is
# called, while _start holds SIGINT back.
CTRL_C_AT_FORK = """
import os, signal, subprocess, sys
from tfgraphviz.cli import main
from tfgraphviz.drawing import layout

def in_run_dot() -> bool:
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "run_dot":
            return True
        frame = frame.f_back
    return False

def ctrl_c_if_dot() -> None:
    if in_run_dot():
        os.kill(os.getpid(), signal.SIGINT)

if sys.argv[1] == "preexec":
    layout._death_prefix = lambda: None
    os.register_at_fork(after_in_parent=ctrl_c_if_dot)
else:
    real = subprocess.Popen

    class Popen(real):
        def __init__(self, *args, **kwargs):
            ctrl_c_if_dot()
            super().__init__(*args, **kwargs)

    subprocess.Popen = Popen
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("start", ["preexec", "setpriv"])
def test_ctrl_c_as_graphviz_starts_stops_the_render(tmp_path, start):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", CTRL_C_AT_FORK, start, "render", str(EXAMPLE),
                           "-o", str(out)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)  # was 0
    assert "_releaseLock" not in proc.stderr and "Exception ignored" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["tfgraphviz: interrupted; files written so far are complete, the rest "
                     "are missing"], proc.stderr
    assert not (out / "manifest.json").exists()
