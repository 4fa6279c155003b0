"""The files of one model besides its drawing (JSON, GraphML, TensorBoard), and the job that
makes its drawing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tfgraphviz._util.fs import real_subfolder
from tfgraphviz.drawing.pages import LAYOUT_FORMATS, Drawn, draw

if TYPE_CHECKING:
    from tfgraphviz.pipeline.render import Plan
    from tfgraphviz.views.build import ViewPlan


def write_exports(graph: Any, stem: str, folder: Path, formats: tuple[str, ...]
                  ) -> dict[str, str]:
    """Write the JSON, GraphML and TensorBoard files of one model asked for in `formats`;
    return {format: path relative to `folder`}."""
    from tfgraphviz.export.nodelink import write_graphml, write_json
    from tfgraphviz.export.tensorboard import write_tensorboard

    files: dict[str, str] = {}
    for fmt in formats:
        if fmt == "tensorboard":
            logdir = real_subfolder(real_subfolder(folder, "tensorboard"), stem)
            write_tensorboard(graph, logdir)
            files[fmt] = f"tensorboard/{stem}"
        elif fmt == "json":
            write_json(graph, folder / f"{stem}.json")
            files[fmt] = f"{stem}.json"
        elif fmt == "graphml":
            write_graphml(graph, folder / f"{stem}.graphml")
            files[fmt] = f"{stem}.graphml"
    return dict(sorted(files.items()))


def drawing_job(graph: Any, stem: str, plan: Plan, planned: ViewPlan
                ) -> Callable[[], Drawn] | None:
    """The function that draws `planned` (see pages.draw), when a drawing is asked for."""
    if not any(f == "dot" or f in LAYOUT_FORMATS for f in plan.formats):
        return None
    return functools.partial(draw, graph, stem, plan.output_dir, plan.formats, plan.view,
                             plan.layout_timeout, plan.dpi, planned=planned)
