"""The report of a render of some functions (-f): the file's other functions, kept from the
earlier render, are in it too, read back from the files that render wrote."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tfgraphviz.report.html import ReportFunction, ReportGraph
    from tfgraphviz.views import ViewOptions


def _graphs(entry: dict[str, Any], folder: Path, view: ViewOptions) -> list[ReportGraph]:
    """The drawings of a kept function, from its JSON files (the lossless model); a trace
    without one (or with one that cannot be read) is left out."""
    from tfgraphviz.drawing.dot import heading_of
    from tfgraphviz.export.nodelink import read_json
    from tfgraphviz.report.html import ReportGraph

    graphs = []
    for cf in entry["concrete_functions"]:
        rel = cf["files"].get("json")
        if not isinstance(rel, str):
            continue
        try:
            model = read_json(folder / rel)
        except Exception:  # noqa: BLE001 - a file edited since: its drawing is left out
            continue
        graphs.append(ReportGraph(heading_of(model), rel.removesuffix(".json"), model, view))
    return graphs


def with_kept(fresh: list[ReportFunction], functions: list[dict[str, Any]],
              explained: list[Any], folder: Path, view: ViewOptions) -> list[ReportFunction]:
    """The report's functions in the manifest's order: this render's (`fresh`) and, for the
    others the manifest keeps (see outdir.keep_others), their drawings, AutoGraph code and
    explanation from the earlier render."""
    from tfgraphviz.report.html import ReportFunction

    by_name = {f.name: f for f in fresh}
    result = []
    for entry, explanation in zip(functions, explained, strict=True):
        if entry["name"] in by_name:
            result.append(by_name[entry["name"]])
            continue
        autograph = None
        if entry.get("autograph"):
            try:
                autograph = (folder / entry["autograph"]).read_text(encoding="utf-8")
            except (OSError, ValueError):
                autograph = None
        result.append(ReportFunction(entry["name"], autograph, explanation,
                                     _graphs(entry, folder, view)))
    return result
