"""Views: collapsing name scopes and bodies (no edge lost, op counts, control-edge origins),
folding identical blocks ×N, noise folding, automatic depth, expand patterns, speed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import networkx as nx
import pytest

from tfgraphviz.errors import InputError
from tfgraphviz.model.build import to_networkx
from tfgraphviz.views.build import view, visible_of

from ..conftest import ROOT


def _model(traced_examples: Any, example: str, function: str) -> nx.MultiDiGraph:
    return to_networkx(traced_examples[example].functions[function].graphs[0], function)


def _trace(fn: Any, *specs: Any) -> nx.MultiDiGraph:
    import tfgraphviz

    return tfgraphviz.to_networkx(fn, *specs)


def _blocks(kinds: list[str]) -> nx.MultiDiGraph:
    """A chain of name scopes block0, block1, ... each `x @ w + b` then the given activation."""
    import tensorflow as tf

    weights = [tf.Variable(tf.ones([8, 8])) for _ in kinds]

    def f(x: Any) -> Any:
        for i, kind in enumerate(kinds):
            with tf.name_scope(f"block{i}"):
                x = x @ weights[i] + 1.0
                x = tf.nn.relu(x) if kind == "relu" else tf.tanh(x)
        return x

    return _trace(f, tf.TensorSpec([2, 8]))


@pytest.fixture(scope="module")
def keras_step() -> nx.MultiDiGraph:
    """A training step of a Keras model with three Dense layers (one name scope each)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="first"),
                              keras.layers.Dense(8, name="second"),
                              keras.layers.Dense(8, name="third"),
                              keras.layers.Dense(1, name="out")], name="net")
    opt = keras.optimizers.SGD(0.1)

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    return _trace(step, tf.TensorSpec([2, 4]), tf.TensorSpec([2, 1]))


def _check_nothing_lost(graph: nx.MultiDiGraph, **options: Any) -> nx.MultiDiGraph:
    """Every model edge between different visible nodes is in exactly one drawn edge (per
    kind and control-edge origin); every model node is counted in exactly one visible node."""
    shown = view(graph, **options)
    of = visible_of(graph, **options)
    assert set(of) == set(graph.nodes) and set(of.values()) == set(shown.nodes)
    expected = Counter((of[u], of[v], d["kind"], d.get("origin", "")) for u, v, d in
                       graph.edges(data=True) if of[u] != of[v])
    drawn: Counter[tuple[str, str, str, str]] = Counter()
    for u, v, d in shown.edges(data=True):
        drawn[(u, v, d["kind"], d.get("origin", ""))] += d["count"]
    assert drawn == expected
    held = Counter(of.values())
    for node, data in shown.nodes(data=True):
        if data["kind"] == "scope":
            assert data["op_count"] == held[node], node
    assert sum(held.values()) == graph.number_of_nodes()
    return shown


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_collapsed_keras_step_keeps_every_edge_and_op(keras_step, depth):
    shown = _check_nothing_lost(keras_step, depth=depth, fold=False, noise=False)
    scopes = [d for _, d in shown.nodes(data=True) if d["kind"] == "scope"]
    assert scopes and shown.number_of_nodes() < keras_step.number_of_nodes()
    merged = [d for _, _, d in shown.edges(data=True) if d["count"] > 1]
    assert merged and all(d["shapes"] for d in merged if d["kind"] == "data")
    _check_nothing_lost(keras_step, depth=depth)  # with folding and noise too


def test_collapsed_training_step_keeps_control_edge_origins(traced_examples):
    graph = _model(traced_examples, "training_step", "train_step")
    shown = _check_nothing_lost(graph, depth=3, fold=False, noise=False)
    origins = {d["origin"] for _, _, d in graph.edges(data=True) if d["kind"] == "control"}
    drawn = {d["origin"] for _, _, d in shown.edges(data=True) if d["kind"] == "control"}
    assert len(origins) > 1 and drawn == origins
    top = view(graph, depth=1, noise=False)
    scope = next(d for _, d in top.nodes(data=True) if d["name"].startswith("sgd"))
    assert scope["contains"] == ["stateful"] and scope["op_count"] > 10
    # the optimizer's variables are one node, named by the file's name for the optimizer
    groups = {d["variables_of"]: d for _, d in top.nodes(data=True) if d.get("variables_of")}
    assert groups and all(d["contains"] == ["variable"] for d in groups.values())
    assert not [d for _, d in top.nodes(data=True) if d["kind"] == "variable"]
    _check_nothing_lost(graph, depth=2)


def test_bodies_collapse_and_open_like_scopes(traced_examples):
    graph = _model(traced_examples, "loops_and_conds", "sum_of_abs")
    one = _check_nothing_lost(graph, depth=1, noise=False)
    loop = one.nodes["scope:::while"]  # the While op goes with its scope and its bodies
    assert "control_flow" in loop["contains"] and one.graph["bodies"] == []
    two = _check_nothing_lost(graph, depth=2, noise=False)
    assert {"scope:::while/while:body", "scope:::while/while:cond"} <= set(two.nodes)
    assert any(d["kind"] == "call" and v == "scope:::while/while:body"
               for _, v, d in two.edges(data=True))
    three = _check_nothing_lost(graph, depth=3, noise=False)
    assert {b["id"] for b in three.graph["bodies"]} == {"while::body", "while::cond"}
    assert "scope:while::body::while/while:body/cond" in three  # nested cond, in its body
    four = _check_nothing_lost(graph, depth=4, noise=False)
    assert "scope:while::body::while/while:body/cond/cond:then" in four


def test_identical_blocks_fold_and_different_ones_do_not():
    same = view(_blocks(["relu", "relu", "relu"]), depth=1)
    folded = [d for _, d in same.nodes(data=True) if d.get("folded", 1) > 1]
    assert len(folded) == 1 and folded[0]["folded"] == 3
    assert folded[0]["fold_members"] == ["block0", "block1", "block2"]
    assert not [d for _, d in view(_blocks(["relu", "relu", "relu"]), depth=1, fold=False)
                .nodes(data=True) if d.get("folded", 1) > 1]
    mixed = view(_blocks(["relu", "tanh", "relu", "relu"]), depth=1)
    runs = {tuple(d["fold_members"]) for _, d in mixed.nodes(data=True) if d["kind"] == "scope"}
    assert runs == {("block0",), ("block1",), ("block2", "block3")}


def test_keras_layers_of_the_same_shape_fold(keras_step):
    shown = _check_nothing_lost(keras_step, depth=2)
    runs = {tuple(d["fold_members"]) for _, d in shown.nodes(data=True)
            if d.get("folded", 1) > 1}
    assert ("net_1/second_1", "net_1/third_1") in runs  # 8 -> 8 twice; first is 4 -> 8
    assert not any("first" in m for run in runs for m in run)


def test_noise_folded_into_the_op_it_feeds(traced_examples):
    graph = _model(traced_examples, "training_step", "train_step")
    full = view(graph, depth="all")
    assert full.graph["view"]["noise"] is False and full.number_of_nodes() == len(graph)
    quiet = view(graph, depth="all", noise=True)
    assert not [n for n, d in quiet.nodes(data=True) if d["op"] == "ReadVariableOp"
                and d["kind"] == "op" and quiet.out_degree(n) == 1]
    texts = [t for _, d in quiet.nodes(data=True) for t in d.get("absorbed", [])]
    assert any(t.startswith("read ") for t in texts) and any(t.startswith("const ")
                                                             for t in texts)
    # a small graph drawn whole by default: nothing is folded away, constants stay visible
    small = _model(traced_examples, "control_deps", "step")
    assert view(small).graph["view"]["noise"] is False
    # a Keras step too wide to read op by op is collapsed by default: noise folded
    assert view(graph).graph["view"]["depth"] != "all"
    assert view(graph, depth=1).graph["view"]["noise"] is True  # collapsed: noise folded


def test_small_examples_stay_fully_expanded(traced_examples):
    for example in sorted(traced_examples):
        if example in ("resnet50", "transformer", "gan_fit", "text_model"):
            continue  # real models and fit() training steps, not small ones
        traced = traced_examples[example]
        for name, fn in sorted(traced.functions.items()):
            if (example, name) == ("training_step", "train_step"):
                continue  # a Keras step too wide op by op: collapsed (test_keras_fit)
            for graph in fn.graphs:
                shown = view(to_networkx(graph, name))
                assert shown.graph["view"]["depth"] == "all", (example, name)
                assert not [n for n, d in shown.nodes(data=True) if d["kind"] == "scope"]


def test_expand_opens_matching_scopes(keras_step):
    closed = view(keras_step, depth=1)
    opened = view(keras_step, depth=1, expand=["net_1/second*"])
    assert "scope:::net_1" in closed and "scope:::net_1" not in opened
    assert "scope:::net_1/first_1" in opened and "scope:::net_1/second_1" not in opened
    assert opened.graph["view"]["expand"] == ["net_1/second*"]


def test_bad_depth_is_a_clean_error(keras_step):
    for depth in (0, -1, "deep", True):
        with pytest.raises(InputError):
            view(keras_step, depth=depth)


@pytest.mark.slow
def test_auto_depth_on_a_big_model_is_fast_and_readable():
    """~14k ops in 200 scopes of 70 ops: the automatic view is small, fast and folded (about
    a second on an idle 2-core machine; the bound leaves room for a loaded one)."""
    import tensorflow as tf

    def big(x: Any) -> Any:
        for i in range(200):
            with tf.name_scope(f"layer_{i}"):
                for _ in range(10):
                    x = tf.sin(x) * 1.5 + tf.cos(x) - 0.5
        return x

    graph = _trace(big, tf.TensorSpec([4]))
    assert graph.number_of_nodes() > 13000
    start = time.perf_counter()
    shown = view(graph)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, elapsed
    assert shown.number_of_nodes() <= 100
    assert max(d.get("folded", 1) for _, d in shown.nodes(data=True)) == 200


SCRIPT = """
import hashlib, tensorflow as tf, tfgraphviz
from tfgraphviz.drawing.dot import to_dot
def f(x):
    for i in range(4):
        with tf.name_scope(f"block{i}"):
            x = tf.nn.relu(x * 2.0 + 1.0)
    return x
g = tfgraphviz.to_networkx(f, tf.TensorSpec([3]))
print(hashlib.sha256(to_dot(tfgraphviz.view(g, depth=1)).encode()).hexdigest())
"""


@pytest.mark.slow
def test_view_and_its_dot_are_deterministic_across_processes():
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TF_CPP_MIN_LOG_LEVEL": "3"}
        proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300, check=True)
        outputs.append(proc.stdout.strip().splitlines()[-1])
    assert outputs[0] == outputs[1]


def test_scopes_side_by_side_with_the_same_name_are_told_apart():
    """The gradient of scope `layer` lives in `gradient_tape/layer`: drawn beside `layer`, it
    is labelled by the end of its path that differs; a scope whose name is unique keeps it."""
    import tensorflow as tf

    from tfgraphviz.drawing.style import node_label

    def f(x: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            with tf.name_scope("layer"):
                y = tf.reduce_sum(tf.sin(x) * 2.0)
        return tape.gradient(y, x)

    drawn = view(_trace(f, tf.TensorSpec([3])), depth=1, expand=["gradient_tape"])
    scopes = {d["scope_path"]: d for _, d in drawn.nodes(data=True) if d["kind"] == "scope"}
    assert {"layer", "gradient_tape/layer"} <= set(scopes)
    assert "<b>layer</b>" in node_label(scopes["layer"])
    assert "<b>gradient_tape/layer</b>" in node_label(scopes["gradient_tape/layer"])
    lonely = [d for p, d in scopes.items() if p.rpartition("/")[2] != "layer"]
    assert all("label_path" not in d for d in lonely)


GRADIENT_SUMS = '''
import tensorflow as tf

weights = [tf.Variable(tf.ones([4]), name=f"w{i}") for i in range(40)]


@tf.function
def step(x):
    with tf.GradientTape() as tape:
        with tf.name_scope("net"):
            y = x
            for w in weights:  # each weight used twice: its gradient is a sum (AddN)
                y = tf.sin(y * w) + w
        loss = tf.reduce_sum(y)
    return tape.gradient(loss, weights)


step(tf.ones([4]))
'''


def test_many_gradient_sums_in_the_tapes_box_are_grouped_on_its_page(tmp_path):
    """The sums of a variable's gradients (`AddN`, `AddN_1`, ... outside any scope) go in the
    tape's box; 40 of them are one `AddN*` box on the tape's page, not 40 boxes side by side
    (resnet50's tape page was 9130 pt wide), and that box opens to the 40 sums."""
    from tfgraphviz.capture import capture_file
    from tfgraphviz.capture.hooks.output import captured_output
    from tfgraphviz.drawing import pages as drawing
    from tfgraphviz.views import view_and_visible

    path = tmp_path / "gradient_sums.py"
    path.write_text(GRADIENT_SUMS)
    with captured_output():
        (traced,) = capture_file(path, ["step"]).entries
    graph = to_networkx(traced.graphs[0], "step")
    sums = {n for n, d in graph.nodes(data=True) if d["op"] == "AddN"}
    assert len(sums) == 40 and all(not graph.nodes[n]["scope"] for n in sums)
    drawn, shown = view_and_visible(graph)
    assert {shown[n] for n in sums} == {"scope:::gradient_tape"}  # in the tape's box
    pages = dict(drawing._plan_pages(graph, drawn, shown, "step", drawing.ViewOptions()))
    tape = pages["step.scopes/gradient_tape.svg"]
    assert tape.number_of_nodes() <= 20 and not [n for n in sums if n in tape]
    (box,) = [d for _, d in tape.nodes(data=True) if d.get("scope_path") == "gradient_tape/AddN*"]
    assert box["op_count"] == 40 and box["op_types"] == ["AddN ×40"]
    opened = pages["step.scopes/gradient_tape.AddN%2A.svg"]
    assert set(opened.nodes) == sums
