"""Turn the networkx model into Graphviz DOT source: styled nodes, edges, body clusters, legend."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.fsutil import write_text

FONT = "Helvetica"
COLORS = {
    "data": "#404040",
    "call": "#7b3fa0",
    "op": "#ffffff",
    "stateful": "#ffd8a8",
    "variable": "#fff3bf",
    "placeholder": "#d0ebff",
    "arg": "#d0ebff",
    "ret": "#d3f9d8",
    "const": "#f1f3f5",
    "note": "#c92a2a",
}
# Control edges by who added them: (colour, line style, pen width, words for tooltips/legend).
ORIGINS: dict[str, tuple[str, str, str, str]] = {
    "automatic": ("#e8590c", "dashed", "1.2",
                  "automatic control dependency (added by tf.function to keep program order)"),
    "user": ("#1f5fbf", "bold,dashed", "2.2",
             "control dependency written by the user (tf.control_dependencies)"),
    "library": ("#2b8a3e", "dotted", "1.8",
                "control dependency added by library code (TensorFlow, Keras, ...)"),
    "unknown": ("#868e96", "dashed", "1", "control dependency of unknown origin (traced "
                "before tfgraphviz was asked: who added it was not recorded)"),
}
CLUSTER_FILLS = ["#f8f9fa", "#eef2f7", "#e7edf5", "#e0e8f3"]
NOTE_WIDTH = 96
NBSP = "&#160;"  # a space Graphviz keeps at the end of a text run


def _xml_invalid() -> re.Pattern[str]:
    """Characters XML 1.0 cannot carry or discourages (C0/C1 controls, surrogates, U+FFFE...)."""
    planes = "".join(chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(1, 17))
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff"
                      "\ufdd0-\ufdef\ufffe\uffff" + planes + "]")


XML_INVALID = _xml_invalid()


def xml_safe(text: str) -> str:
    """`text` with every character XML cannot carry shown as a visible escape (`\\x07`)."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
            else f"\\U{code:08x}"
    return XML_INVALID.sub(escape, text)


printable = xml_safe  # the old name


def html(text: str) -> str:
    """Escape user text for a DOT HTML-like label."""
    text = xml_safe(text)
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(raw, escaped)
    return text.replace("\r", "").replace("\n", "<br/>")


def quoted(text: str) -> str:
    """A DOT double-quoted string whose escapes (\\N, \\G, ...) cannot be triggered by users."""
    text = xml_safe(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def short(text: str, limit: int = 32) -> str:
    """`text` shortened in the middle (`very_long_pre…_suffix`) to at most `limit` characters."""
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    return text[: limit - 1 - tail] + "…" + text[len(text) - tail:]


def _type_text(spec: dict[str, Any]) -> str:
    """`float32[2,?]`; a scalar `float32[]` (as in signatures), an unknown rank `float32[*]`."""
    shape = spec.get("shape", "?")
    return str(spec.get("dtype", "?")) + ("[*]" if shape == "?" else shape)


def small(text: str) -> str:
    """A second, smaller line of a label (already escaped); nothing for empty text."""
    return f'<font point-size="9" color="#495057">{text}</font>' if text else ""


def _index(data: dict[str, Any]) -> str:
    return str(data.get("index", data.get("attrs", {}).get("index", "")))


def describe(data: dict[str, Any]) -> str:
    """How a tooltip names a node: `mul (Mul)`, `argument 0 'x'`, `result 1 'identity_1'`."""
    if data["kind"] in ("arg", "ret"):
        words = "argument" if data["kind"] == "arg" else "result"
        return f"{words} {_index(data)} '{short(data.get('arg_name') or data['name'], 80)}'"
    name = data.get("variable") or data["name"]
    return f"{short(name, 80)} ({data['op']})"


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
        extra = data.get("variable") or first
        text = f"{'arg' if kind == 'arg' else 'result'} {_index(data)}"
        text += f" · {short(extra, 20)}" if extra else ""
        if kind == "arg" and data.get("feeds"):
            text += f" ← {short(data['feeds'], 20)}"
        label = data.get("label") or data.get("arg_name") or name
        return f"<b>{html(short(label, 24))}</b><br/>" + small(html(text))
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


def _attr_value_text(data: dict[str, Any], key: str, text: str) -> str:
    """An attribute's text, with an unknown-rank shape shown as `[*]`."""
    value = data.get("attr_values", {}).get(key, {})
    if isinstance(value, dict) and value.get("shape", {}).get("unknown_rank"):
        return "[*]"
    return text


def node_tooltip(data: dict[str, Any], where: str = "") -> str:
    if data["kind"] in ("arg", "ret"):
        lines = [describe(data) + (f" of the {where}" if where else "")]
        if data.get("feeds"):
            lines.append(f"receives: {data['feeds']}")
    else:
        lines = [f"{data['name']} ({data['op']})" + (f" in the {where}" if where else "")]
    if data.get("variable"):
        lines.append(f"Python variable: {data['variable']}")
    if data.get("device"):
        lines.append(f"device: {data['device']}")
    lines += [f"output {i}: {_type_text(o)}" for i, o in enumerate(data.get("outputs", []))]
    if data.get("stateful"):
        lines.append("stateful op (kept in program order)")
    if data.get("auto_created"):
        lines.append("added by automatic control dependencies")
    if data.get("function_output"):
        lines.append("its output is a result of the function")
    if data.get("unused"):
        lines.append("unused: nothing uses its output (left over from tracing)")
    if data["kind"] not in ("arg", "ret"):
        lines += [f"{k} = {_attr_value_text(data, k, v)}"
                  for k, v in data.get("attrs", {}).items()]
    lines += [f"source: {s}" for s in data.get("source", [])]
    return "\n".join(lines)


def node_style(data: dict[str, Any]) -> dict[str, str]:
    kind = data["kind"]
    style = {"shape": "box", "style": "rounded,filled", "fillcolor": COLORS["op"],
             "color": "#868e96"}
    if kind == "variable":
        style.update(shape="cylinder", style="filled", fillcolor=COLORS["variable"],
                     color="#e67700", penwidth="1.5")
    elif kind in ("placeholder", "arg", "ret"):
        style.update(shape="ellipse", style="filled", fillcolor=COLORS[kind])
    elif kind == "const":
        style.update(style="rounded,filled", fillcolor=COLORS["const"], color="#ced4da",
                     fontsize="9", height="0.3", margin="0.05,0.02")
    elif data.get("stateful"):
        style.update(fillcolor=COLORS["stateful"], color="#d9480f", penwidth="2")
    if data.get("auto_created"):
        style.update(style="rounded,filled,dashed", color=ORIGINS["automatic"][0],
                     penwidth="1.5")
    if data.get("function_output"):
        style["peripheries"] = "2"
    if data.get("unused"):
        style.update(style=style["style"] + ",dashed", color="#adb5bd", fontcolor="#868e96")
    return style


def origin_of(data: dict[str, Any]) -> str:
    origin = data.get("origin", "unknown")
    return origin if origin in ORIGINS else "unknown"


def edge_style(data: dict[str, Any], src: dict[str, Any] | None = None,
               dst: dict[str, Any] | None = None) -> dict[str, str]:
    """Line style, colour, label and tooltips of one edge of the model."""
    kind = data["kind"]
    ends = f"{describe(src)} → {describe(dst)}" if src is not None and dst is not None else ""
    if kind == "data":
        label = _type_text(data)
        tip = quoted(f"{ends}\noutput {data['src_output']} → input {data['dst_input']}: "
                     f"{label}".strip())
        return {"color": COLORS["data"], "label": quoted(label), "fontcolor": "#495057",
                "tooltip": tip, "labeltooltip": tip}
    if kind == "control":
        color, line, width, words = ORIGINS[origin_of(data)]
        where = data.get("where", "")
        text = words + (f", entered at {where}" if where else "") + (f"\n{ends}" if ends else "")
        return {"style": line, "color": color, "arrowhead": "odot", "penwidth": width,
                "tooltip": quoted(text)}
    caller = describe(src if kind == "call" else dst) if src and dst else "the caller"
    if kind == "call":
        arg = data.get("arg_name") or f"arg {data['arg_index']}"
        given = data.get("input_name", "")
        label = f"in {data['caller_input']}"
        tip = quoted(f"{caller} input {data['caller_input']}"
                     + (f" ({given})" if given else "")
                     + f" → argument {data['arg_index']} '{arg}' of its {data['role']} body")
    else:
        result = data.get("result_name", "")
        label = f"out {data['output_index']}"
        tip = quoted(f"result {data['output_index']}" + (f" '{result}'" if result else "")
                     + f" of the {data['role']} body → output {data['output_index']} of "
                     f"{caller}")
    return {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty",
            "label": quoted(label), "fontcolor": COLORS["call"], "tooltip": tip,
            "labeltooltip": tip}


def tie_style(role: str, cluster: str) -> dict[str, str]:
    """An edge from an op to the cluster of a body it runs (when no arguments are mapped)."""
    return {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty", "lhead": cluster,
            "tooltip": quoted(f"runs its {role} body (which input feeds which argument is "
                              "not known)")}


# ---- legend ----------------------------------------------------------------------------------
LEGEND_TEXT = {
    "data": "data: a tensor,\nlabelled dtype[shape]",
    "control:automatic": "control dependency added\nautomatically by tf.function",
    "control:user": "control dependency\nwritten by the user",
    "control:library": "control dependency added by\nTensorFlow/Keras/library code",
    "control:unknown": "control dependency,\nwho added it is not known",
    "call": "caller input → body argument,\nbody result → caller output",
    "placeholder": "input of the function",
    "arg": "body argument: name, index,\n← what the caller passes",
    "ret": "body result",
    "const": "constant (its value)",
    "stateful": "stateful op\n(kept in program order)",
    "variable": "tf.Variable\n(its Python name)",
    "function_output": "op whose output\nthe function returns",
    "auto_created": "op added by automatic\ncontrol dependencies",
    "unused": "nothing uses its output\n(not needed for the results)",
    "unknown_rank": "[*]: rank unknown\n?: size unknown",
}
LEGEND_ROWS = 6
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
}
EDGE_SAMPLES: dict[str, dict[str, Any]] = {
    "data": {"kind": "data", "src_output": 0, "dst_input": 0},
    "call": {"kind": "call", "role": "body", "caller_input": 0, "arg_index": 0},
    **{f"control:{o}": {"kind": "control", "origin": o} for o in ORIGINS},
}


def legend_keys(graph: nx.MultiDiGraph) -> list[str]:
    """The legend entries this graph uses, in legend order."""
    used: set[str] = set()
    for _, _, d in graph.edges(data=True):
        used.add(f"control:{origin_of(d)}" if d["kind"] == "control" else
                 "call" if d["kind"] in ("call", "return") else d["kind"])
        if d["kind"] == "data" and d.get("shape") == "?":
            used.add("unknown_rank")
    if graph.graph.get("bodies"):
        used.add("call")  # also the style of an op's tie to a body whose arguments are unknown
    for _, d in graph.nodes(data=True):
        used.add("stateful" if d["kind"] == "op" and d.get("stateful") else d["kind"])
        used.update(k for k in ("function_output", "auto_created", "unused") if d.get(k))
    return [key for key in LEGEND_TEXT if key in used]


def _legend_entry(i: int, key: str) -> tuple[list[str], list[str]]:
    """DOT lines of one legend entry (its glyph drawn like the graph draws it) and its nodes."""
    text = LEGEND_TEXT[key]
    tip = quoted(text.replace("\n", " "))
    if key in NODE_SAMPLES:
        data, glyph = NODE_SAMPLES[key]
        label = small(glyph) if key == "const" else html(glyph)
        style = {**node_style(data), "label": f"<{label}>", "tooltip": tip}
        lines = [f"    l{i}a [{_attr_list(style)}];"]
        ids = [f"l{i}a"]
    elif key == "unknown_rank":
        lines = [f'    l{i}a [shape="plaintext", label="float32[*]", fontsize="8", '
                 f'fontcolor="#495057", tooltip={tip}];']
        ids = [f"l{i}a"]
    else:
        style = {k: v for k, v in edge_style(EDGE_SAMPLES[key]).items()
                 if k not in ("label", "labeltooltip")}
        style["tooltip"] = tip
        point = 'shape="point", style="invis", width="0.05"'
        lines = [f"    l{i}a [{point}];", f"    l{i}b [{point}];",
                 f"    l{i}a -> l{i}b [{_attr_list(style)}];"]
        ids = [f"l{i}a", f"l{i}b"]
    width = ' width="150"'
    cell = "".join(f'{html(line)}<br align="left"/>' for line in text.split("\n"))
    lines.append(f'    l{i}t [shape="plaintext", margin="0.02", tooltip={tip}, label=<<table '
                 f'border="0" cellpadding="0"><tr><td align="left" balign="left"{width}>{cell}'
                 "</td></tr></table>>];")
    return lines, [*ids, f"l{i}t"]


def legend_lines(keys: list[str]) -> list[str]:
    """A legend cluster: real nodes and edges drawn in the graph's own styles."""
    if not keys:
        return []
    lines = ["  subgraph cluster_legend {",
             '    graph [label=<<b>legend</b>>, style="rounded", color="#dee2e6", '
             'fontsize="9", tooltip="what the styles mean"];',
             '    node [fontsize="9"];']
    rows: list[list[str]] = []
    columns = 1 if len(keys) <= LEGEND_ROWS else 2  # a long legend would be taller than most
    for i, key in enumerate(keys):
        entry, ids = _legend_entry(i, key)
        lines += entry
        if i % columns == 0:
            rows.append(ids)
        else:
            rows[-1] += ids
    for a, b in zip(rows, rows[1:], strict=False):  # one row under the other
        lines.append(f'    {a[0]} -> {b[0]} [style="invis"];')
    for row in rows:  # and left to right within a row
        lines.append(f'    {{rank="same"; {"; ".join(row)};}}')
        lines.append(f'    {" -> ".join(row)} [style="invis"];')
    lines.append("  }")
    return lines


# ---- heading and note ------------------------------------------------------------------------
def heading_of(graph: nx.MultiDiGraph) -> str:
    """`f(x: float32[2])` for a tf.function, `g (tf.Graph)` for a tf.Graph, and the kind in
    parentheses for anything else (`model.train_function(...) (Keras fit() training function)`)."""
    name, kind = str(graph.graph.get("name", "")), str(graph.graph.get("kind", ""))
    if kind == "tf.Graph":
        return f"{name} (tf.Graph)"
    heading = name + str(graph.graph.get("signature", ""))
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


def title_label(heading: str, note: str) -> str:
    """The graph's label: the title and, below it, the whole note, wrapped."""
    rows = "".join(f'<tr><td align="left"><b>{html(line)}</b></td></tr>'
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
    by = f"{short(caller['name'], 40)} ({caller['op']})"
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
        f'label=<{title_label(heading, note)}>, tooltip={quoted(heading)}];',
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
            lines.append(f"{indent}{ids[node]} [{_attr_list(attrs)}];")
            if body and data["kind"] in boundary:
                index = _index(data)
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
            caller = graph.nodes[child["caller"]]
            depth = int(child.get("depth", 1))
            number = next(clusters)
            has_call = any(d["kind"] == "call" and graph.nodes[v].get("body") == child["id"]
                           for _, v, d in graph.out_edges(child["caller"], data=True))
            if not has_call and members.get(child["id"]):
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
