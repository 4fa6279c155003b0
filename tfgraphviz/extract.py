"""Extract a traced graph (ConcreteFunction or tf.Graph) as plain data: GraphDef, op table,
variable names, signature and error text."""

from __future__ import annotations

import contextlib
import gc
import re
import sys
import types
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgraphviz.errors import exception_text
from tfgraphviz.instrument import AutoDeps, Origin, Recording
from tfgraphviz.instrument_autograph import AutoGraphFrames, line_in

MAIN = ""  # key of the top-level graph in TracedGraph's per-function tables


@dataclass
class OpInfo:
    """What the live graph knows about one op beyond its NodeDef."""

    outputs: list[tuple[str, str]]  # (dtype, shape) per output
    source: list[str]  # user frames, "file.py:LINE in func"
    autograph_line: int | None = None  # line of the AutoGraph-converted code that made it


@dataclass
class TracedGraph:
    """One traced graph (a ConcreteFunction or a tf.Graph) as plain data."""

    signature: str
    graph_def: Any  # GraphDef proto, function library included
    op_info: dict[str, dict[str, OpInfo]] = field(default_factory=dict)
    auto_deps: dict[str, AutoDeps] = field(default_factory=dict)
    # per graph: {(dst op, src op): ("user" | "library", where)} for control edges not automatic
    control_origins: dict[str, dict[tuple[str, str], Origin]] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # placeholder -> Python name
    # placeholder -> the Keras model, optimizer or metric holding that variable, by the name
    # the file knows it by (`encoder`, `vae.optimizer`), "" when none holds it
    owners: dict[str, str] = field(default_factory=dict)
    # Keras name of a model or optimizer (its name scope, `sequential`) -> the file's name for it
    keras_names: dict[str, str] = field(default_factory=dict)
    # line of the user's file -> its text, for the lines ops were made at (labels of groups)
    source_lines: dict[int, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)  # main graph's output tensors
    trace_output: str = ""
    auto_deps_known: bool = True  # False for a graph traced before the hooks were installed
    # per graph: {While/If op name -> Python name AutoGraph gave each of its loop variables
    # (While: per input, loop counter and maximum iterations first; If: per output)}
    control_names: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # a FuncGraph drawn as a tf.Graph target (`graph = f.get_concrete_function().graph`): the
    # name of the function tf.function traced into it ("" for a graph built by hand)
    traced_by: str = ""
    jit_compile: bool = False  # tf.function(jit_compile=True): XLA compiles the whole function


@dataclass
class ParamInfo:
    """One parameter of a trace (self excluded): what TensorFlow saw for it."""

    name: str
    kind: str  # "tensor" | "python" | "structure" | "object" | "variable" | "other"
    text: str  # as describe_spec: "float32[2,?]", "3", "(float32[], 2)", "Python object"
    dtype: str | None = None  # tensors and variables: "float32"
    shape: str | None = None  # tensors and variables: "[2,?]" ("[*]" for an unknown rank)
    value: str | None = None  # repr of a Python scalar, None or str; else None


@dataclass
class PrintSite:
    """Text Python printed while tracing, and the line of the user's file that printed it."""

    line: int  # line in the user's file that called print / wrote to stdout; 0 if unknown
    where: str  # "f.py:12" ("" if unknown)
    text: str


@dataclass
class TraceInfo:
    """One trace of a function (failed ones too), in the order TensorFlow made them."""

    index: int  # 0-based, in order
    signature: str  # as signature_of: "(x: float32[2], n=3)"
    graph_index: int | None = None  # index into TracedFunction.graphs of its drawing
    params: list[ParamInfo] = field(default_factory=list)
    output: str = ""  # what Python printed during it
    prints: list[PrintSite] = field(default_factory=list)
    error: str | None = None  # describe_error text
    error_kind: str | None = None  # "variable_creation" | "other" | None
    error_line: int | None = None  # line of the user's file of the failing statement
    created_variables: bool = False  # the trace created tf.Variables
    tf_retrace: bool = False  # TensorFlow traced again by itself (same signature, no new call)
    # index of the trace of the same function still running when this one started: the
    # function called itself while being traced (recursion); None for a trace of its own
    nested_in: int | None = None
    saving_line: int = 0  # the user's line calling tf.saved_model.save that made it (0: none)
    by_tfgraphviz: bool = False  # made by tfgraphviz's own call with no arguments (defaults)
    from_signature: bool = False  # ... which used the function's input_signature


@dataclass
class TracedFunction:
    """All ConcreteFunctions of one target, and what happened while tracing it."""

    name: str
    kind: str
    graphs: list[TracedGraph] = field(default_factory=list)
    trace_count: int = 0
    trace_outputs: list[str] = field(default_factory=list)
    autograph: str | None = None
    errors: list[str] = field(default_factory=list)
    needs_call: str | None = None  # the option to add when no trace was possible
    traces: list[TraceInfo] = field(default_factory=list)  # every trace, in order
    # first line (decorators included) of the traced Python function's def in the user's
    # file, from its code object; 0 if unknown or defined elsewhere
    def_line: int = 0


def _shape_text(shape: Any) -> str:
    try:
        dims = shape.as_list()
    except ValueError:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def describe_spec(spec: Any) -> str:
    """`float32[2,?]` for a TensorSpec (`float32[*]`: rank unknown), repr for Python values,
    nested structures kept; objects that are not tensors say so instead of an address."""
    import tensorflow as tf

    if isinstance(spec, tf.TensorSpec):
        return f"{spec.dtype.name}{display_shape(spec.shape)}"
    if isinstance(spec, tuple | list):
        inner = ", ".join(describe_spec(s) for s in spec)
        return f"({inner})" if isinstance(spec, tuple) else f"[{inner}]"
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{k!r}: {describe_spec(v)}" for k, v in sorted(spec.items())) + "}"
    if isinstance(spec, tf.TypeSpec):
        dtype, shape = getattr(spec, "dtype", None), getattr(spec, "shape", None)
        if type(spec).__name__ == "VariableSpec" and dtype is not None and shape is not None:
            return f"tf.Variable {dtype.name}{display_shape(shape)}"
        if dtype is not None and shape is not None:
            kind = type(spec).__name__.removesuffix("Spec")
            return f"{kind} {getattr(dtype, 'name', dtype)}{display_shape(shape)}"
        return type(spec).__name__
    if type(spec).__name__ == "UnknownArgument":
        return "Python object"  # TensorFlow keeps no trace of which one
    if spec is None or isinstance(spec, bool | int | float | str | bytes):
        text = repr(spec)
        return text if len(text) <= 60 else text[:28] + "…" + text[-28:]
    return f"Python {type(spec).__name__}"


def display_shape(shape: Any) -> str:
    text = _shape_text(shape)
    return "[*]" if text == "?" else text


def signature_of(concrete: Any) -> str:
    """`(x: float32[2,2], n=3)` for a ConcreteFunction."""
    args, kwargs = concrete.structured_input_signature
    try:
        names = [n for n in concrete.function_type.parameters if n != "self"]
    except AttributeError:
        names = []
    parts = []
    for i, arg in enumerate(args):
        label = names[i] if i < len(names) else f"arg{i}"
        if re.fullmatch(r"args_\d+", label) and getattr(arg, "name", None):
            label = arg.name  # *args of a Keras model's __call__: use the Input's name
        parts.append(f"{label}: {describe_spec(arg)}")
    parts.extend(f"{k}: {describe_spec(v)}" for k, v in sorted(kwargs.items()))
    return "(" + ", ".join(parts) + ")"


def _user_frames(op: Any, user_file: Path, resolved: str) -> list[str]:
    """Frames of the user's file in the op's creation stack."""
    frames = []
    try:
        stack = op.traceback
    except Exception:  # noqa: BLE001 - ops imported from protos have none
        stack = None
    for frame in stack or []:
        if frame.filename == resolved and frame.name != "<module>":
            frames.append(f"{user_file.name}:{frame.lineno} in {frame.name}")
    return frames


def _shape_of(tensor: Any) -> str:
    """`_shape_text(tensor.shape)` without building a TensorShape when the C shape suffices."""
    if getattr(tensor, "_shape_val", None) is None:
        try:
            dims, unknown = tensor._shape  # (dims with None or -1 unknown, unknown rank)
        except Exception:  # noqa: BLE001 - not a graph tensor: the public way
            return _shape_text(tensor.shape)
        if unknown:
            return "?"
        return "[" + ",".join("?" if d is None or d < 0 else str(d) for d in dims) + "]"
    return _shape_text(tensor.shape)


# TensorFlow's user frames leave out files whose path holds one of these (but for paths
# holding "keras" or "test.py"): a user file there needs its whole stack walked.
_TF_INTERNAL = ("tensorflow/python", "tensorflow\\python")


def _op_table(graph: Any, user_file: Path, autograph: dict[str, AutoGraphFrames] | None = None,
              converted: str = "") -> dict[str, OpInfo]:
    """Outputs, user frames and line in `converted`'s AutoGraph code (`tf__f`; from the
    recorded `autograph` frames) of every op. Each distinct stack of TensorFlow's user frames
    (its own frames dropped, in C++) is walked once: ops made by the same lines along the same
    calls share one walk."""
    table = {}
    lines = {name: line_in(frames, converted) for name, frames in (autograph or {}).items()}
    resolved = str(user_file.resolve())
    name = user_file.name
    whole = any(part in resolved for part in _TF_INTERNAL)
    walked: dict[Any, list[str]] = {}
    with paused_gc():
        for op in graph.get_operations():
            outputs = [(t.dtype.name, _shape_of(t)) for t in op.outputs]
            try:
                stack = op.traceback
                if not whole:
                    stack = stack.get_user_frames()
                frames = walked.get(stack)
            except Exception:  # noqa: BLE001 - ops imported from protos have none
                table[op.name] = OpInfo(outputs, _user_frames(op, user_file, resolved),
                                        lines.get(op.name))
                continue
            if frames is None:
                frames = walked[stack] = [
                    f"{name}:{frame.lineno} in {frame.name}" for frame in stack
                    if frame.filename == resolved and frame.name != "<module>"]
            table[op.name] = OpInfo(outputs, frames, lines.get(op.name))
    return table


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while building big acyclic structures: its passes over
    every live object would make the build quadratic-ish; collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_SCALARS = (type(None), bool, int, float, complex, str, bytes, bytearray, memoryview)
_NOT_CONTAINERS = (type, types.FunctionType, types.MethodType, types.ModuleType,
                   types.BuiltinFunctionType)
WALK_LIMIT = 200_000  # objects visited at most while looking for variable names


def _scalar(value: Any) -> bool:
    return issubclass(type(value), _SCALARS)  # type(), not isinstance: no __class__ probe


def _variable_names(namespace: dict[str, Any], wanted: set[int]) -> dict[int, str]:
    """id(tf.Variable) -> a name the user knows, for the variables in `wanted`: the shortest
    public Python path from the module's globals (`f._b` only when no public one exists), or a
    Keras variable's path. A breadth-first walk that stops once every wanted variable has a
    public name, skips scalars and large sequences, and survives objects that raise."""
    import tensorflow as tf

    public: dict[int, str] = {}
    private: dict[int, str] = {}
    keras: dict[int, str] = {}
    frontier: deque[tuple[str, Any, int, bool]] = deque(
        (k, v, 0, k.startswith("_")) for k, v in sorted(namespace.items(), key=lambda kv: kv[0])
        if not k.startswith("__") and not _scalar(v))
    seen: set[int] = set()
    visited = 0
    while frontier and visited < WALK_LIMIT and not wanted <= public.keys():
        path, obj, depth, hidden = frontier.popleft()
        if id(obj) in seen or depth > 4:
            continue
        seen.add(id(obj))
        visited += 1
        try:
            if isinstance(obj, tf.Variable):
                (private if hidden else public).setdefault(id(obj), path)
                continue
            inner = getattr(obj, "_value", None)
            if isinstance(inner, tf.Variable) and isinstance(getattr(obj, "path", None), str):
                keras.setdefault(id(inner), obj.path)  # a Keras Variable wrapping a tf.Variable
                if not hidden:  # reachable by a public Python path: `train_acc.total`
                    public.setdefault(id(inner), path)
                continue
            if isinstance(obj, list | tuple):
                if len(obj) < 100:
                    frontier.extend((f"{path}[{i}]", v, depth + 1, hidden)
                                    for i, v in enumerate(obj) if not _scalar(v))
            elif isinstance(obj, dict):
                continue  # keys are not attribute paths a user could write back
            elif not isinstance(obj, _NOT_CONTAINERS) and isinstance(
                    getattr(obj, "__dict__", None), dict):
                items = sorted(vars(obj).items())
                frontier.extend((f"{path}.{attr}", value, depth + 1,
                                 hidden or attr.startswith("_"))
                                for attr, value in items[:500]
                                if not attr.startswith("__") and not _scalar(value))
        except Exception:  # noqa: BLE001 - user objects may raise on any probe
            continue
    return {**private, **keras, **public}


def _keras_kind(obj: Any) -> str:
    """"model", "optimizer", "metric" or "" for anything else (no Keras loaded: "")."""
    keras = sys.modules.get("keras")
    if keras is None:
        return ""
    for kind, base in (("model", "Model"), ("optimizer", "optimizers.Optimizer"),
                       ("metric", "metrics.Metric")):
        cls: Any = keras
        for part in base.split("."):
            cls = getattr(cls, part, None)
        if isinstance(cls, type) and isinstance(obj, cls):
            return kind
    return ""


def _path_owner(name: str) -> str:
    """The holder a variable's name tells when no live object does: the first part of a Keras
    path (`adam` of `adam/iteration`), or what a Python path reads it from (`model.tracker` of
    `model.tracker.total`)."""
    if "/" in name:
        return name.split("/", 1)[0]
    return name.rpartition(".")[0]


def keras_owners(namespace: dict[str, Any]) -> tuple[dict[int, str], dict[str, str]]:
    """({id(tf.Variable): the file's name for the Keras model, optimizer or metric that holds
    it, the innermost one}, {Keras name of a model or optimizer: the file's name for it}).

    A breadth-first walk from the module's globals through public attributes (and a Keras
    model's layers), three levels deep, shortest paths first."""
    found: dict[int, tuple[str, Any, str]] = {}
    frontier: deque[tuple[str, Any, int]] = deque(
        (k, v, 0) for k, v in sorted(namespace.items(), key=lambda kv: kv[0])
        if not k.startswith("_") and not _scalar(v))
    seen: set[int] = set()
    while frontier and len(seen) < WALK_LIMIT // 10:
        path, obj, depth = frontier.popleft()
        if id(obj) in seen or depth > 3:
            continue
        seen.add(id(obj))
        try:
            kind = _keras_kind(obj)
            if kind:
                found.setdefault(id(obj), (path, obj, kind))
            if isinstance(obj, list | tuple) and len(obj) < 100:
                frontier.extend((f"{path}[{i}]", v, depth + 1) for i, v in enumerate(obj)
                                if not _scalar(v))
            elif kind == "model" or (not kind and not isinstance(obj, _NOT_CONTAINERS | dict)
                                     and isinstance(getattr(obj, "__dict__", None), dict)):
                items = sorted(vars(obj).items())
                frontier.extend((f"{path}.{attr}", value, depth + 1) for attr, value in
                                items[:500] if not attr.startswith("_") and not _scalar(value))
                if kind == "model":  # compile()'s own trackers (`model._loss_tracker`), last
                    frontier.extend((f"{path}.{attr}", value, depth + 1) for attr, value in
                                    items[:500] if attr.startswith("_")
                                    and not attr.startswith("__") and _keras_kind(value))
                    # functional models keep their sub-models in `layers`
                    layers = [v for v in getattr(obj, "layers", []) if _keras_kind(v)]
                    frontier.extend((f"{path}.get_layer({v.name!r})", v, depth + 1)
                                    for v in layers)
        except Exception:  # noqa: BLE001 - user objects may raise on any probe
            continue
    # var -> (rank, name): optimizers and metrics first, then models the file reaches by
    # attributes (`generator`, not its sub-model `generator.get_layer('sequential')`), the
    # one holding the fewest variables (`encoder` rather than `vae`, `m.model` rather than `m`)
    owners: dict[int, tuple[tuple[int, int, int], str]] = {}
    names: dict[str, str] = {}
    for path, obj, kind in found.values():
        try:
            variables = list(obj.variables)
            name = str(getattr(obj, "name", "") or "")
        except Exception:  # noqa: BLE001
            continue
        if kind != "metric" and name:
            names.setdefault(name, path)
        for var in variables:
            inner = getattr(var, "_value", var)  # a Keras Variable wraps a tf.Variable
            rank = (kind == "model", "get_layer(" in path, len(variables))
            for key in {id(var), id(inner)}:
                if key not in owners or rank < owners[key][0]:
                    owners[key] = (rank, path)
    return {k: v[1] for k, v in owners.items()}, dict(sorted(names.items()))


def extract_concrete(concrete: Any, rec: Recording, user_file: Path,
                     namespace: dict[str, Any], output: str = "",
                     converted: str | None = None) -> TracedGraph:
    """Turn a ConcreteFunction into a TracedGraph; `converted` names the function of the
    AutoGraph code the ops' `autograph_line` refer to (`tf__f`, "" for none; None: the
    function whose trace made `concrete`, as recorded)."""
    graph = concrete.graph
    if converted is None:
        converted = _converted_of(concrete, rec)
    traced = TracedGraph(signature_of(concrete), graph.as_graph_def(), trace_output=output)
    traced.op_info[MAIN] = _op_table(graph, user_file, rec.autograph_ops.get(id(graph)),
                                     converted)
    traced.auto_deps[MAIN] = rec.auto_deps_for(graph)
    traced.control_origins[MAIN] = rec.origins_for(graph)
    traced.control_names[MAIN] = rec.control_names.by_graph.get(id(graph), {})
    traced.auto_deps_known = id(graph) in rec.auto_deps
    for fdef in traced.graph_def.library.function:
        name = fdef.signature.name
        body = rec.graphs_by_name.get(name)
        if body is not None:
            traced.op_info[name] = _op_table(body, user_file, rec.autograph_ops.get(id(body)),
                                             converted)
            traced.auto_deps[name] = rec.auto_deps_for(body)
            traced.control_origins[name] = rec.origins_for(body)
            traced.control_names[name] = rec.control_names.by_graph.get(id(body), {})
    handles = {id(v.handle): v for v in graph.variables}
    captured = [(handles[id(ext)], internal) for ext, internal in graph.captures
                if id(ext) in handles]
    by_id = _variable_names(namespace, {id(var) for var, _ in captured}) if captured else {}
    owners, traced.keras_names = keras_owners(namespace) if captured else ({}, {})
    for var, internal in captured:
        path = getattr(var, "path", None) or var.name
        traced.variables[internal.op.name] = by_id.get(id(var), str(path))
        traced.owners[internal.op.name] = owners.get(id(var)) or _path_owner(
            traced.variables[internal.op.name])
    traced.outputs = [t.name for t in graph.outputs]
    traced.source_lines = _source_lines(traced, user_file)
    traced.jit_compile = _must_compile(concrete)
    return traced


def frame_line(frame: str) -> int | None:
    """The line number of a user frame `file.py:LINE in func`."""
    head = frame.rsplit(" in ", 1)[0]
    number = head.rpartition(":")[2]
    return int(number) if number.isdigit() else None


def _without_comment(line: str) -> str:
    """A line of Python without its trailing `# comment` (a `#` inside a string stays)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote and line[i - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i]
    return line


def _source_lines(traced: TracedGraph, user_file: Path) -> dict[int, str]:
    """{line: stripped text} of the user-file lines that made ops (innermost frame)."""
    import linecache

    wanted = {frame_line(info.source[-1]) for table in traced.op_info.values()
              for info in table.values() if info.source}
    lines = {}
    for line in sorted(n for n in wanted if n):
        text = _without_comment(linecache.getline(str(user_file), line)).strip()
        if text:
            lines[line] = text
    return lines


def _must_compile(concrete: Any) -> bool:
    """True for a ConcreteFunction of tf.function(jit_compile=True) (`_XlaMustCompile`)."""
    try:
        flag = concrete.function_def.attr.get("_XlaMustCompile")
    except Exception:  # noqa: BLE001 - a function without a FunctionDef
        return False
    return bool(flag is not None and flag.b)


def _converted_of(concrete: Any, rec: Recording) -> str:
    """`tf__f`: AutoGraph's name for the Python function whose recorded trace made `concrete`
    ("" if it was not traced while recording)."""
    for record in rec.traces:
        if record.concrete is concrete and record.function is not None:
            python = getattr(record.function, "python_function", None)
            original = getattr(python, "__original_wrapped__", python)
            name = getattr(getattr(original, "__func__", original), "__name__", "")
            return f"tf__{name}" if isinstance(name, str) and name.isidentifier() else ""
    return ""


def extract_graph(graph: Any, user_file: Path, rec: Recording | None = None) -> TracedGraph:
    """Turn a tf.Graph into a TracedGraph: a TF1-style one (no automatic control dependencies;
    who wrote each control edge is known when the graph was built while `rec` was recording),
    or a FuncGraph tf.function traced (`traced_by` its function; its outputs are the
    function's results; its automatic control dependencies known when traced while
    recording)."""
    from tensorflow.python.framework.func_graph import FuncGraph

    traced = TracedGraph("", graph.as_graph_def())
    traced.op_info[MAIN] = _op_table(graph, user_file)
    if rec is not None:
        traced.control_origins[MAIN] = rec.origins_for(graph)
    traced.auto_deps_known = rec is not None
    if isinstance(graph, FuncGraph):
        traced.traced_by = str(graph.name)
        traced.outputs = [t.name for t in graph.outputs]
        traced.auto_deps_known = rec is not None and id(graph) in rec.auto_deps
        if rec is not None:
            traced.auto_deps[MAIN] = rec.auto_deps_for(graph)
    traced.source_lines = _source_lines(traced, user_file)
    return traced


def describe_error(exc: BaseException, user_file: Path) -> str:
    """The whole error message on one line, then `  at file.py:LINE: source line` (the line
    of the user's file that caused it) when one is known."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    message = exception_text(exc)
    where = ""
    pattern = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')
    for i, line in enumerate(lines):
        m = pattern.search(line)
        if m and Path(m.group(1)).name == user_file.name:
            code = lines[i + 1] if i + 1 < len(lines) and not pattern.search(lines[i + 1]) else ""
            where = f"{user_file.name}:{m.group(2)}" + (f": {code}" if code else "")
    if not where:
        import traceback

        for frame in traceback.extract_tb(exc.__traceback__):
            if Path(frame.filename).resolve() == user_file.resolve():
                where = f"{user_file.name}:{frame.lineno}: {(frame.line or '').strip()}"
    return message + (f"\n  at {where}" if where else "")


