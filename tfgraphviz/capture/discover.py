"""Find what a loaded file defines that can be drawn: tf.functions (shadowed ones too), methods,
tf.Graphs, Keras models and fit() functions, restored SavedModel functions."""

from __future__ import annotations

import inspect
import sys
import types
from pathlib import Path
from typing import Any

from tfgraphviz.capture.hooks.creations import Created
from tfgraphviz.capture.hooks.modelcalls import recorded_inputs
from tfgraphviz.capture.loader import created_functions
from tfgraphviz.capture.origin import origin
from tfgraphviz.capture.records import Target, TargetKind
from tfgraphviz.capture.savedmodel import is_model_module, restored_children
from tfgraphviz.capture.tfobjects import (
    KERAS_STEPS,
    fit_function,
    instance_dict,
    is_concrete,
    is_graph,
    is_keras_model,
    is_restored,
    is_tf_function,
    is_tf_module,
    required_parameters,
)
from tfgraphviz.errors import PROBE_ERRORS


def _defined_in(fn: Any, path: Path) -> bool:
    """Whether the user's file wrote the code of `fn` (a tf.function or a plain function)."""
    return origin(fn, path).where == "file"


def _methods(owner_name: str, obj: Any, path: Path) -> list[Target]:
    """tf.function methods and attributes of an object that the user's file wrote."""
    found: list[Target] = []
    seen: set[str] = set()
    for cls in type(obj).__mro__:
        for attr, value in vars(cls).items():
            if attr in seen or not is_tf_function(value):
                continue
            if _defined_in(value, path):
                seen.add(attr)
                found.append(Target(f"{owner_name}.{attr}", TargetKind.METHOD, getattr(obj, attr)))
    for attr, value in sorted(instance_dict(obj).items()):
        if attr in seen or attr.startswith("_") or not is_tf_function(value):
            continue
        if _defined_in(value, path):
            found.append(Target(f"{owner_name}.{attr}", TargetKind.METHOD, value))
    return found


def _restored(owner_name: str, obj: Any) -> list[Target]:
    """Functions of an object loaded with tf.saved_model.load."""
    found = [Target(f"{owner_name}.{attr}", TargetKind.RESTORED, value)
             for attr, value in sorted(instance_dict(obj).items())
             if (not attr.startswith("_") or attr == "__call__") and is_restored(value)]
    return found


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
    if is_restored(obj):
        add(Target(name, TargetKind.RESTORED, obj))
    elif is_tf_function(obj):
        if not _instance_alive(obj):
            skip(name, "skipped: tf.function method of an instance that no longer exists "
                       "(its variables went with it): nothing is left to draw it with")
        elif origin(obj, path).where in ("file", "exec") or any(
                c.function is obj for c in created_functions(module)):  # exec'd, tf.math.add
            add(Target(name, TargetKind.FUNCTION, obj))
        else:
            skip(name, f"skipped: tf.function {_library_of(obj)}")
    elif is_graph(obj):
        add(Target(name, TargetKind.GRAPH, obj))
    elif is_keras_model(obj):
        if not _has_call(obj):
            skip(name, "skipped: Keras model without a call() method: it has no forward pass "
                       "to draw (its fit() function and tf.function methods are listed on "
                       "their own)")
        elif keras_inputs(obj) is not None:
            add(Target(name, TargetKind.KERAS, obj))
        else:
            skip(name, "skipped: Keras model never called while the file ran, so the shapes "
                       "and dtypes of its inputs are unknown; call it (or fit/predict) once in "
                       f"the file, or give -f {name} --call with TensorSpecs of its inputs")
        for attr, (step_kind, runner, step) in KERAS_STEPS.items():
            fit = fit_function(obj, attr)
            if fit is not None:
                add(Target(f"{name}.{attr}", step_kind, fit))
            elif type(obj).__module__ == module.__name__ and step in vars(type(obj)):
                skip(f"{name}.{attr}", f"skipped: its {step} never ran; call "
                                       f"{name}.{runner}(...) in the file")
        for method in _methods(name, obj, path):
            add(method)
    elif type(obj).__module__ == module.__name__ or is_tf_module(obj):
        for method in _methods(name, obj, path):
            add(method)
    elif is_model_module(module) and is_concrete(obj):  # a signature of the SavedModel
        add(Target(name, TargetKind.RESTORED, obj))
    elif type(obj).__module__.startswith("tensorflow.python.saved_model"):
        for restored in _restored(name, obj):
            add(restored)
        for child_path, child, _ in restored_children(name, obj):
            for restored in _restored(child_path, child):
                restored.note = (f"restored function of {child_path}, inside {name}: drawn "
                                 f"when named (-f {restored.name})")
                add(restored)


def discover_all(module: types.ModuleType, path: Path
              ) -> tuple[list[Target], list[tuple[str, str]], list[tuple[str, str]]]:
    """Targets in the file's order (those with a note are drawn only when named), the
    candidates drawn only when named and why, then the candidates skipped and why."""
    targets: list[Target] = []
    notes: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    seen_ids: set[int] = set()

    def add(target: Target) -> None:
        if id(target.obj) not in seen_ids:
            seen_ids.add(id(target.obj))
            targets.append(target)

    def skip(name: str, why: str) -> None:
        skipped.append((name, why))

    def note(name: str, why: str) -> None:
        notes.append((name, why))

    for name, obj in list(vars(module).items()):
        if name.startswith("__"):
            continue
        try:
            _probe(name, obj, module, path, add, skip)
        except PROBE_ERRORS as exc:  # a proxy object may raise on any probe, sys.exit too
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
            static = _static_method(module, created)
            if static is not None:  # a staticmethod or classmethod: no instance needed
                add(Target(method, TargetKind.METHOD, static))
                continue
            copies = [b for b in created.bound if not any(t.obj is b for t in targets)
                      and (_instance_alive(b) or traced_at_import(b))]  # drawn from its traces
            if not copies:
                current = vars(module).get(created.owner)
                fresh = (isinstance(current, type)
                         and vars(current).get(created.name) is created.function)
                if fresh and isinstance(current, type) and _constructible(current):
                    note(method, f"tf.function method (line {created.line}); not drawn unless "
                                 f"named: no instance of {created.owner} is left to draw it "
                                 f"with; -f {method} makes one with {created.owner}()"
                                 + needs_arguments(created.function))
                else:
                    skip(method, f"skipped: method of {created.owner} (line {created.line}) "
                                 "and no instance of it is left to draw it with"
                                 + (f"; create one at module level and name it with -f "
                                    f"obj.{created.name}" if fresh else ""))
            for copy in copies:
                add(Target(_unique(f"{method}@{created.line}", created, names),
                           TargetKind.METHOD, copy, shadowed=True))
            continue
        name = _unique(f"{created.name}@{created.line}", created, names)
        target = Target(name, TargetKind.FUNCTION, created.function, shadowed=True)
        if not traced_at_import(created.function):
            target.note = (f"tf.function (line {created.line}) that no name holds any more "
                           "and the file never called (shadowed by a later definition): not "
                           "drawn, the program never ran it")
            note(name, note_text(target))
        add(target)
    _relate(targets, created_functions(module))
    return targets, notes, skipped


def _static_method(module: types.ModuleType, created: Created) -> Any:
    """The tf.function `Cls.name` gives when the class holds it as a staticmethod or a
    classmethod (bound to the class), else None."""
    owner = vars(module).get(created.owner)
    held = vars(owner).get(created.name) if isinstance(owner, type) else None
    if isinstance(held, staticmethod | classmethod) and held.__func__ is created.function:
        value = getattr(owner, created.name)
        return value if is_tf_function(value) else None
    return None


def note_text(target: Target, hint: str | None = None) -> str:
    """A target drawn only when named: why, and how to draw it (`hint`: a --call that was
    tried and traces it)."""
    if hint is not None:
        return f"{target.note}; draw it with {hint}"
    return f"{target.note}; -f {target.name} with --call draws it"


def noted_targets(module: types.ModuleType, path: Path) -> list[Target]:
    """The targets drawn only when named (a definition the file shadowed without calling)."""
    return [t for t in discover_all(module, path)[0] if t.note]


def _constructible(cls: type) -> bool:
    """Whether cls() takes no arguments (so -f Class.method can make an instance)."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not inspect.Parameter.empty
               or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)


def _relate(targets: list[Target], created: list[Created]) -> None:
    """Give each function target the other tf.functions created under its name (a shadowed
    definition and the one that replaced it): their traces say which arguments work."""
    by_function = {id(c.function): c.name for c in created}
    groups: dict[str, list[Any]] = {}
    for c in created:
        groups.setdefault(c.name, []).append(c.function)
    for target in targets:
        name = by_function.get(id(target.obj))
        if name is not None and target.kind == TargetKind.FUNCTION:
            target.related = [f for f in groups[name] if f is not target.obj]


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


def traced_at_import(fn: Any) -> bool:
    try:
        return int(fn.experimental_get_tracing_count()) > 0
    except Exception:  # noqa: BLE001 - another TensorFlow layout
        return False


def needs_arguments(fn: Any) -> str:
    """A note for --list when tracing needs arguments the file may not have given."""
    if getattr(fn, "input_signature", None) is not None:
        return ""
    required = [p.name for p in required_parameters(fn) or []]
    if not required:
        return ""
    return f"; needs --call (arguments: {', '.join(required)})"


def _has_call(model: Any) -> bool:
    """Whether a Keras model has a forward pass: a call() other than keras.Model's own."""
    keras = sys.modules.get("keras")
    base = getattr(getattr(keras, "Model", None), "call", None)
    return base is None or getattr(type(model), "call", None) is not base


def keras_inputs(model: Any) -> Any:
    """What to trace a Keras model's forward pass with: the specs of its Inputs (a functional
    model), else the inputs it was really called with while the file was imported (by fit(),
    predict(), evaluate() or the file itself: dtypes as the program saw them), else TensorSpecs
    of the shapes it was built with; None when none is known."""
    declared = _declared_inputs(model)
    if declared:
        return declared[0] if len(declared) == 1 else declared
    recorded = recorded_inputs(model)
    if recorded is not None:
        return recorded
    specs = keras_input_specs(model)
    if specs is None:
        return None
    return specs[0] if len(specs) == 1 else specs


def _declared_inputs(model: Any) -> list[Any]:
    """TensorSpecs of a functional model's Input tensors (empty for a subclassed model)."""
    import tensorflow as tf

    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return []
    return [tf.TensorSpec(t.shape, t.dtype, name=getattr(t, "name", None))
            for t in inputs or ()]


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
    if not instance_dict(model).get("built", getattr(model, "built", False)):
        return None
    shapes = instance_dict(model).get("_build_shapes_dict") or {}
    dtype = getattr(model, "input_dtype", None) or "float32"
    specs = []
    for shape in shapes.values():
        if not isinstance(shape, tuple | list) or not all(
                d is None or isinstance(d, int) for d in shape):
            return None
        dims = [None, *shape[1:]] if shape else []
        specs.append(tf.TensorSpec(dims, dtype))
    return specs or None
