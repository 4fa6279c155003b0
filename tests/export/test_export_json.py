"""Node-link JSON round-trips the model losslessly; GraphML is well-formed and readable."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from tfgraphviz._util.frame import Frame
from tfgraphviz.export.nodelink import (
    from_json,
    read_json,
    to_graphml,
    to_json,
    write_graphml,
    write_json,
)
from tfgraphviz.model.build import to_networkx

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


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


def test_origin_of_control_edges_in_json_and_graphml(traced_examples):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    back = from_json(to_json(graph))
    origins = {d["origin"] for _, _, d in back.edges(data=True) if d["kind"] == "control"}
    assert origins == {"automatic", "user", "library"}
    assert not any("auto" in d for _, _, d in back.edges(data=True))
    root = ET.fromstring(to_graphml(graph))
    keys = {k.get("attr.name"): k.get("id") for k in root.iter(f"{GRAPHML}key")
            if k.get("for") == "edge"}
    values = {d.text for d in root.iter(f"{GRAPHML}data") if d.get("key") == keys["origin"]}
    assert values == {"automatic", "user", "library"}


CONTROL = "\x1b[31mred\x1b[0m nul\x00 bell\x07 \x9b fffe\ufffe ffff\uffff lone\udc80 end"


def test_graphml_is_well_formed_with_control_characters(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    graph.graph["trace_output"] = CONTROL  # what a trace printed
    some = next(iter(graph.nodes))
    graph.nodes[some]["source"] = [Frame(CONTROL, 1, "f")]
    path = write_graphml(graph, tmp_path / "g.graphml")
    root = ET.parse(path).getroot()  # raises on malformed XML
    texts = [d.text or "" for d in root.iter(f"{GRAPHML}data")]
    shown = [t for t in texts if "red" in t]
    assert len(shown) == 2  # the graph's trace_output and the node's source list (as JSON)
    assert all(("\\x1b[31mred" in t or "\\u001b[31mred" in t) and "\\ufffe" in t
               and "\\udc80" in t for t in shown)
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_edges() == graph.number_of_edges()


def test_json_round_trips_text_that_is_not_valid_unicode(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    graph.graph["trace_output"] = CONTROL
    again = read_json(write_json(graph, tmp_path / "g.json"))
    assert again.graph["trace_output"] == CONTROL


def test_fast_encoder_writes_what_json_dumps_writes():
    import enum
    import json

    from tfgraphviz.export.nodelink import _dumps

    shared = {"type": "DT_FLOAT"}

    class Text(str):
        pass

    class Kind(enum.IntEnum):
        A = 1

    cases = [
        {}, [], {"a": [], "b": {}}, [1, 2.5, -0.0, 1e300, float("nan"), float("inf"),
                                     -float("inf"), True, False, None, 10**30],
        {"z": "é\ud800\n\"\\\x00\u2028", "a": [[], [{}], {"x": [1]}], "t": (1, 2)},
        {"nodes": [{"attr_values": {"T": shared, "U": shared}} for _ in range(3)]},
        {"a": {"b": {"c": {"d": {"e": shared, "f": [shared, shared]}}}}},
        {"s": Text("x"), "k": Kind.A}, {Text("key"): 1}, {1: "int key"}, {"a": {1, 2}},
    ]
    for value in cases:
        try:
            expected = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)
        except TypeError as exc:
            expected = repr(exc)
        try:
            got = _dumps(value)
        except TypeError as exc:
            got = repr(exc)
        assert got == expected, value


def test_model_json_is_the_json_modules_text(traced_examples):
    import json

    from tfgraphviz._util.shape import shape_text

    for name, fn in traced_examples["loops_and_conds"].functions.items():
        graph = to_networkx(fn.graphs[0], name)
        data = nx.node_link_data(graph, edges="links")
        for node in data["nodes"]:  # frames and shapes are written as text
            node["source"] = [str(frame) for frame in node["source"]]
            node["outputs"] = [{**o, "shape": shape_text(o["shape"])} for o in node["outputs"]]
        for link in data["links"]:
            if link["kind"] == "data":
                link["shape"] = shape_text(link["shape"])
        assert to_json(graph) == json.dumps(data, indent=1, sort_keys=True,
                                            ensure_ascii=False) + "\n"


ODD = Frame("a in b:7.py", 3, "f")  # a file name holding " in " and ":"


def test_frames_are_values_written_as_text_and_read_back(traced_examples):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    some = next(n for n, d in graph.nodes(data=True) if d["source"])
    assert all(isinstance(f, Frame) for f in graph.nodes[some]["source"])
    graph.nodes[some]["source"] = [ODD, *graph.nodes[some]["source"]]
    text = to_json(graph)
    assert '"a in b:7.py:3 in f"' in text
    assert isinstance(graph.nodes[some]["source"][0], Frame)  # writing left the model alone
    back = from_json(text)
    assert back.nodes[some]["source"][0] == ODD
    assert all(isinstance(f, Frame) for _, d in back.nodes(data=True) for f in d["source"])
    assert "a in b:7.py:3 in f" in to_graphml(graph)
    assert graph.nodes[some]["source"][0] is ODD


def test_frame_text_parses_back_only_as_written():
    assert Frame.parse(str(ODD)) == ODD
    assert str(Frame("f.py", 12, "f")) == "f.py:12 in f"
    for bad in ("f.py:12", "f.py in f", "f.py:x in f"):
        with pytest.raises(ValueError):
            Frame.parse(bad)


def test_shapes_are_tuples_written_as_text_and_read_back(traced_examples):
    from tfgraphviz._util.shape import parse_shape, shape_text

    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    shapes = [o["shape"] for _, d in graph.nodes(data=True) for o in d["outputs"]]
    shapes += [d["shape"] for _, _, d in graph.edges(data=True) if d["kind"] == "data"]
    assert shapes and all(s is None or isinstance(s, tuple) for s in shapes)
    text = to_json(graph)
    assert all(s is None or isinstance(s, tuple) for _, d in graph.nodes(data=True)
               for s in (o["shape"] for o in d["outputs"]))  # writing left the model alone
    back = from_json(text)
    assert [o["shape"] for _, d in back.nodes(data=True) for o in d["outputs"]] == [
        o["shape"] for _, d in graph.nodes(data=True) for o in d["outputs"]]
    assert '"shape": "[' in text and '"shape": "[' in to_graphml(graph).replace('&quot;', '"')
    for shape in [None, (), (2, None), (None,), (1, 2, 3)]:
        assert parse_shape(shape_text(shape)) == shape
    assert shape_text((2, None)) == "[2,?]" and shape_text(None) == "?"
