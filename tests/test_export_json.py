"""Node-link JSON round-trips the model losslessly; GraphML is readable by networkx."""

from __future__ import annotations

import networkx as nx

from tfgraphviz.export_json import from_json, read_json, to_graphml, to_json, write_json
from tfgraphviz.model import to_networkx


def test_json_round_trip_is_lossless(traced_examples, tmp_path):
    for example in ("loops_and_conds", "control_deps", "article_tf1_graph"):
        for name, fn in traced_examples[example].functions.items():
            for tg in fn.graphs:
                graph = to_networkx(tg, name)
                again = read_json(write_json(graph, tmp_path / "g.json"))
                assert nx.utils.graphs_equal(graph, again)
                assert list(graph.edges(keys=True, data=True)) == list(
                    again.edges(keys=True, data=True))
                assert to_json(again) == to_json(graph)


def test_json_is_stable_text(traced_examples):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    assert to_json(graph) == to_json(from_json(to_json(graph)))
    assert to_json(graph).endswith("\n")


def test_graphml_reads_back(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["loops_and_conds"].functions["sum_of_abs"].graphs[0], "s")
    path = tmp_path / "g.graphml"
    path.write_text(to_graphml(graph), encoding="utf-8")
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    some = next(iter(graph.nodes))
    assert back.nodes[some]["op"] == graph.nodes[some]["op"]
