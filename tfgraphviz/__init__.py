"""tfgraphviz: make TensorFlow 2's tf.function visible as Graphviz, JSON and TensorBoard files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tfgraphviz._util.version import __version__

if TYPE_CHECKING:
    from pathlib import Path

    import networkx as nx

    from tfgraphviz.pipeline import RenderResult

__all__ = [
    "__version__", "render", "to_networkx", "to_dot", "to_json", "from_json",
    "write_dot", "write_svg", "write_png", "write_pdf", "write_json", "read_json",
    "write_graphml", "write_tensorboard", "view", "errors",
]


def to_networkx(fn: Any, *args: Any, **kwargs: Any) -> nx.MultiDiGraph:
    """The model of a tf.function (traced with these arguments or specs), a ConcreteFunction,
    a plain Python function (traced as if decorated), a tf.Graph, or a TracedGraph."""
    from tfgraphviz.capture import trace_callable
    from tfgraphviz.capture.records import TracedGraph
    from tfgraphviz.model.build import to_networkx as build

    if isinstance(fn, TracedGraph):
        return build(fn, *args, **kwargs)
    traced = trace_callable(fn, *args, **kwargs)
    return build(traced.graphs[0], traced.name, traced.kind.model_kind)


def render(path: str | Path, output_dir: str | Path, **options: Any) -> RenderResult:
    """Render every (or every named) tf.function of a file into `output_dir`, as the
    `tfgraphviz render` command does; options: functions, formats, calls, layout_timeout,
    dpi, log. Returns a RenderResult (manifest, problems, exit_code)."""
    from tfgraphviz.pipeline import render as run

    return run(path, output_dir, **options)


def __getattr__(name: str) -> Any:
    """Lazy access to the public API so `import tfgraphviz` stays fast."""
    import importlib

    homes = {
        "to_dot": "tfgraphviz.drawing", "write_dot": "tfgraphviz.drawing",
        "write_svg": "tfgraphviz.drawing", "write_png": "tfgraphviz.drawing",
        "write_pdf": "tfgraphviz.drawing", "to_json": "tfgraphviz.export",
        "from_json": "tfgraphviz.export", "write_json": "tfgraphviz.export",
        "read_json": "tfgraphviz.export", "write_graphml": "tfgraphviz.export",
        "write_tensorboard": "tfgraphviz.export", "errors": "tfgraphviz.errors",
        "view": "tfgraphviz.views",
    }
    if name not in homes:
        raise AttributeError(f"module 'tfgraphviz' has no attribute {name!r}")
    module = importlib.import_module(homes[name])
    return module if name == "errors" else getattr(module, name)
