"""Record what TensorFlow does while tracing: traces, printed output, graphs, automatic edges."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tfgraphviz.capture.hooks.autograph import (
    AutoGraphFrames,
    ControlNames,
    autograph_frames,
    available_hooks,
)
from tfgraphviz.capture.hooks.compat import check_tensorflow
from tfgraphviz.capture.records import AutoDeps, Origin, TraceRecord
from tfgraphviz.capture.traceinfo import describe_params


@dataclass
class Recording:
    """Everything seen while the hooks were installed."""

    traces: list[TraceRecord] = field(default_factory=list)  # in the order they started
    phase: str = ""  # set by the tracer to the target it works on
    graphs_by_name: dict[str, Any] = field(default_factory=dict)
    auto_deps: dict[int, AutoDeps] = field(default_factory=dict)  # id(graph) -> AutoDeps
    # id(graph) -> {(dst op, src op): origin} for control edges not added automatically
    control_origins: dict[int, dict[tuple[str, str], Origin]] = field(default_factory=dict)
    user_files: set[str] = field(default_factory=set)  # resolved paths that count as "user"
    # id(graph) -> {op name -> converted functions and lines on the stack when it was made}
    autograph_ops: dict[int, dict[str, AutoGraphFrames]] = field(default_factory=dict)
    control_names: ControlNames = field(default_factory=ControlNames)
    active: list[TraceRecord] = field(default_factory=list)  # traces running, innermost last
    _keep: list[Any] = field(default_factory=list)  # keeps graphs alive so ids stay unique

    def auto_deps_for(self, graph: Any) -> AutoDeps:
        return self.auto_deps.get(id(graph), AutoDeps())

    def origins_for(self, graph: Any) -> dict[tuple[str, str], Origin]:
        return self.control_origins.get(id(graph), {})

    def note_control_edges(self, graph: Any, op: Any, controls: Any, origin: Origin) -> None:
        table = self.control_origins.get(id(graph))
        if table is None:
            table = self.control_origins[id(graph)] = {}
            self._keep.append(graph)
        for ctrl in controls:
            table.setdefault((op.name, ctrl.name), origin)

    def traces_of(self, function: Any, phase: str) -> list[TraceRecord]:
        """Traces of a function made at import or while working on `phase`: never those that
        tracing another target caused (a function's files must not depend on the others)."""
        return [t for t in self.traces if t.function is function and t.phase in ("", phase)]


class _Tee(io.TextIOBase):
    """Writes to a buffer and passes the text on to the stream it replaced; `sites` gets
    (line, where, text) per write, from the user's line that wrote it (`locate`)."""

    def __init__(self, buffer: io.StringIO, passthrough: TextIO,
                 sites: list[tuple[int, str, str]] | None = None,
                 locate: Any = None) -> None:
        self._buffer = buffer
        self._passthrough = passthrough
        self._sites = sites
        self._locate = locate

    def write(self, text: str) -> int:
        self._buffer.write(text)
        if self._sites is not None and text:
            try:
                line, where = self._locate() if self._locate is not None else (0, "")
            except Exception:  # noqa: BLE001 - a stack TensorFlow cannot read: line unknown
                line, where = 0, ""
            last = self._sites[-1] if self._sites else None
            if last is not None and last[0] == line and not last[2].endswith("\n"):
                self._sites[-1] = (line, where, last[2] + text)  # print's "\n" after its text
            else:
                self._sites.append((line, where, text))
        with contextlib.suppress(ValueError, OSError):  # the stream may have been closed
            self._passthrough.write(text)
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            self._passthrough.flush()


_PLUMBING = ("/tensorflow/python/framework/ops.py", "/tensorflow/python/framework/func_graph.py",
             "/tensorflow/python/util/tf_contextlib.py", "/tensorflow/python/util/deprecation.py",
             "/contextlib.py", __file__)


def _library_roots() -> tuple[str, ...]:
    import sysconfig

    paths = sysconfig.get_paths()
    roots = {str(Path(paths[k]).resolve()) for k in ("purelib", "platlib", "stdlib", "platstdlib")
             if paths.get(k)}
    roots |= {str(Path(p).resolve()) for p in sys.path
              if p.endswith(("site-packages", "dist-packages"))}
    return tuple(sorted((r + os.sep for r in roots), key=lambda r: (-len(r), r)))  # deepest first


def classify_frame(filename: str, lineno: int, user_files: set[str],
                   roots: tuple[str, ...]) -> Origin:
    """("user", "f.py:12") for the user's own files, ("library", "pkg/mod.py:40") for installed
    packages and the standard library."""
    if filename in user_files:
        return "user", f"{Path(filename).name}:{lineno}"
    if filename.startswith("<"):
        return "library", f"{filename}:{lineno}"
    for root in roots:
        if filename.startswith(root):
            return "library", f"{filename[len(root):]}:{lineno}"
    marker = next((m for m in ("/site-packages/", "/dist-packages/") if m in filename), None)
    if marker:
        return "library", f"{filename.split(marker, 1)[1]}:{lineno}"
    return "user", f"{Path(filename).name}:{lineno}"


_WRAPPERS = ("/tensorflow/python/util/dispatch.py", "/tensorflow/python/util/traceback_utils.py",
             "/tensorflow/python/autograph/impl/api.py", "/tensorflow/python/util/nest_util.py",
             "/tensorflow/python/util/nest.py", "/tensorflow/python/util/deprecation.py")


def _caller_origin(rec: Recording, roots: tuple[str, ...]) -> Origin:
    """Who asked for a control dependency: the innermost frame outside TensorFlow's plumbing,
    with AutoGraph-converted code mapped back to the user's source. For library code, `where`
    names the library function the user's code called and the user's line that called it."""
    from tensorflow.python.util import tf_stack

    frames = [f for f in reversed(tf_stack.extract_stack()) if not f.filename.endswith(_PLUMBING)]
    if not frames:
        return "library", ""
    classified = [classify_frame(f.filename, f.lineno, rec.user_files, roots) for f in frames]
    if classified[0][0] == "user":
        return classified[0]
    user = next((i for i, c in enumerate(classified) if c[0] == "user"), None)
    if user is None:
        return classified[0]
    entry = next((classified[i] for i in range(user - 1, -1, -1)
                  if not frames[i].filename.endswith(_WRAPPERS)), classified[user - 1])
    return "library", f"{entry[1]}, called from {classified[user][1]}"


def user_line(rec: Recording) -> tuple[int, str]:
    """(line, "f.py:12") of the innermost frame of the user's files now running, AutoGraph's
    converted code mapped back to the user's source; (0, "") if none."""
    from tensorflow.python.util import tf_stack

    for frame in reversed(tf_stack.extract_stack()):
        filename = frame.filename
        if filename in rec.user_files or (not filename.startswith("<") and os.path.isabs(
                filename) and str(Path(filename).resolve()) in rec.user_files):
            return frame.lineno, f"{Path(filename).name}:{frame.lineno}"
    return 0, ""


def _describe_params(function_type: Any) -> list[Any] | None:
    """traceinfo.describe_params, or None when it fails (retried from the record later)."""
    try:
        return describe_params(function_type)
    except Exception:  # noqa: BLE001 - never let describing break the user's trace
        return None


_SAVING = ("/tensorflow/python/saved_model/save.py",
           "\\tensorflow\\python\\saved_model\\save.py")


def saving_line(rec: Recording) -> int:
    """The line of the user's file whose call of tf.saved_model.save is running now (0 if
    none is): a trace started inside it is made by saving, not by a call of the user's."""
    frame: Any = sys._getframe(1)
    saving = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith(_SAVING):
            saving = True
        elif saving and filename in rec.user_files:
            return int(frame.f_lineno)
        frame = frame.f_back
    return 0


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
def recording(user_files: Iterable[Path] = ()) -> Iterator[Recording]:
    """Install the hooks on TensorFlow's tracer for the duration of the block; control
    dependencies entered in `user_files` (and in any file outside installed packages) are
    the user's."""
    from tensorflow.python.eager.polymorphic_function import (
        polymorphic_function,
        tracing_compilation,
    )
    from tensorflow.python.framework import auto_control_deps, ops
    from tensorflow.python.framework import func_graph as func_graph_module

    check_tensorflow()
    rec = Recording(user_files={str(Path(p).resolve()) for p in user_files})
    roots = _library_roots()
    in_auto = [0]  # >0 while automatic control dependencies add their edges
    orig_create = tracing_compilation._create_concrete_function
    orig_from_py = func_graph_module.func_graph_from_py_func
    acd = auto_control_deps.AutomaticControlDependencies
    orig_exit = acd.__exit__

    def create(function_type: Any, type_context: Any, func_graph: Any, options: Any) -> Any:
        function = _tracing_function()
        scope = getattr(getattr(options, "scope_type", None), "name", "").lower()
        scope = "" if scope == "no_scope" else scope
        first = scope == "variable_creation" and function is not None and getattr(
            function, "_concrete_variable_creation_fn", None) is None
        record = TraceRecord(str(options.name), function, rec.phase,
                             function_type=function_type, scope=scope, first=first)
        record.params = _describe_params(function_type)
        record.parent = next((r for r in reversed(rec.active)
                              if function is not None and r.function is function), None)
        try:
            record.saving_line = saving_line(rec)
        except Exception:  # noqa: BLE001 - never let looking break the user's trace
            record.saving_line = 0
        rec.traces.append(record)  # in the order traces start: a nested one after its parent
        buffer = io.StringIO()
        previous = sys.stdout
        sys.stdout = _Tee(buffer, previous, record.prints, lambda: user_line(rec))
        rec.active.append(record)
        try:
            concrete = orig_create(function_type, type_context, func_graph, options)
            record.concrete = concrete
            record.graph = concrete.graph
            rec._keep.extend(concrete.graph.variables)  # drawable even if the file drops them
            name = concrete.name  # the FunctionDef name callers use, e.g. __inference_f_12
            rec.graphs_by_name[name.decode() if isinstance(name, bytes) else str(name)] = \
                concrete.graph
            return concrete
        except BaseException as exc:
            record.error = exc
            record.graph = func_graph
            raise
        finally:
            rec.active.pop()
            sys.stdout = previous
            record.output = buffer.getvalue()
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
        in_auto[0] += 1
        try:
            result = orig_exit(self, *exc_info)
        finally:
            in_auto[0] -= 1
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

    controller = ops.Graph._ControlDependenciesController
    orig_enter = controller.__enter__
    orig_create_op = ops.Graph._create_op_internal
    orig_add_one = ops.Operation._add_control_input
    orig_add_many = ops.Operation._add_control_inputs

    def enter(self: Any) -> Any:
        if self.control_inputs:  # where this `with control_dependencies(...)` was entered
            self._tfgraphviz_origin = _caller_origin(rec, roots)
        return orig_enter(self)

    def create_op(self: Any, *args: Any, **kwargs: Any) -> Any:
        op = orig_create_op(self, *args, **kwargs)
        frames = autograph_frames(sys._getframe(1))
        if frames:
            table = rec.autograph_ops.get(id(self))
            if table is None:
                table = rec.autograph_ops[id(self)] = {}
                rec._keep.append(self)
            table[op.name] = frames
        if rec.control_names.pending and rec.control_names.tie(self, op):
            rec._keep.append(self)
        stack = self._control_dependencies_stack
        if stack:
            for ctrl in op.control_inputs:
                for active in reversed(stack):
                    if any(c is ctrl for c in active.control_inputs):
                        origin = getattr(active, "_tfgraphviz_origin", ("library", ""))
                        rec.note_control_edges(self, op, [ctrl], origin)
                        break
        return op

    def add_one(self: Any, ctrl: Any) -> Any:
        if not in_auto[0]:
            rec.note_control_edges(self.graph, self, [ctrl], _caller_origin(rec, roots))
        return orig_add_one(self, ctrl)

    def add_many(self: Any, ctrls: Any) -> Any:
        if not in_auto[0]:
            rec.note_control_edges(self.graph, self, list(ctrls), _caller_origin(rec, roots))
        return orig_add_many(self, ctrls)

    # tf.Variables made by a first trace (without this class: none are seen as made)
    variable_class = getattr(polymorphic_function, "UnliftedInitializerVariable", object)
    orig_variable_init = variable_class.__init__

    def variable_init(self: Any, *args: Any, **kwargs: Any) -> Any:
        if rec.active:  # a tf.Variable made while tracing: remember the user's line
            try:
                line = user_line(rec)[0]
            except Exception:  # noqa: BLE001 - a stack TensorFlow cannot read: line unknown
                line = 0
            rec.active[-1].variable_lines.append(line)
        return orig_variable_init(self, *args, **kwargs)

    installed = [(tracing_compilation, "_create_concrete_function", orig_create, create),
             (func_graph_module, "func_graph_from_py_func", orig_from_py, from_py),
             (acd, "__exit__", orig_exit, exit_), (controller, "__enter__", orig_enter, enter),
             (ops.Graph, "_create_op_internal", orig_create_op, create_op),
             (ops.Operation, "_add_control_input", orig_add_one, add_one),
             (ops.Operation, "_add_control_inputs", orig_add_many, add_many),
             *([(variable_class, "__init__", orig_variable_init, variable_init)]
               if variable_class is not object else []),
             *available_hooks(rec.control_names)]
    own = {(owner, name): name in owner.__dict__ for owner, name, _, _ in installed}
    for owner, name, _, hook in installed:
        setattr(owner, name, hook)
    try:
        yield rec
    finally:
        for owner, name, orig, _ in installed:
            if not own[(owner, name)]:
                delattr(owner, name)  # inherited from the C++ base class
            else:
                setattr(owner, name, orig)


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
            with contextlib.suppress(ValueError, OSError):  # the user may have closed it
                writer.flush()
            sys.stdout, sys.stderr = old_out, old_err
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            with contextlib.suppress(ValueError, OSError):
                writer.close()
            tmp.seek(0)
            result[0] = tmp.read().decode("utf-8", errors="replace")
