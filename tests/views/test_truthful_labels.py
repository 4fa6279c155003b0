"""Boxes that say what they are: a model used as a layer is not named after the model drawn,
a Keras model is drawn by layer, a tf.summary scope says it writes one, a body's many
arguments wrap into rows, a bundle of automatic control edges is in the legend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tfgraphviz.drawing.dot import BOUNDARY_ROW, to_dot
from tfgraphviz.drawing.legend import legend_keys
from tfgraphviz.export.nodelink import read_json
from tfgraphviz.views.build import view

from ..conftest import DATA, run_cli


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nested") / "out"
    result = run_cli("render", str(DATA / "keras_nested.py"), "-o", str(out), "-q",
                     "--format", "json")
    assert result.code == 0, result.stderr
    return out


@pytest.mark.slow
def test_a_functional_model_of_sequential_blocks_is_drawn_by_layer_without_false_names(nested):
    graph = read_json(nested / "discriminator.json")
    for _ in range(2):
        shown = view(graph)
        scopes = {d["scope_path"].rpartition("/")[2]: d for _, d in shown.nodes(data=True)
                  if d["kind"] == "scope" and not d.get("variables_of")}
        # one box per layer: the three Sequential blocks and the layers after them
        assert {"sequential_1", "sequential_1_2", "sequential_2_1"} <= set(scopes)
        assert any(name.startswith("zero_padding2d") for name in scopes)
        assert not [n for n, d in shown.nodes(data=True) if d["kind"] == "op"
                    and d["op"] in ("Conv2D", "FusedBatchNormV3", "Mul")]  # no op by op
        # the blocks are layers of the drawn model: not labelled "discriminator"
        assert not [d for d in scopes.values() if d.get("owner")]


def test_a_tf_summary_scope_says_it_writes_a_summary(nested):
    graph = read_json(nested / "log_loss.json")
    shown = view(graph, depth=1)
    (scope,) = [d for _, d in shown.nodes(data=True) if d["kind"] == "scope"
                and d["scope_path"] == "disc_loss"]
    assert "summary" in scope["contains"]
    assert re.search(r"<b>disc_loss</b>.*writes tf\.summary", to_dot(shown))
    plain = [d for _, d in view(graph, depth=1).nodes(data=True) if d["kind"] == "scope"
             and d["scope_path"] != "disc_loss"]
    assert all("summary" not in d["contains"] for d in plain)


def test_a_bodys_many_arguments_are_drawn_in_rows(nested):
    graph = read_json(nested / "many_carried.json")
    args = {}
    for _, data in graph.nodes(data=True):
        if data["kind"] == "arg":
            args[data["body"]] = args.get(data["body"], 0) + 1
    assert max(args.values()) > 2 * BOUNDARY_ROW  # a loop carrying 21 values
    text = to_dot(view(graph, depth="all"))
    rows = [line.count(";") - 1 for line in text.splitlines() if 'rank="same"' in line]
    assert rows and max(rows) <= BOUNDARY_ROW
    assert sum(rows) >= max(args.values())


def test_a_bundle_of_automatic_control_edges_has_its_legend_entry(nested):
    graph = read_json(nested / "discriminator.json")
    shown = view(graph)
    assert "bundle" in legend_keys(shown)
    text = to_dot(shown)
    assert "joined at • into the op that waits" in text
    assert re.search(r'j0 \[shape="point"', text)
    whole = view(graph, depth="all")  # op by op: fewer than 10 writes are drawn one by one
    assert ("bundle" in legend_keys(whole)) == bool(re.search(r"\bj0 ", to_dot(whole)))
