"""Many small drawings (drill-down pages) laid out by one `dot` run instead of one each."""

from __future__ import annotations

import re

from tfgraphviz.drawing.layout import DOT, MAGIC, measure, run_dot, strategies
from tfgraphviz.drawing.scene import Cluster, Scene, walk
from tfgraphviz.errors import LayoutError

_PAGE_ID = re.compile(rb'\bid="(a_)?page\d+,\d+_')  # what `dot` adds from its second graph on
_ANCHOR = re.compile(rb'\bid="a_graph0_(\d+)"')  # numbered across the graphs of one run


def _one_of_many(svg: bytes) -> bytes | None:
    """One graph's SVG from a `dot` run given many, made identical to its SVG from a run of
    its own: `dot` prefixes the ids of its second and later graphs with `pageN,M_` and keeps
    numbering the anchors of graph attributes; None when the anchors are not the unbroken
    run of numbers that says so."""
    svg = _PAGE_ID.sub(lambda m: b'id="' + (m.group(1) or b""), svg)
    numbers = sorted(int(n) for n in _ANCHOR.findall(svg))
    if not numbers:
        return svg
    first = numbers[0]
    if numbers != list(range(first, first + len(numbers))):
        return None
    return _ANCHOR.sub(lambda m: b'id="a_graph0_%d"' % (int(m.group(1)) - first), svg)


def batchable(source: Scene) -> bool:
    """Whether the drawing can share a `dot` run (see render_many): plain `dot` is its first
    strategy (see layout.strategies) and it has at most one cluster. Graphviz orders the
    clusters of a graph by the addresses of their names, which in a run given many graphs
    depend on what the earlier graphs left on the heap (and on Pango's threads): two
    clusters could come out in either order from one run to the next."""
    return (sum(isinstance(item, Cluster) for item in walk(source.body)) <= 1
            and strategies(measure(source))[0] is DOT)


def render_many(sources: list[Scene], timeout: float) -> list[bytes] | None:
    """The SVG of each drawing (each `batchable`) from one `dot` run, byte-identical to
    `layout.render(source, "svg")`: starting `dot` costs about 9 ms, laying out a small
    drill-down page about 2 ms. None when that run fails, times out, or prints anything unexpected
    (lay each out on its own then)."""
    if not sources:
        return []
    try:
        out = run_dot("".join(source.text() for source in sources), "svg", timeout)
    except LayoutError:
        return None
    starts = [m.start() for m in re.finditer(rb"<\?xml ", out)]
    if len(starts) != len(sources) or starts[0] != 0:
        return None
    images = [_one_of_many(out[a:b]) for a, b in zip(starts, [*starts[1:], len(out)], strict=True)]
    if any(image is None or not image.startswith(MAGIC["svg"]) for image in images):
        return None
    return [image for image in images if image is not None]
