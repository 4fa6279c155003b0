"""Turn the networkx model into Graphviz DOT source: styled nodes, edges, body clusters, legend."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.fsutil import write_text

FONT = "Helvetica"
COLORS = {
    "data": "#404040",
    "control": "#1f5fbf",  # written by the user with tf.control_dependencies
    "auto": "#e8590c",  # added by tf.function's automatic control dependencies
    "call": "#7b3fa0",
    "op": "#ffffff",
    "stateful": "#ffd8a8",
    "variable": "#fff3bf",
    "placeholder": "#d0ebff",
    "arg": "#d0ebff",
    "ret": "#d3f9d8",
    "const": "#f1f3f5",
}
CLUSTER_FILLS = ["#f8f9fa", "#eef2f7", "#e7edf5", "#e0e8f3"]
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """Drop characters XML cannot carry (they would make the SVG invalid)."""
    return _CONTROL_CHARS.sub("\N{REPLACEMENT CHARACTER}", text)


def html(text: str) -> str:
    """Escape user text for a DOT HTML-like label."""
    text = printable(text)
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(raw, escaped)
    return text.replace("\n", "<br/>")


def quoted(text: str) -> str:
    """A DOT double-quoted string whose escapes (\\N, \\G, ...) cannot be triggered by users."""
    text = printable(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_text(spec: dict[str, str]) -> str:
    """`float32[2,?]`; a scalar is just `float32`, an unknown rank `float32[*]`."""
    shape = spec.get("shape", "?")
    return spec.get("dtype", "?") + {"[]": "", "?": "[*]"}.get(shape, shape)


def small(text: str) -> str:
    """A second, smaller line of a label (already escaped); nothing for empty text."""
    return f'<font point-size="9" color="#495057">{text}</font>' if text else ""


def node_label(data: dict[str, Any]) -> str:
    """HTML-like label: op type in bold, then its name, value, type or Python name."""
    kind, op, name = data["kind"], data["op"], data["name"]
    outputs = data.get("outputs", [])
    first = _type_text(outputs[0]) if outputs else ""
    if kind == "variable":
        title = data.get("variable") or name
        if op != "Placeholder":
            what = f"tf.Variable · {html(op)}"
        elif data["variable"] == name:
            what = "tf.Variable argument"
        else:
            what = "captured tf.Variable"
        return f"<b>{html(short(title))}</b><br/>" + small(what)
    if kind in ("arg", "ret"):
        index = data["attrs"].get("index", "")
        extra = data.get("variable") or first
        words = "argument" if kind == "arg" else "result"
        return f"{words} {html(index)}" + ("<br/>" + small(html(short(extra))) if extra else "")
    if kind == "placeholder":
        return f"<b>{html(short(name))}</b>" + ("<br/>" + small(html(first)) if first else "")
    if kind == "const":
        value = data["attrs"].get("value", "")
        value = value.split(" ", 1)[1] if " " in value else value
        return small(html(short(value, 24))) or html(op)
    label = f"<b>{html(op)}</b>"
    base = name.rpartition("/")[2]
    if data.get("auto_created"):
        label += "<br/>" + small("added automatically")
    elif base != op:
        label += "<br/>" + small(html(short(name)))
    return label


def node_tooltip(data: dict[str, Any]) -> str:
    lines = [f"{data['op']}  {data['name']}"]
    if data.get("variable"):
        lines.append(f"Python variable: {data['variable']}")
    if data.get("device"):
        lines.append(f"device: {data['device']}")
    lines += [f"output {i}: {_type_text(o)}" for i, o in enumerate(data.get("outputs", []))]
    if data.get("stateful"):
        lines.append("stateful op")
    if data.get("auto_created"):
        lines.append("added by automatic control dependencies")
    lines += [f"{k} = {v}" for k, v in data.get("attrs", {}).items()]
    lines += [f"source: {s}" for s in data.get("source", [])]
    return "\n".join(lines)


def node_style(data: dict[str, Any]) -> dict[str, str]:
    kind = data["kind"]
    style = {"shape": "box", "style": "rounded,filled", "fillcolor": COLORS["op"],
             "color": "#868e96"}
    if kind == "variable":
        style.update(shape="cylinder", style="filled", fillcolor=COLORS["variable"],
                     color="#e67700", penwidth="1.5")
    elif kind in ("placeholder", "arg"):
        style.update(shape="ellipse", style="filled", fillcolor=COLORS[kind])
    elif kind == "ret":
        style.update(shape="ellipse", style="filled", fillcolor=COLORS["ret"])
    elif kind == "const":
        style.update(style="rounded,filled", fillcolor=COLORS["const"], color="#ced4da",
                     fontsize="9", height="0.3", margin="0.05,0.02")
    elif data.get("stateful"):
        style.update(fillcolor=COLORS["stateful"], color="#d9480f", penwidth="2")
    if data.get("auto_created"):
        style.update(style="rounded,filled,dashed", color=COLORS["auto"], penwidth="1.5")
    if data.get("function_output"):
        style["peripheries"] = "2"
    return style


def edge_style(data: dict[str, Any], auto_known: bool = True) -> dict[str, str]:
    """Line style, colour and tooltip of one edge of the model."""
    kind = data["kind"]
    if kind == "data":
        label = _type_text(data)
        return {"color": COLORS["data"], "label": quoted(label), "fontsize": "8",
                "fontcolor": "#495057",
                "tooltip": quoted(f"output {data['src_output']} → input {data['dst_input']}: "
                                  f"{label}")}
    if kind == "control" and not auto_known:
        return {"style": "dashed", "color": COLORS["data"], "arrowhead": "odot",
                "tooltip": quoted("control dependency (traced outside tfgraphviz: whether "
                                  "tf.function added it is not known)")}
    if kind == "control":
        color = COLORS["auto"] if data.get("auto") else COLORS["control"]
        what = ("automatic control dependency (added by tf.function to keep program order)"
                if data.get("auto") else "control dependency (tf.control_dependencies)")
        return {"style": "dashed", "color": color, "arrowhead": "odot", "penwidth": "1.2",
                "tooltip": quoted(what)}
    if kind == "call":
        return {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty",
                "tooltip": quoted(f"{data['role']}: caller input {data['caller_input']} → "
                                  f"argument {data['arg_index']}")}
    return {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty",
            "tooltip": quoted(f"{data['role']}: result → caller output "
                              f"{data['output_index']}")}


def tie_style(role: str, cluster: str) -> dict[str, str]:
    """An edge from an op to the cluster of a body it runs (when no arguments are mapped)."""
    return {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty", "lhead": cluster,
            "tooltip": quoted(f"runs its {role} body")}


def legend(heading: str) -> str:
    """The graph's label: its title over a key to colours and line styles."""
    def row(sample: str, color: str, text: str) -> str:
        return (f'<tr><td align="left"><font color="{color}">{sample}</font></td>'
                f'<td align="left">{text}</td></tr>')

    rows = [
        row("━━▶", COLORS["data"], "data edge, labelled dtype[shape] ([*]: rank unknown)"),
        row("╍╍●", COLORS["control"], "control dependency written by the user"),
        row("╍╍●", COLORS["auto"], "automatic control dependency (tf.function)"),
        row("┈┈▷", COLORS["call"], "argument passed into / result out of a body"),
        f'<tr><td bgcolor="{COLORS["stateful"]}" border="1">op</td>'
        "<td align=\"left\">stateful op (runs in program order)</td></tr>",
        f'<tr><td bgcolor="{COLORS["variable"]}" border="1">var</td>'
        "<td align=\"left\">captured tf.Variable</td></tr>",
    ]
    title = f'<tr><td colspan="2" align="left"><b>{html(heading)}</b></td></tr>'
    return ('<table border="0" cellborder="0" cellspacing="1" cellpadding="1">'
            + title + "".join(rows) + "</table>")


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

    heading = title if title is not None else (
        f"{graph.graph.get('name', '')}{graph.graph.get('signature', '')}")
    if graph.graph.get("note"):
        heading += f"\n{graph.graph['note']}"
    lines = [
        "digraph G {",
        f'  graph [fontname="{FONT}", fontsize="10", rankdir="TB", compound="true", '
        f'newrank="true", nodesep="0.25", ranksep="0.35", labelloc="t", labeljust="l", '
        f'label=<{legend(heading)}>, tooltip={quoted(heading)}];',
        f'  node [fontname="{FONT}", fontsize="11", height="0.35", margin="0.1,0.04"];',
        f'  edge [fontname="{FONT}", fontsize="8", arrowsize="0.6"];',
    ]
    clusters = iter(range(1 << 30))
    tie_to: dict[int, tuple[dict[str, Any], str]] = {}

    def emit(body: str, indent: str) -> None:
        for node in members.get(body, []):
            data = graph.nodes[node]
            attrs = {**node_style(data), "label": f"<{node_label(data)}>",
                     "tooltip": quoted(node_tooltip(data))}
            lines.append(f"{indent}{ids[node]} [{_attr_list(attrs)}];")
        for child in children.get(body, []):
            caller = graph.nodes[child["caller"]]
            depth = int(child.get("depth", 1))
            label = (f"<b>{html(child['role'])}</b> of {html(caller['name'])} "
                     f"({html(caller['op'])})")
            number = next(clusters)
            has_call = any(d["kind"] == "call" and graph.nodes[v].get("body") == child["id"]
                           for _, v, d in graph.out_edges(child["caller"], data=True))
            if not has_call and members.get(child["id"]):
                tie_to[id(child)] = (child, f"cluster_{number}")
            lines.append(f"{indent}subgraph cluster_{number} {{")
            lines.append(
                f'{indent}  graph [label=<{label}>, style="rounded,filled", color="#adb5bd", '
                f'fillcolor="{CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]}", fontsize="10", '
                f'tooltip={quoted(child["role"] + " body of " + caller["name"])}];')
            emit(child["id"], indent + "  ")
            lines.append(f"{indent}}}")

    emit("", "  ")
    for u, v, data in graph.edges(data=True):
        style = edge_style(data, graph.graph.get("auto_deps_known", True))
        lines.append(f"  {ids[u]} -> {ids[v]} [{_attr_list(style)}];")
    for body, cluster in tie_to.values():  # bodies whose argument mapping is not known
        lines.append(f"  {ids[body['caller']]} -> {ids[members[body['id']][0]]} "
                     f"[{_attr_list(tie_style(body['role'], cluster))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _attr_list(attrs: dict[str, str]) -> str:
    parts = []
    for key in sorted(attrs):
        value = attrs[key]
        if not (value.startswith('"') or value.startswith("<")):
            value = f'"{value}"'
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def write_dot(graph: nx.MultiDiGraph, path: Path, title: str | None = None) -> Path:
    """Write the DOT source atomically."""
    return write_text(path, to_dot(graph, title))
