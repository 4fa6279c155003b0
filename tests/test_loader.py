"""Finding what a file defines: functions, methods of objects, tf.Graphs, Keras models."""

from __future__ import annotations

import pytest

from tfgraphviz.errors import FunctionNotFoundError, NoFunctionsError, SourceFileError
from tfgraphviz.loader import find_targets, load_module, select_targets

from .conftest import DATA, EXAMPLES


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
