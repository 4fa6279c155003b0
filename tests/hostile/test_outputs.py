"""Hostile inputs against the output folder: outputs that never collide, never vanish, never lie
(issue 14). Every test runs the real CLI in a fresh process; a full disk is a real
RLIMIT_FSIZE in the child (SIGXFSZ ignored, so writes fail with EFBIG)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import DATA, EXAMPLES, ROOT, CliResult, assert_clean_error, run_cli
from tfgraphviz.drawing.pages import page_name

HOSTILE = DATA / "hostile_outputs.py"


def _run_limited(max_bytes: int, *args: str) -> CliResult:
    """The real CLI with every file it writes limited to `max_bytes` (a full disk for files
    bigger than that: write() fails with EFBIG)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONHASHSEED", None)
    proc = subprocess.run([sys.executable, "-m", "tfgraphviz", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600, check=False,
                          preexec_fn=limit)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _model(folder: Path, body: str) -> Path:
    """`folder/model.py`: a tf.function `f(x)` with this body, called once."""
    source = folder / "model.py"
    source.write_text(f"import tensorflow as tf\n\n@tf.function\ndef f(x):\n{body}\n"
                      "f(tf.constant(1.0))\n")
    return source


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _listed(manifest: dict) -> dict[str, str]:
    """Every file or folder the manifest lists -> the function that owns it."""
    owner: dict[str, str] = {}
    for fn in manifest["functions"]:
        if fn["autograph"]:
            owner[fn["autograph"]] = fn["name"]
        for cf in fn["concrete_functions"]:
            for rel in cf["files"].values():
                assert rel not in owner, (rel, owner.get(rel), fn["name"])
                owner[rel] = fn["name"]
            for page in cf["view"].get("pages", []):
                assert page not in owner, (page, owner.get(page), fn["name"])
                owner[page] = fn["name"]
    return owner


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliResult, Path]:
    """Functions named `f.svg`, `report.html`, `f.scopes`, `manifest.json` beside `f`, whose
    scopes `a.b/c`, `a/b.c`, `../...` and `.../..` are boxes with pages (--depth 2)."""
    out = tmp_path_factory.mktemp("hostile_outputs") / "out"
    return run_cli("render", str(HOSTILE), "-o", str(out), "--depth", "2"), out


def test_function_names_never_collide_with_other_outputs(hostile_outputs):
    # before: exit 2 "cannot write into .../f.svg ... choose another folder", no manifest
    result, out = hostile_outputs
    assert result.code == 0, result.stderr
    manifest = _manifest(out)
    assert manifest["report"] == "report.html" and (out / "report.html").is_file()
    owner = _listed(manifest)
    names = {fn["name"] for fn in manifest["functions"]}
    assert names == {"f", "f.svg", "report.html", "f.scopes", "manifest.json"}
    assert {owner[rel] for rel in owner if "/" in rel and not rel.startswith("tensorboard/")
            } == names  # every function has drill-down pages of its own
    for rel in owner:
        assert (out / rel).exists(), rel
        assert rel not in ("manifest.json", "report.html", "tensorboard")


def test_drill_down_pages_are_one_per_scope(hostile_outputs):
    # before: `a.b/c` and `a/b.c` both linked to f/scopes/a.b.c.svg, `../...` and `.../..` to
    # one page too: 2 pages for 4 boxes
    _, out = hostile_outputs
    (cf,) = next(fn for fn in _manifest(out)["functions"] if fn["name"] == "f")[
        "concrete_functions"]
    svg = (out / cf["files"]["svg"]).read_text(encoding="utf-8")
    links = [unquote(link) for link in re.findall(r'xlink:href="([^"#]+\.svg)"', svg)]
    assert len(links) == len(set(links)) == 4, links
    assert sorted(links) == sorted(cf["view"]["pages"])
    for link in links:
        name = Path(link).name
        assert (out / link).is_file() and ".." not in name and not name.startswith(".")


@pytest.mark.parametrize(("a", "b"), [
    ("a.b/c", "a/b.c"), ("../...", ".../.."), ("a::b", "a/b"), ("a::b", "a.b"),
    ("a b", "a%20b"), ("", "/"), ("x" * 300, "x" * 299 + "y"), ("a/", "a")])
def test_page_names_are_injective_and_safe(a, b):
    names = {page_name(a), page_name(b), page_name(a, 3), page_name(b, 3)}
    assert len(names) == 4, names
    for name in names:
        assert ".." not in name and not name.startswith(".") and "/" not in name
        assert 0 < len(name) <= 120 and name == name.strip()
    assert page_name("conv2_block1/1_conv") == "conv2_block1.1_conv"  # still readable


def test_pages_are_written_before_the_overview_that_links_to_them(hostile_outputs):
    # after SIGKILL the overview could link to pages never written: it is written last now
    _, out = hostile_outputs
    for fn in _manifest(out)["functions"]:
        for cf in fn["concrete_functions"]:
            overview = os.stat(out / cf["files"]["svg"]).st_mtime_ns
            assert all(os.stat(out / p).st_mtime_ns <= overview for p in cf["view"]["pages"])


@pytest.mark.slow
def test_report_written_on_every_render_whatever_the_function_names(hostile_outputs, tmp_path):
    # before: a function named report.html made report.html unwritable on every render
    _, first = hostile_outputs
    out = tmp_path / "out"
    shutil.copytree(first, out)
    again = run_cli("render", str(HOSTILE), "-o", str(out), "--depth", "2")
    assert again.code == 0, again.stderr
    assert (out / "report.html").is_file() and _manifest(out)["report"] == "report.html"


@pytest.mark.slow
def test_a_folder_in_the_way_of_the_report_is_one_clear_output_error(tmp_path):
    # before: "report.html not written: internal error OutputError ... please report it", exit 1
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)
    (out / "report.html" / "mine.txt").write_text("the user's")
    result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out))
    assert_clean_error(result, 2, "report.html", "Is a directory")
    assert "internal error" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert (out / "report.html" / "mine.txt").read_text() == "the user's"
    manifest = _manifest(out)
    assert "report" not in manifest
    assert all((out / rel).exists() for rel in _listed(manifest))


@pytest.mark.slow
def test_a_full_disk_for_the_report_is_one_clear_output_error(tmp_path):
    # before: "internal error OutputError: cannot write .../report.html: File too large"
    out = tmp_path / "out"
    result = _run_limited(400_000, "render", str(EXAMPLES / "control_deps.py"), "-o", str(out))
    assert_clean_error(result, 2, "report.html", "File too large")
    assert "internal error" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (out / "report.html").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    manifest = _manifest(out)
    assert manifest["functions"] and all((out / rel).exists() for rel in _listed(manifest))


@pytest.mark.slow
def test_one_unwritable_file_does_not_stop_the_others(tmp_path):
    # before: the first unwritable path ended the render (exit 2, no manifest, no report)
    out = tmp_path / "out"
    (out / "f.svg.json").mkdir(parents=True)  # a folder in the way of one function's JSON
    result = run_cli("render", str(HOSTILE), "-o", str(out))
    assert_clean_error(result, 2, "f.svg.json")
    assert len(result.stderr.splitlines()) == 1
    manifest = _manifest(out)
    assert manifest["report"] == "report.html"
    names = {fn["name"] for fn in manifest["functions"] if fn["concrete_functions"]}
    assert {"f", "report.html", "f.scopes", "manifest.json"} <= names
    assert all((out / rel).exists() for rel in _listed(manifest))


@pytest.mark.slow
def test_dash_f_replaces_only_that_functions_files(hostile_outputs, tmp_path):
    # before: `-f f` deleted every other function's files and dropped them from the manifest
    _, first = hostile_outputs
    out = tmp_path / "out"
    shutil.copytree(first, out)
    before = _listed(_manifest(out))
    again = run_cli("render", str(HOSTILE), "-o", str(out), "-f", "f", "--depth", "2")
    assert again.code == 0, again.stderr
    manifest = _manifest(out)
    after = _listed(manifest)
    assert {rel: fn for rel, fn in before.items() if fn != "f"} == {
        rel: fn for rel, fn in after.items() if fn != "f"}
    assert all((out / rel).exists() for rel in after)
    assert sorted(fn["name"] for fn in manifest["functions"]) == sorted(
        {"f", "f.svg", "report.html", "f.scopes", "manifest.json"})
    assert sorted(e["name"] for e in manifest["explain"]["functions"]) == sorted(
        fn["name"] for fn in manifest["functions"])
    meta = re.search(r'<script type="application/json" id="tfg-meta">(.*?)</script>',
                     (out / "report.html").read_text(encoding="utf-8")).group(1)
    shown = {fn["name"]: len(fn["graphs"]) for fn in json.loads(meta)["functions"]}
    assert shown == {"f": 1, "f.svg": 1, "report.html": 1, "f.scopes": 1, "manifest.json": 1}


@pytest.mark.slow
def test_concurrent_dash_f_renders_into_one_folder_keep_every_function(tmp_path):
    # before: all three exited 0 and left one function's files
    out = tmp_path / "out"
    env = {**os.environ}
    env.pop("PYTHONHASHSEED", None)
    procs = [subprocess.Popen([sys.executable, "-m", "tfgraphviz", "render", str(HOSTILE),
                               "-o", str(out), "-f", name], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("f", "f.svg", "report.html")]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    manifest = _manifest(out)
    assert sorted(fn["name"] for fn in manifest["functions"]) == ["f", "f.svg", "report.html"]
    owner = _listed(manifest)
    assert set(owner.values()) == {"f", "f.svg", "report.html"}
    assert all((out / rel).exists() for rel in owner)


@pytest.mark.slow
def test_leftover_temporary_files_of_this_tool_are_cleaned(tmp_path):
    # before: a `.report.html.<random>.tmp` left by SIGKILL stayed for ever
    out = tmp_path / "out"
    first = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out))
    assert first.code == 0, first.stderr
    ours = [out / ".report.html.k2j4x_9a.tmp", out / ".step.svg.abcdefgh.tmp",
            out / ".manifest.json.zz11zz11.tmp"]
    theirs = [out / ".notes.txt.abcdefgh.tmp", out / ".report.html.tmp", out / "x.tmp"]
    for path in ours + theirs:
        path.write_text("partial")
    again = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out))
    assert again.code == 0, again.stderr
    assert not [p for p in ours if p.exists()]
    assert all(p.read_text() == "partial" for p in theirs)


@pytest.mark.slow
def test_a_dangling_symlink_output_is_refused_before_tracing(tmp_path):
    # before: refused only after tracing, with "[Errno 17] File exists"
    marker = tmp_path / "imported"
    source = tmp_path / "model.py"
    source.write_text("import pathlib\nimport tensorflow as tf\n"
                      f"pathlib.Path({str(marker)!r}).write_text('yes')\n"
                      "@tf.function\ndef f():\n    return tf.constant(1)\n")
    out = tmp_path / "out"
    os.symlink(tmp_path / "missing", out)
    result = run_cli("render", str(source), "-o", str(out))
    assert_clean_error(result, 2, str(out), "symbolic link", "-o")
    assert "File exists" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not marker.exists() and not (tmp_path / "missing").exists()


@pytest.mark.slow
def test_waiting_for_another_render_is_said_and_counted_in_the_timeout(tmp_path):
    # before: silent, and the wait was outside --timeout (it waited for ever)
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another render holds the folder
        start = time.monotonic()
        result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out),
                         "--timeout", "40")
        elapsed = time.monotonic() - start
    finally:
        os.close(fd)
    assert_clean_error(result, 2, "waiting for another render", "did not finish within 40 s",
                       "--timeout")
    assert result.stdout.count("waiting for another render") == 1  # said once
    assert elapsed < 100
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_a_full_disk_on_a_re_render_keeps_each_functions_earlier_files_as_a_set(tmp_path):
    # before: the small new f.autograph.py was written, then the bigger graphs failed: new
    # AutoGraph code beside the old graphs
    source = _model(tmp_path, "    return x * 2.0\n")
    out = tmp_path / "out"
    first = run_cli("render", str(source), "-o", str(out))
    assert first.code == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith("f.")}
    _model(tmp_path, "    for _ in tf.range(3):\n        x = tf.nn.relu(x * 2.0 + 1.0)\n"
                     "    return x\n")
    again = _run_limited(6000, "render", str(source), "-o", str(out))
    assert_clean_error(again, 2, "File too large")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith("f.")} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_megabytes_printed_while_tracing_are_cut_not_copied_into_every_file(tmp_path):
    # before: 3 MB printed became about 20 MB of files (the manifest, JSON, GraphML, the
    # TensorBoard run and the report each kept a copy)
    source = _model(tmp_path, "    print('x' * 3_000_000)\n    return x + 1.0\n")
    out = tmp_path / "out"
    result = run_cli("render", str(source), "-o", str(out), "--format", "svg,json,graphml")
    assert result.code == 0, result.stderr
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 2_000_000, total
    (fn,) = _manifest(out)["functions"]
    assert "more characters printed, not kept" in fn["trace_outputs"][0]
    assert fn["trace_outputs"][0].startswith("x" * 1000)
