"""The data report.html embeds for one drawing: every op with its look precomputed by style.py,
the name-scope tree, the default view's open scopes and folded runs, and the edges."""

from __future__ import annotations

from typing import Any

import networkx as nx

from tfgraphviz._util.text import quoted, type_text
from tfgraphviz.draw.dot import cluster_label, graph_header, heading_of
from tfgraphviz.draw.legend import LEGEND_TEXT, legend_keys, side_legend
from tfgraphviz.draw.style import (
    CLUSTER_FILLS,
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
    return attr_list({k: v for k, v in style.items() if k not in EDGE_TEXT_KEYS})



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


def graph_payload(model: nx.MultiDiGraph, depth: int | str, expand: tuple[str, ...],
                  fold: bool, noise: bool | None) -> dict[str, Any]:
    """Everything the page needs to draw any opening of `model`'s scopes, as plain JSON data."""
    from tfgraphviz.views import build as views

    hier, assign, texts, settings = views.plan_view(model, depth, expand, fold, noise)
    drawn = views.build_view(model, hier, assign, texts, settings)
    start = ""
    if drawn.number_of_nodes() > MAX_START and depth != "auto":
        planned = views.plan_view(model, "auto", expand, fold, noise)
        smaller = views.build_view(model, *planned)
        if smaller.number_of_nodes() < drawn.number_of_nodes():
            start = (f"The view asked for (depth {depth}) has {drawn.number_of_nodes():,} "
                     f"nodes, more than the page lays out ({MAX_START:,}): it starts at the "
                     "automatic depth instead. Click a box to open it.")
            (hier, assign, texts, settings), drawn = planned, smaller
    absorbed = assign.absorbed  # {} unless noise is folded
    index = {node: i for i, node in enumerate(model.nodes)}
    styles = Table()
    bodies = model.graph.get("bodies", [])
    where = {b["id"]: (f"{b['role']} body of {model.nodes[b['caller']]['name']}"
                       if b["caller"] in model else f"{b['role']} body") for b in bodies}
    body_ids = [""] + [b["id"] for b in bodies]
    body_index = {b: i for i, b in enumerate(body_ids)}

    paths, members = _containers(hier, model, absorbed)
    path_index = {p: i for i, p in enumerate(paths)}
    depths = {b["id"]: int(b.get("depth", 1)) for b in bodies}
    containers = []
    for path in paths:
        body = hier.where[path]
        data = views.scope_node(model, (body, path), members[path], [(body, path)], hier,
                                 depths)
        containers.append({
            "p": path_index.get(path[:-1], -1), "w": body_index.get(body, 0), "n": path[-1],
            "path": "/".join(path), "l": node_label(data),
            "s": styles(attr_list(node_style(data))),
            "t": quoted(node_tooltip(data, where.get(body, ""))),
            "m": [index[m] for m in members[path][:1]], "count": len(members[path]),
        })

    nodes = []
    for node, data in model.nodes(data=True):
        shown = dict(data)
        if node in texts:
            shown["absorbed"] = texts[node]
        place = hier.paths.get(node)
        record: dict[str, Any] = {
            "id": node, "n": data["name"], "o": data["op"], "k": data["kind"],
            "c": path_index[place] if place else -1, "b": body_index.get(data.get("body", ""), 0),
            "l": node_label(shown), "s": styles(attr_list(node_style(shown))),
            "t": quoted(describe(shown)),
            "at": dict(data.get("attrs", {})),
            "out": [type_text(o) for o in data.get("outputs", [])],
            "src": list(data.get("source", [])),
            "ag": data.get("autograph_line"),
            "x": {k: data[k] for k in EXTRA_KEYS if data.get(k) not in (None, "", False, [])},
        }
        if node in absorbed:
            record["a"] = index[absorbed[node]]
        if node in texts:
            record["abs"] = list(texts[node])
        nodes.append(record)

    edges = []
    merged = Table()
    for u, v, data in model.edges(data=True):
        style = edge_style(data, model.nodes[u], model.nodes[v])
        kind = data["kind"]
        key = kind + (":" + str(data.get("origin", "unknown")) if kind == "control" else "")
        label = style.get("label", "")
        edge = [index[u], index[v], styles(_style_text(style)), label[1:-1] if label else "",
                merged(key), data.get("where", "") if kind == "control" else ""]
        if kind == "data":
            edge += [int(data.get("src_output", 0)), int(data.get("dst_input", 0))]
        edges.append(edge)
    merged_styles = {}
    for key in merged.list():
        kind, _, origin = key.partition(":")
        sample = {"kind": kind, "origin": origin, "count": 2}
        merged_styles[key] = [_style_text(merged_style(sample, "")),
                              _style_text(merged_style({**sample, "count": 10}, ""))]

    runs = []
    for first, run in sorted(assign.runs.items(), key=lambda item: repr(item[0])):
        if len(run) < 2:
            continue
        data = drawn.nodes[views.scope_id(*first)]
        runs.append({"m": [path_index[p] for _, p in run], "l": node_label(data),
                     "s": styles(attr_list(node_style(data))),
                     "t": quoted(node_tooltip(data, where.get(first[0], "")))})

    opened = sorted({path_index[p[:k]] for node, target in assign.visible.items()
                     for p in [hier.paths.get(node)] if p
                     for k in range(1, (len(p) + 1 if not isinstance(target, tuple)
                                        else len(target[1])))})
    body_list = []
    for body in bodies:
        caller = model.nodes[body["caller"]] if body["caller"] in model else None
        label, tip = cluster_label(body, caller) if caller else (body["role"], body["role"])
        depth_of = int(body.get("depth", 1))
        body_list.append({
            "id": body["id"], "caller": index.get(body["caller"], -1),
            "parent": body_index.get(caller.get("body", "") if caller else "", 0),
            "g": (f'label=<{label}>, style="rounded,filled", color="#adb5bd", '
                  f'fillcolor="{CLUSTER_FILLS[depth_of % len(CLUSTER_FILLS)]}", '
                  f'fontsize="10", tooltip={quoted(tip)}'),
            "tie": _style_text(tie_style(body["role"], "CLUSTER")) if caller else "",
            "where": where[body["id"]],
        })
    # the title and note are shown by the page above the graph, at a readable size and never
    # cropped, instead of in the laid-out graph
    header = graph_header(drawn, title=False)
    note = str(drawn.graph.get("note", ""))
    keys = set(legend_keys(model)) | set(legend_keys(drawn)) | (
        {"link", "scope"} if containers else set())
    legend = side_legend([k for k in LEGEND_TEXT if k in keys])
    return {
        "title": heading_of(model), "note": note, "header": header, "start": start, "nodes": nodes,
        "edges": edges,
        "containers": containers, "opened": opened, "runs": runs, "bodies": body_list,
        "styles": styles.list(), "merged": merged_styles, "legend": legend,
        "kinds": merged.list(),  # edge kind numbers of `edges` (`merged` is written key-sorted)
        "view": drawn.graph.get("view", {}),
        "index_text": {i: index_text(d) for i, (_, d) in enumerate(model.nodes(data=True))
                       if d["kind"] in ("arg", "ret")},
    }

