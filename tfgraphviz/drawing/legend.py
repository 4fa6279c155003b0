"""The legend: real Graphviz nodes and edges in the graph's own styles, only the entries the
graph uses."""

from __future__ import annotations

from typing import Any

import networkx as nx

from tfgraphviz._util.text import html, quoted
from tfgraphviz.drawing.scene import Cluster, Defaults, Edge, Node, Rank, Statement, lines
from tfgraphviz.drawing.style import (
    BUNDLE_STYLE,
    ORIGINS,
    dot_attrs,
    edge_style,
    node_style,
    origin_of,
    small,
)

LEGEND_TEXT = {
    "data": "data: a tensor,\nlabelled dtype[shape]",
    "control:automatic": "control dependency added\nautomatically by tf.function",
    "bundle": "automatic control dependencies\njoined at • into the op that waits",
    "control:user": "control dependency\nwritten by the user",
    "control:library": "control dependency added by\nTensorFlow/Keras/library code",
    "control:unknown": "control dependency,\nwho added it is not known",
    "call": "op → the body it runs\n(inputs ↔ arguments: its tooltip)",
    "placeholder": "input of the function",
    "arg": "body argument: name, index\n(what is passed: its tooltip)",
    "ret": "body result",
    "const": "constant (its value)",
    "stateful": "stateful op\n(kept in program order)",
    "variable": "tf.Variable\n(its Python name)",
    "function_output": "op whose output\nthe function returns",
    "auto_created": "op added by automatic\ncontrol dependencies",
    "unused": "nothing uses its output\n(not needed for the results)",
    "unknown_rank": "[*]: rank unknown\n?: size unknown",
    "scope": "collapsed name scope or body:\nits op count and contents",
    "folded": "×N identical blocks\nfolded into one",
    "merged": "×N edges merged\n(count, shapes)",
    "absorbed": "op with constants, reads,\nIdentity folded into it",
    "link": "click a box to open it",
}
BUNDLE_MIN = 10  # automatic control edges into one op drawn as one bundle in a full drawing
LEGEND_COLUMNS = 3  # entries per row of the legend under the drawing
NODE_SAMPLES: dict[str, tuple[dict[str, Any], str]] = {  # sample node data, glyph text
    "placeholder": ({"kind": "placeholder"}, "x"),
    "arg": ({"kind": "arg"}, "arg"),
    "ret": ({"kind": "ret"}, "result"),
    "const": ({"kind": "const"}, "2."),
    "stateful": ({"kind": "op", "stateful": True}, "op"),
    "variable": ({"kind": "variable"}, "var"),
    "function_output": ({"kind": "op", "function_output": True}, "op"),
    "auto_created": ({"kind": "op", "auto_created": True}, "NoOp"),
    "unused": ({"kind": "op", "unused": True}, "op"),
    "scope": ({"kind": "scope"}, "scope"),
    "folded": ({"kind": "scope", "folded": 3}, "block ×3"),
    "absorbed": ({"kind": "op"}, "op"),
}
EDGE_SAMPLES: dict[str, dict[str, Any]] = {
    "data": {"kind": "data", "src_output": 0, "dst_input": 0},
    "call": {"kind": "call", "role": "body", "caller_input": 0, "arg_index": 0},
    **{f"control:{o}": {"kind": "control", "origin": o} for o in ORIGINS},
    "merged": {"kind": "data", "count": 2, "shapes": []},
    "bundle": {"kind": "control", "origin": "automatic"},
}


def bundled(graph: nx.MultiDiGraph) -> dict[Any, list[tuple[Any, Any, Any]]]:
    """In a collapsed view, the automatic control edges into each op added by automatic
    control dependencies (a NoOp waiting for every stateful op): drawn as one bundle; in a
    full drawing only when it waits for BUNDLE_MIN ops or more."""
    collapsed = any(d.get("kind") == "scope" for _, d in graph.nodes(data=True))
    bundles: dict[Any, list[tuple[Any, Any, Any]]] = {}
    for node, data in graph.nodes(data=True):
        if not data.get("auto_created"):
            continue
        edges = [(u, v, k) for u, v, k, d in graph.in_edges(node, keys=True, data=True)
                 if d["kind"] == "control" and origin_of(d) == "automatic"]
        if len(edges) >= (2 if collapsed else BUNDLE_MIN):
            bundles[node] = edges
    return bundles


def legend_keys(graph: nx.MultiDiGraph) -> list[str]:
    """The legend entries this graph uses, in legend order."""
    used: set[str] = set()
    for _, _, d in graph.edges(data=True):
        used.add(f"control:{origin_of(d)}" if d["kind"] == "control" else
                 "call" if d["kind"] in ("call", "return") else d["kind"])
        if d["kind"] == "data" and d.get("shape", ()) is None:
            used.add("unknown_rank")
    if graph.graph.get("bodies"):
        used.add("call")  # also the style of an op's tie to a body whose arguments are unknown
    for _, d in graph.nodes(data=True):
        used.add("stateful" if d["kind"] == "op" and d.get("stateful") else d["kind"])
        used.update(k for k in ("function_output", "auto_created", "unused") if d.get(k))
        if int(d.get("folded", 1)) > 1:
            used.add("folded")
        if d.get("absorbed"):
            used.add("absorbed")
        if d.get("link"):
            used.add("link")
    if any(int(d.get("count", 1)) > 1 for _, _, d in graph.edges(data=True)):
        used.add("merged")
    if bundled(graph):
        used.add("bundle")
    return [key for key in LEGEND_TEXT if key in used]


INVISIBLE = {"style": '"invis"'}


def legend_entry(i: int, key: str) -> tuple[list[Statement], list[str]]:
    """The statements of one legend entry (its glyph drawn like the graph draws it) and its
    nodes."""
    text = LEGEND_TEXT[key]
    tip = quoted(text.replace("\n", " "))
    if key in NODE_SAMPLES:
        data, glyph = NODE_SAMPLES[key]
        label = small(glyph) if key == "const" else html(glyph)
        if key == "absorbed":
            label += "<br/>" + small("+ const 2.")
        style = {**node_style(data), "label": f"<{label}>", "tooltip": tip}
        out: list[Statement] = [Node(f"l{i}a", dot_attrs(style))]
        ids = [f"l{i}a"]
    elif key in ("unknown_rank", "link"):
        glyph = "float32[*]" if key == "unknown_rank" else "⇲"
        out = [Node(f"l{i}a", {"shape": '"plaintext"', "label": quoted(glyph),
                               "fontsize": '"8"', "fontcolor": '"#495057"', "tooltip": tip})]
        ids = [f"l{i}a"]
    else:
        style = {k: v for k, v in edge_style(EDGE_SAMPLES[key]).items()
                 if k not in ("label", "labeltooltip")}
        style["tooltip"] = tip
        if key == "merged":
            style["label"] = quoted("×N")
        point = {"shape": '"point"', "style": '"invis"', "width": '"0.05"'}
        start = point
        if key == "bundle":  # the junction point and the thick edge of dot._bundle_edges
            start = {"shape": '"point"', "width": '"0.08"',
                     "color": f'"{ORIGINS["automatic"][0]}"'}
            style.update(BUNDLE_STYLE)
        out = [Node(f"l{i}a", start), Node(f"l{i}b", dict(point)),
               Edge([f"l{i}a", f"l{i}b"], dot_attrs(style))]
        ids = [f"l{i}a", f"l{i}b"]
    width = ' width="130"'
    cell = "".join(f'{html(line)}<br align="left"/>' for line in text.split("\n"))
    out.append(Node(f"l{i}t", {
        "shape": '"plaintext"', "margin": '"0.02"', "tooltip": tip,
        "label": (f'<<table border="0" cellpadding="0"><tr><td align="left" balign="left"'
                  f"{width}>{cell}</td></tr></table>>")}))
    return out, [*ids, f"l{i}t"]


def legend_lines(keys: list[str], above: list[str] | None = None) -> list[Statement]:
    """A legend cluster: real nodes and edges drawn in the graph's own styles, in rows of
    LEGEND_COLUMNS entries; under the nodes `above` (invisible edges), so that it sits below
    the drawing instead of beside it, where it took up to 40% of the width."""
    if not keys:
        return []
    legend = Cluster("cluster_legend", [
        Defaults("graph", {"label": "<<b>legend</b>>", "style": '"rounded"',
                           "color": '"#dee2e6"', "fontsize": '"9"',
                           "tooltip": '"what the styles mean"'}),
        Defaults("node", {"fontsize": '"9"'})])
    rows: list[list[str]] = []
    columns = min(LEGEND_COLUMNS, -(-len(keys) // 2)) if len(keys) > 2 else len(keys)
    for i, key in enumerate(keys):
        entry, ids = legend_entry(i, key)
        legend.body += entry
        if i % columns == 0:
            rows.append(ids)
        else:
            rows[-1] += ids
    for a, b in zip(rows, rows[1:], strict=False):  # one row under the other
        legend.body.append(Edge([a[0], b[0]], dict(INVISIBLE)))
    for row in rows:  # and left to right within a row
        legend.body += [Rank(row), Edge(row, dict(INVISIBLE))]
    top = rows[0][0]
    return [legend, *(Edge([node, top], {**INVISIBLE, "weight": '"0"'}) for node in above or [])]


def side_legend(keys: list[str]) -> list[str]:
    """The DOT lines of the legend in one column (the report shows it in its narrow side
    panel, at 100%), its entries drawn like the legend under the SVG files' drawing."""
    if not keys:
        return []
    legend = Cluster("cluster_legend", [
        Defaults("graph", {"label": '""', "style": '"invis"',
                           "tooltip": '"what the styles mean"'}),
        Defaults("node", {"fontsize": '"9"'})])
    firsts = []
    for i, key in enumerate(keys):
        entry, ids = legend_entry(i, key)
        legend.body += [*entry, Rank(ids), Edge(ids, dict(INVISIBLE))]
        firsts.append(ids[0])
    legend.body += [Edge([a, b], dict(INVISIBLE)) for a, b in zip(firsts, firsts[1:],
                                                                  strict=False)]
    return list(lines([legend]))
