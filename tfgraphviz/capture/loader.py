"""Load a Python file as a module: check it without TensorFlow, import it by path, and record
every tf.function it creates."""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import os
import re
import stat
import sys
import tokenize
import traceback
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgraphviz.errors import SourceFileError, exception_text


def module_name(path: Path) -> str:
    stem = re.sub(r"\W", "_", path.stem)
    return f"_tfgraphviz_user_{stem}"


def check_source(path: Path) -> Path:
    """The file's fully resolved absolute path, once it is known to be a readable regular
    file that Python compiles; else SourceFileError with one line a user can act on.

    Does not import TensorFlow (so a wrong path is reported at once) and never opens anything
    but a regular file (a FIFO or a device would block). A UTF-8 BOM and a PEP 263 coding
    declaration are honoured as Python honours them."""
    shown = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SourceFileError(f"{shown}: no such file; give the path of a Python file") from None
    except OSError as exc:
        raise SourceFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceFileError(f"{shown}: is a folder; give the path of a Python file")
    if not stat.S_ISREG(info.st_mode):
        raise SourceFileError(f"{shown}: is not a regular file (a pipe, socket or device); "
                              "give the path of a Python file")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        if isinstance(exc, UnicodeDecodeError):
            line = data[:exc.start].count(b"\n") + 1
            reason = f"line {line}: byte 0x{data[exc.start]:02x} is not {exc.encoding}"
        raise SourceFileError(f"{shown}: cannot be decoded as Python source ({reason}); save "
                              "it as UTF-8 or declare its encoding (# -*- coding: ... -*-)"
                              ) from None
    try:
        compile(data, shown, "exec", dont_inherit=True)
    except SyntaxError as exc:
        if exc.lineno is None:  # e.g. null bytes: not a text file at all
            raise SourceFileError(f"{shown}: is not Python source ({exc.msg})") from None
        raise SourceFileError(f"{Path(shown).name}:{exc.lineno}: syntax error: {exc.msg}; "
                              "fix the file and run again") from None
    except ValueError as exc:  # null bytes on some Python versions
        raise SourceFileError(f"{shown}: is not Python source ({exc})") from None
    try:
        return Path(os.path.abspath(path)).resolve()
    except (OSError, RuntimeError) as exc:
        raise SourceFileError(f"{shown}: cannot resolve the path ({exc})") from None


# Modules tfgraphviz imports later: imported before the user's folder goes on sys.path, so a
# user file named tensorboard.py, networkx.py or graphviz.py is never taken for them.
_PRELOAD = ("numpy", "tensorflow", "networkx", "graphviz", "google.protobuf.json_format",
            "tensorboard.compat.proto.attr_value_pb2", "tensorboard.compat.proto.graph_pb2",
            "tensorboard.compat.proto.event_pb2", "tensorboard.compat.proto.tensor_shape_pb2",
            "tensorboard.summary.writer.record_writer")


def _preload() -> None:
    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # optional ones (graphviz); a missing required one fails later
            pass


@dataclass
class Created:
    """A tf.function the user's file created while it was imported."""

    function: Any
    name: str  # the name it was bound to, or its Python function's name
    line: int  # the line of the user's file that defines it
    owner: str = ""  # the class whose body created it (a method), else ""
    call_line: int = 0  # the module-level statement that was running
    bound: list[Any] = field(default_factory=list)  # copies bound to instances (methods)
    keras_step: str = ""  # "keras_fit" etc. for the step function Keras made for a fit()


_CREATED: weakref.WeakKeyDictionary[types.ModuleType, list[Created]] = \
    weakref.WeakKeyDictionary()
# TensorFlow files between the user's `tf.function(...)` and Function.__init__
_API_FILES = frozenset({"polymorphic_function.py", "deprecation.py", "tf_decorator.py",
                        "dispatch.py", "traceback_utils.py", "tf_export.py"})


def created_functions(module: types.ModuleType) -> list[Created]:
    """The tf.functions the module's file created at import, in creation order."""
    return list(_CREATED.get(module, []))


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
                           keras_step=KERAS_KINDS[attr]))


KERAS_KINDS = {"train_function": "keras_fit", "test_function": "keras_evaluate",
               "predict_function": "keras_predict"}


@contextlib.contextmanager
def _watch_creations(path: Path) -> Iterator[list[Created]]:
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
        except Exception:  # noqa: BLE001, S110 - never break the user's import
            pass

    cls.__init__ = init
    try:
        yield created
    finally:
        cls.__init__ = original


# Keras model -> the structure of TensorSpecs its calls during the import were given (its first
# argument, `inputs`): what fit(), predict(), evaluate() and the file's own calls passed
_MODEL_INPUTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def recorded_inputs(model: Any) -> Any:
    """The inputs (a TensorSpec, or a tuple/list/dict of them) a Keras model was called with
    while the file was imported, batch dimension left open and any dimension that differed
    between calls too; None if it was never called."""
    try:
        return _MODEL_INPUTS.get(model)
    except TypeError:  # not weak-referenceable
        return None


def _spec_of(value: Any) -> Any:
    """A TensorSpec for a tensor, NumPy array or Keras symbolic tensor (batch dimension open);
    a composite tensor's own TypeSpec; None stays None; anything else is not recorded."""
    import numpy as np
    import tensorflow as tf

    if value is None:
        return None
    if isinstance(value, tf.Tensor | tf.Variable | np.ndarray) or (
            hasattr(value, "shape") and hasattr(value, "dtype")
            and not isinstance(value, tf.__internal__.CompositeTensor)):
        shape = tf.TensorShape(value.shape)
        if shape.rank:
            shape = tf.TensorShape([None, *shape[1:]])
        return tf.TensorSpec(shape, tf.as_dtype(value.dtype))
    if isinstance(value, tf.__internal__.CompositeTensor):
        return tf.type_spec_from_value(value)
    raise TypeError(f"not a tensor: {type(value).__name__}")


def _note_model_call(model: Any, inputs: Any) -> None:
    import tensorflow as tf

    spec = tf.nest.map_structure(_spec_of, inputs)
    before = _MODEL_INPUTS.get(model)
    if before is not None:
        try:
            tf.nest.assert_same_structure(before, spec)
        except (TypeError, ValueError):
            return  # another structure: the first one is kept
        spec = tf.nest.map_structure(
            lambda a, b: (a if a == b else a.most_specific_common_supertype([b]) or a)
            if a is not None and b is not None else a, before, spec)
    _MODEL_INPUTS[model] = spec


@contextlib.contextmanager
def _watch_model_calls() -> Iterator[None]:
    """Record the inputs of every call of a Keras model while the block runs."""
    try:
        keras: Any = importlib.import_module("keras")  # TensorFlow imported it already
    except Exception:  # noqa: BLE001 - no Keras: no Keras model to watch
        keras = None
    layer: Any = getattr(keras, "Layer", None)
    model_cls: Any = getattr(keras, "Model", None)
    original: Any = vars(layer).get("__call__") if isinstance(layer, type) else None
    if original is None or not isinstance(model_cls, type):
        yield
        return

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, model_cls) and (args or "inputs" in kwargs):
            try:
                _note_model_call(self, args[0] if args else kwargs["inputs"])
            except Exception:  # noqa: BLE001, S110 - never break the user's call
                pass
        return original(self, *args, **kwargs)

    layer.__call__ = call
    try:
        yield
    finally:
        layer.__call__ = original


def load_module(path: Path) -> types.ModuleType:
    """Import the file by its resolved path with its folder on sys.path; errors become
    SourceFileError. Records the tf.functions it creates (see created_functions)."""
    path = check_source(path)
    _preload()
    name = module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceFileError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    sys.modules[name] = module
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        with _watch_creations(path) as created, _watch_model_calls():
            spec.loader.exec_module(module)  # the folder stays on sys.path: tracing may import
    except KeyboardInterrupt:
        sys.modules.pop(name, None)
        raise
    except BaseException as exc:  # noqa: BLE001 - user code may raise anything, SystemExit too
        sys.modules.pop(name, None)
        raise SourceFileError(
            f"importing {path.name} failed: {_describe(exc, path)}; "
            "fix the file (run it with python to see the full traceback) or use --debug"
        ) from exc
    _CREATED[module] = created
    return module


def _describe(exc: BaseException, path: Path) -> str:
    """`Type: message (file.py:LINE)` with the deepest frame of the user's file."""
    text = exception_text(exc)
    where = ""
    resolved = str(path.resolve())
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == resolved or frame.filename == str(path):
            where = f" ({path.name}:{frame.lineno})"
    return text + where


