"""Record what TensorFlow does while tracing: traces, printed output, graphs, automatic edges."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Iterable
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
from tfgraphviz.capture.records import AutoDeps, OpStacks, Origin, TraceRecord
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
    op_stacks: dict[int, OpStacks] = field(default_factory=dict)  # id(graph) -> its op stacks
    control_names: ControlNames = field(default_factory=ControlNames)
    active: list[TraceRecord] = field(default_factory=list)  # traces running, innermost last
    extract_seconds: float = 0.0  # time spent in extract_concrete / extract_graph
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


@functools.lru_cache(maxsize=8192)
def _resolved(filename: str) -> str:
    """The real path of a module's file (asked once per file: each is a few system calls)."""
    return str(Path(filename).resolve())


def user_line(rec: Recording) -> tuple[int, str]:
    """(line, "f.py:12") of the innermost frame of the user's files now running, AutoGraph's
    converted code mapped back to the user's source; (0, "") if none."""
    from tensorflow.python.util import tf_stack

    for frame in reversed(tf_stack.extract_stack()):
        filename = frame.filename
        if filename in rec.user_files or (not filename.startswith("<") and os.path.isabs(
                filename) and _resolved(filename) in rec.user_files):
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


Hook = tuple[Any, str, Any]  # (owner, attribute, the hook to put there)


def _method(hook: Any) -> Any:
    """A plain function calling `hook(obj, ...)`: set on a class, it binds to each instance."""
    def method(obj: Any, *args: Any, **kwargs: Any) -> Any:
        return hook(obj, *args, **kwargs)
    return method


class Recorder:
    """The hooks on TensorFlow's tracer, one method each, and the table that installs and
    removes them. As a context manager it yields the Recording they fill; control
    dependencies entered in `user_files` (and in any file outside installed packages) are
    the user's."""

    def __init__(self, user_files: Iterable[Path] = ()) -> None:
        self.rec = Recording(user_files={str(Path(p).resolve()) for p in user_files})
        _resolved.cache_clear()  # links may have changed since an earlier render here
        self.roots = _library_roots()
        self._in_auto = 0  # >0 while automatic control dependencies add their edges
        self._orig: dict[str, Any] = {}  # attribute -> what was there before the hook
        self._installed: list[tuple[Any, str, Any, bool]] = []  # (owner, name, orig, own)

    # ---- the table ---------------------------------------------------------------------------
    def hooks(self) -> list[Hook]:
        """(owner, attribute, hook) for every hook this TensorFlow supports."""
        from tensorflow.python.eager.polymorphic_function import (
            polymorphic_function,
            tracing_compilation,
        )
        from tensorflow.python.framework import auto_control_deps, ops
        from tensorflow.python.framework import func_graph as func_graph_module

        table: list[Hook] = [
            (tracing_compilation, "_create_concrete_function", self.create_concrete_function),
            (func_graph_module, "func_graph_from_py_func", self.func_graph_from_py_func),
            (auto_control_deps.AutomaticControlDependencies, "__exit__",
             _method(self.auto_deps_exit)),
            (ops.Graph._ControlDependenciesController, "__enter__",
             _method(self.control_dependencies_enter)),
            (ops.Graph, "_create_op_internal", _method(self.create_op)),
            (ops.Operation, "_add_control_input", _method(self.add_control_input)),
            (ops.Operation, "_add_control_inputs", _method(self.add_control_inputs)),
        ]
        # tf.Variables made by a first trace (without this class: none are seen as made)
        variable_class = getattr(polymorphic_function, "UnliftedInitializerVariable", None)
        if variable_class is not None:
            table.append((variable_class, "__init__", _method(self.variable_init)))
        return table

    def install(self) -> Recording:
        """Put every hook in place (after the one compatibility check); returns the Recording."""
        check_tensorflow()
        table = [*self.hooks(), *((owner, name, hook) for owner, name, _, hook
                                  in available_hooks(self.rec.control_names))]
        for owner, name, hook in table:
            self._orig[name] = getattr(owner, name)
            self._installed.append((owner, name, self._orig[name], name in owner.__dict__))
            setattr(owner, name, hook)
        return self.rec

    def uninstall(self) -> None:
        for owner, name, orig, own in reversed(self._installed):
            if not own:
                delattr(owner, name)  # inherited from the C++ base class
            else:
                setattr(owner, name, orig)
        self._installed.clear()

    def __enter__(self) -> Recording:
        return self.install()

    def __exit__(self, *exc_info: Any) -> None:
        self.uninstall()

    # ---- the hooks ---------------------------------------------------------------------------
    def _start(self, function_type: Any, options: Any) -> TraceRecord:
        """The record of a trace about to start."""
        rec = self.rec
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
        return record

    def create_concrete_function(self, function_type: Any, type_context: Any,
                                 func_graph: Any, options: Any) -> Any:
        """One trace: its record, what Python printed during it, its graph or its error."""
        rec = self.rec
        record = self._start(function_type, options)
        buffer = io.StringIO()
        previous = sys.stdout
        sys.stdout = _Tee(buffer, previous, record.prints, lambda: user_line(rec))
        rec.active.append(record)
        try:
            concrete = self._orig["_create_concrete_function"](
                function_type, type_context, func_graph, options)
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

    def func_graph_from_py_func(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        graph = self._orig["func_graph_from_py_func"](name, *args, **kwargs)
        self.rec.graphs_by_name[str(graph.name)] = graph
        self.rec._keep.append(graph)
        return graph

    def auto_deps_exit(self, acd: Any, *exc_info: Any) -> Any:
        """The control edges and ops automatic control dependencies added to a graph."""
        orig_exit = self._orig["__exit__"]
        graph = getattr(acd, "_graph", None)
        if graph is None or exc_info[0] is not None:
            return orig_exit(acd, *exc_info)
        before = {op.name: {c.name for c in op.control_inputs} for op in graph.get_operations()}
        self._in_auto += 1
        try:
            result = orig_exit(acd, *exc_info)
        finally:
            self._in_auto -= 1
        deps = self.rec.auto_deps.setdefault(id(graph), AutoDeps())
        self.rec._keep.append(graph)
        for op in graph.get_operations():
            known = before.get(op.name)
            if known is None:
                deps.ops.add(op.name)
                known = set()
            for ctrl in op.control_inputs:
                if ctrl.name not in known:
                    deps.edges.add((op.name, ctrl.name))
        return result

    def control_dependencies_enter(self, controller: Any) -> Any:
        if controller.control_inputs:  # where this `with control_dependencies(...)` was entered
            controller._tfgraphviz_origin = _caller_origin(self.rec, self.roots)
        return self._orig["__enter__"](controller)

    def create_op(self, graph: Any, *args: Any, **kwargs: Any) -> Any:
        """An op: the AutoGraph lines that made it, the loop variables' names, and who
        entered the `control_dependencies` blocks that gave it control inputs."""
        rec = self.rec
        op = self._orig["_create_op_internal"](graph, *args, **kwargs)
        stacks = rec.op_stacks.get(id(graph))
        if stacks is None:
            stacks = rec.op_stacks[id(graph)] = OpStacks()
            rec._keep.append(graph)
        if stacks.note(op.name, sys._getframe(1)):  # a new stack: its AutoGraph lines, kept
            stacks.autograph.append(autograph_frames(sys._getframe(2)))
        frames = stacks.autograph[stacks.by_op[op.name]]
        if frames:
            table = rec.autograph_ops.get(id(graph))
            if table is None:
                table = rec.autograph_ops[id(graph)] = {}
                rec._keep.append(graph)
            table[op.name] = frames
        if rec.control_names.pending and rec.control_names.tie(graph, op):
            rec._keep.append(graph)
        stack = graph._control_dependencies_stack
        if stack:
            for ctrl in op.control_inputs:
                for active in reversed(stack):
                    if any(c is ctrl for c in active.control_inputs):
                        origin = getattr(active, "_tfgraphviz_origin", ("library", ""))
                        rec.note_control_edges(graph, op, [ctrl], origin)
                        break
        return op

    def add_control_input(self, op: Any, ctrl: Any) -> Any:
        if not self._in_auto:
            self.rec.note_control_edges(op.graph, op, [ctrl],
                                        _caller_origin(self.rec, self.roots))
        return self._orig["_add_control_input"](op, ctrl)

    def add_control_inputs(self, op: Any, ctrls: Any) -> Any:
        if not self._in_auto:
            self.rec.note_control_edges(op.graph, op, list(ctrls),
                                        _caller_origin(self.rec, self.roots))
        return self._orig["_add_control_inputs"](op, ctrls)

    def variable_init(self, variable: Any, *args: Any, **kwargs: Any) -> Any:
        rec = self.rec
        if rec.active:  # a tf.Variable made while tracing: remember the user's line
            try:
                line = user_line(rec)[0]
            except Exception:  # noqa: BLE001 - a stack TensorFlow cannot read: line unknown
                line = 0
            rec.active[-1].variable_lines.append(line)
        return self._orig["__init__"](variable, *args, **kwargs)


def recording(user_files: Iterable[Path] = ()) -> Recorder:
    """`with recording(files) as rec:` installs the hooks for the block (see Recorder)."""
    return Recorder(user_files)
