"""Turn the networkx model into Graphviz DOT source: title and note, nodes, edges, body clusters
and the legend."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.fsutil import write_text
from tfgraphviz.legend import legend_keys, legend_lines
from tfgraphviz.style import (
    CLUSTER_FILLS,
    COLORS,
    FONT,
    NBSP,
    NOTE_WIDTH,
    attr_list,
    edge_style,
    html,
    index_text,
    node_label,
    node_style,
    node_tooltip,
    quoted,
    short,
    small,
    tie_style,
)


# ---- heading and note ------------------------------------------------------------------------
def heading_of(graph: nx.MultiDiGraph) -> str:
    """`f(x: float32[2])` for a tf.function, `g (tf.Graph)` for a tf.Graph, and the kind in
    parentheses for anything else (`model.train_function(...) (Keras fit() training function)`)."""
    name, kind = str(graph.graph.get("name", "")), str(graph.graph.get("kind", ""))
    if kind == "tf.Graph":
        return f"{name} (tf.Graph)"
    heading = name + str(graph.graph.get("signature", ""))
    if graph.graph.get("jit_compile"):
        heading += " (jit_compile=True, compiled with XLA)"
    return heading if kind in ("", "tf.function") else f"{heading} ({kind})"


def wrap(text: str, width: int = NOTE_WIDTH) -> list[str]:
    """Lines of at most `width` characters, broken between words (long words stay whole).

    No indentation: SVG renderers drop the leading spaces of a line.
    """
    lines: list[str] = []
    for paragraph in text.replace("\r", "").split("\n"):
        lines += textwrap.wrap(paragraph.strip(), width, break_long_words=False,
                               break_on_hyphens=False) or [""]
    return lines


def title_label(heading: str, note: str, up: str = "") -> str:
    """The graph's label: a link back up (drill-down pages), the title and, below it, the whole
    note, wrapped."""
    rows = ""
    if up:
        rows += (f'<tr><td align="left" href={quoted(up)} target="_top" '
                 'tooltip="back to the drawing this scope was collapsed in">'
                 f'<font color="#1f5fbf">↑{NBSP}back to the overview</font></td></tr>')
    rows += "".join(f'<tr><td align="left"><b>{html(line)}</b></td></tr>'
                    for line in wrap(heading))
    if note:
        text = "".join(f'{html(line)}<br align="left"/>' for line in wrap(note))
        rows += (f'<tr><td align="left" balign="left"><font color="{COLORS["note"]}">'
                 f"{text}</font></td></tr>")
    return f'<table border="0" cellborder="0" cellspacing="0" cellpadding="2">{rows}</table>'


# ---- the graph -------------------------------------------------------------------------------
def cluster_label(body: dict[str, Any], caller: dict[str, Any]) -> tuple[str, str]:
    """HTML label and tooltip text of a body's cluster: `cond of while (StatelessWhile)`, a
    called function by its name, and whether XLA compiles it.

    A bold run ends with a no-break space instead of the next run starting with one: SVG
    renderers (rsvg, browsers) drop a run's leading space, which ran "cond of" into "condof".
    """
    by = short(caller["name"], 40) + (f" ({caller['op']})" if caller["name"] != caller["op"]
                                       else "")
    function = str(body.get("function", ""))
    if body["role"] == "callee":
        head, rest = short(function or "function", 40), f"function called by {by}"
    else:
        head, rest = str(body["role"]), f"of {by}" + (f" · {short(function, 40)}"
                                                      if function else "")
    label = f"<b>{html(head)}{NBSP}</b>{html(rest)}"
    text = f"{head} {rest}"
    if body.get("xla"):
        label += "<br/>" + small("compiled with XLA (jit_compile)")
        text += "\ncompiled with XLA (jit_compile)"
    return label, text


def to_dot(graph: nx.MultiDiGraph, title: str | None = None) -> str:
    """DOT source for the model; identical models give identical text."""
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    bodies = graph.graph.get("bodies", [])
    children: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        parent = graph.nodes[body["caller"]]["body"] if body["caller"] in graph else ""
        children.setdefault(parent, []).append(body)
    members: dict[str, list[Any]] = {}
    for node, data in graph.nodes(data=True):
        members.setdefault(data.get("body", ""), []).append(node)
    where = {b["id"]: (f"{b['role']} body of {graph.nodes[b['caller']]['name']}"
                       if b["caller"] in graph else f"{b['role']} body") for b in bodies}

    heading = title if title is not None else heading_of(graph)
    note = str(graph.graph.get("note", ""))
    lines = [
        "digraph G {",
        f'  graph [fontname="{FONT}", fontsize="10", rankdir="TB", compound="true", '
        # remincross=false: the last crossing pass would undo the index order of arguments
        f'newrank="true", remincross="false", nodesep="0.25", ranksep="0.35", labelloc="t", '
        f'labeljust="l", '
        f'label=<{title_label(heading, note, str(graph.graph.get("up", "")))}>, '
        f'tooltip={quoted(heading)}];',
        f'  node [fontname="{FONT}", fontsize="11", height="0.35", margin="0.1,0.04"];',
        f'  edge [fontname="{FONT}", fontsize="8", arrowsize="0.6"];',
    ]
    clusters = iter(range(1 << 30))
    tie_to: dict[int, tuple[dict[str, Any], str]] = {}

    def emit(body: str, indent: str) -> None:
        boundary: dict[str, list[tuple[int, str]]] = {"arg": [], "ret": []}
        for node in members.get(body, []):
            data = graph.nodes[node]
            attrs = {**node_style(data), "label": f"<{node_label(data)}>",
                     "tooltip": quoted(node_tooltip(data, where.get(body, "")))}
            lines.append(f"{indent}{ids[node]} [{attr_list(attrs)}];")
            if body and data["kind"] in boundary:
                index = index_text(data)
                boundary[data["kind"]].append((int(index) if index.isdigit() else 0,
                                               ids[node]))
        for group in boundary.values():  # arguments (and results) side by side, in index order
            ordered = [n for _, n in sorted(group)]
            if len(ordered) > 1:
                lines.append(f'{indent}{{rank="same"; {"; ".join(ordered)};}}')
                lines.append(f'{indent}{" -> ".join(ordered)} [style="invis"];')
        if body and boundary["arg"]:  # arguments on top, even those the body does not use
            first = min(boundary["arg"])[1]
            for node in members[body]:
                data = graph.nodes[node]
                if data["kind"] not in ("arg", "ret") and not any(
                        graph.nodes[u].get("body") == body for u in graph.predecessors(node)):
                    lines.append(f'{indent}{first} -> {ids[node]} [style="invis"];')
        for child in children.get(body, []):
            inside = child["caller"] in graph  # not on a drill-down page of the body alone
            caller = graph.nodes[child["caller"]] if inside else child.get("caller_data", {
                "name": str(child["caller"]), "op": "?"})
            depth = int(child.get("depth", 1))
            number = next(clusters)
            has_call = inside and any(
                d["kind"] == "call" and graph.nodes[v].get("body") == child["id"]
                for _, v, d in graph.out_edges(child["caller"], data=True))
            if inside and not has_call and members.get(child["id"]):
                tie_to[id(child)] = (child, f"cluster_{number}")
            lines.append(f"{indent}subgraph cluster_{number} {{")
            label, tip = cluster_label(child, caller)
            lines.append(
                f'{indent}  graph [label=<{label}>, style="rounded,filled", color="#adb5bd", '
                f'fillcolor="{CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]}", fontsize="10", '
                f"tooltip={quoted(tip)}];")
            emit(child["id"], indent + "  ")
            lines.append(f"{indent}}}")

    emit("", "  ")
    lines += legend_lines(legend_keys(graph))
    for u, v, data in graph.edges(data=True):
        style = edge_style(data, graph.nodes[u], graph.nodes[v])
        lines.append(f"  {ids[u]} -> {ids[v]} [{attr_list(style)}];")
    for body, cluster in tie_to.values():  # bodies whose argument mapping is not known
        lines.append(f"  {ids[body['caller']]} -> {ids[members[body['id']][0]]} "
                     f"[{attr_list(tie_style(body['role'], cluster))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"




def write_dot(graph: nx.MultiDiGraph, path: Path, title: str | None = None) -> Path:
    """Write the DOT source atomically."""
    return write_text(path, to_dot(graph, title))
