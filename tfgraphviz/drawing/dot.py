"""Turn the networkx model into Graphviz DOT source: title and note, nodes, edges, body clusters
and the legend."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz._util.fs import write_text
from tfgraphviz._util.text import html, quoted, short
from tfgraphviz.drawing.legend import bundled, legend_keys, legend_lines
from tfgraphviz.drawing.style import (
    BUNDLE_STYLE,
    CLUSTER_FILLS,
    COLORS,
    FONT,
    NBSP,
    NOTE_WIDTH,
    ORIGINS,
    attr_list,
    describe,
    edge_style,
    index_text,
    node_label,
    node_style,
    node_tooltip,
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


BOUNDARY_ROW = 8  # a body's arguments (results) side by side in rows of at most this many
ROLE_ORDER = {"cond": 0, "then": 0, "body": 1, "else": 1}


# ---- the graph -------------------------------------------------------------------------------
def cluster_label(body: dict[str, Any], caller: dict[str, Any]) -> tuple[str, str]:
    """HTML label and tooltip text of a body's cluster: `cond of while (StatelessWhile)`, a
    called function by its name, and whether XLA compiles it.

    A bold run ends with a no-break space instead of the next run starting with one: SVG
    renderers (rsvg, browsers) drop a run's leading space, which ran "cond of" into "condof".
    """
    by = short(caller["name"], 32) + (f" ({caller['op']})" if caller["name"] != caller["op"]
                                       else "")
    function = str(body.get("function", ""))
    if body["role"] == "callee":
        head, rest = short(function or "function", 40), f"function called by {by}"
        text = f"{head} {rest}"
    else:  # the function's name only in the tooltip: it made the label as wide as the body
        head, rest = str(body["role"]), f"of {by}"
        text = f"{head} {rest}" + (f" · {function}" if function else "")
    label = f"<b>{html(head)}{NBSP}</b>{html(rest)}"
    if body.get("xla"):
        label += "<br/>" + small("compiled with XLA (jit_compile)")
        text += "\ncompiled with XLA (jit_compile)"
    return label, text


def _mapping(graph: nx.MultiDiGraph) -> tuple[set[tuple[Any, Any, Any]],
                                              dict[str, list[str]], dict[Any, str]]:
    """Call and return edges drawn as one tie per body instead of one dotted curve each: the
    edges left out, each body's mapping lines (for the tie's tooltip) and, for a body result,
    the caller output it becomes (for its tooltip)."""
    skipped: set[tuple[Any, Any, Any]] = set()
    lines: dict[str, list[str]] = {}
    returned: dict[Any, str] = {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        if data["kind"] not in ("call", "return") or int(data.get("count", 1)) > 1:
            continue
        inner = graph.nodes[v if data["kind"] == "call" else u]
        if inner["kind"] not in ("arg", "ret"):
            continue
        body = str(inner.get("body", ""))
        tip = edge_style(data, graph.nodes[u], graph.nodes[v])["tooltip"]
        text = tip[1:-1].replace("\\n", " ").replace('\\"', '"').replace("\\\\", "\\")
        lines.setdefault(body, []).append(text)
        if data["kind"] == "return":
            caller = graph.nodes[v]
            returned[u] = (f"returned as output {data['output_index']} of "
                           f"{short(str(caller['name']), 80)}")
        skipped.add((u, v, key))
    return skipped, lines, returned


def _bundle_tip(graph: nx.MultiDiGraph, node: Any, edges: list[tuple[Any, Any, Any]]
                ) -> tuple[int, str]:
    """How many stateful ops a bundle's op waits for, and the tooltip listing them."""
    words = ORIGINS["automatic"][3]
    total = sum(int(graph.edges[e].get("count", 1)) for e in edges)
    waited = [describe(graph.nodes[u]) + (f" ×{graph.edges[(u, v, k)]['count']}"
                                          if int(graph.edges[(u, v, k)].get("count", 1)) > 1
                                          else "") for u, v, k in edges]
    return total, (f"{describe(graph.nodes[node])} waits for {total} stateful ops ({words}):\n"
                   + "\n".join(f"  {w} → {describe(graph.nodes[node])}" for w in waited))


def _junction_line(graph: nx.MultiDiGraph, node: Any, edges: list[tuple[Any, Any, Any]],
                   number: int, indent: str) -> str:
    """The junction point of a bundle, declared beside its op (in the op's cluster)."""
    color = ORIGINS["automatic"][0]
    tip = _bundle_tip(graph, node, edges)[1]
    return (f'{indent}j{number} [shape="point", width="0.08", color="{color}", '
            f"tooltip={quoted(tip)}];")


def _bundle_lines(graph: nx.MultiDiGraph, ids: dict[Any, str],
                  bundles: dict[Any, list[tuple[Any, Any, Any]]]) -> list[str]:
    """Each bundle: invisible edges from what the op waits for into a junction point (they
    keep the layout's order), one orange edge from the junction to the op, labelled."""
    lines: list[str] = []
    color, line, width, words = ORIGINS["automatic"]
    for number, (node, edges) in enumerate(bundles.items()):
        junction = f"j{number}"
        total, tip = _bundle_tip(graph, node, edges)
        for u, _, _ in edges:
            lines.append(f'  {ids[u]} -> {junction} [style="invis"];')
        style = {"style": line, "color": color, **BUNDLE_STYLE,
                 "label": quoted(f"waits for {total} stateful ops"), "fontcolor": color,
                 "tooltip": quoted(tip), "labeltooltip": quoted(tip)}
        lines.append(f"  {junction} -> {ids[node]} [{attr_list(style)}];")
    return lines


def graph_header(graph: nx.MultiDiGraph, title: bool = True, heading: str | None = None
                 ) -> list[str]:
    """The first lines of the DOT text: `digraph G {` and the graph, node and edge defaults.
    `heading` replaces heading_of(graph); without `title` the graph has no label (the report
    shows the title and note above the graph instead), only the heading as its tooltip."""
    heading = heading if heading is not None else heading_of(graph)
    label = ""
    if title:
        note = str(graph.graph.get("note", ""))
        label = f'label=<{title_label(heading, note, str(graph.graph.get("up", "")))}>, '
    return [
        "digraph G {",
        f'  graph [fontname="{FONT}", fontsize="10", rankdir="TB", compound="true", '
        # remincross=false: the last crossing pass would undo the index order of arguments
        f'newrank="true", remincross="false", nodesep="0.25", ranksep="0.35", labelloc="t", '
        f'labeljust="l", {label}tooltip={quoted(heading)}];',
        f'  node [fontname="{FONT}", fontsize="11", height="0.35", margin="0.1,0.04"];',
        f'  edge [fontname="{FONT}", fontsize="8", arrowsize="0.6"];',
    ]


def cluster_attrs(depth: int, label: str, tip: str) -> str:
    """The graph attributes of a body's cluster at `depth` (also the report's clusters)."""
    return (f'label=<{label}>, style="rounded,filled", color="#adb5bd", '
            f'fillcolor="{CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]}", fontsize="10", '
            f"tooltip={quoted(tip)}")


class _Writer:
    """The DOT statements of one graph's nodes, bodies and edges, in to_dot's order."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
        bodies = graph.graph.get("bodies", [])
        self.children: dict[str, list[dict[str, Any]]] = {}
        for body in bodies:
            parent = graph.nodes[body["caller"]]["body"] if body["caller"] in graph else ""
            self.children.setdefault(parent, []).append(body)
        for group in self.children.values():  # a loop's cond above its body, then above else
            group.sort(key=lambda b: ROLE_ORDER.get(str(b["role"]), 2))
        self.members: dict[str, list[Any]] = {}
        for node, data in graph.nodes(data=True):
            self.members.setdefault(data.get("body", ""), []).append(node)
        self.where = {b["id"]: (f"{b['role']} body of {graph.nodes[b['caller']]['name']}"
                                if b["caller"] in graph else f"{b['role']} body") for b in bodies}
        self.skipped, self.mapping, self.returned = _mapping(graph)
        self.bundles = bundled(graph)
        self.bundle_number = {node: number for number, node in enumerate(self.bundles)}
        self.lines: list[str] = []
        self.clusters = iter(range(1 << 30))
        self.ties: list[tuple[dict[str, Any], str]] = []
        self.stacked: list[str] = []

    def subtree(self, body: str) -> list[Any]:
        found = list(self.members.get(body, []))
        for child in self.children.get(body, []):
            found += self.subtree(child["id"])
        return found

    def first_of(self, body: str) -> Any:
        """The top of a body: its first argument, else its first node."""
        graph = self.graph
        args = sorted((int(i) if (i := index_text(graph.nodes[n])).isdigit() else 0, str(n), n)
                      for n in self.members.get(body, []) if graph.nodes[n]["kind"] == "arg")
        return args[0][2] if args else self.members[body][0]

    def emit(self, body: str, indent: str) -> None:
        """A body's nodes, its arguments' and results' rows, and its child bodies' clusters."""
        boundary = self.nodes(body, indent)
        for group in boundary.values():  # arguments (and results) side by side, in index order
            ordered = [n for _, n in sorted(group)]
            rows = [ordered[i:i + BOUNDARY_ROW] for i in range(0, len(ordered), BOUNDARY_ROW)]
            for row in rows:  # many of them: in rows, one under the other
                if len(row) > 1:
                    self.lines.append(f'{indent}{{rank="same"; {"; ".join(row)};}}')
                    self.lines.append(f'{indent}{" -> ".join(row)} [style="invis"];')
            for upper, lower in zip(rows, rows[1:], strict=False):
                self.lines.append(f'{indent}{upper[0]} -> {lower[0]} [style="invis"];')
        if body and boundary["arg"]:  # arguments on top, even those the body does not use
            ordered = [n for _, n in sorted(boundary["arg"])]
            first = ordered[(len(ordered) - 1) // BOUNDARY_ROW * BOUNDARY_ROW]  # of the last row
            for node in self.members[body]:
                if self.graph.nodes[node]["kind"] not in ("arg", "ret") and not any(
                        self.graph.nodes[u].get("body") == body
                        for u in self.graph.predecessors(node)):
                    self.lines.append(f'{indent}{first} -> {self.ids[node]} [style="invis"];')
        self.child_clusters(body, indent)

    def nodes(self, body: str, indent: str) -> dict[str, list[tuple[int, str]]]:
        """A body's node statements (and bundle junctions); its arguments' and results' ids
        by index."""
        graph = self.graph
        boundary: dict[str, list[tuple[int, str]]] = {"arg": [], "ret": []}
        for node in self.members.get(body, []):
            data = graph.nodes[node]
            tip = node_tooltip(data, self.where.get(body, ""))
            if node in self.returned:
                tip += "\n" + self.returned[node]
            attrs = {**node_style(data), "label": f"<{node_label(data)}>",
                     "tooltip": quoted(tip)}
            self.lines.append(f"{indent}{self.ids[node]} [{attr_list(attrs)}];")
            if node in self.bundles:
                self.lines.append(_junction_line(graph, node, self.bundles[node],
                                                 self.bundle_number[node], indent))
            if body and data["kind"] in boundary:
                index = index_text(data)
                boundary[data["kind"]].append((int(index) if index.isdigit() else 0,
                                               self.ids[node]))
        return boundary

    def child_clusters(self, body: str, indent: str) -> None:
        """One cluster per body the ops of `body` run, each under the one before it."""
        graph, members = self.graph, self.members
        above: dict[Any, dict[str, Any]] = {}
        for child in self.children.get(body, []):
            inside = child["caller"] in graph  # not on a drill-down page of the body alone
            caller = graph.nodes[child["caller"]] if inside else child.get("caller_data", {
                "name": str(child["caller"]), "op": "?"})
            number = next(self.clusters)
            if inside and members.get(child["id"]):
                self.ties.append((child, f"cluster_{number}"))
            self.lines.append(f"{indent}subgraph cluster_{number} {{")
            label, tip = cluster_label(child, caller)
            self.lines.append(
                f"{indent}  graph [{cluster_attrs(int(child.get('depth', 1)), label, tip)}];")
            self.emit(child["id"], indent + "  ")
            self.lines.append(f"{indent}}}")
            previous = above.get(child["caller"])
            if previous is not None and members.get(child["id"]):
                self.stacked.extend(_stack(graph, self.ids, self.subtree(previous["id"]),
                                           self.first_of(child["id"]), self.skipped))
            if members.get(child["id"]):
                above[child["caller"]] = child

    def edges(self) -> list[str]:
        """Edge statements: every edge not drawn as a tie or a bundle, then the bundles, then
        one tie per body with the argument mapping in its tooltip."""
        graph, ids = self.graph, self.ids
        lines: list[str] = []
        collapsed = any(d.get("kind") == "scope" for _, d in graph.nodes(data=True))
        drawn_bundled = {e for edges in self.bundles.values() for e in edges}
        for u, v, key, data in graph.edges(keys=True, data=True):
            if (u, v, key) in self.skipped or (u, v, key) in drawn_bundled:
                continue
            style = edge_style(data, graph.nodes[u], graph.nodes[v])
            if collapsed and "label" in style:  # placed after layout: merged labels are long
                style["xlabel"] = style.pop("label")
            lines.append(f"  {ids[u]} -> {ids[v]} [{attr_list(style)}];")
        lines += _bundle_lines(graph, ids, self.bundles)
        for body, cluster in self.ties:
            style = tie_style(body["role"], cluster)
            if body["id"] in self.mapping:
                style["tooltip"] = quoted("\n".join([
                    f"{describe(graph.nodes[body['caller']])} runs its {body['role']} body:",
                    *self.mapping[body["id"]]]))
            lines.append(f"  {ids[body['caller']]} -> {ids[self.first_of(body['id'])]} "
                         f"[{attr_list(style)}];")
        return lines


def to_dot(graph: nx.MultiDiGraph, title: str | None = None) -> str:
    """DOT source for the model; identical models give identical text."""
    writer = _Writer(graph)
    writer.emit("", "  ")
    grid = _grid(graph)
    ids = writer.ids
    lines = [*graph_header(graph, heading=title), *writer.lines, *writer.stacked,
             *(f'  {ids[a]} -> {ids[b]} [style="invis"];' for a, b in grid),
             *legend_lines(legend_keys(graph),
                           _sinks(graph, ids, writer.skipped, {a for a, _ in grid})),
             *writer.edges(), "}"]
    return "\n".join(lines) + "\n"


def _stack(graph: nx.MultiDiGraph, ids: dict[Any, str], upper: list[Any], top: Any,
           skipped: set[tuple[Any, Any, Any]]) -> list[str]:
    """Invisible edges putting a body under the one drawn before it for the same op (the
    bottom nodes of the upper body and its nested bodies above the lower body's top)."""
    inside = set(upper)
    bottoms = [n for n in upper if not any(v in inside and (n, v, k) not in skipped
                                           for _, v, k in graph.out_edges(n, keys=True))]
    return [f'  {ids[n]} -> {ids[top]} [style="invis"];' for n in bottoms]


GRID_COLUMNS = 6  # unconnected nodes of one body are drawn in rows of this many


def _grid(graph: nx.MultiDiGraph) -> list[tuple[Any, Any]]:
    """(node, the node under it): invisible edges putting the nodes of a body that no edge
    touches (a page listing a model's variables) in rows of GRID_COLUMNS, not one long row."""
    alone: dict[str, list[Any]] = {}
    for node, data in graph.nodes(data=True):
        if not graph.degree(node):
            alone.setdefault(str(data.get("body", "")), []).append(node)
    pairs: list[tuple[Any, Any]] = []
    for nodes in alone.values():
        if len(nodes) > GRID_COLUMNS:
            pairs += zip(nodes, nodes[GRID_COLUMNS:], strict=False)
    return pairs


def _sinks(graph: nx.MultiDiGraph, ids: dict[Any, str], skipped: set[tuple[Any, Any, Any]],
           above: set[Any]) -> list[str]:
    """DOT ids of the nodes nothing drawn leaves from (the legend goes under them), but for
    those of a grid with a row under them (`above`): tied to the legend, 150 nodes of a grid
    passed their edges through every row below and spread the rows 6000 pt wide."""
    leaving = {u for u, v, k in graph.edges(keys=True) if (u, v, k) not in skipped} | above
    return [ids[n] for n in graph.nodes if n not in leaving]


def write_dot(graph: nx.MultiDiGraph, path: Path, title: str | None = None) -> Path:
    """Write the DOT source atomically."""
    return write_text(path, to_dot(graph, title))
