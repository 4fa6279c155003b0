"""The render pipeline: file -> ConcreteFunctions -> networkx models -> files and a manifest."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tfgraphviz._util.defaults import (
    DEFAULT_DPI,
    DEFAULT_FORMATS,
    FORMATS,
    LAYOUT_TIMEOUT,
    MANIFEST,
)
from tfgraphviz._util.fs import write_text
from tfgraphviz._util.gc import frozen_heap
from tfgraphviz._util.naming import file_stem
from tfgraphviz.errors import InputError, OutputError
from tfgraphviz.pipeline import outdir, printed, staging
from tfgraphviz.pipeline.background import Drawings
from tfgraphviz.pipeline.exports import drawing_job, write_exports
from tfgraphviz.views import ViewOptions, parse_depth

if TYPE_CHECKING:
    from tfgraphviz.capture.records import TracedFunction
    from tfgraphviz.capture.trace import CallSpec
    from tfgraphviz.explain.records import FunctionExplanation
    from tfgraphviz.report.html import ReportGraph

REPORT = "report.html"
MAX_SECONDS = 604800.0  # --timeout and --layout-timeout at most (a week): longer waits
# overflow the clocks of threads and poll()
_TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\] .*$\n?", re.M)


@dataclass
class Problem:
    """Something that went wrong for one function; rendering went on."""

    function: str
    message: str
    exit_code: int = 1


@dataclass
class RenderResult:
    manifest: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    output_dir: Path = Path()
    notes: list[tuple[str, str]] = field(default_factory=list)  # candidates not drawn: why

    @property
    def exit_code(self) -> int:
        return max((p.exit_code for p in self.problems), default=0)


@dataclass
class Plan:
    """Checked arguments, every path absolute: nothing depends on the current folder later."""

    source: Path
    output_dir: Path
    functions: list[str]
    formats: tuple[str, ...]
    calls: list[CallSpec]
    layout_timeout: float
    dpi: float
    view: ViewOptions = field(default_factory=ViewOptions)
    skip: list[str] = field(default_factory=list)  # --skip globs
    tags: list[str] = field(default_factory=list)  # --tags: a SavedModel's MetaGraph


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"--format {','.join(unknown) or '(empty)'}: unknown; "
                         f"choose from {','.join(FORMATS)}")
    return formats


def positive(value: float, option: str, example: str, most: float = math.inf) -> float:
    """A finite number > 0 and at most `most`, else an InputError naming the option (nan,
    inf, 0, -1, 1e308 seconds)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"{option} {value}: give a positive number, e.g. {option} {example}")
    if number > most:
        raise InputError(f"{option} {value}: at most {most:g} seconds, e.g. {option} {example}")
    return number


def plan(path: str | Path, output_dir: str | Path, *, functions: Sequence[str] = (),
         formats: str | Sequence[str] = DEFAULT_FORMATS, calls: Sequence[str] = (),
         layout_timeout: float = LAYOUT_TIMEOUT, dpi: float = DEFAULT_DPI,
         depth: int | str = "auto", expand: Sequence[str] = (), fold: bool = True,
         noise: bool | None = None, skip: Sequence[str] = (), tags: Sequence[str] = ()
         ) -> Plan:
    """Check every argument without importing TensorFlow or creating anything."""
    from tfgraphviz.capture.loader import check_input
    from tfgraphviz.capture.trace import parse_call

    output = outdir.absolute(output_dir)  # before the user's code can chdir
    source = check_input(Path(path))  # resolved now, before the user's code runs
    chosen = parse_formats(formats)
    specs = [parse_call(c) for c in calls]
    timeout = positive(layout_timeout, "--layout-timeout", "300", most=MAX_SECONDS)
    resolution = positive(dpi, "--dpi", "144")
    options = ViewOptions(parse_depth(depth), tuple(expand), bool(fold), noise)
    _check_skip(functions, skip)
    outdir.check_writable(output)
    return Plan(source, output, list(functions), chosen, specs, timeout, resolution, options,
                list(skip), [t.strip() for t in tags if t.strip()])


def _check_skip(functions: Sequence[str], skip: Sequence[str]) -> None:
    """--skip patterns are globs; a -f NAME that one of them leaves out is a contradiction."""
    from tfgraphviz.capture.listing import skip_matches

    for pattern in skip:
        if not pattern.strip():
            raise InputError("--skip (empty): give a name or glob, e.g. --skip 'train_step@*'")
        for name in functions:
            if skip_matches(name, pattern):
                raise InputError(f"-f {name} and --skip {pattern}: the function is both asked "
                                 "for and left out; drop one of them")


def _clean_output(text: str) -> str:
    return _TF_LOG_LINE.sub("", text)


def _edge_counts(graph: Any) -> dict[str, int]:
    """Edges by kind, and control edges by origin (`auto_control` = automatic)."""
    counts = {"data": 0, "control": 0, "call": 0, "return": 0, "auto_control": 0,
              "user_control": 0, "library_control": 0, "unknown_control": 0}
    for _, _, d in graph.edges(data=True):
        counts[d["kind"]] = counts.get(d["kind"], 0) + 1
        if d["kind"] == "control":
            origin = d.get("origin", "unknown")
            key = "auto_control" if origin == "automatic" else f"{origin}_control"
            counts[key] = counts.get(key, 0) + 1
    return counts


def _trace_file(plan: Plan, problems: list[Problem], progress: Callable[[str], None],
                notes: list[tuple[str, str]] | None = None) -> tuple[list[TracedFunction], str]:
    """capture.capture_file for a plan: the traced functions and the import's output; a
    --call that cannot be used is a problem of its function; `notes` gets (name, why) of each
    candidate not drawn (see capture.listing.left_out)."""
    from tfgraphviz.capture import capture_file

    captured = capture_file(plan.source, plan.functions or None, plan.calls, skip=plan.skip,
                            notes=notes is not None, tags=plan.tags, progress=progress)
    problems += [Problem(name, str(exc), exc.exit_code) for name, exc in captured.call_errors]
    if notes is not None:
        notes += captured.notes
    printed.cap_outputs(captured.entries)  # every output file holds a copy: keep them small
    return captured.entries, printed.capped(captured.import_output)


def _write_function(traced: TracedFunction, plan: Plan, problems: list[Problem],
                    drawings: list[ReportGraph], pool: Drawings) -> dict[str, Any]:
    """Write the files of one function's ConcreteFunctions, their drawings started in
    `pool`; return its manifest entry and add each drawing (its model and view plan, for the
    report) to `drawings`."""
    from tfgraphviz.drawing.dot import heading_of
    from tfgraphviz.model.build import to_networkx
    from tfgraphviz.report.html import ReportGraph
    from tfgraphviz.views.build import plan_view

    stem = file_stem(traced.name)
    problems += [Problem(traced.name, f"{traced.name}: {err}") for err in traced.errors]
    if traced.needs_call:
        problems.append(Problem(traced.name, (
            f"{traced.name}: needs example arguments to be traced; "
            f"add {traced.needs_call} (TensorSpecs or real values)")))
    autograph_file = None
    if traced.autograph:
        autograph_file = f"{stem}.autograph.py"
        write_text(plan.output_dir / autograph_file, traced.autograph)
    concrete = []
    for i, tg in enumerate(traced.graphs):
        cf_stem = stem if len(traced.graphs) == 1 else f"{stem}.{i}"
        graph = to_networkx(tg, traced.name, traced.kind.model_kind)
        if traced.errors:
            graph.graph["note"] = ("a trace that succeeded before tracing failed: "
                                   + traced.errors[0])
        planned = plan_view(graph, *astuple(plan.view))  # for the drawing and the report
        concrete.append({
            "signature": tg.signature, "trace_output": _clean_output(tg.trace_output),
            "files": {}, "nodes": graph.number_of_nodes(), "edges": _edge_counts(graph),
            "bodies": [b["id"] for b in graph.graph["bodies"]], "view": {},
        })  # the drawing starts first: it is made beside the other files
        pool.add(concrete[-1], heading_of(graph), traced.name, cf_stem,
                 drawing_job(graph, cf_stem, plan, planned), problems)
        concrete[-1]["files"] = write_exports(graph, cf_stem, plan.output_dir, plan.formats)
        drawings.append(ReportGraph(heading_of(graph), cf_stem, graph, plan.view, planned))
    return {
        "name": traced.name, "kind": traced.kind, "trace_count": traced.trace_count,
        "trace_outputs": [_clean_output(t) for t in traced.trace_outputs],
        "autograph": autograph_file, "errors": traced.errors,
        "needs_call": traced.needs_call, "concrete_functions": concrete,
    }


def _write_set(traced: TracedFunction, plan: Plan, problems: list[Problem],
               drawings: list[ReportGraph], pool: Drawings,
               sets: staging.Sets) -> dict[str, Any]:
    """_write_function into a staging folder of `sets`, published as a set once its drawings
    are done (see staging.Sets.publish); if its files cannot be written, a problem (the
    output-error exit) and the function keeps its earlier files (see _keep_earlier); the
    other functions are written all the same."""
    entry = {"name": traced.name, "kind": traced.kind, "trace_count": traced.trace_count,
             "needs_call": traced.needs_call}
    try:
        stage = sets.open()
        entry = _write_function(traced, replace(plan, output_dir=stage), problems, drawings,
                                pool)
    except OutputError as exc:
        pool.forget(traced.name)  # a drawing already started: its files go with the rest
        _give_up(entry, staging.outside(plan.output_dir, exc), problems)
        return entry
    sets.add(stage, entry)
    return entry


def _give_up(entry: dict[str, Any], exc: OutputError, problems: list[Problem]) -> None:
    """The function of manifest entry `entry` could not be written: say so, and list none of
    its new files (it keeps its earlier ones)."""
    message = f"{entry['name']}: {exc} (its earlier files, if any, are kept)"
    problems.append(Problem(entry["name"], message, exc.exit_code))
    entry.update(trace_outputs=[], autograph=None, errors=[message], concrete_functions=[])


def _explain(traced: TracedFunction, models: list[Any], plan: Plan, source_text: str,
             problems: list[Problem]) -> FunctionExplanation:
    """The explanation of one function (manifest["explain"]); a failure to explain is a
    problem of that function, not the end of the render."""
    from tfgraphviz.explain.core import explain_function

    try:
        return explain_function(traced, models, plan.source, source_text)
    except Exception as exc:  # noqa: BLE001 - the files are written; say what failed
        problems.append(Problem(traced.name, f"{traced.name}: could not explain it: "
                                f"{type(exc).__name__}: {exc}"))
        return {"name": traced.name, "kind": traced.kind, "traces": [], "findings": [],
                "state": {}, "error": f"{type(exc).__name__}: {exc}"}


def _report(plan: Plan, source_text: str,
            reported: list[tuple[TracedFunction, FunctionExplanation, list[ReportGraph]]],
            problems: list[Problem], listed: tuple[list[dict[str, Any]], list[Any]]) -> bool:
    """Write report.html (every function `listed` in the manifest with its explanation, its
    drawings; those of -f's kept functions read back); True if written."""
    from tfgraphviz.pipeline.kept import with_kept
    from tfgraphviz.report import html as report

    functions = [report.ReportFunction(traced.name, traced.autograph, explanation, drawings)
                 for traced, explanation, drawings in reported]
    if plan.functions:
        functions = with_kept(functions, *listed, plan.output_dir, plan.view)
    try:
        report.write_report(plan.output_dir / REPORT, source_name=plan.source.name,
                            source_text=source_text, functions=functions)
    except OutputError as exc:  # a full disk, a folder in the way: the other files stay
        problems.append(Problem("", f"{REPORT} not written: {exc} (the other files are "
                                "written)", exc.exit_code))
        return False
    except (OSError, ValueError) as exc:
        problems.append(Problem("", f"{REPORT} not written: {exc}"))
        return False
    except Exception as exc:  # noqa: BLE001 - a bug in the report must not cost the drawings
        problems.append(Problem("", f"{REPORT} not written: internal error {type(exc).__name__}:"
                                f" {exc} (please report it; the other files are written)"))
        return False
    return True


def _source_path(plan: Plan) -> str:
    """The input file relative to the output folder (both resolved): it proves which input an
    earlier render was for, and stays the same when the whole tree is moved or cloned."""
    return Path(os.path.relpath(plan.source, plan.output_dir.resolve())).as_posix()


def _keep_earlier(functions: list[dict[str, Any]], old: dict[str, Any], plan: Plan) -> None:
    """A function whose trace now fails (or whose files could not be written) keeps the
    drawings of the earlier render of the same file, listed with `from_earlier_render: true`,
    and its AutoGraph file if it has no new one."""
    if old.get("source_path") != _source_path(plan):
        return
    earlier = {f.get("name"): f for f in old.get("functions", []) if isinstance(f, dict)}
    for fn in functions:
        before = earlier.get(fn["name"])
        if fn["concrete_functions"] or not fn["errors"] or not before:
            continue
        for cf in before.get("concrete_functions", []):
            files = cf.get("files", {}) if isinstance(cf, dict) else {}
            if files and all(isinstance(f, str) and outdir.exists(plan.output_dir, f)
                             for f in files.values()):
                fn["concrete_functions"].append({**cf, "from_earlier_render": True})
        autograph = before.get("autograph")
        if fn["autograph"] is None and isinstance(autograph, str) \
                and outdir.exists(plan.output_dir, autograph):
            fn["autograph"] = autograph


def _only_existing(functions: list[dict[str, Any]], folder: Path) -> None:
    """The manifest lists only files that are really there when it is written."""
    for fn in functions:
        for cf in fn["concrete_functions"]:
            cf["files"] = {k: v for k, v in cf["files"].items() if outdir.exists(folder, v)}


def _release_user_module(source: Path) -> None:
    """Everything is extracted as plain data now: let the user's module (its tf.functions,
    their graphs and the stack frames TensorFlow cached on every op) be freed before the
    files are written (the caller collects), which keeps peak memory down on big graphs."""
    import sys

    from tfgraphviz.capture.loader import input_module_name

    sys.modules.pop(input_module_name(source), None)


def execute(plan: Plan, say: Callable[[str], None] = lambda _m: None,
            progress: Callable[[str], None] = lambda _m: None) -> RenderResult:
    """Import, trace, then write under the folder's lock; `progress` hears each phase
    ("importing f.py", "tracing f", "" once the user's code is done)."""
    from tfgraphviz._util.version import __version__
    from tfgraphviz.capture.hooks.output import captured_output
    from tfgraphviz.capture.savedmodel import is_model_input
    from tfgraphviz.drawing.layout import graphviz_version

    progress(f"importing {plan.source.name}")
    with captured_output():  # TensorFlow's start-up log lines are noise here
        import tensorflow as tf

    problems: list[Problem] = []
    try:  # read before the user's code runs: it may rewrite or delete the file
        source_text = "" if is_model_input(plan.source) else \
            plan.source.read_text(encoding="utf-8", errors="replace")  # a model has no source
    except OSError:
        source_text = ""
    notes: list[tuple[str, str]] = []
    entries, import_output = _trace_file(plan, problems, progress, notes)
    _release_user_module(plan.source)

    def waiting() -> None:  # counted in --timeout: the user's code is not "done" until locked
        progress(f"waiting for another render into {plan.output_dir}")
        say(f"waiting for another render into {plan.output_dir} to finish")

    with outdir.locked(plan.output_dir, waiting), frozen_heap():
        progress("")
        progress("writing")
        old = outdir.read_manifest(plan.output_dir)
        staging.clean_leftovers(plan.output_dir, old, _source_path(plan))
        functions, explained, reported = [], [], []
        with staging.Sets(plan.output_dir) as sets, Drawings(plan.layout_timeout) as pool:
            for traced in entries:  # Graphviz runs in `pool` while the rest is written
                drawings: list[ReportGraph] = []
                functions.append(_write_set(traced, plan, problems, drawings, pool, sets))
                explanation = _explain(traced, [d.model for d in drawings], plan,
                                       source_text, problems)
                explained.append(explanation)
                reported.append((traced, explanation, drawings))
            if plan.functions:  # -f: the file's other functions keep their files
                outdir.keep_others(functions, explained, old, _source_path(plan),
                                   plan.output_dir)
            written = _report(plan, source_text, reported, problems, (functions, explained))
            version = graphviz_version()
            failed = pool.finish(problems, say, progress)
            sets.publish(failed, lambda entry, exc: _give_up(entry, exc, problems))
        _keep_earlier(functions, old, plan)
        _only_existing(functions, plan.output_dir)
        manifest = {
            "tfgraphviz": __version__, "source": plan.source.name,
            "source_path": _source_path(plan), "tensorflow": tf.__version__,
            "graphviz": version, "formats": list(plan.formats),
            "import_output": _clean_output(import_output), "functions": functions,
            "explain": {"functions": explained},
            "notes": [{"name": name, "note": why} for name, why in notes],
        }
        if written:
            manifest["report"] = REPORT
            say(f"  report -> {REPORT}")
        write_text(plan.output_dir / MANIFEST,
                   json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        outdir.remove_stale(plan.output_dir, old, manifest)
    return RenderResult(manifest, problems, plan.output_dir, notes)


def render(path: str | Path, output_dir: str | Path, *, functions: Sequence[str] = (),
           formats: str | Sequence[str] = DEFAULT_FORMATS, calls: Sequence[str] = (),
           layout_timeout: float = LAYOUT_TIMEOUT, dpi: float = DEFAULT_DPI,
           depth: int | str = "auto", expand: Sequence[str] = (), fold: bool = True,
           noise: bool | None = None, skip: Sequence[str] = (), tags: Sequence[str] = (),
           log: Callable[[str], None] | None = None) -> RenderResult:
    """Render every (or every named) tf.function of a file into `output_dir`."""
    checked = plan(path, output_dir, functions=functions, formats=formats, calls=calls,
                   layout_timeout=layout_timeout, dpi=dpi, depth=depth, expand=expand,
                   fold=fold, noise=noise, skip=skip, tags=tags)
    return execute(checked, log or (lambda _m: None))


def list_candidates(path: str | Path, skip: Sequence[str] = (),
                    tags: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every candidate of the file (or SavedModel), with what it is or why it is skipped
    (imports the file); `skip`: --skip globs; `tags`: a SavedModel's MetaGraph."""
    from tfgraphviz import capture
    from tfgraphviz.capture.loader import check_input

    return capture.list_candidates(check_input(Path(path)), skip, tags)
