"""Hostile user files against the real CLI: what a file does to the process or to the messages
(sys.exit from tfgraphviz's own inspection, closed descriptors, threads still printing, lone
surrogates in names, huge messages, AutoGraph refusing a function)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_clean_error, run_cli

HEADER = """\
import tensorflow as tf
S = [tf.TensorSpec([2], tf.float32)]

@tf.function(input_signature=S)
def f(x):
    return x + 1
"""

# Python runs this file with exit 0: only looking at its objects calls sys.exit (but for
# `__module__`, which AutoGraph itself reads of every global while converting a function: calling
# f would end the program there too)
INSPECTION_EXITS = HEADER + """
import sys

class ExitOnClass:
    @property
    def __class__(self):
        sys.exit(3)

class ExitOnAttribute:
    def __getattribute__(self, name):
        if name != "__module__":
            sys.exit(4)

class ExitOnMissing:
    def __getattr__(self, name):
        sys.exit(5)

class Method:
    @tf.function(input_signature=S)
    def g(self, x):
        return x * 2

    def __getattribute__(self, name):
        if name != "__module__":
            sys.exit(6)
        return object.__getattribute__(self, name)

on_class = ExitOnClass()
on_attribute = ExitOnAttribute()
on_missing = ExitOnMissing()
method = Method()
v = tf.Variable([1.0, 2.0])

@tf.function(input_signature=S)
def uses_v(x):
    return x * v
"""


def _write(tmp_path: Path, text: str, name: str = "hostile.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sys_exit_from_inspection_skips_the_object(tmp_path: Path) -> None:
    path = _write(tmp_path, INSPECTION_EXITS)
    out = tmp_path / "out"
    result = run_cli("explain", str(path), "-o", str(out))
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr and "importing" not in result.stderr
    assert (out / "f.svg").is_file() and (out / "uses_v.svg").is_file()
    notes = {n["name"]: n["note"] for n in
             json.loads((out / "manifest.json").read_text(encoding="utf-8"))["notes"]}
    for name in ("on_class", "on_attribute", "method"):
        assert "inspecting it raised SystemExit" in notes[name], notes
    listed = run_cli("render", str(path), "--list")
    assert listed.code == 0, listed.stderr
    assert "on_class: skipped: inspecting it raised SystemExit" in listed.stdout
    named = run_cli("render", str(path), "-f", "on_missing.x", "-o", str(tmp_path / "o2"))
    assert_clean_error(named, 2, "--function on_missing.x: inspecting it raised SystemExit",
                       "sys.exit(5)")


@pytest.mark.parametrize("upto", ["4096", "os.sysconf('SC_OPEN_MAX')"])
def test_closed_descriptors_at_import(tmp_path: Path, upto: str) -> None:
    path = _write(tmp_path, HEADER + f"import os\nos.closerange(3, {upto})\n")
    out = tmp_path / "out"
    result = run_cli("render", str(path), "-o", str(out))
    assert result.code == 0, result.stderr
    assert (out / "f.svg").is_file() and (out / "manifest.json").is_file()
    assert "Traceback" not in result.stderr
    if upto == "4096":  # tfgraphviz's own streams live above what the file closed
        assert "wrote" in result.stdout and result.stderr == ""


SURROGATES = """\
import tensorflow as tf
S = [tf.TensorSpec([2], tf.float32)]

class Holder:
    pass

holder = Holder()
setattr(holder, "v\\udcff", tf.Variable([1.0, 2.0]))

def g(x):
    print("printed \\udcff while tracing")
    return x * getattr(holder, "v\\udcff")

globals()["h\\udcff"] = tf.function(g, input_signature=S)
"""


def test_lone_surrogates_in_names_are_escaped_the_same_every_time(tmp_path: Path) -> None:
    path = _write(tmp_path, SURROGATES)
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        result = run_cli("explain", str(path), "-o", str(out),
                         "--format", "svg,dot,json,graphml,tensorboard")
        assert result.code == 0, result.stderr
        assert "h\\udcff" in result.stdout
        outputs.append(out)
    stem = "h%ED%B3%BF"
    for suffix in (".dot", ".svg", ".json", ".graphml"):
        first, second = ((o / (stem + suffix)).read_bytes() for o in outputs)
        assert first == second, suffix
        first.decode("utf-8")  # valid UTF-8: the surrogate is written as its escape
    manifest = json.loads((outputs[0] / "manifest.json").read_text(encoding="utf-8"))
    assert [fn["name"] for fn in manifest["functions"]] == ["h\udcff"]
    assert b"\\udcff" in (outputs[0] / "report.html").read_bytes() or \
        (outputs[0] / "report.html").stat().st_size > 0


def test_a_huge_message_is_cut_on_stderr(tmp_path: Path) -> None:
    path = _write(tmp_path, 'raise ValueError("first line\\n" + "x" * 100000)\n')
    result = run_cli("render", str(path), "-o", str(tmp_path / "out"))
    assert_clean_error(result, 2, "importing hostile.py failed: ValueError: first line",
                       "characters cut, --debug shows all", "(hostile.py:1); fix the file")
    assert max(len(line) for line in result.stderr.splitlines()) <= 1100, \
        [len(line) for line in result.stderr.splitlines()]


THREAD = HEADER + """
import threading, time, warnings

def chatter():
    for i in range(60):
        time.sleep(0.1)
        warnings.warn(f"thread warning {i}")
        print("thread print", i, flush=True)

threading.Thread(target=chatter).start()
"""


def test_a_thread_still_printing_after_import_does_not_reach_the_terminal(
        tmp_path: Path) -> None:
    path = _write(tmp_path, THREAD)
    result = run_cli("render", str(path), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert all(line.startswith(("  ", "wrote ")) for line in result.stdout.splitlines()), \
        result.stdout
    shown = run_cli("render", str(path), "-o", str(tmp_path / "out"), "--debug")
    assert shown.code == 0 and "thread warning" in shown.stderr  # --debug shows them


def test_autograph_code_that_cannot_be_made_is_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, "import tensorflow as tf\nS = [tf.TensorSpec([2], tf.float32)]\n"
                            "f, g = tf.function(lambda x: x + 1, input_signature=S), "
                            "tf.function(lambda x: x * 2, input_signature=S)\n")
    out = tmp_path / "out"
    result = run_cli("render", str(path), "-o", str(out))
    assert result.code == 0, result.stderr
    assert "Match 0" not in result.stderr and " at 0x" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(ln.startswith("tfgraphviz: note: ") for ln in lines), lines
    assert "AutoGraph" in lines[0]
    assert (out / "f.svg").is_file() and (out / "g.svg").is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert all(fn["errors"] == [] for fn in manifest["functions"])


def test_signal_handlers_the_file_installs_do_not_disarm_sigterm(tmp_path: Path) -> None:
    """A file that ignores SIGTERM and SIGINT (and lets SIGCHLD reap children) at import:
    SIGTERM during drawing still ends the run at once with one line and exit 143."""
    path = _write(tmp_path, HEADER + "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)"
                                     "\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                     "signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n")
    bindir, pidfile = tmp_path / "bin", tmp_path / "dot.pid"
    bindir.mkdir()
    (bindir / "dot").write_text(f'#!/bin/sh\n[ "$1" = -V ] && exit 0\necho $$ > {pidfile}\n'
                                "exec sleep 600\n")
    (bindir / "dot").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONHASHSEED", None)
    proc = subprocess.Popen([sys.executable, "-m", "tfgraphviz", "render", str(path), "-o",
                             str(tmp_path / "o")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not pidfile.exists() or not pidfile.read_text().strip():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
        if pidfile.exists() and pidfile.read_text().strip():
            with contextlib.suppress(OSError):
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert proc.returncode == 143, err
    assert err.startswith("tfgraphviz: terminated") and "Traceback" not in err
