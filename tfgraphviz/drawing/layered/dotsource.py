"""Read the DOT text tfgraphviz writes (nodes, edges, clusters, same-rank groups, sizes) and
write positions back into it for `neato -n2`."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

_ID = r'(?:[A-Za-z_][\w]*|"(?:[^"\\]|\\.)*")'
_NODE = re.compile(rf"\s*({_ID})\s*\[(.*)\];\s*$")
_EDGE = re.compile(rf"\s*({_ID}(?:\s*->\s*{_ID})+)\s*(?:\[(.*)\])?;?\s*$")
_SUBGRAPH = re.compile(r"\s*subgraph\s+(\w+)\s*\{\s*$")
_RANK = re.compile(r"\s*\{\s*rank\s*=\s*\"?same\"?\s*;(.*)\}\s*$")
_DEFAULTS = re.compile(r"\s*(graph|node|edge)\s*\[(.*)\];?\s*$")
_KEY = re.compile(r"\s*,?\s*([A-Za-z_]\w*)\s*=\s*")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_BARE = re.compile(r"[^\s,;\]]+")
_TAG = re.compile(r"<[^>]*>")
_CELL_WIDTH = re.compile(r'<td[^>]*\swidth="([\d.]+)"')
_POINT_SIZE = re.compile(r'point-size="([\d.]+)"')
POINTS = 72.0  # points per inch


def parse_attrs(text: str) -> list[tuple[str, str]]:
    """`a="x", b=<<b>y</b>>` -> [("a", '"x"'), ("b", "<<b>y</b>>")] (raw values)."""
    attrs: list[tuple[str, str]] = []
    pos = 0
    while True:
        key = _KEY.match(text, pos)
        if key is None:
            return attrs
        pos = key.end()
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            end = match.end() if match else len(text)
        elif text.startswith("<", pos):
            depth, end = 0, pos
            while end < len(text):
                char = text[end]
                depth += 1 if char == "<" else -1 if char == ">" else 0
                end += 1
                if depth == 0:
                    break
        else:
            bare = _BARE.match(text, pos)
            end = bare.end() if bare else pos
        attrs.append((key.group(1), text[pos:end]))
        pos = end


def unquote(raw: str) -> str:
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1].replace('\\"', '"')
    return raw


def _number(raw: str | None, default: float) -> float:
    try:
        return float(unquote(raw)) if raw is not None else default
    except ValueError:
        return default


def label_size(label: str, fontsize: float) -> tuple[float, float]:
    """Estimated (width, height) in points of a plain or HTML label (Helvetica-like widths,
    generous rather than tight: an overestimate only adds space)."""
    if label.startswith("<") and label.endswith(">"):
        text = label[1:-1]
        rows = re.split(r"<br[^>]*>|</tr>", text)
    else:
        text = unquote(label)
        rows = re.split(r"\\[nlr]", text)
    width = height = 0.0
    for row in rows:
        sizes = [float(s) for s in _POINT_SIZE.findall(row)]
        size = min(sizes) if sizes and not _TAG.sub("", row.split("<font")[0]).strip() else (
            fontsize)
        chars = html_lib.unescape(_TAG.sub("", row))
        if not chars.strip() and not sizes:
            continue
        bold = 0.62 if "<b>" in row else 0.56
        width = max(width, len(chars) * size * bold)
        height += size * 1.25
    cells = [float(w) for w in _CELL_WIDTH.findall(label)]
    return max([width, *cells]), max(height, fontsize * 1.25)


@dataclass
class Node:
    """A node line: its position in the text, attributes, estimated size, cluster."""
    id: str
    line: int
    attrs: dict[str, str]
    cluster: str  # "" = root
    width: float = 0.0
    height: float = 0.0


@dataclass
class Edge:
    """An edge statement (a chain `a -> b -> c` gives one Edge per link, same line)."""
    tail: str
    head: str
    line: int
    attrs: dict[str, str]
    chain: bool = False


@dataclass
class Cluster:
    """A `subgraph cluster_*`: its parent, direct members, children and label size."""
    name: str
    line: int
    parent: str
    nodes: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    label_width: float = 0.0
    label_height: float = 0.0


@dataclass
class DotGraph:
    """What a layout needs from DOT text, with the line numbers to write positions back."""
    lines: list[str]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    ranks: list[list[str]] = field(default_factory=list)
    edge_defaults: dict[str, str] = field(default_factory=dict)
    graph_line: int = -1


def _strip_id(raw: str) -> str:
    return unquote(raw.strip())


def parse(source: str) -> DotGraph:
    """Parse the line-per-statement DOT that dot.to_dot writes (not arbitrary DOT)."""
    graph = DotGraph(source.split("\n"))
    root = Cluster("", -1, "")
    graph.clusters[""] = root
    stack: list[tuple[str, dict[str, str]]] = [("", {})]
    for number, line in enumerate(graph.lines):
        cluster, defaults = stack[-1]
        text = line.strip()
        if not text or text.startswith(("digraph", "//", "#")):
            continue
        if text == "}":
            if len(stack) > 1:
                stack.pop()
            continue
        sub = _SUBGRAPH.match(line)
        if sub:
            name = sub.group(1) if sub.group(1).startswith("cluster") else cluster
            if name != cluster:
                graph.clusters[name] = Cluster(name, number, cluster)
                graph.clusters[cluster].children.append(name)
            stack.append((name, dict(defaults)))
            continue
        rank = _RANK.match(line)
        if rank:
            members = [_strip_id(m) for m in rank.group(1).split(";") if m.strip()]
            graph.ranks.append([m for m in members if m])
            continue
        default = _DEFAULTS.match(line)
        if default:
            attrs = dict(parse_attrs(default.group(2)))
            if default.group(1) == "node":
                defaults.update(attrs)
            elif default.group(1) == "edge" and cluster == "":
                graph.edge_defaults.update(attrs)
            elif default.group(1) == "graph":
                if cluster == "" and graph.graph_line < 0:
                    graph.graph_line = number
                elif cluster and "label" in attrs:
                    size = _number(attrs.get("fontsize"), 10.0)
                    box = graph.clusters[cluster]
                    box.label_width, box.label_height = label_size(attrs["label"], size)
            continue
        if "->" in line:
            edge = _EDGE.match(line)
            if edge:
                ids = [_strip_id(i) for i in edge.group(1).split("->")]
                attrs = dict(parse_attrs(edge.group(2) or ""))
                for tail, head in zip(ids, ids[1:], strict=False):
                    for end in (tail, head):
                        if end not in graph.nodes:
                            _add_node(graph, end, -1, dict(defaults), cluster)
                    graph.edges.append(Edge(tail, head, number, attrs, len(ids) > 2))
                continue
        node = _NODE.match(line)
        if node:
            name = _strip_id(node.group(1))
            attrs = {**defaults, **dict(parse_attrs(node.group(2)))}
            if name in graph.nodes:  # mentioned by an edge first: the statement wins
                old = graph.nodes.pop(name)
                graph.clusters[old.cluster].nodes.remove(name)
            _add_node(graph, name, number, attrs, cluster)
    return graph


def _add_node(graph: DotGraph, name: str, line: int, attrs: dict[str, str],
              cluster: str) -> None:
    node = Node(name, line, attrs, cluster)
    node.width, node.height = node_size(attrs)
    graph.nodes[name] = node
    graph.clusters[cluster].nodes.append(name)


def node_size(attrs: dict[str, str]) -> tuple[float, float]:
    """Estimated drawn size in points, from label, font size, margins and min width/height."""
    shape = unquote(attrs.get("shape", "ellipse"))
    min_w = _number(attrs.get("width"), 0.75) * POINTS
    min_h = _number(attrs.get("height"), 0.5) * POINTS
    if shape == "point":
        return max(_number(attrs.get("width"), 0.05) * POINTS, 1.0), max(
            _number(attrs.get("width"), 0.05) * POINTS, 1.0)
    margin = unquote(attrs.get("margin", "0.11,0.055")).split(",")
    mx = _number(margin[0], 0.11) * POINTS
    my = _number(margin[-1], 0.055) * POINTS
    label = attrs.get("label", '"\\N"')
    w, h = label_size(label, _number(attrs.get("fontsize"), 14.0))
    w, h = w + 2 * mx, h + 2 * my
    if shape in ("ellipse", "oval", "circle", "doublecircle"):
        w, h = w * 1.42, h * 1.42
    if shape in ("plaintext", "plain", "none"):
        return max(w, 4.0), max(h, 4.0)
    return max(w, min_w), max(h, min_h)


def fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def attr_text(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in attrs.items())


_DROPPED_EDGE_ATTRS = ("label", "xlabel", "headlabel", "taillabel", "lhead", "ltail")


def bezier(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Cubic B-spline control points (3n+1) through a polyline, each piece leaving and
    entering its points vertically (smooth at bend points, never overshooting a layer)."""
    out = [points[0]]
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        half = (by - ay) / 2
        out += [(ax, ay + half), (bx, by - half), (bx, by)]
    return out


def simplified(points: list[tuple[float, float]], most: int = 200) -> list[tuple[float, float]]:
    """The polyline without bend points that lie on a straight run (vertical chains of bend
    points), at most `most` points (Graphviz reads quoted strings up to 16 kB)."""
    keep = [points[0]]
    for i in range(1, len(points) - 1):
        (ax, ay), (bx, by), (cx, cy) = keep[-1], points[i], points[i + 1]
        cross = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        if abs(cross) > 1.0 * max(abs(cx - ax) + abs(cy - ay), 1.0):
            keep.append(points[i])
    keep.append(points[-1])
    if len(keep) > most:
        step = (len(keep) - 1) / (most - 1)
        keep = [keep[round(i * step)] for i in range(most)]
    return keep


def edge_pos(points: list[tuple[float, float]], arrow: float) -> str:
    """An edge's `pos`: the spline through `points` (Graphviz coordinates), ending `arrow`
    points above (or below) the head, where the arrow's tip is."""
    points = simplified(points)
    tip = points[-1]
    if arrow > 0:
        rise = points[-2][1] - tip[1]
        step = min(arrow, abs(rise) * 0.9) * (1 if rise >= 0 else -1)
        points = [*points[:-1], (tip[0], tip[1] + step)]
    spline = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in bezier(points))
    return f'"e,{fmt(tip[0])},{fmt(tip[1])} {spline}"' if arrow > 0 else f'"{spline}"'


def with_positions(graph: DotGraph, nodes: dict[str, tuple[float, float]],
                   clusters: dict[str, tuple[float, float, float, float]],
                   routes: dict[int, list[tuple[float, float]]], height: float,
                   graph_attrs: str) -> str:
    """The DOT text with `pos` on nodes and routed edges, `bb` on clusters (coordinates given
    y down, written y up), edge labels dropped (their text stays in the tooltips)."""
    lines = list(graph.lines)
    flip = height

    def point(p: tuple[float, float]) -> tuple[float, float]:
        return p[0], flip - p[1]

    for name, node in graph.nodes.items():
        if node.line >= 0 and name in nodes:
            x, y = point(nodes[name])
            text = lines[node.line]
            at = text.index("[") + 1
            lines[node.line] = f'{text[:at]}pos="{fmt(x)},{fmt(y)}", {text[at:]}'
    default_arrow = _number(graph.edge_defaults.get("arrowsize"), 1.0) * 10
    by_line: dict[int, list[str]] = {}
    for index, edge in enumerate(graph.edges):
        if edge.chain:
            continue
        attrs = {k: v for k, v in edge.attrs.items() if k not in _DROPPED_EDGE_ATTRS}
        route = routes.get(index)
        if route and len(route) >= 2:
            none = unquote(attrs.get("arrowhead", "normal")) == "none"
            arrow = 0.0 if none else _number(attrs.get("arrowsize"), default_arrow / 10) * 10
            attrs = {"pos": edge_pos([point(p) for p in route], arrow), **attrs}
        indent = lines[edge.line][: len(lines[edge.line]) - len(lines[edge.line].lstrip())]
        by_line.setdefault(edge.line, []).append(
            f"{indent}{quote_id(edge.tail)} -> {quote_id(edge.head)} [{attr_text(attrs)}];")
    for number, texts in by_line.items():
        lines[number] = "\n".join(texts)
    for name, (x0, y0, x1, y1) in clusters.items():
        cluster = graph.clusters[name]
        (ax, ay), (bx, by) = point((x0, y1)), point((x1, y0))
        lines[cluster.line] += f'\n  graph [bb="{fmt(ax)},{fmt(ay)},{fmt(bx)},{fmt(by)}"];'
    if graph.graph_line >= 0:
        lines[graph.graph_line] += f"\n  graph [{graph_attrs}];"
    return "\n".join(lines)


def quote_id(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_]\w*", name) else '"' + name.replace('"', '\\"') + '"'
