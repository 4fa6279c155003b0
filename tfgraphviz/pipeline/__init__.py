"""The pipeline: options, the output folder, the manifest, and render()."""

from tfgraphviz.pipeline.render import (
    DEFAULT_DPI,
    DEFAULT_FORMATS,
    FORMATS,
    MANIFEST,
    MAX_SECONDS,
    REPORT,
    Plan,
    Problem,
    RenderResult,
    execute,
    list_candidates,
    parse_formats,
    plan,
    positive,
    render,
)

__all__ = ["DEFAULT_DPI", "DEFAULT_FORMATS", "FORMATS", "MANIFEST", "MAX_SECONDS", "REPORT",
           "Plan", "Problem", "RenderResult", "execute", "list_candidates", "parse_formats",
           "plan", "positive", "render"]
