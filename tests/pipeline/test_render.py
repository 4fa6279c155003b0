"""The render pipeline against hostile files and folders, the Python API, and the process
guards (timeout, SIGTERM, prompt exit), with the real CLI on real files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfgraphviz._util.naming import MAX_STEM, file_stem
from tfgraphviz.console import printable

from ..conftest import DATA, EXAMPLES, ROOT, assert_clean_error, run_cli

NASTY = [".", "..", "...", "", "f" * 300, "f" * 301, "a b", "a_b", "a%20b", "f.0", "f.1",
         "f.autograph", "manifest", "Manifest", "tensorboard", "a/b", "a\\b", "\x1b[31mx",
         "Net.__call__", "f@12", "é", "%", "~", "x.", ".x", "-", "f.00"]


def test_file_stems_are_injective_bounded_and_never_reserved():
    stems = [file_stem(n) for n in NASTY]
    assert len(set(stems)) == len(NASTY)
    suffixed = {f"{s}.{i}" for s in stems for i in range(3)} | {f"{s}.autograph" for s in stems}
    assert not suffixed & set(stems)  # `f.0` of one function is never another's stem
    for stem in stems:
        assert 0 < len(stem) <= MAX_STEM and "/" not in stem and "\\" not in stem
        assert not stem.startswith(".") and stem.lower() not in ("manifest", "tensorboard")
        assert stem.isprintable()
    assert file_stem("Net.__call__") == "Net.__call__" and file_stem("f@12") == "f@12"
    assert file_stem("f" * 300) != file_stem("f" * 301)


def test_printable_escapes_terminal_controls():
    assert printable("a\x1b[31mb\x07\u202ec\n") == "a\\x1b[31mb\\x07\\u202ec\n"


def test_missing_file_is_reported_at_once_and_creates_nothing(tmp_path):
    start = time.monotonic()
    result = run_cli("render", "missing.py", cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert_clean_error(result, 2, "missing.py: no such file")
    assert elapsed < 1.5, elapsed  # was 8-10 s: TensorFlow was imported first
    assert list(tmp_path.iterdir()) == []  # no empty tfgraphviz-out/missing


@pytest.mark.parametrize(("option", "needle"), [
    (["--layout-timeout", "nan"], "--layout-timeout nan: give a positive number"),
    (["--layout-timeout", "inf"], "--layout-timeout inf"),
    (["--layout-timeout", "-1"], "--layout-timeout -1"),
    (["--timeout", "nan"], "--timeout nan"),
    (["--timeout", "1e308"], "--timeout 1e+308: at most 604800 seconds"),  # was exit 0,
    # the watchdog's thread died with a traceback
    (["--dpi", "0"], "--dpi 0"),
    (["--format", "svg,gif"], "--format gif: unknown"),
    (["--call", "f("], "not a Python call"),
    (["-o", "/proc/version/out"], "cannot write into"),
])
def test_bad_options_are_reported_before_tensorflow_loads(tmp_path, option, needle):
    start = time.monotonic()
    result = run_cli("render", str(DATA / "mixed.py"), *option, cwd=tmp_path)
    assert_clean_error(result, 2, needle)
    assert time.monotonic() - start < 1.5
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_api_render_twice_in_one_process_and_import_of_the_module(tmp_path):
    """The README's snippet, twice, after `import tfgraphviz.pipeline`; and a tf.Graph's line."""
    code = f"""
import tfgraphviz, tfgraphviz.pipeline
for out in ("a", "b"):
    result = tfgraphviz.render({str(EXAMPLES / 'article_tf1_graph.py')!r}, {str(tmp_path)!r}
                               + "/" + out, formats=["svg", "json"], log=print)
    print(result.exit_code, result.manifest["functions"][0]["trace_count"])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("  g (tf.Graph) -> g.json, g.svg") == 2, proc.stdout
    assert "graphtf.Graph" not in proc.stdout
    assert (tmp_path / "b" / "g.svg").is_file()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """One run on a file with odd names, sys.exit and GeneratorExit in tracing, a closed
    sys.stdout and a never-ending non-daemon thread."""
    out = tmp_path_factory.mktemp("hostile") / "out"
    start = time.monotonic()
    result = run_cli("render", str(DATA / "hostile_names.py"), "-o", str(out))
    return result, out, time.monotonic() - start


@pytest.mark.slow
def test_hostile_file_ends_promptly_with_every_problem_said(hostile_run):
    result, out, elapsed = hostile_run
    assert elapsed < 60, elapsed  # a non-daemon thread kept it alive forever
    assert_clean_error(result, 1, "exits: ", "sys.exit", "generator_exit: ", "GeneratorExit")
    assert f"wrote {out / 'manifest.json'}" in result.stdout  # though sys.stdout was closed
    assert "\x1b" not in result.stdout + result.stderr
    assert "\\x1b[31mred\\x1b[0m" in result.stdout


def test_hostile_names_get_their_own_files(hostile_run):
    _, out, _ = hostile_run
    manifest = json.loads((out / "manifest.json").read_text())
    owner: dict[str, str] = {}
    for fn in manifest["functions"]:
        for cf in fn["concrete_functions"]:
            for rel in cf["files"].values():
                assert rel not in owner, (rel, owner.get(rel), fn["name"])
                owner[rel] = fn["name"]
                assert (out / rel).exists() and len(Path(rel).name) <= MAX_STEM + 12
    names = {fn["name"] for fn in manifest["functions"]}
    assert {"manifest", "Manifest", ".", "..", "", "f" * 300, "a b", "a_b", "f.0"} <= names
    assert owner["f.0.svg"] == "f" and owner["f.%30.svg"] == "f.0"
    assert sorted(p.name for p in (out / "tensorboard").iterdir()) == sorted(
        Path(r).name for r in owner if r.startswith("tensorboard/"))


@pytest.mark.slow
def test_rendering_one_function_again_keeps_the_others(hostile_run):
    _, out, _ = hostile_run
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    runs = sorted(p.name for p in (out / "tensorboard").iterdir())
    names = [fn["name"] for fn in json.loads((out / "manifest.json").read_text())["functions"]]
    again = run_cli("render", str(DATA / "hostile_names.py"), "-o", str(out), "-f", "f")
    assert again.code == 0, again.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == files
    assert sorted(p.name for p in (out / "tensorboard").iterdir()) == runs
    assert [fn["name"] for fn in json.loads((out / "manifest.json").read_text())["functions"]
            ] == names


@pytest.mark.slow
def test_links_planted_in_the_output_folder_are_never_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victims = {name: outside / name for name in ("svg", "manifest", "tmp")}
    for victim in victims.values():
        victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victims["svg"], out / "step.svg")
    os.symlink(victims["manifest"], out / "manifest.json")
    result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out),
                     "--format", "svg,json")
    assert result.code == 0, result.stderr
    assert all(v.read_text() == "precious" for v in victims.values())
    assert not (out / "step.svg").is_symlink() and (out / "step.svg").read_text().startswith(
        "<?xml")
    assert json.loads((out / "manifest.json").read_text())["functions"]
    os.symlink(outside, out / "tensorboard")
    refused = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out))
    assert_clean_error(refused, 2, "tensorboard: it is a symbolic link")
    assert sorted(p.name for p in outside.iterdir()) == ["manifest", "svg", "tmp"]


@pytest.mark.slow
def test_a_file_that_chdirs_at_import_writes_where_asked_and_deletes_nothing_there(tmp_path):
    src = tmp_path / "src"
    (src / "out").mkdir(parents=True)
    shutil.copy(DATA / "hostile_chdir.py", src / "model.py")
    user_file = src / "out" / "notes.svg"
    user_file.write_text("the user's own file")
    (src / "out" / "manifest.json").write_text(json.dumps({  # as if an earlier render made it
        "source": "model.py", "source_path": "../model.py",
        "functions": [{"name": "notes", "concrete_functions": [{"files": {"svg": "notes.svg"}}]}]}))
    result = run_cli("render", "src/model.py", "-o", "out", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert (tmp_path / "out" / "step.svg").is_file()
    assert user_file.read_text() == "the user's own file"
    assert not (src / "out" / "step.svg").exists()
    assert "wrote out/manifest.json" in result.stdout


def test_sys_exit_at_import_is_a_clear_error(tmp_path):
    result = run_cli("render", str(DATA / "hostile_sysexit.py"), "-o", str(tmp_path / "o"))
    assert_clean_error(result, 2, "importing hostile_sysexit.py failed", "sys.exit(")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_timeout_stops_a_file_that_never_finishes_importing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.svg").write_text("earlier")
    start = time.monotonic()
    result = run_cli("render", str(DATA / "hostile_hang.py"), "-o", str(out), "--timeout", "6")
    assert time.monotonic() - start < 30
    assert_clean_error(result, 2, "importing hostile_hang.py did not finish within 6 s",
                       "--timeout")
    assert len(result.stderr.splitlines()) == 1
    assert [p.name for p in out.iterdir()] == ["keep.svg"]
    assert (out / "keep.svg").read_text() == "earlier"


@pytest.mark.slow
def test_a_second_input_into_the_same_folder_keeps_the_first_ones_graphs(tmp_path):
    assert run_cli("render", str(DATA / "mixed.py"), "-o", str(tmp_path), "-f", "fine").code == 0
    second = run_cli("render", str(DATA / "needs_args.py"), "-o", str(tmp_path), "-f",
                     "constant")
    assert second.code == 0, second.stderr
    assert (tmp_path / "fine.svg").is_file() and (tmp_path / "constant.svg").is_file()


@pytest.mark.slow
def test_a_function_that_now_fails_keeps_its_last_good_drawing(tmp_path):
    src = tmp_path / "model.py"
    src.write_text("import tensorflow as tf\n\n\n@tf.function\ndef g():\n"
                   "    return tf.constant(1.0)\n")
    out = tmp_path / "out"
    assert run_cli("render", str(src), "-o", str(out)).code == 0
    good = (out / "g.svg").read_bytes()
    src.write_text("import tensorflow as tf\n\n\n@tf.function\ndef g():\n"
                   "    return tf.Variable(1.0) + undefined\n")
    result = run_cli("render", str(src), "-o", str(out))
    assert_clean_error(result, 1, "g: NameError")
    assert (out / "g.svg").read_bytes() == good
    (fn,) = json.loads((out / "manifest.json").read_text())["functions"]
    (cf,) = fn["concrete_functions"]
    assert cf["from_earlier_render"] is True and cf["files"]["svg"] == "g.svg"


@pytest.mark.slow
def test_concurrent_renders_leave_a_manifest_of_files_that_exist(tmp_path):
    env = {**os.environ}
    env.pop("PYTHONHASHSEED", None)
    procs = [subprocess.Popen([sys.executable, "-m", "tfgraphviz", "render",
                               str(DATA / "mixed.py"), "-o", str(tmp_path), "-q", "-f", name],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name in ("fine", "net.apply")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    listed = [f for fn in manifest["functions"] for cf in fn["concrete_functions"]
              for f in cf["files"].values()]
    assert listed and all((tmp_path / f).exists() for f in listed)


@pytest.mark.slow
def test_sigterm_stops_the_run_and_its_dot(tmp_path):
    """A `dot` that takes forever (a stand-in for a huge layout): SIGTERM to tfgraphviz ends
    both at once, with one line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    pidfile = tmp_path / "dot.pid"
    (bindir / "dot").write_text(f'#!/bin/sh\n[ "$1" = -V ] && exit 0\necho $$ > {pidfile}\n'
                                "exec sleep 600\n")
    (bindir / "dot").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONHASHSEED", None)
    proc = subprocess.Popen([sys.executable, "-m", "tfgraphviz", "render",
                             str(EXAMPLES / "control_deps.py"), "-o", str(tmp_path / "o")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    dot_pid = int(pidfile.read_text())
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert err.startswith("tfgraphviz: terminated") and "Traceback" not in err
    time.sleep(0.5)
    status = Path(f"/proc/{dot_pid}/status")
    assert not status.exists() or "State:\tZ" in status.read_text()  # gone (or a zombie)
    assert not list((tmp_path / "o").glob(".*.tmp"))
