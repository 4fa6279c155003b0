"""Load a Python file as a module and find the tf.functions, tf.Graphs and Keras models in it."""

from __future__ import annotations

import importlib.util
import inspect
import io
import os
import re
import stat
import sys
import tokenize
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfgraphviz.errors import FunctionNotFoundError, NoFunctionsError, SourceFileError


@dataclass
class Target:
    """Something in the user's file that can be drawn."""

    name: str  # how the user names it: "f", "F.__call__", "model"
    kind: str  # "function", "method", "graph", "keras", "plain"
    obj: Any  # tf.function, tf.Graph, Keras model, or plain callable


def _module_name(path: Path) -> str:
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


def load_module(path: Path) -> types.ModuleType:
    """Import the file by its resolved path with its folder on sys.path; errors become
    SourceFileError."""
    path = check_source(path)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceFileError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    sys.modules[name] = module
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
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
    return module


def _describe(exc: BaseException, path: Path) -> str:
    """`Type: message (file.py:LINE)` with the deepest frame of the user's file."""
    message = str(exc).strip().splitlines()
    last = message[-1].strip() if message else ""
    text = last if last.startswith(type(exc).__name__) else type(exc).__name__ + (
        f": {last}" if last else "")
    where = ""
    resolved = str(path.resolve())
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == resolved or frame.filename == str(path):
            where = f" ({path.name}:{frame.lineno})"
    return text + where


def _defined_in(fn: Any, path: Path) -> bool:
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        try:
            source = inspect.getsourcefile(fn)
        except TypeError:
            return False
        return source is not None and Path(source).resolve() == path.resolve()
    return Path(code.co_filename).resolve() == path.resolve()


def _is_tf_function(obj: Any) -> bool:
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    return isinstance(obj, polymorphic_function.Function)


def _is_keras_model(obj: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, keras.Model)


def _is_graph(obj: Any) -> bool:
    import tensorflow as tf

    return isinstance(obj, tf.Graph)


def _methods(owner_name: str, obj: Any, path: Path) -> list[Target]:
    """tf.function methods and attributes of an object that the user's file wrote."""
    found: list[Target] = []
    seen: set[str] = set()
    for cls in type(obj).__mro__:
        for attr, value in vars(cls).items():
            if attr in seen or not _is_tf_function(value):
                continue
            if _defined_in(value.python_function, path):
                seen.add(attr)
                found.append(Target(f"{owner_name}.{attr}", "method", getattr(obj, attr)))
    for attr, value in sorted(getattr(obj, "__dict__", {}).items()):
        if attr in seen or attr.startswith("_") or not _is_tf_function(value):
            continue
        if _defined_in(value.python_function, path):
            found.append(Target(f"{owner_name}.{attr}", "method", value))
    return found


def find_targets(module: types.ModuleType, path: Path) -> list[Target]:
    """Everything drawable that the user's file defines, in the file's order."""
    targets: list[Target] = []
    seen_ids: set[int] = set()

    def add(target: Target) -> None:
        if id(target.obj) not in seen_ids:
            seen_ids.add(id(target.obj))
            targets.append(target)

    for name, obj in list(vars(module).items()):
        if name.startswith("__") or isinstance(obj, types.ModuleType | type):
            continue
        if _is_tf_function(obj):
            if _defined_in(obj.python_function, path):
                add(Target(name, "function", obj))
        elif _is_graph(obj):
            add(Target(name, "graph", obj))
        elif _is_keras_model(obj):
            if getattr(obj, "built", False) and getattr(obj, "inputs", None):
                add(Target(name, "keras", obj))
            for method in _methods(name, obj, path):
                add(method)
        elif type(obj).__module__ == module.__name__:
            for method in _methods(name, obj, path):
                add(method)
        elif _is_tf_module(obj):
            for method in _methods(name, obj, path):
                add(method)
    return targets


def _is_tf_module(obj: Any) -> bool:
    import tensorflow as tf

    return isinstance(obj, tf.Module)


def select_targets(
    module: types.ModuleType, path: Path, names: list[str] | None
) -> list[Target]:
    """The targets named by the user (any callable, even a plain one), or all of them."""
    found = find_targets(module, path)
    if not names:
        if not found:
            raise NoFunctionsError(
                f"{path.name} defines no tf.function, tf.Graph or built Keras model; "
                "decorate a function with @tf.function, or name a plain function with -f NAME "
                "to trace it as one"
            )
        return found
    by_name = {t.name: t for t in found}
    chosen: list[Target] = []
    for name in names:
        target = by_name.get(name) or by_name.get(f"{name}.__call__") or _resolve(module, name)
        if target.name != name and target.name != f"{name}.__call__":
            target = Target(name, target.kind, target.obj)
        chosen.append(target)
    return chosen


def _resolve(module: types.ModuleType, name: str) -> Target:
    """Find `name`, `Class.method` or `obj.method` in the module, even if discovery skipped it."""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        raise FunctionNotFoundError(
            f"--function {name!r} is not a Python name like f or obj.method")
    if parts[0] not in vars(module):
        raise FunctionNotFoundError(_not_found(module, name))
    obj: Any = vars(module)[parts[0]]
    for i, part in enumerate(parts[1:], start=1):
        if isinstance(obj, type):
            obj = _instance_of(module, obj, ".".join(parts[:i]))
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise FunctionNotFoundError(_not_found(module, name)) from None
    if isinstance(obj, type):
        obj = _instance_of(module, obj, name)
    if _is_tf_function(obj):
        return Target(name, "function" if len(parts) == 1 else "method", obj)
    if _is_graph(obj):
        return Target(name, "graph", obj)
    if _is_keras_model(obj):
        return Target(name, "keras", obj)
    if callable(obj):
        return Target(name, "plain", obj)
    raise FunctionNotFoundError(
        f"--function {name}: is a {type(obj).__name__}, not a function, tf.Graph or Keras model"
    )


def _instance_of(module: types.ModuleType, cls: type, name: str) -> Any:
    """A module-level instance of cls, or a new one if cls takes no arguments."""
    for value in vars(module).values():
        if type(value) is cls:
            return value
    try:
        return cls()
    except Exception as exc:  # noqa: BLE001 - user constructor
        raise FunctionNotFoundError(
            f"--function {name}: the file has no instance of {cls.__name__} and "
            f"{cls.__name__}() failed ({type(exc).__name__}); create one at module level "
            "and name it instead, e.g. -f obj.method"
        ) from exc


def _not_found(module: types.ModuleType, name: str) -> str:
    public = sorted(n for n in vars(module) if not n.startswith("_"))
    hint = ", ".join(public[:12]) + (" ..." if len(public) > 12 else "")
    return f"--function {name}: no such name in the file; names there: {hint or '(none)'}"
