"""Where the Python code a tf.function runs comes from: a def or lambda of the user's file, code
made by exec/compile/eval (no source), or a library's function (tf.math.add). One answer for
--list, the explanation's line and whether AutoGraph's code can be shown."""

from __future__ import annotations

import ast
import inspect
import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from tfgraphviz._util.frame import Frame
from tfgraphviz.capture.tfobjects import user_function
from tfgraphviz.errors import PROBE_ERRORS

__all__ = ["Origin", "compiled_here", "origin", "written_frames"]

Where = Literal["file", "exec", "library", "unknown"]  # unknown: probing it raised


@dataclass(frozen=True)
class Origin:
    """The Python function a tf.function runs, as the user would name it."""

    where: Where
    qualname: str  # `f`, `Obj.__call__`, `Cls.method`, `tf.math.add`, `<lambda>`
    line: int  # its first line in the user's file (decorators included); 0 if none
    function: Any  # the function whose code runs (a callable object's __call__); None if C
    package: str = ""  # a library's: "TensorFlow", "numpy"

    @property
    def note(self) -> str:
        """What it is when not simply a def of the file, for --list and the explanation."""
        if self.where == "exec":
            return "defined in exec'd code, no source"
        if self.where == "library":
            return f"{self.qualname} ({self.package}, no source in this file)"
        return ""


_NAMED = {ast.Lambda: "<lambda>", ast.ListComp: "<listcomp>", ast.SetComp: "<setcomp>",
          ast.DictComp: "<dictcomp>", ast.GeneratorExp: "<genexpr>"}


@lru_cache(maxsize=8)
def _spans(path: str, mtime_ns: int) -> dict[str, list[tuple[int, int]]]:
    """Function name -> (first, last) lines of each def, lambda and comprehension of it."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[str, list[tuple[int, int]]] = {}
    for node in ast.walk(tree):
        name = node.name if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
            else _NAMED.get(type(node))
        if name is not None and isinstance(node, ast.expr | ast.stmt):
            first = min([node.lineno, *[d.lineno for d in getattr(node, "decorator_list", [])]])
            found.setdefault(name, []).append((first, node.end_lineno or node.lineno))
    return found


def compiled_here(found: Origin, path: Path) -> bool:
    """Whether exec'd code was compiled under the user file's name: its frames then name lines
    of the file that are not its code."""
    code = getattr(found.function, "__code__", None)
    return found.where == "exec" and code is not None and not code.co_filename.startswith("<") \
        and Path(code.co_filename).resolve() == path.resolve()


def written_frames(frames: list[Frame], path: Path) -> list[Frame]:
    """The frames whose function really is at that line of the file (a def, lambda or
    comprehension of that name spans it), the frames of code compiled under its name left out."""
    try:
        spans = _spans(str(path), path.stat().st_mtime_ns)
    except OSError:
        return []
    return [f for f in frames if any(a <= f.line <= b for a, b in spans.get(f.function, ()))]


def _written_in(code: types.CodeType, path: Path) -> bool:
    """Whether the code object is a def or lambda of the file, not code exec'd or compiled
    under the file's name (whose lines would point at unrelated lines of the file)."""
    try:
        spans = _spans(str(path), path.stat().st_mtime_ns)
    except OSError:
        return False
    return any(first == code.co_firstlineno for first, _ in spans.get(code.co_name, ()))


def _library_name(function: Any) -> tuple[str, str]:
    """(`tf.math.add` or `module.qualname`, the package's name) of a library function."""
    target = function
    try:
        target = inspect.unwrap(function)
    except ValueError:
        pass
    module = str(getattr(target, "__module__", "") or type(target).__module__ or "")
    qualname = str(getattr(target, "__qualname__", "") or getattr(target, "__name__", "?"))
    if module.split(".")[0] == "tensorflow" or module.startswith("keras"):
        from tensorflow.python.util import tf_export

        for candidate in (function, target):
            name = tf_export.get_canonical_name_for_symbol(candidate)
            if name:
                return f"tf.{name}", "TensorFlow"
        if module.startswith("keras"):
            name = tf_export.get_canonical_name_for_symbol(target, api_name="keras")
            return (f"keras.{name}" if name else f"{module}.{qualname}"), "Keras"
        return f"{module}.{qualname}", "TensorFlow"
    top = module.split(".")[0] or "builtins"
    return (f"{module}.{qualname}" if module else qualname), top


def origin(fn: Any, path: Path) -> Origin:
    """Where the code of the tf.function (or plain callable) `fn` comes from; `path` is the
    user's file."""
    try:
        return _origin(fn, path)
    except PROBE_ERRORS:  # user objects may raise (or sys.exit) on any probe
        return Origin("unknown", "", 0, None)


def _origin(fn: Any, path: Path) -> Origin:
    target = user_function(fn)
    qualname = str(getattr(target, "__qualname__", "") or getattr(target, "__name__", ""))
    if not isinstance(target, types.FunctionType | types.BuiltinFunctionType | type) \
            and callable(target):
        call = getattr(type(target), "__call__", None)  # noqa: B004 - the method a callable object runs
        if isinstance(getattr(call, "__code__", None), types.CodeType):
            qualname = f"{type(target).__qualname__}.__call__"
            target = call
    code = getattr(target, "__code__", None)
    if isinstance(code, types.CodeType):
        if Path(code.co_filename) == path or (not code.co_filename.startswith("<") and
                                              Path(code.co_filename).resolve() == path.resolve()):
            if _written_in(code, path):
                return Origin("file", qualname, int(code.co_firstlineno), target)
            return Origin("exec", qualname, 0, target)
        if code.co_filename.startswith("<"):
            return Origin("exec", qualname, 0, target)
    name, package = _library_name(target)
    return Origin("library", name, 0, target, package)
