"""Record what TensorFlow does while tracing: traces, printed output, graphs, automatic edges."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from tfgraphviz.errors import UnsupportedTensorFlowError


@dataclass
class TraceRecord:
    """One call of TensorFlow's tracer for a tf.function (successful or not)."""

    name: str
    function: Any  # the tf.function (polymorphic Function) being traced, if found
    phase: str = ""  # "" while importing, else the name of the target being traced
    output: str = ""
    concrete: Any = None  # the ConcreteFunction made, if the trace succeeded
    graph: Any = None  # the FuncGraph (complete, or partial when the trace failed)
    error: BaseException | None = None


@dataclass
class AutoDeps:
    """Control edges and ops that automatic control dependencies added to one graph."""

    edges: set[tuple[str, str]] = field(default_factory=set)  # (dst op, src op)
    ops: set[str] = field(default_factory=set)  # ops created by the mechanism itself


@dataclass
class Recording:
    """Everything seen while the hooks were installed."""

    traces: list[TraceRecord] = field(default_factory=list)
    phase: str = ""  # set by the tracer to the target it works on
    graphs_by_name: dict[str, Any] = field(default_factory=dict)
    auto_deps: dict[int, AutoDeps] = field(default_factory=dict)  # id(graph) -> AutoDeps
    _keep: list[Any] = field(default_factory=list)  # keeps graphs alive so ids stay unique

    def auto_deps_for(self, graph: Any) -> AutoDeps:
        return self.auto_deps.get(id(graph), AutoDeps())

    def traces_of(self, function: Any, phase: str) -> list[TraceRecord]:
        """Traces of a function made at import or while working on `phase`: never those that
        tracing another target caused (a function's files must not depend on the others)."""
        return [t for t in self.traces if t.function is function and t.phase in ("", phase)]


class _Tee(io.TextIOBase):
    """Writes to a buffer and passes the text on to the stream it replaced."""

    def __init__(self, buffer: io.StringIO, passthrough: TextIO) -> None:
        self._buffer = buffer
        self._passthrough = passthrough

    def write(self, text: str) -> int:
        self._buffer.write(text)
        self._passthrough.write(text)
        return len(text)

    def flush(self) -> None:
        self._passthrough.flush()


def _tracing_function() -> Any:
    """The tf.function on the call stack that asked for this trace."""
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    frame = sys._getframe(2)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, polymorphic_function.Function):
            return candidate
        frame = frame.f_back  # type: ignore[assignment]
    return None


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Install the hooks on TensorFlow's tracer for the duration of the block."""
    from tensorflow.python.eager.polymorphic_function import tracing_compilation
    from tensorflow.python.framework import auto_control_deps
    from tensorflow.python.framework import func_graph as func_graph_module

    needed = [(tracing_compilation, "_create_concrete_function"),
              (func_graph_module, "func_graph_from_py_func"),
              (auto_control_deps, "AutomaticControlDependencies")]
    missing = [f"{m.__name__}.{n}" for m, n in needed if not hasattr(m, n)]
    if missing:
        import tensorflow as tf

        raise UnsupportedTensorFlowError(
            f"TensorFlow {tf.__version__} lacks {', '.join(missing)}, which tfgraphviz hooks "
            "to record traces; install TensorFlow 2.16 or newer (tested with 2.21)")
    rec = Recording()
    orig_create = tracing_compilation._create_concrete_function
    orig_from_py = func_graph_module.func_graph_from_py_func
    acd = auto_control_deps.AutomaticControlDependencies
    orig_exit = acd.__exit__

    def create(function_type: Any, type_context: Any, func_graph: Any, options: Any) -> Any:
        record = TraceRecord(str(options.name), _tracing_function(), rec.phase)
        buffer = io.StringIO()
        previous = sys.stdout
        sys.stdout = _Tee(buffer, previous)
        try:
            concrete = orig_create(function_type, type_context, func_graph, options)
            record.concrete = concrete
            record.graph = concrete.graph
            name = concrete.name  # the FunctionDef name callers use, e.g. __inference_f_12
            rec.graphs_by_name[name.decode() if isinstance(name, bytes) else str(name)] = \
                concrete.graph
            return concrete
        except BaseException as exc:
            record.error = exc
            record.graph = func_graph
            raise
        finally:
            sys.stdout = previous
            record.output = buffer.getvalue()
            rec.traces.append(record)
            rec._keep.append(record.graph)

    def from_py(name: Any, *args: Any, **kwargs: Any) -> Any:
        graph = orig_from_py(name, *args, **kwargs)
        rec.graphs_by_name[str(graph.name)] = graph
        rec._keep.append(graph)
        return graph

    def exit_(self: Any, *exc_info: Any) -> Any:
        graph = getattr(self, "_graph", None)
        if graph is None or exc_info[0] is not None:
            return orig_exit(self, *exc_info)
        before = {op.name: {c.name for c in op.control_inputs} for op in graph.get_operations()}
        result = orig_exit(self, *exc_info)
        deps = rec.auto_deps.setdefault(id(graph), AutoDeps())
        rec._keep.append(graph)
        for op in graph.get_operations():
            known = before.get(op.name)
            if known is None:
                deps.ops.add(op.name)
                known = set()
            for ctrl in op.control_inputs:
                if ctrl.name not in known:
                    deps.edges.add((op.name, ctrl.name))
        return result

    tracing_compilation._create_concrete_function = create
    func_graph_module.func_graph_from_py_func = from_py
    acd.__exit__ = exit_
    try:
        yield rec
    finally:
        tracing_compilation._create_concrete_function = orig_create
        func_graph_module.func_graph_from_py_func = orig_from_py
        acd.__exit__ = orig_exit


@contextlib.contextmanager
def captured_output() -> Iterator[list[str]]:
    """Capture everything written to stdout/stderr (Python and C++ alike); yields a 1-list."""
    result: list[str] = [""]
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = {fd: os.dup(fd) for fd in (1, 2)}
        old_out, old_err = sys.stdout, sys.stderr
        writer = open(tmp.fileno(), "w", buffering=1, encoding="utf-8", closefd=False)
        try:
            for fd in (1, 2):
                os.dup2(tmp.fileno(), fd)
            sys.stdout = sys.stderr = writer
            yield result
        finally:
            writer.flush()
            sys.stdout, sys.stderr = old_out, old_err
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            writer.close()
            tmp.seek(0)
            result[0] = tmp.read().decode("utf-8", errors="replace")
