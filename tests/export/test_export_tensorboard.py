"""TensorBoard logs: the event file holds the graph, and a real TensorBoard server serves it."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tfgraphviz.export.tensorboard import tensorboard_names, write_tensorboard
from tfgraphviz.model.build import to_networkx


def _read_graph_def(logdir: Path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.compat.proto import graph_pb2

    (event_file,) = list(logdir.glob("events.out.tfevents.*"))
    events = list(EventFileLoader(str(event_file)).Load())
    assert events[0].file_version == "brain.Event:2"
    graph_def = graph_pb2.GraphDef()
    graph_def.ParseFromString(events[1].graph_def)
    return graph_def


def test_event_file_holds_every_node(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["loops_and_conds"].functions["sum_of_abs"].graphs[0], "s")
    write_tensorboard(graph, tmp_path / "run")
    graph_def = _read_graph_def(tmp_path / "run")
    assert len(graph_def.node) == graph.number_of_nodes()
    names = {n.name for n in graph_def.node}
    assert len(names) == len(graph_def.node)
    for node in graph_def.node:  # every input names a node of the graph
        for inp in node.input:
            assert inp.lstrip("^").split(":")[0] in names
    assert any(name.startswith("while/body/") for name in names)


def test_event_file_is_deterministic(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    a = write_tensorboard(graph, tmp_path / "a").read_bytes()
    b = write_tensorboard(graph, tmp_path / "b").read_bytes()
    assert a == b
    assert len(set(tensorboard_names(graph).values())) == graph.number_of_nodes()


def test_attributes_are_the_original_attr_value_protos(traced_examples, tmp_path):
    from tensorboard.compat.proto import types_pb2

    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    write_tensorboard(graph, tmp_path / "run")
    nodes = {n.name: n for n in _read_graph_def(tmp_path / "run").node}
    assert nodes["Identity"].attr["T"].WhichOneof("value") == "type"
    assert nodes["Identity"].attr["T"].type == types_pb2.DT_FLOAT
    assert nodes["mul/y"].attr["value"].tensor.float_val == [2.0]
    assert nodes["PrintV2"].attr["output_stream"].s == b"stderr"
    guard = next(n for name, n in nodes.items() if name.endswith("AssertGuard"))
    assert guard.attr["then_branch"].func.name  # a function reference, not a string


def test_variables_named_by_python_names(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    write_tensorboard(graph, tmp_path / "run")
    nodes = {n.name: n for n in _read_graph_def(tmp_path / "run").node}
    assert "v" in nodes and "ReadVariableOp/resource" not in nodes
    assert nodes["v"].attr["_python_variable"].s == b"v"
    assert nodes["v"].attr["_tf_name"].s == b"ReadVariableOp/resource"
    assert "v" in nodes["ReadVariableOp"].input


def test_control_edge_origins_marked_on_the_destination(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    write_tensorboard(graph, tmp_path / "run")
    nodes = {n.name: n for n in _read_graph_def(tmp_path / "run").node}
    assert list(nodes["Identity"].attr["_control_origins"].list.s) == [
        b"PrintV2: user (control_deps.py:13)"]
    assert b"PrintV2: automatic" in nodes["NoOp"].attr["_control_origins"].list.s
    library = [s for n in nodes.values() for s in n.attr["_control_origins"].list.s
               if b": library (tensorflow/python/ops/check_ops.py" in s]
    assert library
    for node in nodes.values():  # one origin per control input
        controls = [i for i in node.input if i.startswith("^")]
        assert len(controls) == len(node.attr["_control_origins"].list.s)


def test_hostile_variable_names_stay_valid_and_unique():
    import networkx as nx

    graph = nx.MultiDiGraph()
    for i, python_name in enumerate(["..", "", "a b/../c", "add", "add", "_x"]):
        graph.add_node(f"var{i}", name=f"var{i}", op="Placeholder", kind="variable",
                       variable=python_name, outputs=[])
    graph.add_node("add", name="add", op="AddV2", kind="op", variable="", outputs=[])
    names = tensorboard_names(graph)
    assert names["add"] == "add"
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*", n) for n in names.values())


def _resolves(graph_def) -> None:
    """Every input (`name`, `name:1`, `^name`) names a node of the GraphDef."""
    names = {n.name for n in graph_def.node}
    assert len(names) == len(graph_def.node)
    for node in graph_def.node:
        for inp in node.input:
            assert inp.lstrip("^").split(":")[0] in names, (node.name, inp)


def _misplaced_variables(graph_def) -> list[str]:
    """Resource variables (Placeholder/VarHandleOp) at another top-level scope than every op
    that reads them: what made TensorBoard draw a column of variables beside the model."""
    from tensorboard.compat.proto import types_pb2

    readers: dict[str, set[str]] = {n.name: set() for n in graph_def.node}
    for node in graph_def.node:
        for inp in node.input:
            readers.setdefault(inp.lstrip("^").split(":")[0], set()).add(node.name)
    misplaced = []
    for node in graph_def.node:
        if node.op not in ("Placeholder", "VarHandleOp") or \
                node.attr["dtype"].type != types_pb2.DT_RESOURCE:
            continue
        tops = {r.split("/")[0] for r in readers.get(node.name, ()) if "/" in r}
        tops -= set(readers)  # `Add/ReadVariableOp`: named after the op `Add`, top level
        if len(tops) == 1 and node.name.split("/")[0] not in tops:
            misplaced.append(node.name)
    return misplaced


def test_keras_variables_sit_in_the_layer_that_reads_them(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["training_step"].functions["train_step"].graphs[0],
                        "train_step")
    write_tensorboard(graph, tmp_path / "run")
    graph_def = _read_graph_def(tmp_path / "run")
    _resolves(graph_def)
    variables = [n for n in graph_def.node if n.attr["_python_variable"].s]
    assert len(variables) == 6  # 2 Dense layers' kernels and biases, SGD's rate and iteration
    for var in variables:  # Keras numbers layers per process: names are checked by rule
        python = var.attr["_python_variable"].s.decode()
        readers = [n.name for n in graph_def.node
                   if var.name in n.input and n.op == "ReadVariableOp"]
        assert var.attr["_tf_name"].s.decode() == f"{readers[0]}/resource"  # the op's name
        (layer,) = {r.rsplit("/", 2)[0] if r.count("/") >= 2 else "" for r in readers}
        # `regressor_1/dense_1/Cast/ReadVariableOp` reads `regressor/dense/kernel`: it goes
        # into `regressor_1/dense_1`, not the cast's scope; SGD's write does not count; a
        # variable read at the top level (`Add/ReadVariableOp`) keeps its Python name
        assert var.name == (f"{layer}/{python.rpartition('/')[2]}" if layer else python)
    assert sum(v.name.startswith("regressor") for v in variables) == 4
    assert not _misplaced_variables(graph_def)


def test_resnet50_has_only_the_model_at_the_top_level(traced_examples):
    from tfgraphviz.export.tensorboard import to_graph_def

    graph = to_networkx(traced_examples["resnet50"].functions["predict"].graphs[0], "predict")
    graph_def = to_graph_def(graph)
    _resolves(graph_def)
    assert not _misplaced_variables(graph_def)
    assert sorted({n.name.split("/")[0] for n in graph_def.node}) == [
        "Identity", "NoOp", "images", "resnet50_1"]
    nodes = {n.name: n for n in graph_def.node}
    # the reads are named after their consumer op (`convolution`) or sit alone in a scope
    # (`Cast`, a no-op cast): the variable goes to the layer, not into those
    assert nodes["resnet50_1/conv1_conv_1/kernel_0"].attr["_python_variable"].s.startswith(
        b"conv1_conv/kernel")
    assert "resnet50_1/conv1_bn_1/moving_mean_0" in nodes
    assert sum(1 for n in graph_def.node if n.attr["_python_variable"].s
               and n.op == "Placeholder") == 320


def _node(graph, node_id: str, op: str, kind: str = "op", variable: str = "") -> None:
    graph.add_node(node_id, name=node_id.rpartition("::")[2], op=op, kind=kind,
                   variable=variable, body=node_id.rpartition("::")[0],
                   outputs=[{"dtype": "resource", "shape": ()}])


def _data(graph, src: str, dst: str, dst_input: int = 0) -> None:
    graph.add_edge(src, dst, kind="data", src_output=0, dst_input=dst_input)


def test_variable_scopes_follow_readers_through_calls_and_ignore_writers():
    import networkx as nx

    from tfgraphviz.export.tensorboard import to_graph_def

    graph = nx.MultiDiGraph()
    for var in ("w", "b", "opt_only", "shared", "root_read", "twin_a", "twin_b", "sub", "gan"):
        _node(graph, var, "Placeholder", "variable", f"m/{var}")
    graph.nodes["twin_a"]["variable"] = "a/kernel"
    graph.nodes["twin_b"]["variable"] = "b/kernel"
    _node(graph, "net/dense/MatMul", "MatMul")
    _node(graph, "net/dense/MatMul/ReadVariableOp", "ReadVariableOp")  # scope is an op
    _node(graph, "net/dense/Cast/ReadVariableOp", "ReadVariableOp")  # scope holds only it
    _node(graph, "net/dense/twin1/ReadVariableOp", "ReadVariableOp")
    _node(graph, "net/dense/twin1/Other", "Identity")
    _node(graph, "net/dense/twin2/ReadVariableOp", "ReadVariableOp")
    _node(graph, "net/dense/twin2/Other", "Identity")
    _node(graph, "opt/AssignSubVariableOp", "AssignSubVariableOp")
    _node(graph, "opt/AssignSubVariableOp_1", "AssignSubVariableOp")
    _node(graph, "left/ReadVariableOp", "ReadVariableOp")
    _node(graph, "left/x", "Identity")
    _node(graph, "right/ReadVariableOp", "ReadVariableOp")
    _node(graph, "right/x", "Identity")
    _node(graph, "ReadVariableOp", "ReadVariableOp")
    _node(graph, "call", "StatefulPartitionedCall")
    graph.add_node("call::callee::arg_0", name="arg_0", op="_Arg", kind="arg", variable="",
                   body="call::callee", outputs=[])
    _node(graph, "call::callee::layer/Mul/ReadVariableOp", "ReadVariableOp")
    _node(graph, "call::callee::layer/Mul", "Mul")
    graph.add_node("call::callee::arg_1", name="arg_1", op="_Arg", kind="arg", variable="",
                   body="call::callee", outputs=[])
    _node(graph, "call::callee::other/ReadVariableOp", "ReadVariableOp")
    _node(graph, "call::callee::other/x", "Identity")
    _data(graph, "w", "net/dense/MatMul/ReadVariableOp")
    _data(graph, "w", "opt/AssignSubVariableOp")  # a write: not where w belongs
    _data(graph, "b", "call")
    graph.add_edge("call", "call::callee::arg_0", kind="call", caller_input=0)
    _data(graph, "call::callee::arg_0", "call::callee::layer/Mul/ReadVariableOp")
    _data(graph, "opt_only", "opt/AssignSubVariableOp_1")
    _data(graph, "shared", "left/ReadVariableOp")
    _data(graph, "shared", "right/ReadVariableOp")
    _data(graph, "root_read", "ReadVariableOp")
    _data(graph, "twin_a", "net/dense/twin1/ReadVariableOp")
    _data(graph, "twin_a", "net/dense/Cast/ReadVariableOp")
    _data(graph, "twin_b", "net/dense/twin2/ReadVariableOp")
    _data(graph, "sub", "net/dense/twin1/Other")  # two sub-scopes of one layer: the layer
    _data(graph, "sub", "net/dense/twin2/Other")
    _data(graph, "gan", "call", 1)  # two layers of a body (a generator called twice)
    graph.add_edge("call", "call::callee::arg_1", kind="call", caller_input=1)
    _data(graph, "call::callee::arg_1", "call::callee::layer/Mul/ReadVariableOp", 1)
    _data(graph, "call::callee::arg_1", "call::callee::other/ReadVariableOp")
    names = tensorboard_names(graph)
    assert names["w"] == "net/dense/w"
    assert names["b"] == "call/callee/layer/b"  # read in the body the call runs
    assert names["opt_only"] == "opt/opt_only"  # only written: by whom
    assert names["shared"] == "captures/m/shared"  # read in two top-level scopes
    assert names["root_read"] == "m/root_read"  # read at the top level: as before
    assert names["twin_a"] == "net/dense/kernel"
    assert names["twin_b"] == "net/dense/twin2/kernel"
    assert names["sub"] == "net/dense/sub"
    assert names["gan"] == "call/callee/captures/m/gan"
    graph.nodes["twin_a"]["variable"] = "a/bias"
    graph.nodes["twin_b"]["variable"] = "b/bias"
    _data(graph, "twin_b", "net/dense/MatMul/ReadVariableOp", 1)
    names = tensorboard_names(graph)
    assert names["twin_a"] == "net/dense/bias" and names["twin_b"] == "net/dense/b_bias"
    graph_def = to_graph_def(graph)
    _resolves(graph_def)
    nodes = {n.name: n for n in graph_def.node}
    assert nodes["net/dense/MatMul/ReadVariableOp"].input == ["net/dense/w",
                                                              "net/dense/b_bias"]
    assert nodes["net/dense/w"].attr["_tf_name"].s == b"w"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 10) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


@pytest.fixture(scope="module")
def tensorboard(traced_examples, tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """A real TensorBoard server (127.0.0.1 only) on two runs: `step` (control_deps) and
    `predict` (the Keras ResNet50 forward pass, the first run the graph tab opens)."""
    logs = tmp_path_factory.mktemp("tb") / "logs"
    graphs = {
        "step": to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step"),
        "predict": to_networkx(traced_examples["resnet50"].functions["predict"].graphs[0],
                               "predict")}
    for run, graph in graphs.items():
        write_tensorboard(graph, logs / run)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logs),
         "--host", "127.0.0.1", "--port", str(port), "--load_fast", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                info = _get(f"{base}/data/plugin/graphs/info", 5)
                if all(f'"{run}"' in info for run in graphs):
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            pytest.fail("TensorBoard did not list the runs within 90 s")
        yield base, graphs
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_real_tensorboard_serves_the_graph(tensorboard):
    base, graphs = tensorboard
    body = _get(f"{base}/data/plugin/graphs/graph?run=step&conceptual=false")
    assert body.count("node {") == graphs["step"].number_of_nodes()
    assert 'op: "AssignAddVariableOp"' in body and 'op: "PrintV2"' in body


@pytest.mark.slow
def test_real_tensorboard_groups_keras_variables_in_their_layers(tensorboard):
    """What TensorBoard serves for ResNet50: every variable inside the layer that reads it,
    only the model and its input/output at the top level (the old export had 320 variables in
    110 top-level groups, and TensorBoard set the model itself aside as an extracted node)."""
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2

    base, graphs = tensorboard
    body = _get(f"{base}/data/plugin/graphs/graph?run=predict&conceptual=false", 60)
    graph_def = text_format.Parse(body, graph_pb2.GraphDef())
    assert len(graph_def.node) == graphs["predict"].number_of_nodes()
    _resolves(graph_def)
    assert not _misplaced_variables(graph_def)
    assert {n.name.split("/")[0] for n in graph_def.node} == {
        "images", "resnet50_1", "Identity", "NoOp"}


_SCENE_JS = """
function all(root, selector, found) {
  root.querySelectorAll(selector).forEach(e => found.push(e));
  root.querySelectorAll('*').forEach(e => {
    if (e.shadowRoot) all(e.shadowRoot, selector, found);
  });
  return found;
}
const scene = all(document, 'g.scene', [])[0];
if (!scene) return null;
const names = part => Array.from(scene.querySelectorAll(
    ':scope > g.' + part + ' > g.nodes > g.node')).map(n => n.getAttribute('data-name'));
return {core: names('core'), in: names('in-extract'), out: names('out-extract')};
"""


@pytest.mark.slow
def test_tensorboard_first_view_shows_the_model(tensorboard, tmp_path):
    """The graph tab in headless Chromium: the first view of ResNet50 is the model between its
    input and output, not a column of variable groups beside an extracted model."""
    import shutil

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip("needs chromium and chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    base, _ = tensorboard
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        browser.get(f"{base}/?darkMode=false#graphs")  # opens the first run: `predict`
        deadline = time.monotonic() + 120
        scene = None
        while time.monotonic() < deadline and not (scene and scene["core"]):
            time.sleep(1)
            scene = browser.execute_script(_SCENE_JS)
        time.sleep(2)  # let the layout settle, then read it again
        scene = browser.execute_script(_SCENE_JS)
        browser.save_screenshot(str(tmp_path / "tensorboard.png"))
    finally:
        browser.quit()
    assert scene, "the graph tab drew no scene within 120 s"
    assert "resnet50_1" in scene["core"], scene  # the model is in the main graph
    assert scene["in"] == [], scene  # no variable (group) set aside as an input
    assert len(scene["core"]) + len(scene["in"]) + len(scene["out"]) <= 5, scene
