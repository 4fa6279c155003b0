"""Find what a loaded file defines that can be drawn: tf.functions (shadowed ones too), methods,
tf.Graphs, Keras models and fit() functions, restored SavedModel functions."""

from __future__ import annotations

import inspect
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfgraphviz.errors import NoFunctionsError
from tfgraphviz.loader import Created, created_functions


@dataclass
class Target:
    """Something in the user's file that can be drawn."""

    name: str  # how the user names it: "f", "F.__call__", "model"
    kind: str  # "function", "method", "graph", "keras", "plain"
    obj: Any  # tf.function, tf.Graph, Keras model, or plain callable
    shadowed: bool = False  # no name holds it now: drawn from the traces the import made


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
    for attr, value in sorted(_instance_dict(obj).items()):
        if attr in seen or attr.startswith("_") or not _is_tf_function(value):
            continue
        if _defined_in(value.python_function, path):
            found.append(Target(f"{owner_name}.{attr}", "method", value))
    return found


def _instance_dict(obj: Any) -> dict[str, Any]:
    """The object's own attributes without running any descriptor or __getattr__ of it."""
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return {}
    return dict(attrs) if isinstance(attrs, dict) else {}


def _is_restored(obj: Any) -> bool:
    from tensorflow.python.saved_model.function_deserialization import RestoredFunction

    return isinstance(obj, RestoredFunction)


def _restored(owner_name: str, obj: Any) -> list[Target]:
    """Functions of an object loaded with tf.saved_model.load."""
    found = [Target(f"{owner_name}.{attr}", "restored", value)
             for attr, value in sorted(_instance_dict(obj).items())
             if (not attr.startswith("_") or attr == "__call__") and _is_restored(value)]
    return found


# Keras' step functions: model attribute -> (target kind, the method that traces it, the
# model's method it runs)
KERAS_STEPS = {"train_function": ("keras_fit", "fit", "train_step"),
               "test_function": ("keras_evaluate", "evaluate", "test_step"),
               "predict_function": ("keras_predict", "predict", "predict_step")}


def _fit_function(model: Any, attr: str = "train_function") -> Any:
    """The tf.function Keras' fit() (evaluate(), predict()) traced: `attr`, or the tf.function
    it wraps; None when it never ran."""
    function = _instance_dict(model).get(attr)
    if function is None or _is_tf_function(function):
        return function
    cells = [c.cell_contents for c in getattr(function, "__closure__", None) or ()
             if _cell_filled(c)]
    candidates = [c for c in cells if _is_tf_function(c)]
    for preferred in ("multi_step_on_iterator", "one_step_on_iterator"):
        for candidate in candidates:
            if getattr(candidate.python_function, "__name__", "") == preferred:
                return candidate
    return candidates[0] if candidates else None


def _cell_filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - raises ValueError for an empty cell
    except ValueError:
        return False
    return True


def _library_of(fn: Any) -> str:
    """Where a tf.function the file did not write comes from, for --list."""
    module = str(getattr(getattr(fn, "python_function", fn), "__module__", "") or "")
    if module:
        return f"defined in {module.split('.')[0]} (library)"
    return "defined outside this file"


def _covers(target: Target, created: Created) -> bool:
    """Whether the target is the created tf.function or an instance's bound copy of it."""
    if target.obj is created.function:
        return True
    cache = getattr(created.function, "_descriptor_cache", None)
    try:
        return cache is not None and any(v is target.obj for v in list(cache.values()))
    except Exception:  # noqa: BLE001 - a weak dictionary changing size
        return False


def _probe(name: str, obj: Any, module: types.ModuleType, path: Path,
           add: Any, skip: Any) -> None:
    """Classify one module-level object (may raise: the caller guards it)."""
    if isinstance(obj, types.ModuleType | type):
        return
    if isinstance(obj, types.FunctionType):
        if _defined_in(obj, path):
            skip(name, f"skipped: plain Python function; -f {name} traces it as if decorated "
                       "with @tf.function")
        return
    if _is_restored(obj):
        add(Target(name, "restored", obj))
    elif _is_tf_function(obj):
        if _defined_in(obj.python_function, path):
            add(Target(name, "function", obj))
        else:
            skip(name, f"skipped: tf.function {_library_of(obj)}")
    elif _is_graph(obj):
        add(Target(name, "graph", obj))
    elif _is_keras_model(obj):
        if keras_input_specs(obj) is not None:
            add(Target(name, "keras", obj))
        else:
            built = _instance_dict(obj).get("built", False)
            state = ("built, but Keras kept no record of its input shapes" if built else
                     "not built yet")
            skip(name, f"skipped: Keras model {state}; draw it with -f {name} --call "
                       f"\"{name}(tf.TensorSpec([None, 3], tf.float32))\" (your input shape)")
        for attr, (step_kind, runner, step) in KERAS_STEPS.items():
            fit = _fit_function(obj, attr)
            if fit is not None:
                add(Target(f"{name}.{attr}", step_kind, fit))
            elif type(obj).__module__ == module.__name__ and step in vars(type(obj)):
                skip(f"{name}.{attr}", f"skipped: its {step} never ran; call "
                                       f"{name}.{runner}(...) in the file")
        for method in _methods(name, obj, path):
            add(method)
    elif type(obj).__module__ == module.__name__ or _is_tf_module(obj):
        for method in _methods(name, obj, path):
            add(method)
    elif type(obj).__module__.startswith("tensorflow.python.saved_model"):
        for restored in _restored(name, obj):
            add(restored)


def _discover(module: types.ModuleType, path: Path
              ) -> tuple[list[Target], list[tuple[str, str]]]:
    """Targets in the file's order, then the candidates skipped and why."""
    targets: list[Target] = []
    skipped: list[tuple[str, str]] = []
    seen_ids: set[int] = set()

    def add(target: Target) -> None:
        if id(target.obj) not in seen_ids:
            seen_ids.add(id(target.obj))
            targets.append(target)

    def skip(name: str, why: str) -> None:
        skipped.append((name, why))

    for name, obj in list(vars(module).items()):
        if name.startswith("__"):
            continue
        try:
            _probe(name, obj, module, path, add, skip)
        except Exception as exc:  # noqa: BLE001 - a proxy object may raise on any probe
            skip(name, f"skipped: inspecting it raised {type(exc).__name__}")
    names = {t.name for t in targets}
    for created in created_functions(module):
        if any(_covers(t, created) for t in targets):
            continue
        if created.keras_step:  # a fit() of a model no name holds any more
            add(Target(_unique(f"{created.name}@{created.line}", created, names),
                       created.keras_step, created.function, shadowed=True))
            continue
        if created.owner:
            method = f"{created.owner}.{created.name}"
            copies = [b for b in created.bound if not any(t.obj is b for t in targets)
                      and (_instance_alive(b) or _traced(b))]  # drawn from its traces
            if not copies:
                current = vars(module).get(created.owner)
                fresh = (isinstance(current, type)
                         and vars(current).get(created.name) is created.function)
                skip(method, f"skipped: method of {created.owner} (line {created.line}) and no "
                             "instance of it is left to draw it with"
                             + (f"; -f {method} makes one" if fresh else ""))
            for copy in copies:
                add(Target(_unique(f"{method}@{created.line}", created, names), "method", copy,
                           shadowed=True))
            continue
        name = _unique(f"{created.name}@{created.line}", created, names)
        add(Target(name, "function", created.function, shadowed=True))
    return targets, skipped


def _instance_alive(bound: Any) -> bool:
    """Whether the instance a method's bound copy belongs to still exists (its variables
    are gone with it, and its traces cannot be drawn any more)."""
    try:
        function = bound.python_function
        method = getattr(function, "__original_wrapped__", function.__wrapped__)
        target = method.__self__.weakrefself_target__
        return target() is not None
    except Exception:  # noqa: BLE001 - another TensorFlow layout: assume it does
        return True


def _unique(name: str, created: Created, names: set[str]) -> str:
    """`f@12`, or `f@12:30` (the module-level line that ran) if taken, then `~2`, `~3`..."""
    if name in names:
        name = f"{name}:{created.call_line}"
    base, n = name, 2
    while name in names:
        name, n = f"{base}~{n}", n + 1
    names.add(name)
    return name


def find_targets(module: types.ModuleType, path: Path) -> list[Target]:
    """Everything drawable that the user's file defines: what module-level names hold, in
    the file's order, then the tf.functions it created that no name holds any more (shadowed
    by a later definition of the same name, or never bound), named `f@LINE` in file order."""
    return _discover(module, path)[0]


_KIND_TEXT = {
    "function": "tf.function", "method": "tf.function method", "graph": "tf.Graph",
    "keras": "Keras model (forward pass)", "plain": "Python function traced as a tf.function",
    "keras_fit": "the training function Keras' fit() traced (with the model's train_step)",
    "keras_evaluate": "the function Keras' evaluate() traced (with the model's test_step)",
    "keras_predict": "the function Keras' predict() traced (with the model's predict_step)",
    "restored": "function restored from a SavedModel",
}


def list_candidates(module: types.ModuleType, path: Path) -> list[tuple[str, str]]:
    """Everything `render` would draw, then everything it skipped, for `--list`.

    Returns (name, description) pairs: first one per target, in the order render draws them,
    where name is what `-f` accepts (`f`, `f@12` for a shadowed definition, `obj.method`,
    `model.train_function`) and description says what it is, e.g. "tf.function (line 12)";
    then one per skipped candidate, whose description starts with "skipped: " and says why
    (e.g. "skipped: tf.function defined in keras (library)"). Never imports or traces again:
    the module is the one load_module returned."""
    targets, skipped = _discover(module, path)
    lines = {id(f): c.line for c in created_functions(module) for f in [c.function, *c.bound]}
    result = []
    for target in targets:
        text = _KIND_TEXT.get(target.kind, target.kind)
        line = lines.get(id(target.obj))
        if line:
            text += f" (line {line})"
        if target.shadowed:
            text += "; no name holds it now (shadowed or never bound): drawn as the file traced it"
        if target.kind in ("function", "method", "plain") or target.kind.startswith("keras_"):
            text += _tracing_note(target.obj)
        result.append((target.name, text))
    return result + skipped


def _traced(fn: Any) -> bool:
    try:
        return int(fn.experimental_get_tracing_count()) > 0
    except Exception:  # noqa: BLE001 - another TensorFlow layout
        return False


def _tracing_note(fn: Any) -> str:
    """`; traced 2 times at import` or `; needs --call (arguments: x)` for --list."""
    try:
        count = int(fn.experimental_get_tracing_count())
    except Exception:  # noqa: BLE001 - a plain callable, or a TensorFlow without the method
        count = 0
    if count:
        return f"; traced {count} time{'s' if count > 1 else ''} at import"
    return _needs_arguments(fn)


def _needs_arguments(fn: Any) -> str:
    """A note for --list when tracing needs arguments the file may not have given."""
    if getattr(fn, "input_signature", None) is not None:
        return ""
    try:
        params = inspect.signature(getattr(fn, "python_function", fn)).parameters.values()
    except (TypeError, ValueError):
        return ""
    required = [p.name for p in params if p.default is inspect.Parameter.empty
                and p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not required:
        return ""
    return f"; needs --call (arguments: {', '.join(required)})"


def keras_input_specs(model: Any) -> list[Any] | None:
    """TensorSpecs of a built Keras model's inputs (batch size left open), or None."""
    import tensorflow as tf

    inputs = None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        pass
    if inputs:
        return [tf.TensorSpec(t.shape, t.dtype, name=getattr(t, "name", None)) for t in inputs]
    if not _instance_dict(model).get("built", getattr(model, "built", False)):
        return None
    shapes = _instance_dict(model).get("_build_shapes_dict") or {}
    dtype = getattr(model, "input_dtype", None) or "float32"
    specs = []
    for shape in shapes.values():
        if not isinstance(shape, tuple | list) or not all(
                d is None or isinstance(d, int) for d in shape):
            return None
        dims = [None, *shape[1:]] if shape else []
        specs.append(tf.TensorSpec(dims, dtype))
    return specs or None


def _is_tf_module(obj: Any) -> bool:
    import tensorflow as tf

    return isinstance(obj, tf.Module)


def select_targets(module: types.ModuleType, path: Path, names: list[str] | None,
                   option: str = "--function") -> list[Target]:
    """The targets named by the user (any callable, even a plain one), or all of them.

    `option` is the command-line option the names came from ("--function" or "--call"),
    used in error messages."""
    from tfgraphviz.resolve import resolve_name

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
        target = (by_name.get(name) or by_name.get(f"{name}.__call__")
                  or resolve_name(module, name, option, sorted(by_name)))
        if target.name != name and target.name != f"{name}.__call__":
            target = Target(name, target.kind, target.obj)
        chosen.append(target)
    return chosen
