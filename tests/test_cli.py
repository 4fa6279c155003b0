"""The real `python -m tfgraphviz` on real files: outputs, options and every bad input."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import DATA, EXAMPLES, assert_clean_error, run_cli


@pytest.mark.slow
def test_render_writes_every_requested_format(tmp_path):
    out = tmp_path / "out"
    result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(out),
                     "--format", "dot,svg,png,pdf,json,graphml,tensorboard")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    for name in ("step.dot", "step.svg", "step.png", "step.pdf", "step.json", "step.graphml",
                 "step.autograph.py", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "step.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "step.pdf").read_bytes()[:5] == b"%PDF-"
    assert list((out / "tensorboard" / "step").glob("events.out.tfevents.*"))
    assert "def tf__step(x):" in (out / "step.autograph.py").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    (fn,) = manifest["functions"]
    assert fn["name"] == "step" and fn["trace_count"] == 1 and fn["errors"] == []
    (cf,) = fn["concrete_functions"]
    assert cf["signature"] == "(x: float32[])"
    edges = cf["edges"]
    assert edges["user_control"] == 1 and edges["library_control"] > 0
    assert edges["control"] == sum(edges[f"{o}_control"] for o in ("auto", "user", "library",
                                                                     "unknown"))
    assert set(cf["files"]) == {"dot", "svg", "png", "pdf", "json", "graphml", "tensorboard"}
    assert "step input: 3" in manifest["import_output"]  # tf.print ran at import, eagerly


@pytest.mark.slow
def test_manifest_keeps_trace_time_print(tmp_path):
    result = run_cli("render", str(EXAMPLES / "article_class_fix.py"), "-o", str(tmp_path))
    assert result.code == 0, result.stderr
    fn = json.loads((tmp_path / "manifest.json").read_text())["functions"][0]
    assert fn["name"] == "f.__call__" and fn["trace_count"] == 2
    assert fn["trace_outputs"] == ['PRINT:  Tensor("add:0", shape=(2, 2), dtype=float32)\n'] * 2


def test_python_m_and_console_script_agree(tmp_path):
    exe = shutil.which("tfgraphviz", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the console script is not installed (pip install -e .)")
    import subprocess

    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == run_cli("--version").stdout.strip()


def test_help_explains_every_option_with_examples():
    result = run_cli("render", "--help")
    assert result.code == 0
    for option in ("--output", "--function", "--format", "--call", "--layout-timeout",
                   "--debug", "Class.method", "e.g."):
        assert option in result.stdout, option
    explain = run_cli("explain", "--help")
    assert explain.code == 0 and "--json" in explain.stdout and "--call" in explain.stdout
    assert "tfgraphviz explain model.py" in run_cli("--help").stdout


def test_select_functions_by_name_and_method(tmp_path):
    result = run_cli("render", str(DATA / "mixed.py"), "-o", str(tmp_path), "-f", "fine",
                     "-f", "Model.apply")
    assert result.code == 0, result.stderr
    names = [f["name"] for f in json.loads((tmp_path / "manifest.json").read_text())["functions"]]
    assert names == ["fine", "Model.apply"]
    assert (tmp_path / "Model.apply.svg").exists() and not (tmp_path / "broken.svg").exists()


def test_object_method_by_instance_name(tmp_path):
    result = run_cli("render", str(DATA / "mixed.py"), "-o", str(tmp_path), "-f", "net.apply")
    assert result.code == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["functions"][0]["concrete_functions"][0]["signature"] == "(x: float32[])"


@pytest.mark.slow
def test_tracing_error_is_reported_and_others_still_render(tmp_path):
    result = run_cli("render", str(DATA / "mixed.py"), "-o", str(tmp_path))
    assert_clean_error(result, 1, "broken: ValueError", "mixed.py:8")
    assert len(result.stderr.strip().splitlines()) == 2
    assert (tmp_path / "fine.svg").exists() and (tmp_path / "net.apply.svg").exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    broken = next(f for f in manifest["functions"] if f["name"] == "broken")
    assert broken["errors"] and "tf.Variable" in broken["errors"][0]


@pytest.mark.slow
def test_missing_arguments_name_the_exact_option(tmp_path):
    result = run_cli("render", str(DATA / "needs_args.py"), "-o", str(tmp_path))
    # never called: no shape or dtype is known, so the hint is a template, not a guess
    hint = '--call "scale(x=...)"'
    assert_clean_error(result, 1, hint)
    assert (tmp_path / "constant.svg").exists()  # the rest is still rendered
    again = run_cli("render", str(DATA / "needs_args.py"), "-o", str(tmp_path), "--call",
                    "scale(x=tf.TensorSpec(None, tf.float32))")
    assert again.code == 0, again.stderr
    assert (tmp_path / "scale.svg").exists()


def test_call_with_values_and_specs_makes_two_concrete_functions(tmp_path):
    result = run_cli("render", str(DATA / "needs_args.py"), "-o", str(tmp_path), "-f", "scale",
                     "--call", "scale(tf.ones([2, 2]), factor=3.0)",
                     "--call", "scale(tf.TensorSpec([None], tf.int32), 2)")
    assert result.code == 0, result.stderr
    (fn,) = json.loads((tmp_path / "manifest.json").read_text())["functions"]
    sigs = [cf["signature"] for cf in fn["concrete_functions"]]
    assert sigs == ["(x: float32[2,2], factor: 3.0)", "(x: int32[?], factor: 2)"]
    assert (tmp_path / "scale.0.svg").exists() and (tmp_path / "scale.1.svg").exists()


def test_plain_function_by_name(tmp_path):
    result = run_cli("render", str(DATA / "no_functions.py"), "-o", str(tmp_path), "-f",
                     "helper", "--call", "helper(tf.constant(1))")
    assert result.code == 0, result.stderr
    fn = json.loads((tmp_path / "manifest.json").read_text())["functions"][0]
    assert fn["kind"] == "plain" and fn["concrete_functions"][0]["signature"] == "(x: int32[])"


@pytest.mark.slow
@pytest.mark.parametrize(("args", "code", "needle"), [
    (["render", "missing.py"], 2, "missing.py: no such file"),
    (["render", str(DATA / "syntax_error.py")], 2, "syntax_error.py:4: syntax error"),
    (["render", str(DATA / "import_error.py")], 2, "ZeroDivisionError: division by zero"),
    (["render", str(DATA / "no_functions.py")], 2, "defines no tf.function"),
    (["render", str(DATA / "mixed.py"), "-f", "nope"], 2, "--function nope: no such name"),
    (["render", str(DATA / "mixed.py"), "--format", "svg,gif"], 2, "--format gif: unknown"),
    (["render", str(DATA / "mixed.py"), "--call", "fine("], 2, "not a Python call"),
    (["render", str(DATA / "needs_args.py"), "--call", "scale(undefined_name)"], 2,
     "evaluating the arguments failed: NameError"),
    (["render", str(DATA / "mixed.py"), "--layout-timeout", "0"], 2, "--layout-timeout"),
])
def test_bad_input_gives_one_clear_line(tmp_path, args, code, needle):
    result = run_cli(*args, "-o", str(tmp_path / "out"))
    assert_clean_error(result, code, needle)
    assert len(result.stderr.strip().splitlines()) <= 2


def test_import_error_points_at_the_line(tmp_path):
    result = run_cli("render", str(DATA / "import_error.py"), "-o", str(tmp_path))
    assert_clean_error(result, 2, "import_error.py:8")


def test_debug_shows_the_traceback(tmp_path):
    result = run_cli("render", str(DATA / "import_error.py"), "-o", str(tmp_path), "--debug")
    assert result.code != 0 and "Traceback" in result.stderr


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(blocker / "out"))
    assert_clean_error(result, 2, "cannot write into", "choose another folder with -o")
    assert blocker.read_text() == "not a folder"


@pytest.mark.slow
def test_missing_dot_still_writes_dot_and_json(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(sys.executable, bindir / "python")
    result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(tmp_path / "o"),
                     env={"PATH": str(bindir)})
    assert_clean_error(result, 3, "Graphviz's `dot` was not found", "apt-get install graphviz")
    assert len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "o" / "step.dot").exists() and (tmp_path / "o" / "step.json").exists()
    assert not (tmp_path / "o" / "step.svg").exists()


@pytest.mark.slow
def test_layout_timeout_keeps_dot_json_and_the_previous_svg(tmp_path):
    ok = run_cli("render", str(DATA / "big.py"), "-o", str(tmp_path), "--format", "svg,json")
    assert ok.code == 0, ok.stderr
    previous = (tmp_path / "big.svg").read_bytes()
    result = run_cli("render", str(DATA / "big.py"), "-o", str(tmp_path), "--format",
                     "svg,json", "--layout-timeout", "0.001")
    assert_clean_error(result, 1, "did not finish the layout within 0.001 s",
                       "--layout-timeout")
    assert (tmp_path / "big.dot").exists() and (tmp_path / "big.json").exists()
    assert (tmp_path / "big.svg").read_bytes() == previous  # not lost, not half-written
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_rendering_twice_in_fresh_processes_is_byte_identical(tmp_path):
    for run in ("a", "b"):
        result = run_cli("render", str(EXAMPLES / "loops_and_conds.py"), "-o", str(tmp_path / run))
        assert result.code == 0, result.stderr
    for name in sorted(p.name for p in (tmp_path / "a").iterdir() if p.is_file()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.slow
def test_function_files_do_not_depend_on_the_others(tmp_path):
    everything = run_cli("render", str(EXAMPLES / "loops_and_conds.py"), "-o",
                         str(tmp_path / "all"))
    alone = run_cli("render", str(EXAMPLES / "loops_and_conds.py"), "-o", str(tmp_path / "one"),
                    "-f", "collatz_steps")
    assert everything.code == 0 and alone.code == 0
    for name in ("collatz_steps.dot", "collatz_steps.svg", "collatz_steps.json"):
        assert (tmp_path / "all" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


@pytest.mark.slow
def test_svg_from_hostile_strings_is_valid_and_inert(tmp_path):
    import xml.etree.ElementTree as ET

    result = run_cli("render", str(DATA / "hostile.py"), "-o", str(tmp_path))
    assert result.code == 0, result.stderr
    svg = (tmp_path / "evil.svg").read_text()
    root = ET.fromstring(svg)  # well-formed XML
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert not tags & {"script", "foreignObject", "iframe", "object", "embed"}
    for el in root.iter():
        for key, value in el.attrib.items():
            assert not key.rsplit("}", 1)[-1].lower().startswith("on"), key
            if key.endswith("href"):
                assert not value.strip().lower().startswith("javascript"), value
    assert "&lt;script&gt;" in svg  # the text is there, escaped
    json.loads((tmp_path / "evil.json").read_text())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "<script>" in manifest["functions"][0]["trace_outputs"][0]


@pytest.mark.slow
def test_stale_files_of_removed_functions_are_deleted(tmp_path):
    src = tmp_path / "mod.py"
    both = ("import tensorflow as tf\n\n@tf.function\ndef fine():\n    return tf.constant(1)\n"
            "\n@tf.function\ndef gone():\n    return tf.constant(2)\n")
    src.write_text(both)
    out = tmp_path / "out"
    assert run_cli("render", str(src), "-o", str(out)).code == 0
    assert (out / "fine.svg").exists() and (out / "gone.svg").exists()
    src.write_text(both.split("\n@tf.function\ndef gone")[0])  # `gone` removed from the file
    assert run_cli("render", str(src), "-o", str(out), "-f", "fine").code == 0
    assert (out / "gone.svg").exists()  # -f draws only `fine`: the others are kept
    assert run_cli("render", str(src), "-o", str(out)).code == 0
    assert not (out / "gone.svg").exists() and (out / "fine.svg").exists()


def test_default_output_folder(tmp_path):
    shutil.copy(EXAMPLES / "control_deps.py", tmp_path / "cd.py")
    result = run_cli("render", "cd.py", "-q", cwd=tmp_path)
    assert result.code == 0 and result.stdout == ""
    assert (Path(tmp_path) / "tfgraphviz-out" / "cd" / "step.svg").exists()


@pytest.mark.slow
def test_examples_are_listed_with_installed_paths(tmp_path):
    result = run_cli("examples")
    assert result.code == 0
    paths = [ln.split()[1] for ln in result.stdout.splitlines() if ln and not ln.startswith(" ")]
    expected = sorted(p for p in EXAMPLES.glob("*.py") if p.stem != "__init__")
    assert len(paths) == len(expected) >= 10 and all(Path(p).is_file() for p in paths)
    rendered = run_cli("render", next(p for p in paths if p.endswith("control_deps.py")),
                       "-o", str(tmp_path), "-q")
    assert rendered.code == 0 and (tmp_path / "step.svg").exists()


@pytest.mark.slow
def test_traces_caused_by_another_function_are_not_counted(tmp_path):
    everything = run_cli("render", str(DATA / "nested.py"), "-o", str(tmp_path / "all"))
    alone = run_cli("render", str(DATA / "nested.py"), "-o", str(tmp_path / "one"), "-f", "inner")
    assert everything.code == 0 and alone.code == 0, everything.stderr + alone.stderr
    assert not (tmp_path / "all" / "inner.0.svg").exists()
    for name in ("inner.dot", "inner.svg", "inner.json"):
        assert (tmp_path / "all" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    manifests = [json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("all", "one")]
    counts = [next(f for f in m["functions"] if f["name"] == "inner")["trace_count"]
              for m in manifests]
    assert counts == [1, 1]
    outer = next(f for f in manifests[0]["functions"] if f["name"] == "outer")
    assert outer["concrete_functions"][0]["bodies"] == ["StatefulPartitionedCall::callee"] or \
        outer["concrete_functions"][0]["bodies"] == ["PartitionedCall::callee"]


def test_list_prints_every_candidate_and_writes_nothing(tmp_path):
    result = run_cli("render", str(DATA / "mixed.py"), "--list", cwd=tmp_path)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[:3]] == ["broken", "fine", "net.apply"]
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_new_options():
    result = run_cli("render", "--help")
    for option in ("--dpi", "--timeout", "--list"):
        assert option in result.stdout, option


@pytest.mark.slow
def test_explain_prints_one_finding_a_line_and_render_stores_it(tmp_path):
    result = run_cli("explain", str(EXAMPLES / "article_variable_fails.py"), "-o", str(tmp_path))
    assert result.code == 1, result.stderr  # the second trace fails, as the article says
    assert "tf.function only supports singleton tf.Variables" in result.stderr
    lines = result.stdout.splitlines()
    pitfall = [ln for ln in lines if "creates a tf.Variable" in ln]
    assert len(pitfall) == 1 and pitfall[0].startswith("  article_variable_fails.py:15: ")
    fixes = [ln for ln in lines if ": fix " in ln]
    assert len(fixes) == 3 and all("article_variable_fails.py:15:" in ln for ln in fixes)
    assert any(ln.startswith("  article_variable_fails.py:17: `print(") for ln in lines)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["report"] == "report.html" and (tmp_path / "report.html").stat().st_size
    (fn,) = manifest["explain"]["functions"]
    assert fn["name"] == "f" and [t["error_kind"] for t in fn["traces"]] == [
        None, "variable_creation"]
    texts = {f["text"] for f in fn["findings"]}
    assert all(f"  {f['where'] or 'f'}: {f['text']}" in lines for f in fn["findings"]), texts
    quiet = run_cli("render", str(EXAMPLES / "article_variable_fails.py"), "-o",
                    str(tmp_path / "q"), "-q")
    assert quiet.code == 1 and quiet.stdout == ""
    again = json.loads((tmp_path / "q" / "manifest.json").read_text())
    assert again["explain"] == manifest["explain"]  # the same object, in a fresh process


@pytest.mark.slow
def test_explain_json_is_one_object_on_stdout(tmp_path):
    result = run_cli("explain", str(EXAMPLES / "loops_and_conds.py"), "-o", str(tmp_path),
                     "-f", "power", "--json")
    assert result.code == 0, result.stderr
    explanation = json.loads(result.stdout)  # nothing else on stdout
    assert explanation == json.loads((tmp_path / "manifest.json").read_text())["explain"]
    (power,) = explanation["functions"]
    assert [t["cause"] for t in power["traces"]] == [
        None, {"argument": "n", "what": "value", "change": "3 → 5"}]
    assert [t["graph"] for t in power["traces"]] == [0, 1]
    unrolled = [f for f in power["findings"] if f["kind"] == "unrolled"]
    assert [(f["graph"], f["copies"], f["where"]) for f in unrolled] == [
        (0, 3, "loops_and_conds.py:20"), (1, 5, "loops_and_conds.py:20")]
