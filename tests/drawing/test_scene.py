"""The drawing object: dot.py builds it, its text is the DOT source (golden files written by
the text writer it replaced), and what it holds is data, not text to parse back."""

from __future__ import annotations

from typing import Any

from tfgraphviz.drawing.dot import to_dot, to_scene
from tfgraphviz.drawing.scene import Cluster, Defaults, Edge, Node, Rank, walk
from tfgraphviz.model.build import to_networkx

from ..conftest import golden_file


def _model(traced_examples: Any, example: str, function: str) -> Any:
    return to_networkx(traced_examples[example].functions[function].graphs[0], function)


def test_the_drawing_serializes_to_the_golden_dot_text(traced_examples):
    """loops_and_conds.sum_of_abs: nested clusters, ranks, chains, the legend."""
    model = _model(traced_examples, "loops_and_conds", "sum_of_abs")
    drawn = to_scene(model)
    golden = golden_file("loops_and_conds.sum_of_abs.dot").read_text(encoding="utf-8")
    assert drawn.text() == golden == to_dot(model)
    kinds = {type(item) for item in walk(drawn.body)}
    assert {Cluster, Defaults, Edge, Node, Rank} <= kinds


def test_the_drawing_holds_attributes_as_data(traced_examples):
    drawn = to_scene(_model(traced_examples, "control_deps", "step"))
    header = drawn.body[0]
    assert isinstance(header, Defaults) and header.kind == "graph"
    assert header.attrs["rankdir"] == '"TB"' and header.attrs["label"].startswith("<")
    legend = [c for c in walk(drawn.body) if isinstance(c, Cluster)
              and c.name == "cluster_legend"]
    assert len(legend) == 1
    nodes = [n for n in walk(drawn.body) if isinstance(n, Node)]
    ids = {n.id for n in nodes}
    edges = [e for e in walk(drawn.body) if isinstance(e, Edge)]
    assert edges and all(end in ids for e in edges for end in e.ids)
