"""Find what a loaded file defines that can be drawn: tf.functions (shadowed ones too), methods,
tf.Graphs, Keras models and fit() functions, restored SavedModel functions."""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tfgraphviz.capture.hooks.creations import Created
from tfgraphviz.capture.hooks.modelcalls import recorded_inputs
from tfgraphviz.capture.loader import created_functions
from tfgraphviz.capture.records import Target
from tfgraphviz.capture.resolve import resolve_name
from tfgraphviz.capture.tfobjects import (
    KERAS_STEPS,
    fit_function,
    instance_dict,
    is_graph,
    is_keras_model,
    is_restored,
    is_tf_function,
    is_tf_module,
)
from tfgraphviz.errors import FunctionNotFoundError, NoFunctionsError


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


def _methods(owner_name: str, obj: Any, path: Path) -> list[Target]:
    """tf.function methods and attributes of an object that the user's file wrote."""
    found: list[Target] = []
    seen: set[str] = set()
    for cls in type(obj).__mro__:
        for attr, value in vars(cls).items():
            if attr in seen or not is_tf_function(value):
                continue
            if _defined_in(value.python_function, path):
                seen.add(attr)
                found.append(Target(f"{owner_name}.{attr}", "method", getattr(obj, attr)))
    for attr, value in sorted(instance_dict(obj).items()):
        if attr in seen or attr.startswith("_") or not is_tf_function(value):
            continue
        if _defined_in(value.python_function, path):
            found.append(Target(f"{owner_name}.{attr}", "method", value))
    return found


def _restored(owner_name: str, obj: Any) -> list[Target]:
    """Functions of an object loaded with tf.saved_model.load."""
    found = [Target(f"{owner_name}.{attr}", "restored", value)
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
        add(Target(name, "restored", obj))
    elif is_tf_function(obj):
        if _defined_in(obj.python_function, path):
            add(Target(name, "function", obj))
        else:
            skip(name, f"skipped: tf.function {_library_of(obj)}")
    elif is_graph(obj):
        add(Target(name, "graph", obj))
    elif is_keras_model(obj):
        if not _has_call(obj):
            skip(name, "skipped: Keras model without a call() method: it has no forward pass "
                       "to draw (its fit() function and tf.function methods are listed on "
                       "their own)")
        elif keras_inputs(obj) is not None:
            add(Target(name, "keras", obj))
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
    elif type(obj).__module__.startswith("tensorflow.python.saved_model"):
        for restored in _restored(name, obj):
            add(restored)


def _discover(module: types.ModuleType, path: Path
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
                if fresh and isinstance(current, type) and _constructible(current):
                    note(method, f"tf.function method (line {created.line}); not drawn unless "
                                 f"named: no instance of {created.owner} is left to draw it "
                                 f"with; -f {method} makes one with {created.owner}()"
                                 + _needs_arguments(created.function))
                else:
                    skip(method, f"skipped: method of {created.owner} (line {created.line}) "
                                 "and no instance of it is left to draw it with"
                                 + (f"; create one at module level and name it with -f "
                                    f"obj.{created.name}" if fresh else ""))
            for copy in copies:
                add(Target(_unique(f"{method}@{created.line}", created, names), "method", copy,
                           shadowed=True))
            continue
        name = _unique(f"{created.name}@{created.line}", created, names)
        target = Target(name, "function", created.function, shadowed=True)
        if not _traced(created.function):
            target.note = (f"tf.function (line {created.line}) that no name holds any more "
                           "and the file never called (shadowed by a later definition): not "
                           "drawn, the program never ran it")
            note(name, note_text(target))
        add(target)
    _relate(targets, created_functions(module))
    return targets, notes, skipped


def note_text(target: Target, hint: str | None = None) -> str:
    """A target drawn only when named: why, and how to draw it (`hint`: a --call that was
    tried and traces it)."""
    if hint is not None:
        return f"{target.note}; draw it with {hint}"
    return f"{target.note}; -f {target.name} with --call draws it"


def noted_targets(module: types.ModuleType, path: Path) -> list[Target]:
    """The targets drawn only when named (a definition the file shadowed without calling)."""
    return [t for t in _discover(module, path)[0] if t.note]


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
        if name is not None and target.kind == "function":
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


def find_targets(module: types.ModuleType, path: Path) -> list[Target]:
    """Everything drawable that the user's file defines: what module-level names hold, in
    the file's order, then the tf.functions it created that no name holds any more (shadowed
    by a later definition of the same name, or never bound), named `f@LINE` in file order."""
    return [t for t in _discover(module, path)[0] if not t.note]


_KIND_TEXT = {
    "function": "tf.function", "method": "tf.function method", "graph": "tf.Graph",
    "keras": "Keras model (forward pass)", "plain": "Python function traced as a tf.function",
    "keras_fit": "the training function Keras' fit() traced (with the model's train_step)",
    "keras_evaluate": "the function Keras' evaluate() traced (with the model's test_step)",
    "keras_predict": "the function Keras' predict() traced (with the model's predict_step)",
    "restored": "function restored from a SavedModel",
}


def skip_matches(name: str, pattern: str) -> bool:
    """Whether --skip PATTERN (a glob) leaves out the candidate `name`: the name itself, the
    name without its `@LINE` (so `train_step` covers `train_step@344`), or without
    `.__call__`."""
    return any(fnmatch.fnmatchcase(n, pattern) for n in
               {name, name.partition("@")[0], name.removesuffix(".__call__")})


def _left_out(name: str, skip: Sequence[str]) -> str | None:
    pattern = next((p for p in skip if skip_matches(name, p)), None)
    return None if pattern is None else f"skipped: left out by --skip {pattern}"


def list_candidates(module: types.ModuleType, path: Path, skip: Sequence[str] = ()
                    ) -> list[tuple[str, str]]:
    """Everything `render` would draw, then what it draws only when named, then everything it
    skipped, for `--list`.

    Returns (name, description) pairs: first one per target, in the order render draws them,
    where name is what `-f` accepts (`f`, `f@12` for a shadowed definition, `obj.method`,
    `model.train_function`) and description says what it is, e.g. "tf.function (line 12)";
    then one per candidate drawn only when named with -f (a definition the file shadowed
    without calling it, a method of a class without an instance), saying why; then one per
    skipped candidate, whose description starts with "skipped: " and says why (e.g. "skipped:
    tf.function defined in keras (library)", "skipped: left out by --skip f*"). Never imports
    or traces again: the module is the one load_module returned."""
    drawn, not_drawn = _candidates(module, path, skip)
    return drawn + not_drawn


def _candidates(module: types.ModuleType, path: Path, skip: Sequence[str]
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """list_candidates' entries: those render draws, then the others."""
    targets, notes, skipped = _discover(module, path)
    lines = {id(f): c.line for c in created_functions(module) for f in [c.function, *c.bound]}
    result = []
    left: list[tuple[str, str]] = []
    for target in targets:
        why = _left_out(target.name, skip)
        if why is not None:
            left.append((target.name, why))
            continue
        if target.note:
            continue  # listed with the notes
        text = _KIND_TEXT.get(target.kind, target.kind)
        line = lines.get(id(target.obj))
        if line:
            text += f" (line {line})"
        if target.shadowed:
            text += "; no name holds it now (shadowed or never bound): drawn as the file traced it"
        if target.kind in ("function", "method", "plain") or target.kind.startswith("keras_"):
            text += _tracing_note(target.obj)
        result.append((target.name, text))
    notes = [(n, _left_out(n, skip) or text) for n, text in notes]
    return result, notes + left + skipped


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


def left_out(module: types.ModuleType, path: Path, names: Sequence[str] | None,
             skip: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(name, why) of every candidate a render of these names (None: all) does not draw: those
    drawn only when named, those --skip leaves out, those skipped; for the manifest's notes."""
    return [] if names else _candidates(module, path, skip)[1]


def select_targets(module: types.ModuleType, path: Path, names: list[str] | None,
                   option: str = "--function", skip: Sequence[str] = ()) -> list[Target]:
    """The targets named by the user (any callable, even a plain one), or all of them but
    those drawn only when named (a definition the file shadowed without calling it) and
    those `skip` (globs, as --skip) leaves out.

    `option` is the command-line option the names came from ("--function" or "--call"),
    used in error messages."""
    every, notes, skipped = _discover(module, path)
    found = [t for t in every if not t.note]
    candidates = [t.name for t in every] + [n for n, _ in notes + skipped]
    for pattern in skip:
        if not any(skip_matches(n, pattern) for n in candidates):
            close = difflib.get_close_matches(pattern, candidates, n=3)
            raise FunctionNotFoundError(
                f"--skip {pattern}: matches no candidate"
                + (f"; did you mean {' or '.join(close)}?" if close else
                   f"; candidates: {', '.join(candidates[:12]) or '(none)'}"))
    if not names:
        kept = [t for t in found if _left_out(t.name, skip) is None]
        if not kept:
            raise NoFunctionsError(
                f"{path.name}: --skip left out every function" if found else
                f"{path.name} defines no tf.function, tf.Graph or built Keras model"
                + (" that the file called (see --list)" if every else "")
                + "; decorate a function with @tf.function, or name a plain function with "
                  "-f NAME to trace it as one")
        return kept
    by_name = {t.name: t for t in every}
    chosen: list[Target] = []
    for name in names:
        target = (by_name.get(name) or by_name.get(f"{name}.__call__")
                  or resolve_name(module, name, option, sorted(by_name)))
        if target.name != name and target.name != f"{name}.__call__":
            target = Target(name, target.kind, target.obj)
        chosen.append(target)
    return chosen
