"""`tfgraphviz.draw()`: a function's drawing as an object notebooks display (SVG and PNG)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz._util.defaults import DEFAULT_DPI, LAYOUT_TIMEOUT
from tfgraphviz._util.fs import write_bytes, write_text
from tfgraphviz.errors import InputError
from tfgraphviz.explain.records import FunctionExplanation
from tfgraphviz.views import ViewOptions, parse_depth

SAVE_FORMATS = ("svg", "png", "pdf", "dot", "json")
OUTPUT_WIDTH = 540.0  # pt (720 px): fits the output area of Jupyter frontends and nbconvert pages
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')  # Graphviz's root element
REPORT_HEIGHT = 720  # px of the iframe .report() shows the interactive page in


class Drawing:
    """The drawing of one traced graph: `.svg`, `.png`, `.dot`, `.source` (a graphviz.Source),
    `.save(path)`, `.report()`; a notebook shows it as SVG, or PNG where SVG is not shown."""

    def __init__(self, model: nx.MultiDiGraph, name: str,
                 options: ViewOptions | None = None, *, dpi: float = DEFAULT_DPI,
                 timeout: float = LAYOUT_TIMEOUT, code: tuple[str, str] = ("", ""),
                 explanation: FunctionExplanation | None = None) -> None:
        from tfgraphviz.drawing.dot import to_scene
        from tfgraphviz.views import view

        self.model = model  # the networkx model (every op)
        self.name = name
        self.options = options = options or ViewOptions()
        self.dpi = dpi
        self.timeout = timeout
        self.code = code  # (file name, text) of the Python code, for the report
        self.explanation: FunctionExplanation = explanation or {
            "name": name, "kind": "function", "traces": [], "findings": [], "state": {}}
        self.view = view(model, options.depth, options.expand, options.fold, options.noise)
        self.scene = to_scene(self.view)  # the drawing as data, laid out like `render`'s
        self.dot = self.scene.text()  # the DOT source, as `tfgraphviz render` writes it

    def _layout(self, fmt: str) -> bytes:
        from tfgraphviz.drawing.layout import render

        return render(self.scene, fmt, self.timeout, self.dpi if fmt == "png" else None)[0]

    @cached_property
    def svg(self) -> str:
        """The SVG text (laid out once, by Graphviz's `dot` or the layered layout)."""
        return self._layout("svg").decode("utf-8")

    @cached_property
    def png(self) -> bytes:
        """The PNG bytes, at `dpi`."""
        return self._layout("png")

    @property
    def source(self) -> Any:
        """The DOT source as a `graphviz.Source` (the graphviz package's own notebook object)."""
        try:
            import graphviz
        except ImportError as exc:
            raise InputError("Drawing.source needs the graphviz package: pip install graphviz "
                             "(.dot holds the same DOT text as a string)") from exc
        return graphviz.Source(self.dot, filename=f"{self.name}.gv")

    def save(self, path: str | Path) -> Path:
        """Write the drawing; the format is the file's suffix (.svg .png .pdf .dot .json). An
        existing file (or a symlink planted there) is replaced, never written through."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".").replace("gv", "dot")
        if fmt not in SAVE_FORMATS:
            raise InputError(f"cannot save {path.name}: the suffix must be one of "
                             f"{', '.join('.' + f for f in SAVE_FORMATS)}")
        if fmt == "dot":
            return write_text(path, self.dot)
        if fmt == "json":
            from tfgraphviz.export import write_json

            return Path(write_json(self.model, path))
        data = {"svg": lambda: self.svg.encode("utf-8"), "png": lambda: self.png}.get(
            fmt, lambda: self._layout(fmt))()
        return write_bytes(path, data)

    def report(self, height: int = REPORT_HEIGHT) -> Report:
        """The interactive page (every level opens in place, search, source) for a notebook:
        shown in an iframe, self-contained like report.html."""
        return Report(self, height)

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None) -> dict[str, Any]:
        """SVG and PNG both: JupyterLab shows no SVG of an untrusted notebook and GitHub
        shows only images; each frontend takes the richest it may show."""
        bundle: dict[str, Any] = {"image/svg+xml": _fitted(self.svg), "image/png": self.png,
                                  "text/plain": repr(self)}
        if include is not None:
            bundle = {k: v for k, v in bundle.items() if k in set(include)}
        if exclude is not None:
            bundle = {k: v for k, v in bundle.items() if k not in set(exclude)}
        return bundle

    def __repr__(self) -> str:
        ops = sum(1 for _, d in self.model.nodes(data=True) if not d.get("body"))
        return (f"<tfgraphviz.Drawing of {self.name}: {ops} ops, "
                f"{self.view.number_of_nodes()} boxes drawn>")


class Report:
    """report.html of one drawing, shown in a notebook in an iframe (`srcdoc`)."""

    def __init__(self, drawing: Drawing, height: int) -> None:
        self.drawing = drawing
        self.height = height

    @cached_property
    def html(self) -> str:
        """The whole self-contained page."""
        from tfgraphviz.report.html import ReportFunction, ReportGraph, build_html

        d = self.drawing
        graph = ReportGraph(d.name, d.name, d.model, d.options)
        return build_html(source_name=d.code[0] or d.name, source_text=d.code[1],
                          functions=[ReportFunction(d.name, None, d.explanation, [graph])])

    def save(self, path: str | Path) -> Path:
        return write_text(Path(path), self.html)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'style="width:100%;height:{int(self.height)}px;border:1px solid #ccc" '
                'sandbox="allow-scripts"></iframe>')


def draw(target: Any, *args: Any, depth: int | str = "auto", expand: Iterable[str] = (),
         fold: bool = True, noise: bool | None = None, dpi: float = DEFAULT_DPI,
         **kwargs: Any) -> Drawing:
    """The drawing of a tf.function (traced with `args`/`kwargs`: values or tf.TensorSpec, as
    in --call), a ConcreteFunction, a Keras model, a plain Python function (traced as if
    decorated) or a tf.Graph; `depth`, `expand`, `fold` and `noise` as the command's options."""
    from tfgraphviz.capture import trace_callable
    from tfgraphviz.model.build import to_networkx

    options = ViewOptions(parse_depth(depth), tuple(sorted(set(expand))), bool(fold), noise)
    traced = trace_callable(target, *args, **kwargs)
    model = to_networkx(traced.graphs[0], traced.name, traced.kind.model_kind)
    path, text = _source_of(target)
    return Drawing(model, _name_of(target, traced.name), options, dpi=dpi,
                   code=(path.name, text), explanation=_explained(traced, model, path, text))


def _source_of(target: Any) -> tuple[Path, str]:
    """The file the target's Python code is in and its text ("" when there is none: a
    ConcreteFunction, a tf.Graph, a Keras model or a function typed at a prompt)."""
    import inspect

    from tfgraphviz.capture.tfobjects import user_function

    try:
        path = Path(inspect.getsourcefile(user_function(target)) or "")
        return path, path.read_text(encoding="utf-8") if path.is_file() else ""
    except (TypeError, OSError):
        return Path(""), ""


def _explained(traced: Any, model: nx.MultiDiGraph, path: Path,
               text: str) -> FunctionExplanation | None:
    """What `tfgraphviz explain` says of the drawing (None when it cannot say anything)."""
    from tfgraphviz.explain.core import explain_function

    if not text:
        return None
    try:
        return explain_function(traced, [model], path, text)
    except Exception:  # noqa: BLE001 - the drawing stands without its explanation
        return None


def _name_of(target: Any, traced_name: str) -> str:
    """The name the user knows: the Python function's, a Keras model's, else the graph's."""
    for attr in ("__name__", "name"):
        value = getattr(target, attr, None)
        if isinstance(value, str) and value:
            return value
    return traced_name


def _fitted(svg: str) -> str:
    """The SVG for a notebook: as wide as drawn, or scaled down to OUTPUT_WIDTH (frontends
    show an SVG as an <img> at its own size, cropped to the output area: the legend was cut
    off), and shrunk further by a frontend that shows it inline in a narrower area."""
    match = _SIZE.search(svg)
    if match is None:
        return svg
    width, height = float(match.group(1)), float(match.group(2))
    scale = min(1.0, OUTPUT_WIDTH / width)
    return svg.replace(match.group(0), f'<svg style="max-width:100%;height:auto" '
                       f'width="{width * scale:.0f}pt" height="{height * scale:.0f}pt"', 1)
