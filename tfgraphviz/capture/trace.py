"""Trace targets into ConcreteFunctions: at import, by signature, and by --call."""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfgraphviz.capture import savedmodel
from tfgraphviz.capture.discover import keras_inputs
from tfgraphviz.capture.extract import extract_concrete, extract_graph
from tfgraphviz.capture.hooks.autograph import converted_name
from tfgraphviz.capture.hooks.output import captured_output
from tfgraphviz.capture.hooks.recorder import Recording
from tfgraphviz.capture.origin import compiled_here, origin, written_frames
from tfgraphviz.capture.records import (
    Target,
    TargetKind,
    TracedFunction,
    TracedGraph,
    TraceRecord,
)
from tfgraphviz.capture.specs import AT, describe_error, error_location, signature_of
from tfgraphviz.capture.tfobjects import required_parameters
from tfgraphviz.capture.traceinfo import trace_infos
from tfgraphviz.errors import CallSpecError, exception_text


@dataclass
class CallSpec:
    """A --call expression: which function, and the arguments to trace it with."""

    text: str
    function: str
    args_source: str


# a target name: `f`, `obj.method`, or a shadowed definition `f@12`, `f@12:30`, `f@12~2`
_CALL_NAME = re.compile(r"\s*([A-Za-z_][\w.]*(?:@\d+(?::\d+)?(?:~\d+)?)?)\s*\(")


def parse_call(text: str) -> CallSpec:
    """Split `f(tf.TensorSpec([None], tf.float32), n=3)` (or `f@12(...)`) into a name and
    arguments."""
    match = _CALL_NAME.match(text)
    if match is None:
        raise CallSpecError(f"--call {text!r}: write it as a call of a name like f, obj.method "
                            "or f@12, e.g. --call 'f(tf.ones([2]))'")
    name = match.group(1)
    try:
        tree = ast.parse("_tfgv_args(" + text[match.end():].strip(), mode="eval")
    except SyntaxError as exc:
        raise CallSpecError(f"--call {text!r}: not a Python call expression ({exc.msg})") from None
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "_tfgv_args"):
        raise CallSpecError(f"--call {text!r}: write it as a call, e.g. --call 'f(tf.ones([2]))'")
    return CallSpec(text, name.rstrip("."), ast.unparse(call))


def evaluate_call(spec: CallSpec, namespace: dict[str, Any]) -> tuple[tuple[Any, ...], dict]:
    """Evaluate a --call's arguments in the module's namespace (with tf and np available)."""
    import numpy as np
    import tensorflow as tf

    scope = {"tf": tf, "np": np, **namespace, "_tfgv_args": lambda *a, **k: (a, k)}
    try:
        args, kwargs = eval(spec.args_source, scope)  # the user's own expression
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - sys.exit() in an argument too
        raise CallSpecError(
            f"--call {spec.text!r}: evaluating the arguments failed: {exception_text(exc)}"
        ) from None
    return args, kwargs


def spec_source(value: Any) -> str | None:
    """Python source that evaluates to `value` (a TensorSpec of known rank, a structure of
    them, a plain Python value) in a --call; None when there is none."""
    import tensorflow as tf

    if isinstance(value, tf.TensorSpec):
        if value.shape.rank is None:
            return None  # an unknown shape is no hint
        return f"tf.TensorSpec({value.shape.as_list()!r}, tf.{value.dtype.name})"
    if isinstance(value, tuple | list):
        items = [spec_source(v) for v in value]
        if any(i is None for i in items) or (isinstance(value, tuple) and type(value) is not tuple):
            return None
        text = ", ".join(str(i) for i in items)
        if isinstance(value, list):
            return f"[{text}]"
        return f"({text},)" if len(items) == 1 else f"({text})"
    if isinstance(value, dict):
        pairs = [(spec_source(k), spec_source(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    return None


def _arguments_source(args: Any, kwargs: dict[str, Any]) -> str | None:
    parts = [spec_source(a) for a in args]
    parts += [None if s is None else f"{k}={s}"
              for k, s in ((k, spec_source(v)) for k, v in sorted(kwargs.items()))]
    if any(p is None for p in parts):
        return None
    return ", ".join(str(p) for p in parts)


def _hint_arguments(target: Target, rec: Recording) -> list[str]:
    """Argument lists the program itself used, as source: the inputs a Keras model was called
    with, the signatures of this function's traces and of the other definitions of its name
    (a definition the file shadowed takes what the one that replaced it was given)."""
    found: list[str] = []
    if target.kind == TargetKind.KERAS:
        inputs = keras_inputs(target.obj)
        source = None if inputs is None else spec_source(inputs)
        if source is not None:
            found.append(source)
        return found
    for function in [target.obj, *target.related]:
        for record in rec.traces:
            if record.function is not function or record.concrete is None:
                continue
            try:
                args, kwargs = record.concrete.structured_input_signature
            except Exception:  # noqa: BLE001 - another TensorFlow layout
                continue
            source = _arguments_source(args, kwargs)
            if source is not None and source not in found:
                found.append(source)
    return found


def _traces_with(target: Target, text: str, namespace: dict[str, Any]) -> bool:
    """Whether `--call text` traces the target: tried on a copy of it, so the user's
    tf.function keeps only its own traces."""
    import tensorflow as tf

    try:
        args, kwargs = evaluate_call(parse_call(text), namespace)
        fn = target.obj
        if target.kind in (TargetKind.PLAIN, TargetKind.KERAS):
            fn = tf.function(fn)
        elif callable(getattr(fn, "_clone", None)):
            fn = fn._clone(None)
        with captured_output():
            fn.get_concrete_function(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - any failure: not a hint to give
        return False
    return True


def verified_hint(target: Target, rec: Recording, namespace: dict[str, Any]) -> str | None:
    """`--call "f(...)"` with arguments the program really passed (this function's, its
    model's or another definition of its name), when tracing with them works; else None."""
    for arguments in _hint_arguments(target, rec):
        text = f"{target.name}({arguments})"
        if _traces_with(target, text, namespace):
            return f"--call \"{text}\""
    return None


def call_hint(target: Target, rec: Recording | None = None,
              namespace: dict[str, Any] | None = None) -> str:
    """The --call option to give for a function that was not traced: verified_hint's, else a
    template, `--call "f(x=...)"`: the file never called it, so no shape or dtype of its
    arguments is known."""
    if rec is not None and namespace is not None:
        hint = verified_hint(target, rec, namespace)
        if hint is not None:
            return hint
    if target.kind == TargetKind.KERAS:
        return f"--call \"{target.name}(...)\""  # its inputs, as its call() takes them
    params = required_parameters(target.obj) or []
    return f"--call \"{target.name}({', '.join(f'{p.name}=...' for p in params)})\""


def _timed(rec: Recording, extract: Callable[..., TracedGraph], *args: Any) -> TracedGraph:
    """extract(*args), its time added to rec.extract_seconds (the benchmark reads it)."""
    start = time.perf_counter()
    try:
        return extract(*args)
    finally:
        rec.extract_seconds += time.perf_counter() - start


def _trace_once(traced: TracedFunction, fn: Any, user_file: Path,
                args: tuple[Any, ...] = (), kwargs: dict | None = None) -> None:
    try:
        fn.get_concrete_function(*args, **(kwargs or {}))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - user code may raise anything while tracing
        traced.errors.append(describe_error(exc, user_file))
    except BaseException as exc:  # noqa: BLE001 - sys.exit(), GeneratorExit: not the end of us
        where = error_location(exc, user_file)[0]
        traced.errors.append(f"tracing stopped: {exception_text(exc)} (a "
                             f"{type(exc).__name__} while tracing is an error here)"
                             + (f"{AT}{where}" if where else ""))


def trace_target(target: Target, calls: list[CallSpec], rec: Recording, user_file: Path,
                 namespace: dict[str, Any]) -> TracedFunction:
    """All ConcreteFunctions of a target: traced at import, by signature, and by --call."""
    import tensorflow as tf

    traced = TracedFunction(target.name, target.kind)
    rec.phase = target.name
    if target.kind == TargetKind.GRAPH:
        traced.graphs.append(_timed(rec, extract_graph, target.obj, user_file, rec))
        return traced
    if target.kind == TargetKind.RESTORED:
        return _restored(traced, target.obj, rec, user_file, namespace)
    if target.kind.keras_step:
        return _fit(traced, target.obj, rec, user_file, namespace)
    fn = target.obj
    if target.kind in (TargetKind.PLAIN, TargetKind.KERAS):
        fn = tf.function(target.obj)
    found = origin(fn, user_file) if target.kind != TargetKind.KERAS else None
    if found is not None:
        traced.def_line, traced.no_source = found.line, found.note
    ours: set[int] = set()
    if target.kind == TargetKind.KERAS:
        inputs = keras_inputs(target.obj)
        if inputs is not None:
            _trace_once(traced, fn, user_file, (inputs,))
    elif target.shadowed and rec.traces_of(fn, target.name):
        pass  # no name holds it now: what the file traced is what it did; globals may differ
    elif fn.input_signature is not None or required_parameters(fn) == []:
        before = len(rec.traces)
        _trace_once(traced, fn, user_file)
        ours = {id(r) for r in rec.traces[before:]}  # the traces no call of the file made
    for spec in calls:
        args, kwargs = evaluate_call(spec, namespace)
        _trace_once(traced, fn, user_file, args, kwargs)
    try:
        if found is not None and found.where == "file":  # no source, no AutoGraph code
            traced.autograph = tf.autograph.to_code(found.function)
    except Exception as exc:  # noqa: BLE001 - AutoGraph refuses some callables
        traced.autograph = None
        traced.autograph_note = autograph_note(exc)
    _from_records(traced, fn, rec, user_file, namespace, ours,
                  getattr(fn, "input_signature", None) is not None)
    if found is not None and compiled_here(found, user_file):  # no line of the file is its
        for tg in traced.graphs:
            for table in tg.op_info.values():
                for info in table.values():
                    info.source = written_frames(info.source, user_file)
    if not traced.graphs and not traced.errors:
        traced.needs_call = call_hint(target, rec, namespace)
    return traced


def autograph_note(exc: Exception) -> str:
    """Why AutoGraph's version of a function could not be written: the first sentence of its
    error, without object addresses (the same text in every run). Only that file is missing."""
    first = (str(exc).strip().splitlines() or [""])[0].split(". ")[0].rstrip(":. ")
    first = re.sub(r" at 0x[0-9a-fA-F]+", "", first)
    return (f"AutoGraph's version of its code could not be made ({type(exc).__name__}"
            f"{': ' + first if first else ''}); its graphs are drawn without it")


# functions tf.function traces around the user's when it made variables: not the user's traces
TF_WRAPPERS = ("initialize_variables", "fn_with_cond")


def _from_records(traced: TracedFunction, fn: Any, rec: Recording, user_file: Path,
                  namespace: dict[str, Any], ours: set[int] | None = None,
                  signature: bool = False) -> None:
    """Trace count, trace-time output, graphs and errors of `fn`'s own traces (at import and
    for this target): failures of the file's own calls too, even if it caught them; `ours`:
    ids of the records tfgraphviz's own call with no arguments made."""
    records = [r for r in rec.traces_of(fn, traced.name) if r.name not in TF_WRAPPERS]
    traced.trace_count = len(records)
    traced.trace_outputs = [r.output for r in records]
    drawn = _collect(traced, records, rec, user_file, namespace)
    traced.traces = trace_infos(records, drawn, user_file)
    for info, record in zip(traced.traces, records, strict=True):
        info.by_tfgraphviz = id(record) in (ours or set())
        info.from_signature = info.by_tfgraphviz and signature
    for record in records:
        if record.error is not None:
            error = describe_error(record.error, user_file)
            if error not in traced.errors:
                traced.errors.append(error)


def _collect(traced: TracedFunction, records: list[TraceRecord], rec: Recording,
             user_file: Path, namespace: dict[str, Any]) -> dict[int, int]:
    """One TracedGraph per distinct input signature, keeping the newest successful trace;
    returns {id(record): index of its drawing in traced.graphs}."""
    drawn: dict[int, int] = {}
    converted = converted_name(traced.autograph)
    latest: dict[str, TraceRecord] = {}
    for record in records:
        if record.concrete is not None:
            latest[signature_of(record.concrete)] = record
    for record in records:
        if record.concrete is not None and latest.get(signature_of(record.concrete)) is record:
            try:
                traced.graphs.append(_timed(rec, extract_concrete, record.concrete, rec,
                                            user_file, namespace, record.output, converted))
                drawn[id(record)] = len(traced.graphs) - 1
            except Exception as exc:  # noqa: BLE001 - e.g. its variables were deleted since
                traced.errors.append(f"the trace {signature_of(record.concrete)} cannot be "
                                     f"drawn: {exception_text(exc)}")
    return drawn


def _restored(traced: TracedFunction, fn: Any, rec: Recording, user_file: Path,
              namespace: dict[str, Any]) -> TracedFunction:
    """A function loaded with tf.saved_model.load: draw the ConcreteFunctions it came with
    (who wrote each control edge is unknown: they were traced by another program)."""
    concretes = getattr(fn, "concrete_functions", None)
    if concretes is None:
        concretes = [fn]  # a ConcreteFunction itself, e.g. from loaded.signatures
    for concrete in concretes:
        graph = _timed(rec, extract_concrete, concrete, rec, user_file, namespace)
        if savedmodel.is_model_input(user_file):  # its debug info, if saved with one
            graph.debug_sources = savedmodel.debug_sources(concrete, graph.graph_def, user_file)
        traced.graphs.append(graph)
    if not traced.graphs:
        traced.errors.append("the SavedModel holds no traced signature of this function")
    return traced


def _fit(traced: TracedFunction, fn: Any, rec: Recording, user_file: Path,
         namespace: dict[str, Any]) -> TracedFunction:
    """The function Keras' fit() (evaluate(), predict()) traced at import (with the model's
    train_step, test_step, predict_step inside): drawn from those traces, never traced again
    (its argument is a dataset iterator); no AutoGraph file (Keras' own wrapper)."""
    _from_records(traced, fn, rec, user_file, namespace)
    if not traced.graphs and not traced.errors:
        owner = traced.name.rpartition(".")[0] or "model"
        traced.errors.append(
            f"Keras traced no step function while the file was imported; call "
            f"{owner}.fit(...) (or evaluate/predict) in the file (a few samples and "
            "epochs=1 are enough)")
    return traced
