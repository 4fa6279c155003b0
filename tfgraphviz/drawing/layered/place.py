"""Our own layered (Sugiyama) layout: layers by longest path, barycenter ordering, compact x
coordinates, clusters laid out recursively as boxes; positions for `neato -n2`."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfgraphviz.drawing.layered.dotsource import DotGraph
from tfgraphviz.drawing.layered.layering import NODESEP, SWEEPS, layers, x_coordinates

RANKSEP = 30.0  # points between layers
PAD = 8.0  # points inside a cluster's border
BENDS_PER_NODE = 4  # bend points allowed per node (plus BENDS), shortest edges served first
BENDS = 5000

Point = tuple[float, float]


@dataclass
class Box:
    """One cluster level laid out: size and positions relative to its top-left (y down)."""
    width: float
    height: float
    nodes: dict[str, Point] = field(default_factory=dict)
    clusters: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    routes: dict[int, list[Point]] = field(default_factory=dict)


@dataclass
class _Level:
    """The graph of one cluster level: blocks (items side by side) and edges between them."""
    blocks: list[list[str]]  # item names: node ids, or cluster names for child clusters
    sizes: dict[str, tuple[float, float]]
    edges: list[tuple[int, int, int]]  # (edge index, tail block, head block)
    boxes: set[str]  # the items that are child clusters


def chains(graph: DotGraph) -> dict[str, tuple[str, ...]]:
    """Each node's clusters from the root down (the root "" excluded)."""
    memo: dict[str, tuple[str, ...]] = {"": ()}

    def of(cluster: str) -> tuple[str, ...]:
        if cluster not in memo:
            memo[cluster] = (*of(graph.clusters[cluster].parent), cluster)
        return memo[cluster]

    return {name: of(node.cluster) for name, node in graph.nodes.items()}


def layout(graph: DotGraph, bends: int | None = None) -> Box:
    """Lay out the whole graph with at most `bends` bend points in all (edges spanning more
    layers than the budget allows are straight lines); a Box whose coordinates are absolute
    (y down)."""
    chain = chains(graph)
    by_level: dict[str, list[tuple[int, str, str]]] = {}
    for index, edge in enumerate(graph.edges):
        a, b = chain[edge.tail], chain[edge.head]
        common = 0
        while common < min(len(a), len(b)) and a[common] == b[common]:
            common += 1
        level = a[common - 1] if common else ""
        tail = a[common] if common < len(a) else edge.tail
        head = b[common] if common < len(b) else edge.head
        if tail != head:
            by_level.setdefault(level, []).append((index, tail, head))
    budget = [BENDS + BENDS_PER_NODE * len(graph.nodes) if bends is None else bends]
    return _lay_out(graph, "", by_level, budget)


def _lay_out(graph: DotGraph, name: str, by_level: dict[str, list[tuple[int, str, str]]],
             budget: list[int]) -> Box:
    cluster = graph.clusters[name]
    inner = {child: _lay_out(graph, child, by_level, budget) for child in cluster.children}
    sizes: dict[str, tuple[float, float]] = {
        n: (graph.nodes[n].width, graph.nodes[n].height) for n in cluster.nodes}
    for child, box in inner.items():
        label = graph.clusters[child]
        sizes[child] = (max(box.width, label.label_width) + 2 * PAD,
                        box.height + 2 * PAD + label.label_height)
    block_of: dict[str, int] = {}
    blocks: list[list[str]] = []
    for group in graph.ranks:
        members = [m for m in group if m in sizes and m not in block_of]
        if len(members) == len(group) and members:
            for m in members:
                block_of[m] = len(blocks)
            blocks.append(members)
    for item in [*cluster.nodes, *cluster.children]:
        if item not in block_of:
            block_of[item] = len(blocks)
            blocks.append([item])
    edges = [(i, block_of[t], block_of[h]) for i, t, h in by_level.get(name, [])]
    box = _place(_Level(blocks, sizes, edges, set(inner)), budget)
    for child, sub in inner.items():
        x0, y0, _, _ = box.clusters[child]
        dx, dy = x0 + PAD, y0 + PAD + graph.clusters[child].label_height
        box.nodes.update({n: (x + dx, y + dy) for n, (x, y) in sub.nodes.items()})
        box.clusters.update({c: (a + dx, b + dy, c2 + dx, d + dy)
                             for c, (a, b, c2, d) in sub.clusters.items()})
        box.routes.update({e: [(x + dx, y + dy) for x, y in pts]
                           for e, pts in sub.routes.items()})
    _attach(box, graph, by_level.get(name, []))
    return box


def _place(level: _Level, budget: list[int]) -> Box:
    blocks, sizes = level.blocks, level.sizes
    count = len(blocks)
    pairs = [(a, b) for _, a, b in level.edges]
    width = [sum(sizes[i][0] for i in b) + NODESEP * (len(b) - 1) for b in blocks]
    layer, reversed_ = layers(count, pairs, width)
    height = [max(sizes[i][1] for i in b) for b in blocks]
    up, down, chains_of = _chains(level, layer, reversed_, width, height, budget)
    rows = _order(count, layer, up, down)
    x = x_coordinates(rows, up, down, width, count)
    return _boxed(level, rows, x, width, height, chains_of)


def _chains(level: _Level, layer: list[int], reversed_: set[int], width: list[float],
            height: list[float], budget: list[int]
            ) -> tuple[list[list[int]], list[list[int]], dict[int, list[int]]]:
    """Each vertex's neighbours above and below, and each edge's vertices from top to bottom:
    an edge spanning layers gets one bend vertex per layer (appended to `layer`, `width` and
    `height`), the shortest edges first, while the budget lasts."""
    count = len(level.blocks)
    up: list[list[int]] = [[] for _ in range(count)]
    down: list[list[int]] = [[] for _ in range(count)]
    chains_of: dict[int, list[int]] = {}  # edge index -> vertices from top to bottom
    spans = sorted((abs(layer[b] - layer[a]), k) for k, (_, a, b) in enumerate(level.edges))
    bent: set[int] = set()
    for span, k in spans:  # the shortest edges get bend points while the budget lasts
        if span > 1 and budget[0] >= span - 1:
            budget[0] -= span - 1
            bent.add(k)
    for k, (index, a, b) in enumerate(level.edges):
        if a == b:
            continue
        top, bottom = (b, a) if k in reversed_ else (a, b)
        span = layer[bottom] - layer[top]
        path = [top]
        if k in bent:
            for step in range(1, span):
                layer.append(layer[top] + step)
                width.append(0.0)
                height.append(0.0)
                up.append([])
                down.append([])
                path.append(len(layer) - 1)
        path.append(bottom)
        for u, v in zip(path, path[1:], strict=False):
            down[u].append(v)
            up[v].append(u)
        chains_of[index] = path if k not in reversed_ else path[::-1]
    return up, down, chains_of


def _order(count: int, layer: list[int], up: list[list[int]], down: list[list[int]]
           ) -> list[list[int]]:
    """The vertices of each layer, left to right: depth-first discovery order, then SWEEPS
    barycenter sweeps down and up."""
    total = len(layer)
    rows: list[list[int]] = [[] for _ in range(max(layer, default=0) + 1)]
    seen = [False] * total
    for start in range(count):  # initial order: depth-first discovery
        if seen[start]:
            continue
        seen[start] = True
        stack = [start]
        while stack:
            v = stack.pop()
            rows[layer[v]].append(v)
            for w in reversed(down[v]):
                if not seen[w]:
                    seen[w] = True
                    stack.append(w)
    pos = [0] * total
    for row in rows:
        for i, v in enumerate(row):
            pos[v] = i
    for _ in range(SWEEPS):
        for sweep, neighbours in ((range(1, len(rows)), up),
                                  (range(len(rows) - 2, -1, -1), down)):
            for r in sweep:
                keyed = []
                for v in rows[r]:
                    near = neighbours[v]
                    key = sum(pos[u] for u in near) / len(near) if near else float(pos[v])
                    keyed.append((key, pos[v], v))
                keyed.sort()
                rows[r] = [v for _, _, v in keyed]
                for i, v in enumerate(rows[r]):
                    pos[v] = i
    return rows


def _boxed(level: _Level, rows: list[list[int]], x: list[float], width: list[float],
           height: list[float], chains_of: dict[int, list[int]]) -> Box:
    """The level's Box: y from the rows' heights, the blocks' items side by side, the bend
    points of each edge."""
    total = len(width)
    tops, y = 0.0, [0.0] * total
    row_height = [max((height[v] for v in row), default=0.0) for row in rows]
    for r, row in enumerate(rows):
        for v in row:
            y[v] = tops + row_height[r] / 2
        tops += row_height[r] + RANKSEP
    box = Box(max((x[v] + width[v] / 2 for v in range(total)), default=0.0),
              max(tops - RANKSEP, 0.0))
    for b, items in enumerate(level.blocks):
        left = x[b] - width[b] / 2
        for item in items:
            item_w, item_h = level.sizes[item]
            if item in level.boxes:
                box.clusters[item] = (left, y[b] - item_h / 2, left + item_w, y[b] + item_h / 2)
            else:
                box.nodes[item] = (left + item_w / 2, y[b])
            left += item_w + NODESEP
    for index, path in chains_of.items():
        box.routes[index] = [(x[v], y[v]) for v in path[1:-1]]
    return box


def _attach(box: Box, graph: DotGraph, edges: list[tuple[int, str, str]]) -> None:
    """Complete this level's routes: from the tail's border through the bend points to the
    head's border (nodes inside child clusters are placed by now)."""
    for index, _, _ in edges:
        edge = graph.edges[index]
        if edge.chain or edge.tail not in box.nodes or edge.head not in box.nodes:
            box.routes.pop(index, None)
            continue
        (tx, ty), (hx, hy) = box.nodes[edge.tail], box.nodes[edge.head]
        th, hh = graph.nodes[edge.tail].height / 2, graph.nodes[edge.head].height / 2
        down_ = hy > ty
        start = (tx, ty + th if down_ else ty - th)
        end = (hx, hy - hh if down_ else hy + hh)
        if abs(hy - ty) < 1e-6:
            box.routes.pop(index, None)
            continue
        box.routes[index] = [start, *box.routes.get(index, []), end]


def position(source: str, straight: bool = False) -> tuple[str, float, float]:
    """DOT text with every node at a fixed position (our layout), for `neato -n2`, and the
    drawing's width and height in points; with `straight`, edges are straight lines between
    nodes (no bend points: cheaper)."""
    from tfgraphviz.drawing.layered.dotsource import parse, with_positions

    graph = parse(source)
    if not graph.nodes:
        raise ValueError("no node statements on lines of their own")
    box = layout(graph, 0 if straight else None)
    routes = {} if straight else spread_ports(box, graph)
    text = with_positions(graph, box.nodes, box.clusters, routes, box.height,
                          'splines="line", outputorder="edgesfirst"')
    return text, box.width, box.height


def spread_ports(box: Box, graph: DotGraph) -> dict[int, list[Point]]:
    """Routes whose ends are spread along a node's top and bottom borders, in the order of
    where each edge goes, instead of all meeting in one point."""
    ends: dict[tuple[str, float, bool], list[tuple[float, int, bool]]] = {}
    for index, route in box.routes.items():
        if len(route) < 2:
            continue
        edge = graph.edges[index]
        for node, at, toward, first in ((edge.tail, route[0], route[1], True),
                                        (edge.head, route[-1], route[-2], False)):
            ends.setdefault((node, at[1], first), []).append((toward[0], index, first))
    routes = {index: list(route) for index, route in box.routes.items()}
    for (node, _, _), group in ends.items():
        if len(group) < 2:
            continue
        group.sort()
        span = min(graph.nodes[node].width * 0.6, 6.0 * (len(group) - 1))
        for i, (_, index, first) in enumerate(group):
            shift = span * (i / (len(group) - 1) - 0.5)
            k = 0 if first else -1
            x, y = routes[index][k]
            routes[index][k] = (x + shift, y)
    return routes
