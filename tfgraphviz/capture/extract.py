"""Extract a traced graph (ConcreteFunction or tf.Graph) as plain data: GraphDef, op table,
variable names, signature and error text."""

from __future__ import annotations

import sys
import types
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tfgraphviz._util.frame import Frame
from tfgraphviz._util.gc import paused_gc
from tfgraphviz._util.shape import Shape
from tfgraphviz._util.sourcetext import file_line
from tfgraphviz.capture.hooks.autograph import line_in
from tfgraphviz.capture.records import (
    MAIN,
    OpInfo,
    TracedGraph,
)
from tfgraphviz.capture.specs import shape_dims, signature_of
from tfgraphviz.capture.tfobjects import user_function
from tfgraphviz.errors import PROBE_ERRORS

if TYPE_CHECKING:
    from tfgraphviz.capture.hooks.recorder import Recording

def _user_frames(op: Any, user_file: Path, resolved: str) -> list[Frame]:
    """Frames of the user's file in the op's creation stack."""
    frames = []
    try:
        stack = op.traceback
    except Exception:  # noqa: BLE001 - ops imported from protos have none
        stack = None
    for frame in stack or []:
        if frame.filename == resolved and frame.name != "<module>":
            frames.append(Frame(user_file.name, frame.lineno, frame.name))
    return frames


def _shape_of(tensor: Any) -> Shape:
    """`shape_dims(tensor.shape)` without building a TensorShape when the C shape suffices."""
    if getattr(tensor, "_shape_val", None) is None:
        try:
            dims, unknown = tensor._shape  # (dims with None or -1 unknown, unknown rank)
        except Exception:  # noqa: BLE001 - not a graph tensor: the public way
            return shape_dims(tensor.shape)
        if unknown:
            return None
        return tuple(None if d is None or d < 0 else d for d in dims)
    return shape_dims(tensor.shape)


# TensorFlow's user frames leave out files whose path holds one of these (but for paths
# holding "keras" or "test.py"): a user file there needs its whole stack walked.
_TF_INTERNAL = ("tensorflow/python", "tensorflow\\python")


def _op_table(graph: Any, user_file: Path, rec: Recording | None = None,
              converted: str = "") -> dict[str, OpInfo]:
    """Outputs, user frames and line in `converted`'s AutoGraph code (`tf__f`; from the
    frames `rec` recorded) of every op. TensorFlow's traceback of an op is read only for the
    first op of each distinct creation stack `rec` numbered while tracing (ops made by the
    same lines along the same calls share its frames); ops traced without the hooks share a
    walk per distinct stack of TensorFlow's user frames."""
    table = {}
    autograph = rec.autograph_ops.get(id(graph)) if rec is not None else None
    lines = {name: line_in(frames, converted) for name, frames in (autograph or {}).items()}
    recorded = rec.op_stacks.get(id(graph)) if rec is not None else None
    numbers = recorded.by_op if recorded is not None else {}
    resolved = str(user_file.resolve())
    reader = _FrameReader(user_file, resolved)
    read: dict[int, list[Frame]] = {}
    with paused_gc():
        for op in graph.get_operations():
            outputs = [(t.dtype.name, _shape_of(t)) for t in op.outputs]
            number = numbers.get(op.name)
            frames = read.get(number) if number is not None else None
            if frames is None:
                frames = reader.frames(op)
                if number is not None:
                    read[number] = frames
            table[op.name] = OpInfo(outputs, frames, lines.get(op.name))
    return table


class _FrameReader:
    """The user file's frames of an op from TensorFlow's traceback; each distinct stack of
    TensorFlow's user frames (its own frames dropped, in C++) is walked once."""

    def __init__(self, user_file: Path, resolved: str) -> None:
        self.user_file = user_file
        self.resolved = resolved
        self.name = user_file.name
        self.whole = any(part in resolved for part in _TF_INTERNAL)
        self.walked: dict[Any, list[Frame]] = {}

    def frames(self, op: Any) -> list[Frame]:
        try:
            stack = op.traceback
            if not self.whole:
                stack = stack.get_user_frames()
            frames = self.walked.get(stack)
        except Exception:  # noqa: BLE001 - ops imported from protos have none
            return _user_frames(op, self.user_file, self.resolved)
        if frames is None:
            frames = self.walked[stack] = [
                Frame(self.name, frame.lineno, frame.name) for frame in stack
                if frame.filename == self.resolved and frame.name != "<module>"]
        return frames


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
        except PROBE_ERRORS:  # user objects may raise on any probe
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
        except PROBE_ERRORS:  # user objects may raise on any probe
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
    traced.op_info[MAIN] = _op_table(graph, user_file, rec, converted)
    traced.auto_deps[MAIN] = rec.auto_deps_for(graph)
    traced.control_origins[MAIN] = rec.origins_for(graph)
    traced.control_names[MAIN] = rec.control_names.by_graph.get(id(graph), {})
    traced.auto_deps_known = id(graph) in rec.auto_deps
    for fdef in traced.graph_def.library.function:
        name = fdef.signature.name
        body = rec.graphs_by_name.get(name)
        if body is not None:
            traced.op_info[name] = _op_table(body, user_file, rec, converted)
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
    wanted = {info.source[-1].line for table in traced.op_info.values()
              for info in table.values() if info.source}
    lines = {}
    for line in sorted(n for n in wanted if n):
        text = _without_comment(file_line(user_file, line)).strip()
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
            name = getattr(user_function(record.function), "__name__", "")
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
    traced.op_info[MAIN] = _op_table(graph, user_file, rec)
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


