"""The hook on tf.function's constructor: every tf.function the user's file creates while it
is imported (shadowed definitions, methods and their bound copies, Keras' fit() step functions),
with the name and line that made it."""

from __future__ import annotations

import ast
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgraphviz.capture.records import TargetKind
from tfgraphviz.errors import PROBE_ERRORS

__all__ = ["Created", "watch_creations"]


@dataclass
class Created:
    """A tf.function the user's file created while it was imported."""

    function: Any
    name: str  # the name it was bound to, or its Python function's name
    line: int  # the line of the user's file that defines it
    owner: str = ""  # the class whose body created it (a method), else ""
    call_line: int = 0  # the module-level statement that was running
    bound: list[Any] = field(default_factory=list)  # copies bound to instances (methods)
    keras_step: TargetKind | None = None  # the step function Keras made for a fit() etc.


# TensorFlow files between the user's `tf.function(...)` and Function.__init__
_API_FILES = frozenset({"polymorphic_function.py", "deprecation.py", "tf_decorator.py",
                        "dispatch.py", "traceback_utils.py", "tf_export.py"})


def _statements(path: Path) -> dict[int, tuple[str, int]]:
    """line -> (name, line) for decorated defs and `name = ...` statements of the file."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[int, tuple[str, int]] = {}
    for node in ast.walk(tree):  # breadth first: inner statements overwrite outer ones
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
            first = min(d.lineno for d in node.decorator_list)
            for line in range(first, node.lineno + 1):
                found[line] = (node.name, node.lineno)
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                found[line] = (node.targets[0].id, node.lineno)
    return found


def _note_creation(function: Any, path: Path, tf_dir: str,
                   statements: dict[int, tuple[str, int]], created: list[Created]) -> None:
    """Record `function` if the user's file asked for it with tf.function (not TensorFlow,
    tf.data or Keras making their own), or a copy bound to an instance of its class."""
    frame = sys._getframe(2)
    if frame.f_code.co_name == "class_method_to_instance_method":
        original = frame.f_locals.get("original_function")
        for entry in created:
            if entry.function is original:
                entry.bound.append(function)
        return
    while frame is not None and frame.f_code.co_filename.startswith(tf_dir):
        if Path(frame.f_code.co_filename).name not in _API_FILES:
            return  # made inside TensorFlow (tf.data, tf.saved_model.save, ...)
        frame = frame.f_back  # type: ignore[assignment]
    if frame is not None and frame.f_code.co_filename != str(path):
        _note_keras_step(function, frame, path, created)
        return
    if frame is None:
        return
    user_frames = []
    probe: Any = frame
    while probe is not None:
        if probe.f_code.co_filename == str(path):
            user_frames.append(probe)
        probe = probe.f_back
    owner = ""
    if frame.f_code.co_name != "<module>" and "__qualname__" in frame.f_locals:
        owner = str(frame.f_locals["__qualname__"])
    where = statements.get(frame.f_lineno)
    if where is None and owner == "":
        where = statements.get(user_frames[-1].f_lineno)
    python_name = getattr(function.python_function, "__name__", "function")
    name, line = where or (python_name, user_frames[-1].f_lineno)
    created.append(Created(function, re.sub(r"\W", "", str(name)) or "function", line, owner,
                           user_frames[-1].f_lineno))


# Keras' own tf.functions that run a whole fit()/evaluate()/predict() step, by what makes them
_KERAS_MAKERS = {"make_train_function": ("fit", "train_function"),
                 "make_test_function": ("evaluate", "test_function"),
                 "make_predict_function": ("predict", "predict_function")}
_KERAS_OUTER = {"multi_step_on_iterator", "one_step_on_data_distributed", "multi_step_on_data"}


def _note_keras_step(function: Any, frame: Any, path: Path, created: list[Created]) -> None:
    """Record the step function Keras made for a `model.fit(...)` (evaluate, predict) of the
    user's file, named `model.train_function` after the call: it stays drawable when the name
    `model` is later bound to another model."""
    if getattr(function.python_function, "__name__", "") not in _KERAS_OUTER:
        return
    maker = None
    probe: Any = frame
    while probe is not None and probe.f_code.co_filename != str(path):
        maker = maker or _KERAS_MAKERS.get(probe.f_code.co_name)
        probe = probe.f_back
    if maker is None or probe is None:
        return
    method, attr = maker
    line = probe.f_lineno
    owner = "model"
    try:
        tree = ast.parse(path.read_bytes())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == method and node.lineno <= line
                    <= (node.end_lineno or node.lineno)):
                owner = ast.unparse(node.func.value)
                break
    except (OSError, SyntaxError, ValueError):
        pass
    while probe.f_back is not None and probe.f_back.f_code.co_filename == str(path):
        probe = probe.f_back  # the module-level statement that was running
    created.append(Created(function, f"{owner}.{attr}", line, "", probe.f_lineno,
                           keras_step=TargetKind.of_keras_step(attr)))


@contextlib.contextmanager
def watch_creations(path: Path) -> Iterator[list[Created]]:
    """Record every tf.function the file creates while the block runs."""
    import tensorflow as tf
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    cls = polymorphic_function.Function
    original = cls.__dict__["__init__"]
    tf_dir = str(Path(tf.__file__).parent) + os.sep
    created: list[Created] = []
    statements: dict[int, tuple[str, int]] | None = None

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal statements
        original(self, *args, **kwargs)
        if type(self) is not cls:
            return  # restored from a SavedModel: found through the objects holding them
        try:
            if statements is None:
                statements = _statements(path)
            _note_creation(self, path, tf_dir, statements, created)
        except PROBE_ERRORS:  # never break the user's import
            pass

    cls.__init__ = init
    try:
        yield created
    finally:
        cls.__init__ = original


