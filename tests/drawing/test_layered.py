"""Our layered layout: every node and edge drawn, parents above children, clusters as boxes
around their members, deterministic, and big graphs finish."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tfgraphviz.drawing import layout
from tfgraphviz.drawing.layered.dotsource import parse
from tfgraphviz.drawing.layered.place import position

ROOT = Path(__file__).resolve().parents[2]
HEADER = ('digraph G {\n  graph [fontname="Helvetica", label="t"];\n'
          '  node [fontname="Helvetica", fontsize="11", shape="box"];\n'
          '  edge [fontsize="8", arrowsize="0.6"];\n')


def positioned(source: str, straight: bool = False) -> str:
    """The positioned DOT text alone (what tests look at)."""
    return position(source, straight)[0]

def chain_and_fan(n: int, fan: int) -> str:
    """x feeds `fan` ops; a chain of `n` ops, each also reading x (like power_as_graph)."""
    lines = [HEADER, '  n0 [label="x"];']
    lines += [f'  n{i} [label=<<b>MatMul</b><br/>MatMul_{i}>];' for i in range(1, n + 1)]
    lines += [f'  n{i - 1} -> n{i} [label="float32[3,3]"];' for i in range(1, n + 1)]
    lines += [f'  n0 -> n{i} [label="float32[3,3]"];' for i in range(2, min(fan, n) + 1)]
    return "\n".join(lines) + "\n}\n"


def positions(text: str) -> dict[str, tuple[float, float]]:
    graph = parse(text)
    out: dict[str, tuple[float, float]] = {}
    for name, node in graph.nodes.items():
        x, y = node.attrs["pos"].strip('"!').split(",")
        out[name] = (float(x), float(y))
    return out


def svg_titles(svg: bytes, kind: str) -> list[str]:
    text = svg.decode()
    return re.findall(rf'<g id="{kind}\d+" class="{kind}">\s*<title>([^<]*)</title>', text)


@pytest.fixture(scope="module")
def while_model_dot() -> str:
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

    return str(tfgraphviz.to_dot(tfgraphviz.to_networkx(collatz, tf.TensorSpec([], tf.int32))))


def test_every_node_and_edge_of_a_real_model_is_drawn(while_model_dot):
    graph = parse(while_model_dot)
    svg = layout.LAYERED.run(while_model_dot, "svg", 60, None)[0]
    nodes = svg_titles(svg, "node")
    visible = [n for n, node in graph.nodes.items() if "invis" not in node.attrs.get("style", "")]
    assert sorted(nodes) == sorted(visible) and len(nodes) > 20
    edges = svg_titles(svg, "edge")
    expected = sorted(f"{e.tail}&#45;&gt;{e.head}" for e in graph.edges
                      if "invis" not in e.attrs.get("style", ""))
    assert sorted(edges) == expected


def test_clusters_are_boxes_around_their_members(while_model_dot):
    graph = parse(while_model_dot)
    text = positioned(while_model_dot)
    at = positions(text)
    boxes = dict(re.findall(r'subgraph (cluster_\w+) \{\n\s*graph \[bb="([^"]+)"\]', text))
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
    for edge in parse(source).edges:
        assert at[edge.tail][1] > at[edge.head][1]  # Graphviz's y grows upwards


def test_cycles_are_broken_and_still_drawn():
    source = HEADER + "  a [label=a];\n  b [label=b];\n  c [label=c];\n" \
        "  a -> b;\n  b -> c;\n  c -> a;\n}\n"
    svg = layout.LAYERED.run(source, "svg", 60, None)[0]
    assert sorted(svg_titles(svg, "node")) == ["a", "b", "c"]
    assert len(svg_titles(svg, "edge")) == 3


def test_edge_labels_move_to_tooltips_and_edges_get_routes():
    text = positioned(chain_and_fan(10, 10))
    edges = [line for line in text.split("\n") if "->" in line]
    assert edges and all('pos="e,' in line for line in edges)
    assert not any(" label=" in line for line in edges)


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
    assert 'pos="e,' not in positioned(source, straight=True)


def test_text_not_written_one_statement_per_line_is_refused():
    with pytest.raises(ValueError, match="no node statements"):
        positioned("digraph G { a -> b }")


def test_a_very_wide_layer_is_folded_into_several_rows():
    """1,500 parallel updates (an optimizer's) would make one row ~150,000 points wide."""
    from tfgraphviz.drawing.layered.layering import ROW_WIDTH

    source = HEADER + '  x [label="x"];\n' + "".join(
        f'  u{i} [label="AssignAddVariableOp_{i}"];\n  x -> u{i};\n' for i in range(1500)) + "}\n"
    at = positions(positioned(source))
    xs = [x for x, _ in at.values()]
    assert max(xs) - min(xs) < 4 * ROW_WIDTH  # bend points of the long edges take room too
    assert len({round(y) for _, y in at.values()}) > 20
    assert all(at["x"][1] > y for name, (_, y) in at.items() if name != "x")
