"""Keras fit() steps drawn as the step: variables grouped by their model, models named as the
file names them, optimizer updates per variable, every box opening to a page."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import networkx as nx
import pytest

from tfgraphviz.drawing.style import node_label
from tfgraphviz.model.build import to_networkx
from tfgraphviz.views.build import view, view_and_visible

from ..conftest import DATA, EXAMPLES, run_cli

CALLEE = "StatefulPartitionedCall::callee"


def _step(traced_examples: Any) -> nx.MultiDiGraph:
    traced = traced_examples["gan_fit"].functions["gan.train_function"]
    return to_networkx(traced.graphs[0], "gan.train_function")


def test_fit_step_is_drawn_with_models_named_and_variables_grouped(traced_examples):
    graph = _step(traced_examples)
    for _ in range(2):  # called twice in one process: the same view
        shown = view(graph)
        assert shown.number_of_nodes() <= 250
        nodes = dict(shown.nodes(data=True))
        # the step inside the call is drawn, not one box for the whole call
        assert any(d.get("body") == CALLEE for d in nodes.values())
        assert not any(d.get("scope_path") == "StatefulPartitionedCall:callee"
                       for d in nodes.values())
        # no cylinder per variable: one node per model, optimizer or metric, by the file's name
        assert not [n for n, d in nodes.items() if d["kind"] == "variable"]
        groups = {d["variables_of"]: d["variable_count"] for d in nodes.values()
                  if d.get("variables_of")}
        assert {"generator", "discriminator", "gan.d_optimizer", "gan.g_optimizer"} <= set(groups)
        assert groups["generator"] == 4 and groups["discriminator"] == 4
        # the iterator argument is an iterator
        assert nodes["iterator"]["kind"] == "placeholder"
        assert nodes["iterator"]["resource"] == "iterator"
        # scopes named by the model whose variables they read; the two unnamed Sequentials
        # (`sequential`, `sequential_1`) are never merged into one `sequential*` box
        owners = Counter(d.get("owner") for d in nodes.values() if d["kind"] == "scope")
        assert owners["discriminator"] >= 2 and owners["generator"] >= 1
        assert not [d for d in nodes.values() if "sequential*" in str(d.get("scope_path"))]
        # a gradient is called a gradient: every box of the tape's ops says so
        grads = [d for d in nodes.values() if d["kind"] == "scope"
                 and "gradient_tape" in str(d["scope_path"])]
        assert grads and all("gradient" in node_label(d) for d in grads)


def test_optimizer_ops_open_to_one_chain_per_variable(traced_examples):
    graph = _step(traced_examples)
    shown, visible = view_and_visible(graph)
    optimizer = next(n for n, d in shown.nodes(data=True) if d.get("owner") == "gan.d_optimizer"
                     and d["kind"] == "scope")
    members = [n for n, v in visible.items() if v == optimizer]
    page, _ = view_and_visible(graph.subgraph(members).copy(), "auto", whole=True)
    updates = sorted(str(d["scope_path"]).rpartition("/")[2] for _, d in page.nodes(data=True)
                     if str(d.get("scope_path", "")).rpartition("/")[2].startswith("update "))
    # the discriminator's 4 weights, each with its own chain (its slots included)
    assert len(updates) == 4, updates
    assert all("kernel" in u or "bias" in u for u in updates)


@pytest.mark.slow
def test_every_box_of_every_page_opens(tmp_path: Path):
    out = tmp_path / "gan"
    result = run_cli("render", str(EXAMPLES / "gan_fit.py"), "-o", str(out), "-q",
                     "-f", "gan.train_function", "--format", "svg")
    assert result.code == 0, result.stderr
    overview = out / "gan.train_function.svg"
    svgs = [overview, *sorted((out / "gan.train_function.scopes").glob("*.svg"))]
    assert len(svgs) > 10
    for svg in svgs:
        text = svg.read_text()
        boxes = text.count('class="node"')
        assert boxes <= 300, (svg.name, boxes)
        width = float(re.search(r'<svg width="([\d.]+)pt"', text).group(1))
        assert width <= 6000 or svg == overview, (svg.name, width)
        links = re.findall(r'xlink:href="([^"]+)"', text)
        # every collapsed box (a scope, a ×N fold, a group of variables) is a link
        anchors = re.findall(r"<a ([^>]*)>", text)
        boxes_of_scopes = [a for a in anchors if 'xlink:title="scope ' in a]
        assert boxes_of_scopes or svg != overview
        assert all("xlink:href=" in a for a in boxes_of_scopes), svg.name
        for link in links:
            target = unquote(link.replace("&amp;", "&")).partition("#")[0]
            assert (svg.parent / target).exists(), (svg.name, link)
        if svg != overview:  # each page links up to where it was opened from
            assert any(link.endswith(".svg") for link in links), svg.name



def _render_view(tmp_path: Path, source: Path, function: str) -> dict[str, Any]:
    out = tmp_path / "out"
    result = run_cli("render", str(source), "-o", str(out), "-q", "-f", function,
                     "--format", "dot,json")
    assert result.code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    (cf,) = manifest["functions"][0]["concrete_functions"]
    return {"view": cf["view"], "nodes": cf["nodes"],
            "dot": (out / cf["files"]["dot"]).read_text()}


@pytest.mark.slow
def test_a_keras_model_of_a_hundred_ops_is_drawn_by_layer(tmp_path: Path):
    found = _render_view(tmp_path, DATA / "keras_layers.py", "generator")
    assert found["nodes"] > 80  # op by op it would be a tall strip of ~100 boxes
    assert found["view"]["depth"] != "all" and found["view"]["visible_nodes"] <= 40
    for layer in ("batch_normalization", "conv2d_transpose"):  # one box per layer
        assert re.search(rf"<b>{layer}(_\d+)?(/[a-z_]+)?</b>", found["dot"]), layer


@pytest.mark.slow
def test_a_rebound_models_fit_step_groups_its_variables_by_their_keras_paths(tmp_path: Path):
    """`model` was bound to another model after fit(): no live object holds the first one's
    variables, so they are grouped by the holder their Keras path names (`sequential`'s
    layer `dense`, the optimizer `sgd`), and no scope is named after a guess."""
    source = DATA / "discover_keras_refit.py"
    for _ in range(2):
        found = _render_view(tmp_path, source, "model.train_function@12")
        dot = found["dot"]
        assert "captured tf.Variable" not in dot  # no cylinder per variable
        assert re.search(r"<b>sgd</b><br/>[^>]*>\d+ variables", dot), dot[:2000]


def test_a_fit_steps_loose_ops_are_boxed_by_their_line_and_the_step_count_by_its_optimizer(
        traced_examples):
    graph = _step(traced_examples)
    for _ in range(2):
        shown, visible = view_and_visible(graph)
        nodes = dict(shown.nodes(data=True))
        # no box of unrelated ops sharing a name prefix (`Add*`: metric updates and the
        # optimizers' step counters; `div*`, `Cast*`) in the step
        prefixed = [d["scope_path"] for d in nodes.values() if d["kind"] == "scope"
                    and d["body"] == CALLEE and d["scope_path"].endswith("*")]
        assert not prefixed, prefixed
        # each optimizer's step count is in that optimizer's box, not in a second one
        for optimizer, variable in (("gan.d_optimizer", "adam/iteration"),
                                    ("gan.g_optimizer", "adam_1/iteration")):
            box = next(n for n, d in nodes.items() if d.get("owner") == optimizer)
            writes = [n for n, d in graph.nodes(data=True) if d["op"] == "AssignVariableOp"
                      and d.get("uses_variable") == variable]
            assert writes and all(visible[n] == box for n in writes), (optimizer, writes)
        # a metric's update is one box labelled with its line of code
        texts = [str(d.get("source_text")) for d in nodes.values() if d["kind"] == "scope"]
        assert any("d_loss_tracker.update_state" in t for t in texts), texts
        assert any("g_loss_tracker.update_state" in t for t in texts), texts
