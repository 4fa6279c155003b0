"""Finding what a file defines: functions, methods of objects, tf.Graphs, Keras models."""

from __future__ import annotations

import json

import pytest

from tfgraphviz.capture.discover import discover_all
from tfgraphviz.capture.loader import load_module
from tfgraphviz.capture.select import select_targets
from tfgraphviz.errors import FunctionNotFoundError, NoFunctionsError, SourceFileError

from ..conftest import DATA, EXAMPLES, run_cli


def find_targets(module, path):
    """Everything drawable the file defines (what module-level names hold, in the file's
    order, then the tf.functions no name holds any more, `f@LINE`), notes left out."""
    return [t for t in discover_all(module, path)[0] if not t.note]


def _targets(traced_examples, example):
    traced = traced_examples[example]
    return {name: fn.kind for name, fn in traced.functions.items()}


def test_discovers_every_kind(traced_examples):
    assert _targets(traced_examples, "article_tf1_graph") == {"g": "graph"}
    assert _targets(traced_examples, "article_class_fix") == {"f.__call__": "method"}
    assert _targets(traced_examples, "keras_model") == {"model": "keras",
                                                         "serving.predict": "method"}
    assert list(_targets(traced_examples, "loops_and_conds")) == [
        "sum_of_abs", "power", "collatz_steps", "norm", "normalize"]


def test_keras_internals_are_ignored_but_reachable_by_name(traced_examples):
    module = traced_examples["keras_model"].module
    names = [t.name for t in find_targets(module, EXAMPLES / "keras_model.py")]
    assert not any("_" == n.split(".")[-1][:1] for n in names)
    (target,) = select_targets(module, EXAMPLES / "keras_model.py", ["model.call"])
    assert target.kind == "plain"


def test_class_method_uses_the_module_instance():
    module = load_module(DATA / "mixed.py")
    (target,) = select_targets(module, DATA / "mixed.py", ["Model.apply"])
    assert target.name == "Model.apply" and target.kind == "method"
    assert target.obj is module.net.apply


def test_errors_are_user_messages():
    with pytest.raises(SourceFileError, match="no such file"):
        load_module(DATA / "nope.py")
    with pytest.raises(SourceFileError, match=r"syntax_error.py:4: syntax error"):
        load_module(DATA / "syntax_error.py")
    with pytest.raises(SourceFileError, match="ZeroDivisionError"):
        load_module(DATA / "import_error.py")
    module = load_module(DATA / "no_functions.py")
    with pytest.raises(NoFunctionsError, match="-f NAME"):
        select_targets(module, DATA / "no_functions.py", None)
    with pytest.raises(FunctionNotFoundError, match="names there: helper"):
        select_targets(module, DATA / "no_functions.py", ["missing"])


def test_check_source_reports_bad_files_without_tensorflow(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "bad.py").write_bytes(b"x = 1\ny = 2\ns = '\xe9'\n")
    (tmp_path / "nul.py").write_bytes(b"a\0b\n")
    (tmp_path / "syn.py").write_text("x = (\n")
    os.mkfifo(tmp_path / "fifo.py")
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from tfgraphviz.capture.loader import check_source\n"
        "from tfgraphviz.errors import SourceFileError\n"
        "for name in sys.argv[2:]:\n"
        "    try:\n"
        "        check_source(Path(sys.argv[1]) / name)\n"
        "    except SourceFileError as exc:\n"
        "        print(exc)\n"
        "print('tensorflow' in sys.modules)\n")
    names = ["missing.py", ".", "fifo.py", "bad.py", "nul.py", "syn.py"]
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), *names],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 7, out
    assert "missing.py: no such file" in lines[0]
    assert "is a folder" in lines[1]
    assert "fifo.py: is not a regular file" in lines[2]  # and did not hang on the FIFO
    assert "bad.py: cannot be decoded" in lines[3] and "line 3" in lines[3]
    assert "nul.py: is not Python source" in lines[4]
    assert lines[5].startswith("syn.py:1: syntax error")
    assert lines[6] == "False"


def test_check_source_accepts_bom_and_coding_and_resolves(tmp_path):
    from tfgraphviz.capture.loader import check_source

    (tmp_path / "sub").mkdir()
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfx = 1\n")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n")
    assert check_source(bom) == bom.resolve()
    assert check_source(latin) == latin.resolve()
    relative = tmp_path / "sub" / ".." / "bom.py"
    assert check_source(relative) == bom.resolve() and ".." not in str(check_source(relative))
    module = load_module(latin)
    assert module.s == "\xe9"
    assert module.__file__ == str(latin.resolve())


def test_every_created_tf_function_is_found_with_stable_names():
    from tfgraphviz.capture.loader import created_functions

    path = DATA / "discover_shadowed.py"
    module = load_module(path)
    assert [(c.name, c.line) for c in created_functions(module)] == [
        ("f", 7), ("f", 15), ("square", 23), ("square", 25), ("lambda", 26), ("f", 30)]
    targets = find_targets(module, path)
    names = [t.name for t in targets]
    assert names == ["f", "square", "f@7", "f@15", "square@23", "lambda@26"]
    assert [t.shadowed for t in targets] == [False, False, True, True, True, True]
    (chosen,) = select_targets(module, path, ["f@15"])
    assert chosen.obj is created_functions(module)[1].function


def test_list_candidates_says_what_each_is_and_why_skipped():
    from tfgraphviz.capture.listing import list_candidates

    path = DATA / "discover_subclassed.py"
    listed = dict(list_candidates(load_module(path), path))
    assert listed["net"] == "Keras model (forward pass)"
    assert listed["unbuilt"].startswith("skipped: Keras model never called while the file ran")
    assert "TensorSpec(" not in listed["unbuilt"]  # no made-up input shape
    assert "call net.fit(...) in the file" in listed["net.train_function"]
    path = DATA / "discover_shadowed.py"
    listed = dict(list_candidates(load_module(path), path))
    assert listed["f@15"].startswith("tf.function (line 15); no name holds it now")
    assert listed["f@15"].endswith("traced 1 time at import")
    assert listed["square"] == "tf.function (line 25); needs --call (arguments: x)"
    path = EXAMPLES / "article_eager.py"
    listed = dict(list_candidates(load_module(path), path))
    assert listed["f"].startswith("skipped: plain Python function; -f f traces it")


def test_restored_methods_of_vanished_instances_are_listed_as_skipped():
    from tfgraphviz.capture.listing import list_candidates

    path = DATA / "discover_restored.py"
    listed = dict(list_candidates(load_module(path), path))
    assert listed["loaded.apply"] == "function restored from a SavedModel"
    assert listed["loaded.__call__"] == "function restored from a SavedModel"
    # its instance is gone, but tf.saved_model.save traced it: drawn from that trace
    assert listed["Scale.apply@14"].startswith("tf.function method (line 14)")
    # its class is still there and takes no argument: -f Unused.run makes an instance
    assert listed["Unused.run"].startswith("tf.function method (line 30); not drawn unless "
                                           "named: no instance of Unused is left")


def test_hostile_module_objects_are_skipped_not_fatal():
    from tfgraphviz.capture.listing import list_candidates

    path = DATA / "discover_localproxy.py"
    module = load_module(path)
    assert [t.name for t in find_targets(module, path)] == ["double"]
    assert ("request", "skipped: inspecting it raised RuntimeError") in \
        list_candidates(module, path)
    with pytest.raises(FunctionNotFoundError, match="request.x: inspecting it raised"):
        select_targets(module, path, ["request.x"])


def test_bad_names_are_reported_under_the_option_given():
    path = DATA / "discover_shadowed.py"
    module = load_module(path)
    with pytest.raises(FunctionNotFoundError, match=r"^--call g: no such name"):
        select_targets(module, path, ["g"], option="--call")
    with pytest.raises(FunctionNotFoundError, match=r"did you mean f@15"):
        select_targets(module, path, ["f@16"])


@pytest.mark.slow
def test_fit_of_a_model_whose_name_was_rebound_is_still_found(tmp_path):
    """The first model's fit() step function is named after its call and line; the current
    model's is found through the model as before."""
    result = run_cli("render", str(DATA / "discover_keras_refit.py"), "--list")
    assert result.code == 0, result.stderr
    listed = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert {"model.train_function@12", "model.train_function", "model.predict_function"} <= \
        listed
    assert "model.train_function@16" not in listed  # the live model's: not twice
    result = run_cli("render", str(DATA / "discover_keras_refit.py"), "-o", str(tmp_path),
                     "-f", "model.train_function@12", "--format", "json")
    assert result.code == 0, result.stderr
    (fn,) = json.loads((tmp_path / "manifest.json").read_text())["functions"]
    assert fn["kind"] == "keras_fit" and fn["trace_count"] == 1
    model = json.loads((tmp_path / "model.train_function@12.json").read_text())
    kernels = {n.get("variable") for n in model["nodes"]} - {None, ""}
    assert any("dense" in k and "kernel" in k for k in kernels)
    assert not any("dense_2" in k for k in kernels)  # the first model had one Dense layer


@pytest.mark.slow
def test_keras_calls_at_import_are_recorded_as_input_specs():
    import tensorflow as tf

    from tfgraphviz.capture.loader import recorded_inputs

    module = load_module(DATA / "discover_keras_ids.py")
    ids = tf.TensorSpec([None, None], tf.int64)  # [2, 8] by fit(), [1, 3] by the file
    assert recorded_inputs(module.model) == ids
    assert recorded_inputs(module.pair) == (tf.TensorSpec([None, 2], tf.int64),
                                            tf.TensorSpec([None, 3], tf.int64))
    assert recorded_inputs(module.one_step) is None  # never called itself
    import keras

    assert vars(keras.Layer)["__call__"].__qualname__ == "Layer.__call__"  # restored after
