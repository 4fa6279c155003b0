"""Resolve a name given with -f/--call (`f`, `Class.method`, `obj.attr.method`) to a target."""

from __future__ import annotations

import difflib
import types
from typing import Any

from tfgraphviz.capture.records import Target, TargetKind
from tfgraphviz.capture.tfobjects import (
    KERAS_STEPS,
    fit_function,
    is_graph,
    is_keras_model,
    is_restored,
    is_tf_function,
)
from tfgraphviz.errors import PROBE_ERRORS, FunctionNotFoundError, exception_text


def resolve_name(module: types.ModuleType, name: str, option: str, known: list[str]) -> Target:
    """Find `name`, `Class.method` or `obj.method` in the module, even if discovery skipped it."""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        raise FunctionNotFoundError(_not_found(module, name, option, known) if "@" in name
                                    else f"{option} {name!r} is not a Python name like f or "
                                         "obj.method")
    if parts[0] not in vars(module):
        raise FunctionNotFoundError(_not_found(module, name, option, known))
    obj: Any = vars(module)[parts[0]]
    try:
        for i, part in enumerate(parts[1:], start=1):
            if isinstance(obj, type):
                obj = _instance_of(module, obj, ".".join(parts[:i]), option)
            owner = obj
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise FunctionNotFoundError(_no_attribute(owner, parts, i, option)) from None
            if part in KERAS_STEPS and is_keras_model(owner):
                step_kind, runner, _ = KERAS_STEPS[part]
                fit = fit_function(owner, part)
                if fit is not None:
                    return Target(name, step_kind, fit)
                if obj is None:
                    raise FunctionNotFoundError(
                        f"{option} {name}: {runner}() never ran, so there is no function to "
                        f"draw; call {'.'.join(parts[:i])}.{runner}(...) in the file")
        if isinstance(obj, type):
            obj = _instance_of(module, obj, name, option)
        kind = _kind_of(obj, len(parts))
    except FunctionNotFoundError:
        raise
    except PROBE_ERRORS as exc:  # a hostile object raising on a probe
        raise FunctionNotFoundError(
            f"{option} {name}: inspecting it raised "
            + (f"SystemExit ({exception_text(exc)})" if isinstance(exc, SystemExit)
               else exception_text(exc))) from None
    if kind is None:
        raise FunctionNotFoundError(f"{option} {name}: is a {type(obj).__name__}, not a "
                                    "function, tf.Graph or Keras model")
    return Target(name, kind, obj)


def _kind_of(obj: Any, depth: int) -> TargetKind | None:
    if is_restored(obj):
        return TargetKind.RESTORED
    if is_tf_function(obj):
        return TargetKind.FUNCTION if depth == 1 else TargetKind.METHOD
    if is_graph(obj):
        return TargetKind.GRAPH
    if is_keras_model(obj):
        return TargetKind.KERAS
    return TargetKind.PLAIN if callable(obj) else None


def _no_attribute(owner: Any, parts: list[str], i: int, option: str) -> str:
    """`--function Net.aply: Net has no attribute aply; did you mean Net.apply?`"""
    try:
        names = [n for n in dir(owner) if not n.startswith("_")] + ["__call__"]
    except PROBE_ERRORS:  # hostile __dir__
        names = []
    prefix = ".".join(parts[:i])
    text = f"{option} {'.'.join(parts)}: {prefix} has no attribute {parts[i]}"
    close = difflib.get_close_matches(parts[i], names, n=3)
    if close:
        text += "; did you mean " + " or ".join(f"{prefix}.{c}" for c in close) + "?"
    return text


# instances made for `-f Class.method`: alive as long as the process, as a module-level one
_MADE: list[Any] = []


def _instance_of(module: types.ModuleType, cls: type, name: str, option: str) -> Any:
    """A module-level instance of cls, or a new one if cls takes no arguments."""
    for value in vars(module).values():
        if type(value) is cls:
            return value
    try:
        instance = cls()
        _MADE.append(instance)  # a tf.function method holds its instance weakly only
        return instance
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - user constructor, sys.exit() included
        raise FunctionNotFoundError(
            f"{option} {name}: the file has no instance of {cls.__name__} and "
            f"{cls.__name__}() failed ({type(exc).__name__}); create one at module level "
            "and name it instead, e.g. -f obj.method"
        ) from None


def _not_found(module: types.ModuleType, name: str, option: str, known: list[str]) -> str:
    public = sorted(n for n in vars(module) if not n.startswith("_"))
    close = difflib.get_close_matches(name, sorted(set(known) | set(public)), n=3)
    if close:
        return f"{option} {name}: no such name in the file; did you mean {' or '.join(close)}?"
    listed = known or public
    hint = ", ".join(listed[:12]) + (" ..." if len(listed) > 12 else "")
    return f"{option} {name}: no such name in the file; names there: {hint or '(none)'}"
