"""Finding and tracing what users wrote: shadowed tf.functions, Keras fit(), SavedModels,
hostile module objects and files, programs that exit while being traced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import DATA, assert_clean_error, run_cli


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _functions(out: Path) -> dict[str, dict]:
    return {f["name"]: f for f in _manifest(out)["functions"]}


@pytest.mark.slow
def test_shadowed_tf_functions_are_all_drawn(tmp_path):
    result = run_cli("render", str(DATA / "discover_shadowed.py"), "-o", str(tmp_path),
                     "--format", "json")
    functions = _functions(tmp_path)
    # before: only the last binding of each name (f, square) was found
    assert set(functions) == {"f", "f@7", "f@15", "square@23", "square", "lambda@26"}
    assert functions["f@15"]["trace_count"] == 1 and functions["f@15"]["autograph"]
    while_graph = (tmp_path / functions["f@15"]["concrete_functions"][0]["files"]["json"])
    assert '"While"' in while_graph.read_text() or '"StatelessWhile"' in while_graph.read_text()
    assert "square: needs example arguments" in result.stderr  # the last one was never called
    assert result.code == 1 and "internal error" not in result.stderr


@pytest.mark.slow
def test_shadowed_function_selected_by_name(tmp_path):
    result = run_cli("render", str(DATA / "discover_shadowed.py"), "-o", str(tmp_path),
                     "--format", "json", "-f", "f@7", "-f", "square@23")
    assert result.code == 0, result.stderr
    functions = _functions(tmp_path)
    assert set(functions) == {"f@7", "square@23"}
    assert functions["f@7"]["concrete_functions"][0]["signature"] == "(x: float32[])"


@pytest.mark.slow
def test_keras_fit_draws_the_training_function_with_train_step(tmp_path):
    result = run_cli("render", str(DATA / "discover_keras_fit.py"), "-o", str(tmp_path),
                     "--format", "json")
    assert result.code == 0, result.stderr
    fit = _functions(tmp_path)["model.train_function"]
    assert fit["kind"] == "keras_fit" and fit["autograph"] is None and not fit["errors"]
    (cf,) = fit["concrete_functions"]
    text = (tmp_path / cf["files"]["json"]).read_text(encoding="utf-8")
    assert "discover_keras_fit.py:21 in train_step" in text  # the user's gradient line
    graph = json.loads(text)["graph"]
    assert [b["function"] for b in graph["bodies"]] == ["one_step_on_data"]
    assert graph["kind"] == "Keras fit() training function"
    test = _functions(tmp_path)["model.test_function"]  # evaluate() ran at import too
    assert test["kind"] == "keras_evaluate" and test["concrete_functions"]


@pytest.mark.slow
def test_subclassed_keras_models(tmp_path):
    result = run_cli("render", str(DATA / "discover_subclassed.py"), "-o", str(tmp_path),
                     "--format", "json", "-f", "net", "-f", "unbuilt")
    assert result.code == 1 and "internal error" not in result.stderr, result.stderr  # was 70
    functions = _functions(tmp_path)
    assert functions["net"]["concrete_functions"][0]["signature"].endswith(": float32[?,3])")
    # never called: no shape is known, so no made-up TensorSpec is offered as if it worked
    assert 'add --call "unbuilt(...)"' in result.stderr and "TensorSpec(" not in result.stderr
    typo = run_cli("render", str(DATA / "discover_subclassed.py"), "-o", str(tmp_path / "t"),
                   "-f", "Net.cal")
    assert_clean_error(typo, 2, "--function Net.cal", "did you mean Net.call?")


@pytest.mark.slow
def test_fit_never_called_says_so(tmp_path):
    result = run_cli("render", str(DATA / "discover_subclassed.py"), "-o", str(tmp_path),
                     "-f", "net.train_function")
    assert_clean_error(result, 2, "call net.fit(...) in the file")


@pytest.mark.slow
def test_functions_restored_from_a_saved_model(tmp_path):
    result = run_cli("render", str(DATA / "discover_restored.py"), "-o", str(tmp_path),
                     "--format", "json")
    assert result.code == 0, result.stderr  # was exit 1 with "defines no tf.function"
    restored = _functions(tmp_path)["loaded.apply"]
    assert restored["kind"] == "restored"
    assert restored["concrete_functions"][0]["signature"] == "(x: float32[?])"
    called = _functions(tmp_path)["loaded.__call__"]  # a restored object's __call__ too
    assert called["kind"] == "restored" and called["concrete_functions"]


@pytest.mark.slow
def test_local_proxy_at_module_level_is_no_internal_error(tmp_path):
    result = run_cli("render", str(DATA / "discover_localproxy.py"), "-o", str(tmp_path),
                     "--format", "json")
    assert result.code in (0, 1) and "internal error" not in result.stderr, result.stderr
    assert "double" in _functions(tmp_path)


@pytest.mark.slow
def test_user_files_named_like_packages_do_not_replace_them(tmp_path):
    model = DATA / "discover_shadow_pkg" / "model.py"
    result = run_cli("render", str(model), "-o", str(tmp_path / "out"),
                     "--format", "dot,svg,json,tensorboard", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert (tmp_path / "out" / "step.svg").is_file()
    assert any((tmp_path / "out" / "tensorboard" / "step").iterdir())


@pytest.mark.slow
def test_sys_exit_and_generator_exit_while_tracing_are_tracing_errors(tmp_path):
    result = run_cli("render", str(DATA / "discover_exit.py"), "-o", str(tmp_path),
                     "--format", "json", "--call", "exits_on(5)")
    assert result.code == 1, result.stderr  # was exit 0 with no files
    assert "quits: tracing stopped: the code called sys.exit(3)" in result.stderr
    assert "exits_on: tracing stopped: the code called sys.exit(5)" in result.stderr
    assert "generator_exit: tracing stopped: GeneratorExit" in result.stderr
    assert "Traceback" not in result.stderr
    assert "fine" in _functions(tmp_path)


@pytest.mark.slow
def test_sys_exit_in_call_arguments(tmp_path):
    result = run_cli("render", str(DATA / "discover_exit.py"), "-o", str(tmp_path),
                     "-f", "fine", "--call", "takes(stop(4))")
    assert result.code == 2, result.stderr
    assert "evaluating the arguments failed: the code called sys.exit(4)" in result.stderr


@pytest.mark.slow
def test_relative_path_with_dotdot_gives_the_same_output(tmp_path):
    absolute = DATA / "discover_shadowed.py"
    relative = Path("..") / DATA.name / absolute.name
    first = run_cli("render", str(absolute), "-o", str(tmp_path / "a"), "--format", "dot",
                    "-f", "f@15")
    second = run_cli("render", str(relative), "-o", str(tmp_path / "b"), "--format", "dot",
                     "-f", "f@15", cwd=DATA.parent / "golden")
    assert first.code == second.code == 0, (first.stderr, second.stderr)
    name = _functions(tmp_path / "a")["f@15"]["concrete_functions"][0]["files"]["dot"]
    dot = (tmp_path / "a" / name).read_bytes()
    assert dot == (tmp_path / "b" / name).read_bytes()
    assert b"discover_shadowed.py:16" in dot  # the source line of the while loop is kept


@pytest.mark.slow
def test_suggested_call_for_a_shadowed_function_is_accepted(tmp_path):
    first = run_cli("render", str(DATA / "trial_pitfalls.py"), "-o", str(tmp_path / "a"),
                    "--format", "json", "-f", "step@8")
    hint = '--call "step@8(tf.TensorSpec([], tf.float32))"'  # what the later `step` was given
    assert hint in first.stderr
    again = run_cli("render", str(DATA / "trial_pitfalls.py"), "-o", str(tmp_path / "b"),
                    "--format", "json", "-f", "step@8", "--call", hint.split(" ", 1)[1][1:-1])
    assert again.code == 0, again.stderr
    (cf,) = _functions(tmp_path / "b")["step@8"]["concrete_functions"]
    assert cf["signature"] == "(x: float32[])"


@pytest.mark.slow
def test_variable_pitfall_caught_by_the_file_is_still_reported(tmp_path):
    result = run_cli("render", str(DATA / "trial_pitfalls.py"), "-o", str(tmp_path),
                     "--format", "json", "-f", "make")
    assert_clean_error(result, 1, "make: ValueError: tf.function only supports singleton",
                       "at trial_pitfalls.py:22: v = tf.Variable(1.0)")
    make = _functions(tmp_path)["make"]
    assert make["errors"] and make["concrete_functions"]  # the first trace is still drawn


@pytest.mark.slow
def test_import_error_keeps_the_first_line_of_a_long_message(tmp_path):
    result = run_cli("render", str(DATA / "trial_import_error.py"), "-o", str(tmp_path))
    assert_clean_error(result, 2, "Binding inputs to tf.function failed",
                       "trial_import_error.py:11")


# ---- per-trace facts (TracedFunction.traces) -----------------------------------------------

@pytest.fixture(scope="module")
def capture_retraces(tmp_path_factory):
    """tests/data/capture_retraces.py traced as `render` does, by name."""
    from tfgraphviz.capture import capture_file

    return {t.name: t for t in capture_file(DATA / "capture_retraces.py").entries}


def test_every_trace_is_recorded_with_its_parameters(capture_retraces):
    scale = capture_retraces["scale"]
    assert [t.index for t in scale.traces] == [0, 1, 2, 3, 4]
    assert len(scale.traces) == scale.trace_count
    assert [t.graph_index for t in scale.traces] == [0, 1, 2, 3, 4]
    assert [t.signature for t in scale.traces] == [g.signature for g in scale.graphs]
    x = [t.params[0] for t in scale.traces]
    factor = [t.params[1] for t in scale.traces]
    options = [t.params[2] for t in scale.traces]
    assert {p.name for p in x} == {"x"} and {p.kind for p in x} == {"tensor"}
    # trace 1: a Python value 1 -> 2; trace 2: a shape [] -> [2]; trace 3: a dtype
    assert [(p.kind, p.value) for p in factor[:2]] == [("python", "1"), ("python", "2")]
    assert [(p.dtype, p.shape) for p in x] == [("float32", "[]"), ("float32", "[]"),
                                              ("float32", "[2]"), ("int32", "[2]"),
                                              ("int32", "[2]")]
    assert x[0].text == "float32[]" and x[0].value is None
    # trace 4: a new structure
    assert options[3].kind == "python" and options[3].value == "None"
    assert options[4].kind == "structure" and options[4].text == "(int32[], 'fast')"
    assert not any(t.tf_retrace or t.error or t.created_variables for t in scale.traces)


def test_print_sites_name_the_lines_that_printed(capture_retraces):
    traces = capture_retraces["scale"].traces
    assert [(p.line, p.where, p.text) for p in traces[1].prints] == [
        (8, "capture_retraces.py:8", "tracing scale 2"),
        (10, "capture_retraces.py:10", "  shape ()")]
    assert traces[2].prints[1].text == "  shape (2,)"
    assert traces[0].output == "tracing scale 1\n  shape ()\n"


def test_variable_made_on_a_later_call_is_an_error_of_that_trace(capture_retraces):
    late = capture_retraces["late"].traces
    assert [t.created_variables for t in late] == [False, True]
    assert late[0].error is None and late[0].error_kind is None
    assert late[1].error_kind == "variable_creation"
    assert late[1].error_line == 24
    assert "non-first call" in (late[1].error or "")
    assert late[1].error.endswith("at capture_retraces.py:24: v = tf.Variable(1.0)")
    assert not late[1].tf_retrace


def test_tensorflow_traces_again_after_the_first_trace_made_a_variable(traced_examples):
    fix = traced_examples["article_class_fix"].functions["f.__call__"].traces
    assert [(t.created_variables, t.tf_retrace, t.error) for t in fix] == [
        (True, False, None), (False, True, None)]
    assert [t.graph_index for t in fix] == [None, 0]  # the same signature: drawn once
    assert [p.line for t in fix for p in t.prints] == [17, 17]
    fails = traced_examples["article_variable_fails"].functions["f"].traces
    assert [(t.created_variables, t.tf_retrace, t.error_kind, t.error_line) for t in fails] \
        == [(True, False, None, None), (False, True, "variable_creation", 15)]
    assert fails[1].graph_index is None and fails[1].signature == "()"
    assert "only supports singleton tf.Variables" in (fails[1].error or "")


def test_a_failed_trace_keeps_its_signature_output_and_line(capture_retraces):
    broken = capture_retraces["broken"]
    assert len(broken.traces) == 1 and not broken.graphs
    trace = broken.traces[0]
    assert trace.signature == "(x: float32[])" and trace.graph_index is None
    assert trace.error_kind == "other" and trace.error_line == 39
    assert trace.error is not None and trace.error in broken.errors
    assert [(p.line, p.text) for p in trace.prints] == [(38, "tracing broken")]
    assert not trace.created_variables and not trace.tf_retrace


def test_python_objects_are_described_by_their_type_even_once_gone(capture_retraces):
    traces = capture_retraces["configured"].traces
    assert [(p.kind, p.text, p.value) for t in traces for p in t.params[1:]] == [
        ("object", "Python Settings", None), ("object", "Python Settings", None)]
    assert [t.signature for t in traces] == ["(x: float32[], settings: Python object)"] * 2
    assert [t.graph_index for t in traces] == [None, 0]  # one drawing per signature


def test_traces_record_recursion_and_saving():
    from tfgraphviz.capture import capture_file
    from tfgraphviz.capture.hooks.output import captured_output

    for stem, name in (("explain_recursion", "countdown"), ("explain_save", "doubler.__call__")):
        path = DATA / f"{stem}.py"
        with captured_output():
            (traced,) = capture_file(path, [name]).entries
        if name == "countdown":  # in the order traces started: the outermost first
            assert [t.signature for t in traced.traces] == ["(n: 3)", "(n: 2)", "(n: 1)",
                                                            "(n: 0)"]
            assert [t.nested_in for t in traced.traces] == [None, 0, 1, 2]
            assert not any(t.tf_retrace for t in traced.traces)
        else:
            line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                        if "tf.saved_model.save(" in text)
            assert [t.saving_line for t in traced.traces] == [0, line]


# ---- inputs as the program saw them, notes, --skip ------------------------------------------

@pytest.mark.slow
def test_keras_models_are_traced_with_the_inputs_fit_and_the_file_gave(tmp_path):
    result = run_cli("render", str(DATA / "discover_keras_ids.py"), "-o", str(tmp_path),
                     "--format", "json")
    assert result.code == 0, result.stderr
    functions = _functions(tmp_path)
    # fit() gave int64 ids [2, 8], generate_one_step [1, 3]: not a float32 default
    (cf,) = functions["model"]["concrete_functions"]
    assert cf["signature"] == "(args_0: int64[?,?])"
    nodes = json.loads((tmp_path / cf["files"]["json"]).read_text(encoding="utf-8"))["nodes"]
    casts = [n["attrs"] for n in nodes if n.get("op") == "Cast"]
    assert not any(c.get("SrcT") == "float32" for c in casts)  # no Cast that never runs
    (pair,) = functions["pair"]["concrete_functions"]  # two int64 tensors, as it was called
    assert pair["signature"] == "(args_0: (int64[?,2], int64[?,3]))"
    assert "one_step" not in functions  # no call(): nothing to draw, and no hint offered
    assert "TensorSpec(" not in result.stderr
    notes = dict((n["name"], n["note"]) for n in _manifest(tmp_path)["notes"])
    assert notes["one_step"].startswith("skipped: Keras model without a call() method")


def _hint(text: str) -> str:
    import re

    match = re.search(r'--call "([^"]+)"', text)
    assert match, text
    return match.group(1)


@pytest.mark.slow
def test_a_shadowed_definition_never_called_is_a_note_with_a_hint_that_works(tmp_path):
    result = run_cli("render", str(DATA / "discover_notes.py"), "-o", str(tmp_path / "a"),
                     "--format", "json", "--skip", "unused")
    assert result.code == 0, result.stderr  # was exit 1: "needs example arguments"
    assert set(_functions(tmp_path / "a")) == {"train_step"}
    note_line = next(ln for ln in result.stderr.splitlines() if "note: train_step@8:" in ln)
    notes = {n["name"]: n["note"] for n in _manifest(tmp_path / "a")["notes"]}
    assert notes["unused"] == "skipped: left out by --skip unused"
    assert "the file never called" in notes["train_step@8"]
    hint = _hint(notes["train_step@8"])
    assert hint == _hint(note_line) == "train_step@8(tf.TensorSpec([2, 3], tf.float32))"
    again = run_cli("render", str(DATA / "discover_notes.py"), "-o", str(tmp_path / "b"),
                    "--format", "json", "-f", "train_step@8", "--call", hint)
    assert again.code == 0, again.stderr
    (cf,) = _functions(tmp_path / "b")["train_step@8"]["concrete_functions"]
    assert cf["signature"] == "(x: float32[2,3])"
    assert _manifest(tmp_path / "b")["notes"] == []  # named: nothing was left out


@pytest.mark.slow
def test_list_shows_class_methods_f_accepts_and_what_skip_leaves_out(tmp_path):
    listed = run_cli("render", str(DATA / "discover_notes.py"), "--list",
                     "--skip", "train_step")
    assert listed.code == 0, listed.stderr
    lines = dict(ln.split(": ", 1) for ln in listed.stdout.splitlines())
    assert lines["RandAugment.distort"].startswith("tf.function method (line 27); not drawn")
    assert "-f RandAugment.distort makes one with RandAugment()" in lines["RandAugment.distort"]
    assert lines["train_step"] == lines["train_step@8"] == \
        "skipped: left out by --skip train_step"
    drawn = run_cli("render", str(DATA / "discover_notes.py"), "-o", str(tmp_path),
                    "--format", "json", "-f", "RandAugment.distort",
                    "--call", "RandAugment.distort(tf.ones([4, 4, 3]))")
    assert drawn.code == 0, drawn.stderr  # was: the instance made for -f was already gone
    (cf,) = _functions(tmp_path)["RandAugment.distort"]["concrete_functions"]
    assert cf["signature"] == "(image: float32[4,4,3])"


@pytest.mark.slow
def test_skip_mistakes_are_clean_errors(tmp_path):
    typo = run_cli("render", str(DATA / "discover_notes.py"), "-o", str(tmp_path / "a"),
                   "--skip", "unsed")
    assert_clean_error(typo, 2, "--skip unsed: matches no candidate; did you mean unused?")
    both = run_cli("render", str(DATA / "discover_notes.py"), "-o", str(tmp_path / "b"),
                   "-f", "unused", "--skip", "un*")
    assert_clean_error(both, 2, "-f unused and --skip un*")
    assert not (tmp_path / "b").exists()  # checked before the file was imported
