"""How each node and edge of the model looks in DOT: escaping, labels, tooltips, colours and
line styles."""

from __future__ import annotations

from typing import Any

from tfgraphviz._util.text import html, quoted, short, type_text

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
    "scope": "#e7f5ff",
    "folded": "#d0ebff",
}
BUNDLE_STYLE = {"arrowhead": "odot", "penwidth": "2.5"}  # edge from a bundle's junction point
CONTAINS_WORDS = {"stateful": "stateful", "variable": "variables", "control_flow": "control flow",
                  "print": "print", "assert": "assert", "summary": "writes tf.summary"}
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


def small(text: str) -> str:
    """A second, smaller line of a label (already escaped); nothing for empty text."""
    return f'<font point-size="9" color="#495057">{text}</font>' if text else ""


def index_text(data: dict[str, Any]) -> str:
    return str(data.get("index", data.get("attrs", {}).get("index", "")))


def describe(data: dict[str, Any]) -> str:
    """How a tooltip names a node: `mul (Mul)`, `argument 0 'x'`, `result 1 'identity_1'`; a
    loop or cond variable by its Python name (`argument 3 'n'`)."""
    if data["kind"] in ("arg", "ret"):
        words = "argument" if data["kind"] == "arg" else "result"
        name = data.get("py_name") or data.get("arg_name") or data["name"]
        return f"{words} {index_text(data)} '{short(name, 80)}'"
    name = data.get("variable") or data["name"]
    return f"{short(name, 80)} ({data['op']})"


def scope_label(data: dict[str, Any]) -> str:
    """A collapsed scope: its last name part in bold, ×N when folded, the op count and what it
    contains."""
    path = str(data.get("scope_path") or data["name"])
    if data.get("variables_of"):  # captured variables grouped by the model that holds them
        count = int(data.get("variable_count", 0))
        return f"<b>{html(short(str(data['variables_of']), 32))}</b><br/>" + small(
            f"{count} variable{'s' if count != 1 else ''}")
    shown = str(data.get("label_path") or path.rpartition("/")[2])
    label = f"<b>{html(short(shown, 48 if '/' in shown else 32))}</b>"
    if data.get("owner") or data.get("gradient"):  # the file's name for the model it runs
        name = str(data.get("owner") or shown)
        title = f"gradient of {name}" if data.get("gradient") and data.get("owner") else name
        label = f"<b>{html(short(title, 40))}</b>"
        if data.get("owner") and name != shown:
            label += "<br/>" + small(html(short(shown, 40)))
    if data.get("source_text") and not data.get("owner"):  # made by one line of the file
        where = path.rpartition("/")[0] if shown.startswith("iteration ") else path
        label = f"<b>{html(short(str(data['source_text']), 36))}</b><br/>" + small(html(
            where.rpartition("/")[2] + (f" · {shown}" if where != path else "")))
    folded = int(data.get("folded", 1))
    if folded > 1 and data.get("source_text") and shown.startswith("iteration "):
        line = path.rpartition("/")[0].rpartition("/")[2]  # an unrolled loop's iterations
        label = (f"<b>{html(short(str(data['source_text']), 36))}</b> <font color="
                 f'"{COLORS["note"]}"><b>×{folded}</b></font><br/>'
                 + small(html(f"{line} · {folded} iterations of a Python loop")))
    elif folded > 1:
        last = str(data.get("fold_members", [""])[-1]).rpartition("/")[2]
        label += f' … <b>{html(short(last, 24))}</b> <font color="{COLORS["note"]}"><b>×{folded}' \
                 "</b></font>"
    count = int(data.get("op_count", 0))
    text = f"{count} ops" + (f" ({count // folded} each)" if folded > 1 else "")
    if int(data.get("updates", 0)) > 1 and data.get("owner"):  # an optimizer's step
        text = f"updates {data['updates']} variables · {text}"
    flags = [CONTAINS_WORDS.get(f, f) for f in data.get("contains", [])]
    return label + "<br/>" + small(html(" · ".join([text, *flags])))


def absorbed_text(data: dict[str, Any], limit: int = 2) -> str:
    """`+ const 0.5, read v` (then `+3 more`) for what noise folding put into an op."""
    absorbed = list(data.get("absorbed", []))
    if not absorbed:
        return ""
    text = "+ " + ", ".join(absorbed[:limit])
    return text + (f" +{len(absorbed) - limit} more" if len(absorbed) > limit else "")


def node_label(data: dict[str, Any]) -> str:
    """HTML-like label: op type in bold, then its name, value, type or Python name; a collapsed
    scope by its name, op count and contents."""
    if data["kind"] == "scope":
        return scope_label(data)
    extra = absorbed_text(data)
    label = _node_label(data)
    return label + ("<br/>" + small(html(short(extra, 40))) if extra else "")


def _node_label(data: dict[str, Any]) -> str:
    kind, op, name = data["kind"], data["op"], data["name"]
    outputs = data.get("outputs", [])
    first = type_text(outputs[0]) if outputs else ""
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
        text = f"{'arg' if kind == 'arg' else 'result'} {index_text(data)}"
        text += f" · {short(extra, 20)}" if extra else ""
        label = data.get("py_name") or data.get("label") or data.get("arg_name") or name
        return f"<b>{html(short(label, 24))}</b><br/>" + small(html(text))
    if kind == "placeholder":
        if data.get("resource") == "iterator":
            first = "tf.data iterator"
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


def scope_tooltip(data: dict[str, Any], where: str = "") -> str:
    """What a collapsed scope holds: path, op count, contents, op types, folded blocks."""
    count = int(data.get("op_count", 0))
    lines = [f"scope {data.get('scope_path') or data['name']}" + (f" in the {where}" if where
                                                                 else ""),
             f"collapsed: {count} ops, {data.get('members', 0)} entries one level down"]
    if data.get("contains"):
        lines.append("contains: " + ", ".join(CONTAINS_WORDS.get(f, f)
                                              for f in data["contains"]))
    folded = int(data.get("folded", 1))
    if folded > 1:
        lines.append(f"×{folded} identical blocks (same ops and wiring) folded into one:")
        lines += [f"  {m}" for m in data.get("fold_members", [])]
    types = list(data.get("op_types", []))
    if types:
        lines.append("ops: " + ", ".join(types[:12]) + (" …" if len(types) > 12 else ""))
    if data.get("function_output"):
        lines.append("holds an op whose output is a result of the function")
    if data.get("link_to_report"):
        lines.append("click to open it in report.html (past the drill-down pages' budget)")
    elif data.get("link"):
        lines.append("click to open it one level deeper")
    return "\n".join(lines)


def node_tooltip(data: dict[str, Any], where: str = "") -> str:
    if data["kind"] == "scope":
        return scope_tooltip(data, where)
    if data["kind"] in ("arg", "ret"):
        lines = [describe(data) + (f" of the {where}" if where else "")]
        if data.get("py_name") and data.get("arg_name") not in ("", data["py_name"]):
            lines.append(f"in the FunctionDef: {data['arg_name']}")
        if data.get("feeds"):
            lines.append(f"receives: {data['feeds']}")
    else:
        lines = [f"{data['name']} ({data['op']})" + (f" in the {where}" if where else "")]
    if data.get("variable"):
        lines.append(f"Python variable: {data['variable']}")
    if data.get("device"):
        lines.append(f"device: {data['device']}")
    lines += [f"output {i}: {type_text(o)}" for i, o in enumerate(data.get("outputs", []))]
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
    if data.get("autograph_line"):
        lines.append(f"AutoGraph line {data['autograph_line']} (of the converted code)")
    if data.get("absorbed"):
        lines.append("folded into it (noise): " + ", ".join(data["absorbed"]))
    if data.get("link"):
        lines.append("click to open it drawn in full")
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
    elif kind == "scope" and data.get("variables_of"):
        style.update(shape="cylinder", style="filled", fillcolor=COLORS["variable"],
                     color="#e67700", penwidth="1.5")
    elif kind == "scope":
        style.update(shape="box3d", style="filled", fillcolor=COLORS["scope"], color="#1c7ed6",
                     margin="0.15,0.06")
        if int(data.get("folded", 1)) > 1:
            style.update(fillcolor=COLORS["folded"], penwidth="2")
    elif data.get("stateful"):
        style.update(fillcolor=COLORS["stateful"], color="#d9480f", penwidth="2")
    if data.get("auto_created"):
        style.update(style="rounded,filled,dashed", color=ORIGINS["automatic"][0],
                     penwidth="1.5")
    if data.get("function_output"):
        style["peripheries"] = "2"
    if data.get("unused"):
        style.update(style=style["style"] + ",dashed", color="#adb5bd", fontcolor="#868e96")
    if data.get("link"):  # drill-down: the SVG node is a link, opened in the whole window
        style.update(URL=quoted(str(data["link"])), target="_top")
    return style


def origin_of(data: dict[str, Any]) -> str:
    origin = data.get("origin", "unknown")
    return origin if origin in ORIGINS else "unknown"


def edge_style(data: dict[str, Any], src: dict[str, Any] | None = None,
               dst: dict[str, Any] | None = None) -> dict[str, str]:
    """Line style, colour, label and tooltips of one edge of the model."""
    kind = data["kind"]
    ends = f"{describe(src)} → {describe(dst)}" if src is not None and dst is not None else ""
    if int(data.get("count", 1)) > 1:
        return merged_style(data, ends)
    if kind == "data":
        label = type_text(data)
        tip = quoted(f"{ends}\noutput {data['src_output']} → input {data['dst_input']}: "
                     f"{label}".strip())
        if src is not None and (src["kind"] == "const" or (
                src["kind"] == "variable" and label.startswith("resource"))):
            # a constant shows its value, a variable is a resource: the type only in the
            # tooltip (labels beside edges took more width than the ops)
            return {"color": COLORS["data"], "tooltip": tip}
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


def merged_text(data: dict[str, Any]) -> str:
    """`×12 float32[?,64]`, `×3 float32[2,4] +1 shape`: a merged edge's label."""
    shapes = list(data.get("shapes", []))
    text = f"×{data.get('count', 1)}"
    if shapes:
        text += f" {shapes[0]}" + (f" +{len(shapes) - 1} shape" + ("s" if len(shapes) > 2
                                                                    else "")
                                   if len(shapes) > 1 else "")
    return text


def merged_style(data: dict[str, Any], ends: str) -> dict[str, str]:
    """Several model edges drawn as one: a thicker line labelled with the count and shapes."""
    kind = data["kind"]
    count = int(data.get("count", 1))
    what = {"data": "tensors", "control": "control dependencies", "call": "arguments passed",
            "return": "results returned"}.get(kind, "edges")
    lines = [f"{count} {what} merged" + (f": {ends}" if ends else "")]
    if data.get("shapes"):
        lines.append("shapes: " + ", ".join(data["shapes"]))
    width = "1.5" if count < 10 else "2.5"
    if kind == "control":
        color, line, _, words = ORIGINS[origin_of(data)]
        lines.append(words + (f", entered at {data['where']}" if data.get("where") else ""))
        style = {"style": line, "color": color, "arrowhead": "odot"}
    elif kind == "data":
        style = {"color": COLORS["data"], "fontcolor": "#495057"}
    else:
        style = {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty",
                 "fontcolor": COLORS["call"]}
    tip = quoted("\n".join(lines))
    return {**style, "penwidth": width, "label": quoted(merged_text(data)), "tooltip": tip,
            "labeltooltip": tip}


def tie_style(role: str, cluster: str) -> dict[str, str]:
    """An edge from an op to the cluster of a body it runs (when no arguments are mapped)."""
    return {"style": "dotted", "color": COLORS["call"], "arrowhead": "empty", "lhead": cluster,
            "tooltip": quoted(f"runs its {role} body (which input feeds which argument is "
                              "not known)")}

def attr_list(attrs: dict[str, str]) -> str:
    parts = []
    for key in sorted(attrs):
        value = attrs[key]
        if not (value.startswith('"') or value.startswith("<")):
            value = f'"{value}"'
        parts.append(f"{key}={value}")
    return ", ".join(parts)
