"""Our layered layout: every node and edge drawn, parents above children, clusters as boxes
around their members, deterministic, and big graphs finish."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tfgraphviz.drawing import layout
from tfgraphviz.drawing.layered.graph import read
from tfgraphviz.drawing.layered.place import position
from tfgraphviz.drawing.scene import Cluster, Defaults, Edge, Node, Scene, Statement, walk
from tfgraphviz.errors import LayoutError

ROOT = Path(__file__).resolve().parents[2]


def header() -> list[Statement]:
    return [Defaults("graph", {"fontname": '"Helvetica"', "label": '"t"'}),
            Defaults("node", {"fontname": '"Helvetica"', "fontsize": '"11"', "shape": '"box"'}),
            Defaults("edge", {"fontsize": '"8"', "arrowsize": '"0.6"'})]


def positioned(source: Scene, straight: bool = False) -> Scene:
    """The positioned drawing alone (what tests look at)."""
    return position(source, straight)[0]


def chain_and_fan(n: int, fan: int) -> Scene:
    """x feeds `fan` ops; a chain of `n` ops, each also reading x (like power_as_graph)."""
    body = [*header(), Node("n0", {"label": '"x"'})]
    body += [Node(f"n{i}", {"label": f"<<b>MatMul</b><br/>MatMul_{i}>"}) for i in range(1, n + 1)]
    body += [Edge([f"n{i - 1}", f"n{i}"], {"label": '"float32[3,3]"'}) for i in range(1, n + 1)]
    body += [Edge(["n0", f"n{i}"], {"label": '"float32[3,3]"'})
             for i in range(2, min(fan, n) + 1)]
    return Scene(body)


def positions(drawing: Scene) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for node in walk(drawing.body):
        if isinstance(node, Node):
            x, y = node.attrs["pos"].strip('"!').split(",")
            out[node.id] = (float(x), float(y))
    return out


def svg_titles(svg: bytes, kind: str) -> list[str]:
    text = svg.decode()
    return re.findall(rf'<g id="{kind}\d+" class="{kind}">\s*<title>([^<]*)</title>', text)


@pytest.fixture(scope="module")
def while_model_dot() -> Scene:
    """A real traced function with a while loop and a cond in its body (nested clusters)."""
    import tensorflow as tf

    import tfgraphviz

    @tf.function
    def collatz(n: tf.Tensor) -> tf.Tensor:
        steps = tf.constant(0)
        while n > 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        return steps

    from tfgraphviz.drawing.dot import to_scene

    return to_scene(tfgraphviz.to_networkx(collatz, tf.TensorSpec([], tf.int32)))


def test_every_node_and_edge_of_a_real_model_is_drawn(while_model_dot):
    graph = read(while_model_dot)
    svg = layout.LAYERED.run(while_model_dot, "svg", 60, None)[0]
    nodes = svg_titles(svg, "node")
    visible = [n for n, node in graph.nodes.items() if "invis" not in node.attrs.get("style", "")]
    assert sorted(nodes) == sorted(visible) and len(nodes) > 20
    edges = svg_titles(svg, "edge")
    expected = sorted(f"{e.tail}&#45;&gt;{e.head}" for e in graph.edges
                      if "invis" not in e.attrs.get("style", ""))
    assert sorted(edges) == expected


def test_clusters_are_boxes_around_their_members(while_model_dot):
    graph = read(while_model_dot)
    laid = positioned(while_model_dot)
    at = positions(laid)
    boxes = {c.name: c.body[0].attrs["bb"].strip('"') for c in walk(laid.body)
             if isinstance(c, Cluster) and isinstance(c.body[0], Defaults)
             and "bb" in c.body[0].attrs}
    assert set(boxes) == set(graph.clusters) - {""} and len(boxes) >= 3  # body, cond, branches

    def members(name: str) -> list[str]:
        cluster = graph.clusters[name]
        return cluster.nodes + [n for child in cluster.children for n in members(child)]

    for name, bb in boxes.items():
        x0, y0, x1, y1 = map(float, bb.split(","))
        for node in members(name):
            x, y = at[node]
            assert x0 < x < x1 and y0 < y < y1, (name, node)
        for other, (x, y) in at.items():  # and nothing else inside
            if other not in members(name):
                assert not (x0 < x < x1 and y0 < y < y1), (name, other)
    svg = layout.LAYERED.run(while_model_dot, "svg", 60, None)[0]
    assert svg.count(b'class="cluster"') == len(boxes)


def test_parents_are_drawn_above_their_children():
    source = chain_and_fan(30, 30)
    at = positions(positioned(source))
    for edge in read(source).edges:
        assert at[edge.tail][1] > at[edge.head][1]  # Graphviz's y grows upwards


def test_cycles_are_broken_and_still_drawn():
    source = Scene([*header(), *(Node(n, {"label": n}) for n in "abc"),
                      Edge(["a", "b"], {}), Edge(["b", "c"], {}), Edge(["c", "a"], {})])
    svg = layout.LAYERED.run(source, "svg", 60, None)[0]
    assert sorted(svg_titles(svg, "node")) == ["a", "b", "c"]
    assert len(svg_titles(svg, "edge")) == 3


def test_edge_labels_move_to_tooltips_and_edges_get_routes():
    laid = positioned(chain_and_fan(10, 10))
    edges = [edge for edge in walk(laid.body) if isinstance(edge, Edge)]
    assert edges and all(edge.attrs["pos"].startswith('"e,') for edge in edges)
    assert not any("label" in edge.attrs for edge in edges)


def test_output_is_byte_identical_across_processes():
    script = ("import sys, hashlib; from tfgraphviz.drawing import layout; "
              "from tests.drawing.test_layered import chain_and_fan; s = chain_and_fan(60, 40); "
              "print(hashlib.sha256(layout.LAYERED.run(s, 'svg', 60, None)[0]).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, cwd=ROOT,
                              env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1 and len(next(iter(digests)).strip()) == 64


def test_a_big_chain_with_fan_out_is_laid_out_by_the_layered_layout():
    source = chain_and_fan(3000, 400)
    done = layout.lay_out(source, "svg", 120)
    assert done.strategy == layout.LAYERED.name and done.warnings == []
    assert len(svg_titles(done.data, "node")) == 3001
    assert len(svg_titles(done.data, "edge")) == 3000 + 399


def test_straight_last_resort_keeps_nodes_and_edges():
    source = chain_and_fan(200, 50)
    svg = layout.STRAIGHT.run(source, "svg", 60, None)[0]
    assert len(svg_titles(svg, "node")) == 201 and len(svg_titles(svg, "edge")) == 249
    assert 'pos="e,' not in positioned(source, straight=True).text()


def test_a_drawing_without_nodes_or_dot_text_is_refused():
    with pytest.raises(ValueError, match="no nodes"):
        positioned(Scene(header()))
    with pytest.raises(LayoutError, match="needs a model"):
        layout.LAYERED.run("digraph G { a -> b }", "svg", 60, None)


def test_the_layered_layout_reads_the_drawing_object(while_model_dot):
    """Positions are added to a copy of the drawing's statements: every node and cluster of
    the model placed, the attributes kept, the drawing itself unchanged."""
    before = while_model_dot.text()
    laid = positioned(while_model_dot)
    assert while_model_dot.text() == before
    old = {n.id: n.attrs for n in walk(while_model_dot.body) if isinstance(n, Node)}
    new = {n.id: n.attrs for n in walk(laid.body) if isinstance(n, Node)}
    assert set(new) == set(old) and len(new) > 20
    for name, attrs in new.items():
        assert re.fullmatch(r'"-?[\d.]+,-?[\d.]+"', attrs.pop("pos")) and attrs == old[name]
    routed = [e for e in walk(laid.body) if isinstance(e, Edge) and len(e.ids) == 2
              and "invis" not in e.attrs.get("style", "")]
    assert len([e for e in routed if "pos" in e.attrs]) > len(routed) / 2  # bent routes
    root = [s for s in laid.body if isinstance(s, Defaults) and s.kind == "graph"]
    assert root[1].attrs == {"splines": '"line"', "outputorder": '"edgesfirst"'}


def test_a_very_wide_layer_is_folded_into_several_rows():
    """1,500 parallel updates (an optimizer's) would make one row ~150,000 points wide."""
    from tfgraphviz.drawing.layered.layering import ROW_WIDTH

    source = Scene([*header(), Node("x", {"label": '"x"'})])
    for i in range(1500):
        source.body += [Node(f"u{i}", {"label": f'"AssignAddVariableOp_{i}"'}),
                        Edge(["x", f"u{i}"], {})]
    at = positions(positioned(source))
    xs = [x for x, _ in at.values()]
    assert max(xs) - min(xs) < 4 * ROW_WIDTH  # bend points of the long edges take room too
    assert len({round(y) for _, y in at.values()}) > 20
    assert all(at["x"][1] > y for name, (_, y) in at.items() if name != "x")
