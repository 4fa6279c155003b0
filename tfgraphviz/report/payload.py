"""The data report.html embeds for one drawing: every op with its look precomputed by style.py,
the name-scope tree, the default view's open scopes and folded runs, and the edges."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from tfgraphviz._util.text import quoted, type_text
from tfgraphviz.drawing.dot import cluster_attrs, cluster_label, graph_header, heading_of
from tfgraphviz.drawing.legend import LEGEND_TEXT, legend_keys, side_legend
from tfgraphviz.drawing.scene import attr_text, lines
from tfgraphviz.drawing.style import (
    attr_list,
    describe,
    edge_style,
    index_text,
    merged_style,
    node_label,
    node_style,
    node_tooltip,
    tie_style,
)
from tfgraphviz.views.build import ViewPlan

EDGE_TEXT_KEYS = ("label", "tooltip", "labeltooltip")
MAX_START = 2000  # a first view with more nodes starts at the automatic depth (report.js lays
# out at most 2,000 nodes)
EXTRA_KEYS = ("variable", "py_name", "arg_name", "feeds", "device", "stateful", "auto_created",
              "function_output", "unused", "control_output", "index")


class Table:
    """Distinct strings, numbered in order of first use (styles repeat across thousands of ops)."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        return self.items.setdefault(text, len(self.items))

    def list(self) -> list[str]:
        return list(self.items)


def _style_text(style: dict[str, str]) -> str:
    return _attr_text(tuple((k, v) for k, v in style.items() if k not in EDGE_TEXT_KEYS))


@functools.lru_cache(maxsize=4096)
def _attr_text(items: tuple[tuple[str, str], ...]) -> str:
    return attr_list(dict(items))  # a model has a few dozen distinct edge styles


def _containers(hier: Any, graph: nx.MultiDiGraph, absorbed: dict[str, str]
                ) -> tuple[list[tuple[str, ...]], dict[tuple[str, ...], list[str]]]:
    """Every container path (parents before children) and the model nodes it holds when closed,
    in model order (absorbed noise goes with the op it feeds)."""
    paths = sorted(hier.where)
    members: dict[tuple[str, ...], list[str]] = {p: [] for p in paths}
    for node in graph.nodes:
        path = hier.paths.get(absorbed.get(node, node), ())
        for k in range(1, len(path) + 1):
            members[path[:k]].append(node)
    return paths, members


@dataclass
class _Page:
    """What the parts of one graph's payload share: the model, the view drawn first and its
    plan, and the numbering of nodes, bodies, containers and styles."""

    model: nx.MultiDiGraph
    drawn: nx.MultiDiGraph
    hier: Any  # views.Hierarchy
    assign: Any  # views.Assignment
    texts: dict[str, list[str]]
    styles: Table = field(default_factory=Table)
    index: dict[str, int] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    body_index: dict[str, int] = field(default_factory=dict)
    path_index: dict[tuple[str, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        model = self.model
        self.index = {node: i for i, node in enumerate(model.nodes)}
        bodies = model.graph.get("bodies", [])
        self.where = {b["id"]: (f"{b['role']} body of {model.nodes[b['caller']]['name']}"
                                if b["caller"] in model else f"{b['role']} body")
                      for b in bodies}
        self.body_index = {b: i for i, b in enumerate([""] + [b["id"] for b in bodies])}


def _first_view(model: nx.MultiDiGraph, depth: int | str, expand: tuple[str, ...], fold: bool,
                noise: bool | None, planned: ViewPlan | None) -> tuple[_Page, str]:
    """The view the page starts with (the automatic depth when the one asked for is too big
    to lay out in the browser) and the message saying so."""
    from tfgraphviz.views import build as views

    if planned is None:
        planned = views.plan_view(model, depth, expand, fold, noise)
    drawn = views.build_view(model, planned)
    start = ""
    if drawn.number_of_nodes() > MAX_START and depth != "auto":
        smaller_plan = views.plan_view(model, "auto", expand, fold, noise)
        smaller = views.build_view(model, smaller_plan)
        if smaller.number_of_nodes() < drawn.number_of_nodes():
            start = (f"The view asked for (depth {depth}) has {drawn.number_of_nodes():,} "
                     f"nodes, more than the page lays out ({MAX_START:,}): it starts at the "
                     "automatic depth instead. Click a box to open it.")
            planned, drawn = smaller_plan, smaller
    return _Page(model, drawn, planned.hier, planned.assign, planned.texts), start


def _container_records(page: _Page) -> list[dict[str, Any]]:
    """Every name-scope container, parents first: its box when closed and what it holds."""
    from tfgraphviz.views import build as views

    model, hier = page.model, page.hier
    paths, members = _containers(hier, model, page.assign.absorbed)
    page.path_index = {p: i for i, p in enumerate(paths)}
    depths = {b["id"]: int(b.get("depth", 1)) for b in model.graph.get("bodies", [])}
    containers = []
    for path in paths:
        body = hier.where[path]
        data = views.scope_node(model, (body, path), members[path], [(body, path)], hier,
                                depths)
        containers.append({
            "p": page.path_index.get(path[:-1], -1), "w": page.body_index.get(body, 0),
            "n": path[-1], "path": "/".join(path), "l": node_label(data),
            "s": page.styles(attr_list(node_style(data))),
            "t": quoted(node_tooltip(data, page.where.get(body, ""))),
            "m": [page.index[m] for m in members[path][:1]], "count": len(members[path]),
        })
    return containers


def _node_records(page: _Page) -> list[dict[str, Any]]:
    """Every op of the model with its look, details and container."""
    absorbed, texts, index = page.assign.absorbed, page.texts, page.index
    nodes = []
    for node, data in page.model.nodes(data=True):
        shown = dict(data)
        if node in texts:
            shown["absorbed"] = texts[node]
        place = page.hier.paths.get(node)
        record: dict[str, Any] = {
            "id": node, "n": data["name"], "o": data["op"], "k": data["kind"],
            "c": page.path_index[place] if place else -1,
            "b": page.body_index.get(data.get("body", ""), 0),
            "l": node_label(shown), "s": page.styles(attr_list(node_style(shown))),
            "t": quoted(describe(shown)),
            "at": dict(data.get("attrs", {})),
            "out": [type_text(o) for o in data.get("outputs", [])],
            "src": [str(frame) for frame in data.get("source", [])],
            "ag": data.get("autograph_line"),
            "x": {k: data[k] for k in EXTRA_KEYS if data.get(k) not in (None, "", False, [])},
        }
        if node in absorbed:
            record["a"] = index[absorbed[node]]
        if node in texts:
            record["abs"] = list(texts[node])
        nodes.append(record)
    return nodes


def _edge_records(page: _Page) -> tuple[list[list[Any]], dict[str, list[str]], list[str]]:
    """Every edge of the model; the styles of merged edges per kind (and origin); the kinds
    in the order the edges number them."""
    model, index = page.model, page.index
    edges = []
    merged = Table()
    for u, v, data in model.edges(data=True):
        # the source decides whether a data edge has a label; no destination: the tooltip
        # naming both ends is not sent (EDGE_TEXT_KEYS)
        style = edge_style(data, model.nodes[u])
        kind = data["kind"]
        key = kind + (":" + str(data.get("origin", "unknown")) if kind == "control" else "")
        label = style.get("label", "")
        edge = [index[u], index[v], page.styles(_style_text(style)),
                label[1:-1] if label else "", merged(key),
                data.get("where", "") if kind == "control" else ""]
        if kind == "data":
            edge += [int(data.get("src_output", 0)), int(data.get("dst_input", 0))]
        edges.append(edge)
    merged_styles = {}
    for key in merged.list():
        kind, _, origin = key.partition(":")
        sample = {"kind": kind, "origin": origin, "count": 2}
        merged_styles[key] = [_style_text(merged_style(sample, "")),
                              _style_text(merged_style({**sample, "count": 10}, ""))]
    return edges, merged_styles, merged.list()


def _run_records(page: _Page) -> list[dict[str, Any]]:
    """The folded runs of the first view: their containers and their box."""
    from tfgraphviz.views import build as views

    runs = []
    for first, run in sorted(page.assign.runs.items(), key=lambda item: repr(item[0])):
        if len(run) < 2:
            continue
        data = page.drawn.nodes[views.scope_id(*first)]
        runs.append({"m": [page.path_index[p] for _, p in run], "l": node_label(data),
                     "s": page.styles(attr_list(node_style(data))),
                     "t": quoted(node_tooltip(data, page.where.get(first[0], "")))})
    return runs


def _opened(page: _Page) -> list[int]:
    """The containers the first view shows open."""
    paths = page.hier.paths
    return sorted({page.path_index[p[:k]] for node, target in page.assign.visible.items()
                   for p in [paths.get(node)] if p
                   for k in range(1, (len(p) + 1 if not isinstance(target, tuple)
                                      else len(target[1])))})


def _body_records(page: _Page) -> list[dict[str, Any]]:
    """Every body: its caller, parent body, cluster attributes and tie style."""
    model = page.model
    body_list = []
    for body in model.graph.get("bodies", []):
        caller = model.nodes[body["caller"]] if body["caller"] in model else None
        label, tip = cluster_label(body, caller) if caller else (body["role"], body["role"])
        body_list.append({
            "id": body["id"], "caller": page.index.get(body["caller"], -1),
            "parent": page.body_index.get(caller.get("body", "") if caller else "", 0),
            "g": attr_text(cluster_attrs(int(body.get("depth", 1)), label, tip)),
            "tie": _style_text(tie_style(body["role"], "CLUSTER")) if caller else "",
            "where": page.where[body["id"]],
        })
    return body_list


def graph_payload(model: nx.MultiDiGraph, depth: int | str, expand: tuple[str, ...],
                  fold: bool, noise: bool | None, planned: ViewPlan | None = None
                  ) -> dict[str, Any]:
    """Everything the page needs to draw any opening of `model`'s scopes, as plain JSON data
    (`planned`: plan_view's result for these options, when the drawing made it already)."""
    page, start = _first_view(model, depth, expand, fold, noise, planned)
    drawn = page.drawn
    containers = _container_records(page)  # numbers the containers: first
    nodes = _node_records(page)
    edges, merged_styles, kinds = _edge_records(page)
    runs = _run_records(page)
    opened = _opened(page)
    body_list = _body_records(page)
    # the title and note are shown by the page above the graph, at a readable size and never
    # cropped, instead of in the laid-out graph
    header = ["digraph G {", *lines(graph_header(drawn, title=False))]
    note = str(drawn.graph.get("note", ""))
    keys = set(legend_keys(model)) | set(legend_keys(drawn)) | (
        {"link", "scope"} if containers else set())
    legend = side_legend([k for k in LEGEND_TEXT if k in keys])
    return {
        "title": heading_of(model), "note": note, "header": header, "start": start, "nodes": nodes,
        "edges": edges,
        "containers": containers, "opened": opened, "runs": runs, "bodies": body_list,
        "styles": page.styles.list(), "merged": merged_styles, "legend": legend,
        "kinds": kinds,  # edge kind numbers of `edges` (`merged` is written key-sorted)
        "view": drawn.graph.get("view", {}),
        "index_text": {i: index_text(d) for i, (_, d) in enumerate(model.nodes(data=True))
                       if d["kind"] in ("arg", "ret")},
    }
