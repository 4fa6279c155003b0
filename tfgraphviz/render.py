"""The render pipeline: file -> ConcreteFunctions -> networkx models -> files and a manifest."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgraphviz.errors import (
    CallSpecError,
    GraphvizNotFoundError,
    InputError,
    LayoutError,
    LayoutTimeoutError,
    OutputError,
)
from tfgraphviz.fsutil import write_bytes, write_text

FORMATS = ("dot", "svg", "png", "pdf", "json", "graphml", "tensorboard")
DEFAULT_FORMATS = ("dot", "svg", "json", "tensorboard")
LAYOUT_FORMATS = ("svg", "png", "pdf")
MANIFEST = "manifest.json"
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

    @property
    def exit_code(self) -> int:
        return max((p.exit_code for p in self.problems), default=0)


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"--format {','.join(unknown) or '(empty)'}: unknown; "
                         f"choose from {','.join(FORMATS)}")
    return formats


def file_stem(name: str) -> str:
    """A file name for a function name: dots kept, anything else odd replaced."""
    return re.sub(r"[^\w.\-]", "_", name)


def _clean_output(text: str) -> str:
    return _TF_LOG_LINE.sub("", text)


def _prepare_output(output_dir: Path) -> dict[str, Any]:
    """Create the folder (failing early if it cannot be written); read the old manifest."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / f".tfgraphviz-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write into {output_dir}: {exc.strerror or exc}; "
                          "choose another folder with -o") from exc
    try:
        old = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
        return old if isinstance(old, dict) else {}
    except (OSError, ValueError):
        return {}


def _files_by_owner(manifest: dict[str, Any]) -> dict[str, set[str]]:
    """Files a manifest lists, grouped by the function (autograph) or trace that owns them."""
    owners: dict[str, set[str]] = {}
    for fn in manifest.get("functions", []):
        if not isinstance(fn, dict):
            continue
        if fn.get("autograph"):
            owners.setdefault(f"{fn.get('name')}/autograph", set()).add(str(fn["autograph"]))
        for i, cf in enumerate(fn.get("concrete_functions", [])):
            files = {str(f) for f in cf.get("files", {}).values()}
            owners.setdefault(f"{fn.get('name')}/{cf.get('signature', i)}", set()).update(files)
    return owners


def _remove_stale(output_dir: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Delete files of functions or traces an earlier render listed and this one no longer has.

    Files of anything rendered now are kept even if this run could not rewrite them (a layout
    that timed out leaves the previous SVG in place rather than losing it)."""
    import shutil

    root = output_dir.resolve()
    current = _files_by_owner(new)
    keep = set().union(*current.values()) if current else set()
    for owner, files in sorted(_files_by_owner(old).items()):
        if owner in current:
            continue
        for rel in sorted(files - keep):
            path = (output_dir / rel).resolve()
            if root not in path.parents:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()


def _layout(source: str, target: Path, fmt: str, timeout: float) -> str | None:
    """Write one Graphviz layout; return a problem message instead of raising (but for a
    missing Graphviz, which ends all layouts)."""
    from tfgraphviz.layout import run_dot

    try:
        write_bytes(target, run_dot(source, fmt, timeout))
    except LayoutTimeoutError as exc:
        return (f"{target.stem}: {exc}; the .dot and .json files are written. Try a longer "
                "--layout-timeout, pick fewer functions with -f, or open the .dot file in "
                "another Graphviz viewer")
    except LayoutError as exc:
        return f"{target.stem}: {exc}"
    return None


def _export(graph: Any, stem: str, output_dir: Path, formats: tuple[str, ...],
            timeout: float, problems: list[Problem], name: str) -> dict[str, str]:
    """Write every requested file for one model; return {format: relative path}."""
    from tfgraphviz.dot import to_dot
    from tfgraphviz.export_json import write_graphml, write_json
    from tfgraphviz.export_tensorboard import write_tensorboard

    source = to_dot(graph)
    writers: dict[str, Callable[[Path], object]] = {
        "dot": lambda p: write_text(p, source),
        "json": lambda p: write_json(graph, p),
        "graphml": lambda p: write_graphml(graph, p),
    }
    files: dict[str, str] = {}
    for fmt in formats:
        if fmt == "tensorboard":
            rel = Path("tensorboard") / stem
            write_tensorboard(graph, output_dir / rel)
            files[fmt] = rel.as_posix()
        elif fmt in writers:
            writers[fmt](output_dir / f"{stem}.{fmt}")
            files[fmt] = f"{stem}.{fmt}"
    for fmt in (f for f in formats if f in LAYOUT_FORMATS):
        try:
            problem = _layout(source, output_dir / f"{stem}.{fmt}", fmt, timeout)
        except GraphvizNotFoundError as exc:
            problems.append(Problem(name, str(exc), exc.exit_code))
            break
        if problem is not None:
            problems.append(Problem(name, problem))
            break
        files[fmt] = f"{stem}.{fmt}"
    if any(f in LAYOUT_FORMATS and f not in files for f in formats) and "dot" not in files:
        writers["dot"](output_dir / f"{stem}.dot")  # something to open when layout failed
        files["dot"] = f"{stem}.dot"
    return dict(sorted(files.items()))


def _edge_counts(graph: Any) -> dict[str, int]:
    counts = {"data": 0, "control": 0, "auto_control": 0, "call": 0, "return": 0}
    for _, _, d in graph.edges(data=True):
        counts[d["kind"]] += 1
        if d["kind"] == "control" and d.get("auto"):
            counts["auto_control"] += 1
    return counts


def _trace_file(path: Path, functions: Sequence[str], call_specs: list[Any],
                problems: list[Problem]) -> tuple[list[Any], str]:
    """Import the file and trace the chosen targets; return them and the import's output."""
    from tfgraphviz.instrument import captured_output, recording
    from tfgraphviz.loader import load_module, select_targets
    from tfgraphviz.trace import trace_target

    entries = []
    with recording() as rec:
        with captured_output() as import_output:
            module = load_module(path)
        names = list(functions)
        if names:
            names += [s.function for s in call_specs if s.function not in names]
        targets = select_targets(module, path, names or None)
        known = {t.name for t in targets} | {t.name.removesuffix(".__call__") for t in targets}
        for spec in call_specs:
            if spec.function not in known:
                targets += select_targets(module, path, [spec.function])
                known.add(spec.function)
        for target in targets:
            aliases = (target.name, target.name.removesuffix(".__call__"))
            my_calls = [s for s in call_specs if s.function in aliases]
            with captured_output():  # TensorFlow's warnings; user prints are in the records
                try:
                    entries.append(trace_target(target, my_calls, rec, path, vars(module)))
                except CallSpecError as exc:
                    problems.append(Problem(target.name, str(exc), exc.exit_code))
    return entries, import_output[0]


def _write_function(traced: Any, output_dir: Path, formats: tuple[str, ...], timeout: float,
                    problems: list[Problem], say: Callable[[str], None]) -> dict[str, Any]:
    """Write the files of one function's ConcreteFunctions; return its manifest entry."""
    from tfgraphviz.model import to_networkx

    stem = file_stem(traced.name)
    problems += [Problem(traced.name, f"{traced.name}: {err}") for err in traced.errors]
    if traced.needs_call:
        problems.append(Problem(traced.name, (
            f"{traced.name}: needs example arguments to be traced; "
            f"add {traced.needs_call} (TensorSpecs or real values)")))
    autograph_file = None
    if traced.autograph:
        autograph_file = f"{stem}.autograph.py"
        write_text(output_dir / autograph_file, traced.autograph)
    concrete = []
    for i, tg in enumerate(traced.graphs):
        cf_stem = stem if len(traced.graphs) == 1 else f"{stem}.{i}"
        graph = to_networkx(tg, traced.name, "tf.Graph" if traced.kind == "graph"
                            else "tf.function")
        if traced.errors:
            graph.graph["note"] = ("a trace that succeeded before tracing failed: "
                                   + traced.errors[0].splitlines()[0][:90])
        files = _export(graph, cf_stem, output_dir, formats, timeout, problems, traced.name)
        concrete.append({
            "signature": tg.signature, "trace_output": _clean_output(tg.trace_output),
            "files": files, "nodes": graph.number_of_nodes(), "edges": _edge_counts(graph),
            "bodies": [b["id"] for b in graph.graph["bodies"]],
        })
        say(f"  {traced.name}{tg.signature} -> {', '.join(files.values())}")
    return {
        "name": traced.name, "kind": traced.kind, "trace_count": traced.trace_count,
        "trace_outputs": [_clean_output(t) for t in traced.trace_outputs],
        "autograph": autograph_file, "errors": traced.errors,
        "needs_call": traced.needs_call, "concrete_functions": concrete,
    }


def render(path: str | Path, output_dir: str | Path, *, functions: Sequence[str] = (),
           formats: Sequence[str] = DEFAULT_FORMATS, calls: Sequence[str] = (),
           layout_timeout: float = 60.0, log: Callable[[str], None] | None = None
           ) -> RenderResult:
    """Render every (or every named) tf.function of a file into `output_dir`."""
    from tfgraphviz import __version__
    from tfgraphviz.instrument import captured_output
    from tfgraphviz.layout import graphviz_version
    from tfgraphviz.trace import parse_call

    path, output_dir = Path(path), Path(output_dir)
    chosen_formats = parse_formats(formats)
    call_specs = [parse_call(c) for c in calls]
    if layout_timeout <= 0:
        raise InputError("--layout-timeout must be a positive number of seconds")
    old_manifest = _prepare_output(output_dir)
    say = log or (lambda _msg: None)
    with captured_output():  # TensorFlow's start-up log lines are noise here
        import tensorflow as tf

    problems: list[Problem] = []
    entries, import_output = _trace_file(path, functions, call_specs, problems)
    manifest = {
        "tfgraphviz": __version__, "source": path.name, "tensorflow": tf.__version__,
        "graphviz": graphviz_version(), "formats": list(chosen_formats),
        "import_output": _clean_output(import_output),
        "functions": [_write_function(t, output_dir, chosen_formats, layout_timeout, problems,
                                      say) for t in entries],
    }
    write_text(output_dir / MANIFEST,
               json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    _remove_stale(output_dir, old_manifest, manifest)
    return RenderResult(manifest, problems, output_dir)
