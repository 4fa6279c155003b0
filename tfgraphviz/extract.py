"""Extract a traced graph (ConcreteFunction or tf.Graph) as plain data: GraphDef, op table,
variable names, signature and error text."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgraphviz.instrument import AutoDeps, Recording

MAIN = ""  # key of the top-level graph in TracedGraph's per-function tables


@dataclass
class OpInfo:
    """What the live graph knows about one op beyond its NodeDef."""

    outputs: list[tuple[str, str]]  # (dtype, shape) per output
    source: list[str]  # user frames, "file.py:LINE in func"


@dataclass
class TracedGraph:
    """One traced graph (a ConcreteFunction or a tf.Graph) as plain data."""

    signature: str
    graph_def: Any  # GraphDef proto, function library included
    op_info: dict[str, dict[str, OpInfo]] = field(default_factory=dict)
    auto_deps: dict[str, AutoDeps] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # placeholder -> Python name
    outputs: list[str] = field(default_factory=list)  # main graph's output tensors
    trace_output: str = ""
    auto_deps_known: bool = True  # False for a graph traced before the hooks were installed


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


def _shape_text(shape: Any) -> str:
    try:
        dims = shape.as_list()
    except ValueError:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def describe_spec(spec: Any) -> str:
    """`float32[2,?]` for a TensorSpec, repr for Python values, nested structures kept."""
    import tensorflow as tf

    if isinstance(spec, tf.TensorSpec):
        return f"{spec.dtype.name}{_shape_text(spec.shape)}"
    if isinstance(spec, tuple | list):
        inner = ", ".join(describe_spec(s) for s in spec)
        return f"({inner})" if isinstance(spec, tuple) else f"[{inner}]"
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{k!r}: {describe_spec(v)}" for k, v in sorted(spec.items())) + "}"
    if isinstance(spec, tf.TypeSpec):
        dtype, shape = getattr(spec, "dtype", None), getattr(spec, "shape", None)
        if type(spec).__name__ == "VariableSpec" and dtype is not None and shape is not None:
            return f"tf.Variable {dtype.name}{_shape_text(shape)}"
        return type(spec).__name__
    text = repr(spec)
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)


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


def _user_frames(op: Any, user_file: Path) -> list[str]:
    resolved = str(user_file.resolve())
    frames = []
    try:
        stack = op.traceback
    except Exception:  # noqa: BLE001 - ops imported from protos have none
        stack = None
    for frame in stack or []:
        if frame.filename == resolved and frame.name != "<module>":
            frames.append(f"{user_file.name}:{frame.lineno} in {frame.name}")
    return frames


def _op_table(graph: Any, user_file: Path) -> dict[str, OpInfo]:
    table = {}
    for op in graph.get_operations():
        outputs = [(t.dtype.name, _shape_text(t.shape)) for t in op.outputs]
        table[op.name] = OpInfo(outputs, _user_frames(op, user_file))
    return table


_NOT_CONTAINERS = (type, types.FunctionType, types.MethodType, types.ModuleType,
                   types.BuiltinFunctionType)


def _variable_names(namespace: dict[str, Any]) -> dict[int, str]:
    """id(tf.Variable) -> a name the user knows: the shortest public Python path from the
    module's globals (`f._b` only when no public one exists), or a Keras variable's path."""
    import tensorflow as tf

    public: dict[int, str] = {}
    private: dict[int, str] = {}
    keras: dict[int, str] = {}
    frontier: list[tuple[str, Any, int, bool]] = [
        (k, v, 0, k.startswith("_")) for k, v in namespace.items() if not k.startswith("__")]
    seen: set[int] = set()
    while frontier:
        path, obj, depth, hidden = frontier.pop(0)
        if id(obj) in seen or depth > 4:
            continue
        seen.add(id(obj))
        if isinstance(obj, tf.Variable):
            (private if hidden else public).setdefault(id(obj), path)
            continue
        inner = getattr(obj, "_value", None)
        if isinstance(inner, tf.Variable) and isinstance(getattr(obj, "path", None), str):
            keras.setdefault(id(inner), obj.path)  # a Keras Variable wrapping a tf.Variable
        if isinstance(obj, list | tuple) and len(obj) < 100:
            frontier.extend((f"{path}[{i}]", v, depth + 1, hidden) for i, v in enumerate(obj))
        elif hasattr(obj, "__dict__") and not isinstance(obj, _NOT_CONTAINERS):
            for attr, value in sorted(vars(obj).items()):
                if not attr.startswith("__"):
                    frontier.append((f"{path}.{attr}", value, depth + 1,
                                     hidden or attr.startswith("_")))
    return {**private, **keras, **public}


def extract_concrete(concrete: Any, rec: Recording, user_file: Path,
                     namespace: dict[str, Any], output: str = "") -> TracedGraph:
    """Turn a ConcreteFunction into a TracedGraph."""
    graph = concrete.graph
    traced = TracedGraph(signature_of(concrete), graph.as_graph_def(), trace_output=output)
    traced.op_info[MAIN] = _op_table(graph, user_file)
    traced.auto_deps[MAIN] = rec.auto_deps_for(graph)
    traced.auto_deps_known = id(graph) in rec.auto_deps
    for fdef in traced.graph_def.library.function:
        name = fdef.signature.name
        body = rec.graphs_by_name.get(name)
        if body is not None:
            traced.op_info[name] = _op_table(body, user_file)
            traced.auto_deps[name] = rec.auto_deps_for(body)
    by_id = _variable_names(namespace)
    handles = {id(v.handle): v for v in graph.variables}
    for external, internal in graph.captures:
        var = handles.get(id(external))
        if var is not None:
            path = getattr(var, "path", None) or var.name
            traced.variables[internal.op.name] = by_id.get(id(var), str(path))
    traced.outputs = [t.name for t in graph.outputs]
    return traced


def extract_graph(graph: Any, user_file: Path) -> TracedGraph:
    """Turn a TF1-style tf.Graph into a TracedGraph (no automatic control dependencies)."""
    traced = TracedGraph("tf.Graph", graph.as_graph_def())
    traced.op_info[MAIN] = _op_table(graph, user_file)
    return traced


def describe_error(exc: BaseException, user_file: Path) -> str:
    """One or two lines: the error, and the line of the user's file that caused it."""
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    message = lines[-1] if lines else ""
    if not message.startswith(type(exc).__name__):
        message = f"{type(exc).__name__}: {message}"
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
    if len(message) > 300:
        message = message[:297] + "..."
    return message + (f"\n  at {where}" if where else "")


