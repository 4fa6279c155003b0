"""Capture: load a user's file, find its tf.functions, trace them and extract their graphs.

The public entry points, used by the pipeline, the API, the tests and the benchmark alike:
`capture_file` (a file: import it under the hooks, trace the chosen targets),
`trace_callable` (one tf.function, ConcreteFunction, plain function or tf.Graph) and
`list_candidates` (what `--list` prints)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tfgraphviz.capture.records import Target, TargetKind, TracedFunction
from tfgraphviz.errors import CallSpecError, TfGraphvizError

if TYPE_CHECKING:
    import types

    from tfgraphviz.capture.hooks.recorder import Recording
    from tfgraphviz.capture.trace import CallSpec

__all__ = ["Capture", "capture_file", "list_candidates", "trace_callable"]


@dataclass
class Capture:
    """What capturing a file gave: one TracedFunction per target, in render order."""

    entries: list[TracedFunction] = field(default_factory=list)
    import_output: str = ""  # what the file printed while it was imported
    # (target name, error) of each --call whose arguments could not be used
    call_errors: list[tuple[str, CallSpecError]] = field(default_factory=list)
    # candidates not drawn, and functions drawn without their AutoGraph code: why
    notes: list[tuple[str, str]] = field(default_factory=list)
    extract_seconds: float = 0.0  # time spent turning traces into TracedGraphs


def _failed(target: Target, exc: BaseException, source: Path) -> TracedFunction:
    """A traced function holding only the error, for anything user code raised while
    tracing (SystemExit and GeneratorExit too: they must not end the run silently)."""
    from tfgraphviz.capture.specs import describe_error

    traced = TracedFunction(target.name, target.kind)
    traced.errors.append(describe_error(exc, source))
    return traced


def _notes(module: types.ModuleType, path: Path, names: Sequence[str] | None,
           skip: Sequence[str], calls: Sequence[CallSpec], rec: Recording
           ) -> list[tuple[str, str]]:
    """listing.left_out, with a verified --call for each shadowed definition left out."""
    from tfgraphviz.capture import discover, listing
    from tfgraphviz.capture.hooks.output import captured_output
    from tfgraphviz.capture.trace import verified_hint

    notes = listing.left_out(module, path, names or None, skip)
    noted = {t.name: t for t in discover.noted_targets(module, path)}
    called = {s.function for s in calls}
    result = []
    for name, why in notes:
        target = noted.get(name)
        if target is not None and name not in called and not why.startswith("skipped: "):
            rec.phase = f"hint for {name}"
            with captured_output():
                why = discover.note_text(target, verified_hint(target, rec, vars(module)))
        if name not in called:
            result.append((name, why))
    return result


def _targets(module: types.ModuleType, path: Path, names: Sequence[str] | None,
             calls: Sequence[CallSpec], skip: Sequence[str]) -> list[Target]:
    """The targets named (all when none is), then those only a --call names."""
    from tfgraphviz.capture.select import select_targets

    targets = select_targets(module, path, list(names) if names else None, skip=skip)
    known = {t.name for t in targets} | {t.name.removesuffix(".__call__") for t in targets}
    for spec in calls:
        if spec.function not in known:
            targets += select_targets(module, path, [spec.function], option="--call")
            known.add(spec.function)
    return targets


def capture_file(path: Path, names: Sequence[str] | None = None,
                 calls: Sequence[CallSpec] = (), *, skip: Sequence[str] = (),
                 notes: bool = False, tags: Sequence[str] = (),
                 progress: Callable[[str], None] = lambda _m: None) -> Capture:
    """Import the file (a path check_input accepted) under the hooks and trace the targets
    `names` chooses (all when None), each with its --call specs; `notes`: also say why each
    candidate not drawn is not (see listing.left_out); `tags`: a SavedModel's MetaGraph.
    TensorFlow's compatibility is checked first, before the file is imported."""
    from tfgraphviz.capture.hooks.compat import check_tensorflow
    from tfgraphviz.capture.hooks.output import captured_output
    from tfgraphviz.capture.hooks.recorder import recording
    from tfgraphviz.capture.loader import load_module
    from tfgraphviz.capture.trace import trace_target

    check_tensorflow()
    result = Capture()
    with recording([path]) as rec:
        with captured_output() as import_output:
            module = load_module(path, tags)
        targets = _targets(module, path, names, calls, skip)
        if notes:
            result.notes = _notes(module, path, names, skip, calls, rec)
        for target in targets:
            progress(f"tracing {target.name}")
            aliases = (target.name, target.name.removesuffix(".__call__"))
            my_calls = [s for s in calls if s.function in aliases]
            with captured_output():  # TensorFlow's warnings; user prints are in the records
                try:
                    traced = trace_target(target, my_calls, rec, path, vars(module))
                    result.entries.append(traced)
                    if traced.autograph_note:
                        result.notes.append((target.name, traced.autograph_note))
                except CallSpecError as exc:
                    result.call_errors.append((target.name, exc))
                except (TfGraphvizError, KeyboardInterrupt):
                    raise
                except BaseException as exc:  # noqa: BLE001 - user code: SystemExit too
                    result.entries.append(_failed(target, exc, path))
    result.import_output = import_output[0]
    result.extract_seconds = rec.extract_seconds
    return result


def trace_callable(fn: Any, *args: Any, **kwargs: Any) -> TracedFunction:
    """One graph of a tf.function (traced with these arguments or specs), a ConcreteFunction,
    a plain Python function (traced as if decorated) or a tf.Graph, under the hooks."""
    import tensorflow as tf

    from tfgraphviz.capture.extract import extract_concrete, extract_graph
    from tfgraphviz.capture.hooks.recorder import recording

    nowhere = Path("<none>")
    if isinstance(fn, tf.Graph):
        return TracedFunction("graph", TargetKind.GRAPH, [extract_graph(fn, nowhere)])
    with recording() as rec:
        if isinstance(fn, tf.types.experimental.ConcreteFunction):
            concrete = fn  # traced earlier: who added its control edges was not recorded
        else:
            if not hasattr(fn, "get_concrete_function"):
                fn = tf.function(fn)
            elif callable(getattr(fn, "_clone", None)):
                # a copy traces anew under the recording: a trace the tf.function cached
                # (an earlier call, of this function too) would lose who added what
                fn = fn._clone(None)
            concrete = fn.get_concrete_function(*args, **kwargs)
    name = getattr(getattr(concrete, "graph", None), "name", "function")
    return TracedFunction(str(name), TargetKind.FUNCTION,
                          [extract_concrete(concrete, rec, nowhere, {})])


def list_candidates(path: Path, skip: Sequence[str] = (),
                    tags: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every candidate of the file (a path check_source accepted), with what it is or why it
    is skipped; imports the file under the hooks, traces nothing."""
    from tfgraphviz.capture import listing, loader
    from tfgraphviz.capture.hooks.compat import check_tensorflow
    from tfgraphviz.capture.hooks.output import captured_output
    from tfgraphviz.capture.hooks.recorder import recording

    with captured_output():
        import tensorflow  # noqa: F401 - its start-up log lines are noise here
    check_tensorflow()
    with recording(), captured_output():
        module = loader.load_module(path, tags)
        return listing.list_candidates(module, path, skip)
