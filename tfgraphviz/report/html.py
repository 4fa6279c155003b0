"""report.html: one self-contained interactive page of a render (graphs, source, explanation)."""

from __future__ import annotations

import base64
import gzip
import html
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz._util.fs import write_text
from tfgraphviz._util.text import utf8
from tfgraphviz.explain.records import FunctionExplanation
from tfgraphviz.views import ViewOptions
from tfgraphviz.views.build import ViewPlan

ASSETS = "assets"
VIZ_JS = "viz-global.js.gz"  # stored compressed: compressing it took 0.13-0.2 s a render
VIZ_LICENSE = "LICENSE-viz-js.txt"


@dataclass
class ReportGraph:
    """One drawing (a ConcreteFunction's graph) of a function."""

    title: str
    stem: str
    model: nx.MultiDiGraph
    view_options: ViewOptions = field(default_factory=ViewOptions)
    plan: ViewPlan | None = None  # plan_view's for view_options, when already made


@dataclass
class ReportFunction:
    """A function of the user's file: its AutoGraph code, explanation and drawings."""

    name: str
    autograph: str | None
    explanation: FunctionExplanation
    graphs: list[ReportGraph]


def asset(name: str) -> str:
    """The text of a file in tfgraphviz/report/assets (package data)."""
    return resources.files("tfgraphviz.report").joinpath(ASSETS, name).read_text(encoding="utf-8")


def _json(value: Any) -> str:
    """Compact, key-sorted JSON that can sit inside a <script> element (no `<` at all)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _packed(value: Any) -> str:
    """JSON, gzip-compressed (no timestamp: same bytes every time) and base64-encoded."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(gzip.compress(utf8(data), 6, mtime=0)).decode("ascii")


def asset_bytes(name: str) -> bytes:
    """The bytes of a file in tfgraphviz/report/assets (package data)."""
    return resources.files("tfgraphviz.report").joinpath(ASSETS, name).read_bytes()


def _viz_packed() -> str:
    """Viz.js as the page unpacks it: its gzip file, base64-encoded."""
    return base64.b64encode(asset_bytes(VIZ_JS)).decode("ascii")


def viz_source() -> str:
    """Viz.js's code (the asset VIZ_JS, uncompressed)."""
    return gzip.decompress(asset_bytes(VIZ_JS)).decode("utf-8")


def _script_text(text: str) -> str:
    """Text that cannot end its <script> element early."""
    return text.replace("</script", "<\\/script").replace("<!--", "<\\!--")


USER_KINDS = ("function", "method", "plain")  # written by the user (not Keras', not restored)


def first_function(functions: list[ReportFunction]) -> int:
    """The function the page shows first: the file's first tf.function written by the user (by
    the line of its `def`), else the first one with a drawing, else 0."""
    drawn = [i for i, f in enumerate(functions) if f.graphs]
    written = [(int(f.explanation.get("line") or 0), i) for i, f in enumerate(functions)
               if f.graphs and f.explanation.get("kind") in USER_KINDS]
    lines = [item for item in written if item[0] > 0]
    if lines:
        return min(lines)[1]
    if written:
        return written[0][1]
    return drawn[0] if drawn else 0


def _graph_data(source_name: str, source_text: str, functions: list[ReportFunction]
                ) -> tuple[dict[str, Any], list[str]]:
    """The page's metadata (source, functions, explanations) and one packed <script> of
    payload per graph."""
    from tfgraphviz.report.payload import graph_payload

    meta: dict[str, Any] = {"source_name": source_name, "source_text": source_text,
                            "functions": []}
    blobs: list[str] = []
    for fi, function in enumerate(functions):
        graphs = []
        for gi, graph in enumerate(function.graphs):
            options = graph.view_options
            payload = graph_payload(graph.model, options.depth, tuple(options.expand),
                                    options.fold, options.noise, graph.plan)
            data_id = f"tfg-graph-{fi}-{gi}"
            blobs.append(f'<script type="application/octet-stream" id="{data_id}">'
                         f"{_packed(payload)}</script>")
            graphs.append({"title": graph.title, "stem": graph.stem, "data": data_id})
        meta["functions"].append({"name": function.name, "autograph": function.autograph,
                                  "explanation": function.explanation, "graphs": graphs})
    meta["first"] = first_function(functions)
    return meta, blobs


def build_html(*, source_name: str, source_text: str, functions: list[ReportFunction]) -> str:
    """The whole page; identical inputs give identical text."""
    meta, blobs = _graph_data(source_name, source_text, functions)
    licence = asset(VIZ_LICENSE)
    title = html.escape(f"{source_name} · tfgraphviz report")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing may be fetched: scripts and styles are inline, images are data:/blob:
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; connect-src data: blob:; worker-src blob:\">",
        f"<title>{title}</title>",
        f"<style>{asset('report.css')}</style>",
        "</head><body>",
        "<header>",
        f"<h1>{html.escape(source_name)}</h1>",
        '<label>graph <select id="graph-select"></select></label>',
        '<button id="fit" type="button">fit</button>',
        '<button id="reset" type="button" title="back to the first view">reset view</button>',
        '<button id="file-view" type="button" hidden title="open what the SVG files show open '
        '(the graph may not fit the window)">file\'s view</button>',
        '<span id="find"><input id="search" type="search" placeholder="find an op: name, type, '
        'line" aria-label="find an op by name, op type or source line" autocomplete="off" '
        'spellcheck="false">',
        '<button id="search-prev" type="button" title="previous match (Shift+Enter)">&#9650;'
        '</button><button id="search-next" type="button" title="next match (Enter)">&#9660;'
        '</button><span id="search-count"></span></span>',
        '<span id="status"></span>',
        "</header>",
        "<main>",
        '<div id="canvas"><div id="stage"></div>'
        '<div id="overlay"><div id="caption"></div><div id="message" hidden></div></div></div>',
        '<div id="splitter" title="drag to make the side panel wider or narrower"></div>',
        # the side panel: explanation, details of the clicked node, legend, its lines
        '<aside id="side">',
        '<details id="explain" open><summary>What tf.function did</summary>'
        '<div id="explain-body"></div></details>',
        '<section id="info"></section>',
        '<details id="legend"><summary>legend</summary><div id="legend-body"></div></details>',
        '<section id="code">',
        f'<div id="src-pane"><h2 id="src-title">source: {html.escape(source_name)}</h2>'
        '<pre class="code" id="src"></pre></div>',
        '<div id="ag-pane"><h2 id="ag-title">AutoGraph code</h2><pre class="code" id="ag"></pre>'
        "</div>",
        "</section>",
        "</aside>",
        "</main>",
        "<footer><details><summary>Made by tfgraphviz; graphs laid out in the page by Viz.js "
        "(Graphviz compiled to WebAssembly): licences</summary>"
        f"<pre>{html.escape(licence)}</pre></details></footer>",
        f'<script type="application/json" id="tfg-meta">{_json(meta)}</script>',
        *blobs,
        # Viz.js (its licence is in the footer), gzip+base64 like the graphs: the page unpacks
        # it into a worker (a blob: URL) that lays the graphs out
        f'<script type="application/octet-stream" id="tfg-viz">{_viz_packed()}</script>',
        f"<script>{_script_text(asset('report.js'))}</script>",
        "</body></html>",
        "",
    ])


def write_report(path: Path, *, source_name: str, source_text: str,
                 functions: list[ReportFunction]) -> None:
    """Write report.html for the functions of one source file (atomically, deterministic)."""
    write_text(Path(path), build_html(source_name=source_name, source_text=source_text,
                                      functions=functions))
