"""What the layered layout needs from a drawing (nodes with their estimated sizes, edges,
clusters, same-rank groups), read from the drawing object, and the drawing again with every
position given, for `neato -n2`."""

from __future__ import annotations

import html as html_lib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tfgraphviz.drawing.scene import Attrs, Cluster, Defaults, Edge, Node, Rank, Scene, Statement

_TAG = re.compile(r"<[^>]*>")  # of HTML labels, to estimate their size
_CELL_WIDTH = re.compile(r'<td[^>]*\swidth="([\d.]+)"')
_POINT_SIZE = re.compile(r'point-size="([\d.]+)"')
POINTS = 72.0  # points per inch


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
class LNode:
    """A node: its attributes (with the defaults in force), estimated size, cluster."""
    id: str
    attrs: Attrs
    cluster: str  # "" = root
    width: float = 0.0
    height: float = 0.0
    declared: bool = True  # False: only named by an edge


@dataclass
class LEdge:
    """One edge (a chain `a -> b -> c` gives one LEdge per link)."""
    tail: str
    head: str
    attrs: Attrs
    chain: bool = False


@dataclass
class LCluster:
    """A cluster: its parent, direct members, children and label size."""
    name: str
    parent: str
    nodes: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    label_width: float = 0.0
    label_height: float = 0.0


@dataclass
class LayoutGraph:
    """What the layered layout reads of a drawing."""
    drawing: Scene
    nodes: dict[str, LNode] = field(default_factory=dict)
    edges: list[LEdge] = field(default_factory=list)
    clusters: dict[str, LCluster] = field(default_factory=dict)
    ranks: list[list[str]] = field(default_factory=list)
    edge_defaults: Attrs = field(default_factory=dict)


def read(drawing: Scene) -> LayoutGraph:
    """The layout's view of a drawing: nodes get the node defaults in force where they are
    declared; clusters their label's size."""
    graph = LayoutGraph(drawing)
    graph.clusters[""] = LCluster("", "")
    _read(graph, drawing.body, "", {})
    return graph


def _read(graph: LayoutGraph, body: list[Statement], cluster: str, defaults: Attrs) -> None:
    for item in body:
        if isinstance(item, Cluster):
            name = item.name if item.name.startswith("cluster") else cluster
            if name != cluster:
                graph.clusters[name] = LCluster(name, cluster)
                graph.clusters[cluster].children.append(name)
            _read(graph, item.body, name, dict(defaults))
        elif isinstance(item, Rank):
            graph.ranks.append(list(item.ids))
        elif isinstance(item, Defaults):
            if item.kind == "node":
                defaults.update(item.attrs)
            elif item.kind == "edge" and cluster == "":
                graph.edge_defaults.update(item.attrs)
            elif item.kind == "graph" and cluster and "label" in item.attrs:
                box = graph.clusters[cluster]
                size = _number(item.attrs.get("fontsize"), 10.0)
                box.label_width, box.label_height = label_size(item.attrs["label"], size)
        elif isinstance(item, Edge):
            for tail, head in zip(item.ids, item.ids[1:], strict=False):
                for end in (tail, head):
                    if end not in graph.nodes:
                        _add_node(graph, end, dict(defaults), cluster, False)
                graph.edges.append(LEdge(tail, head, item.attrs, len(item.ids) > 2))
        else:
            if item.id in graph.nodes:  # named by an edge first: the statement wins
                old = graph.nodes.pop(item.id)
                graph.clusters[old.cluster].nodes.remove(item.id)
            _add_node(graph, item.id, {**defaults, **item.attrs}, cluster, True)


def _add_node(graph: LayoutGraph, name: str, attrs: Attrs, cluster: str,
              declared: bool) -> None:
    node = LNode(name, attrs, cluster, declared=declared)
    node.width, node.height = node_size(attrs)
    graph.nodes[name] = node
    graph.clusters[cluster].nodes.append(name)


def node_size(attrs: Attrs) -> tuple[float, float]:
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


@dataclass
class Placed:
    """A finished layout (coordinates y down): node centres, cluster boxes, edge routes by
    edge index, the height, and the root graph's extra attributes."""
    nodes: dict[str, tuple[float, float]]
    clusters: dict[str, tuple[float, float, float, float]]
    routes: dict[int, list[tuple[float, float]]]
    height: float
    graph_attrs: Attrs


def with_positions(graph: LayoutGraph, placed: Placed) -> Scene:
    """The drawing with `pos` on nodes and routed edges, `bb` on clusters (written y up),
    edge labels dropped (their text stays in the tooltips)."""
    arrow = _number(graph.edge_defaults.get("arrowsize"), 1.0) * 10
    return Scene(_positioned(graph, placed, graph.drawing.body, True, arrow,
                               itertools.count()))


def _point(placed: Placed, p: tuple[float, float]) -> tuple[float, float]:
    return p[0], placed.height - p[1]


def _positioned(graph: LayoutGraph, placed: Placed, body: list[Statement], root: bool,
                default_arrow: float, counter: Iterator[int]) -> list[Statement]:
    """The statements of `body` positioned; edges are numbered by `counter` in written
    order, as `read` numbered them."""
    out: list[Statement] = []
    extra = root  # the root graph's attributes go after its own
    for item in body:
        out.append(item)
        if isinstance(item, Cluster):
            inner = _positioned(graph, placed, item.body, False, default_arrow, counter)
            if item.name.startswith("cluster") and item.name in placed.clusters:
                x0, y0, x1, y1 = placed.clusters[item.name]
                (ax, ay), (bx, by) = _point(placed, (x0, y1)), _point(placed, (x1, y0))
                inner.insert(0, Defaults("graph", {
                    "bb": f'"{fmt(ax)},{fmt(ay)},{fmt(bx)},{fmt(by)}"'}))
            out[-1] = Cluster(item.name, inner)
        elif isinstance(item, Node) and graph.nodes[item.id].declared \
                and item.id in placed.nodes:
            x, y = _point(placed, placed.nodes[item.id])
            out[-1] = Node(item.id, {"pos": f'"{fmt(x)},{fmt(y)}"', **item.attrs})
        elif isinstance(item, Edge):
            index = [next(counter) for _ in item.ids[1:]]
            if len(item.ids) == 2:
                out[-1] = _routed(item, placed.routes.get(index[0]), placed, default_arrow)
        elif extra and isinstance(item, Defaults) and item.kind == "graph":
            out.append(Defaults("graph", dict(placed.graph_attrs)))
            extra = False
    return out


def _routed(edge: Edge, route: list[tuple[float, float]] | None, placed: Placed,
            default_arrow: float) -> Edge:
    attrs = {k: v for k, v in edge.attrs.items() if k not in _DROPPED_EDGE_ATTRS}
    if route and len(route) >= 2:
        none = unquote(attrs.get("arrowhead", "normal")) == "none"
        arrow = 0.0 if none else _number(attrs.get("arrowsize"), default_arrow / 10) * 10
        attrs = {"pos": edge_pos([_point(placed, p) for p in route], arrow), **attrs}
    return Edge(list(edge.ids), attrs)
