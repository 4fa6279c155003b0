"""Layers and x coordinates for the layered layout: longest-path layering of a DAG made from
any graph, layers kept at most a few feet wide, compact positions by isotonic regression."""

from __future__ import annotations

from collections import deque

NODESEP = 18.0  # points between neighbours in a layer
DUMMYSEP = 6.0  # points beside an edge's bend point
SWEEPS = 4
ROW_WIDTH = 3600.0  # points a layer may take (50 inches) before blocks move down a layer


def layers(count: int, edges: list[tuple[int, int]],
            width: list[float]) -> tuple[list[int], set[int]]:
    """Layer of each block (just above its first use; ops nothing uses just below their last
    input) and the
    indices of edges reversed to break cycles (depth-first, in block order)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    for k, (a, b) in enumerate(edges):
        out[a].append((b, k))
    reversed_: set[int] = set()
    state = [0] * count  # 0 new, 1 on the stack, 2 done
    for start in range(count):
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, 0)]
        while stack:
            node, i = stack[-1]
            if i < len(out[node]):
                stack[-1] = (node, i + 1)
                nxt, k = out[node][i]
                if state[nxt] == 1:
                    reversed_.add(k)
                elif state[nxt] == 0:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()
    succ: list[list[int]] = [[] for _ in range(count)]
    indeg = [0] * count
    for k, (a, b) in enumerate(edges):
        if a == b:
            continue
        if k in reversed_:
            a, b = b, a
        succ[a].append(b)
        indeg[b] += 1
    queue = deque(i for i in range(count) if indeg[i] == 0)
    order: list[int] = []
    layer = [0] * count
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in succ[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                queue.append(nxt)
    for node in reversed(order):  # as late as possible: just above its first use
        if succ[node]:
            layer[node] = min(layer[s] for s in succ[node]) - 1
    bound_width(layer, width, order, succ, max(ROW_WIDTH, max(width, default=0.0)))
    return layer, reversed_


def bound_width(layer: list[int], width: list[float], order: list[int],
                 succ: list[list[int]], limit: float) -> None:
    """Push blocks down, in topological order, while a layer is wider than `limit` points
    (hundreds of parallel optimizer updates would otherwise make one row miles wide)."""
    used: dict[int, float] = {}
    full: dict[int, int] = {}  # a nearly full row -> a later row to try (shortcuts)

    def skip(row: int) -> int:
        seen = []
        while row in full:
            seen.append(row)
            row = full[row]
        for passed in seen:
            full[passed] = row
        return row

    for node in order:
        row = skip(layer[node])
        while used.get(row, 0.0) > 0 and used[row] + width[node] > limit:
            row = skip(row + 1)
        used[row] = used.get(row, 0.0) + width[node] + NODESEP
        if used[row] > limit * 0.9:
            full[row] = row + 1
        layer[node] = row
        for nxt in succ[node]:
            if layer[nxt] <= row:
                layer[nxt] = row + 1


def x_coordinates(rows: list[list[int]], up: list[list[int]], down: list[list[int]],
                   width: list[float], reals: int) -> list[float]:
    """Compact x centers: each layer packed, then pulled towards the median of its
    neighbours above and below in turn, keeping order and spacing (isotonic regression)."""
    x = [0.0] * len(width)
    gaps: list[list[float]] = []
    for row in rows:
        g = [0.0]
        for a, b in zip(row, row[1:], strict=False):
            sep = NODESEP if a < reals and b < reals else DUMMYSEP
            g.append(g[-1] + (width[a] + width[b]) / 2 + sep)
        gaps.append(g)
        for v, offset in zip(row, g, strict=False):
            x[v] = offset
    for _ in range(SWEEPS):
        for sweep, neighbours in ((range(len(rows)), up), (range(len(rows) - 1, -1, -1), down)):
            for r in sweep:
                row = rows[r]
                wanted = []
                for v in row:
                    near = sorted(x[u] for u in neighbours[v])
                    if near:
                        mid = len(near) // 2
                        want = near[mid] if len(near) % 2 else (near[mid - 1] + near[mid]) / 2
                    else:
                        want = x[v]
                    wanted.append(want)
                for v, value in zip(row, isotonic(wanted, gaps[r]), strict=False):
                    x[v] = value
    low = min((x[v] - width[v] / 2 for row in rows for v in row), default=0.0)
    return [value - low for value in x]


def isotonic(wanted: list[float], offsets: list[float]) -> list[float]:
    """Positions closest (least squares) to `wanted` with x[i+1] - x[i] >= the gaps."""
    blocks: list[list[float]] = []  # [sum, count, length]
    for want, offset in zip(wanted, offsets, strict=False):
        blocks.append([want - offset, 1.0, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1][0] += last[0]
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    out: list[float] = []
    for total, n, length in blocks:
        out += [total / n] * int(length)
    return [value + offset for value, offset in zip(out, offsets, strict=False)]
