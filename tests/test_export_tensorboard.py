"""TensorBoard logs: the event file holds the graph, and a real TensorBoard server serves it."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tfgraphviz.export_tensorboard import tensorboard_names, write_tensorboard
from tfgraphviz.model import to_networkx


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_real_tensorboard_serves_the_graph(traced_examples, tmp_path):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    write_tensorboard(graph, tmp_path / "logs" / "step")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path / "logs"),
         "--host", "127.0.0.1", "--port", str(port), "--load_fast", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/data/plugin/graphs/info", timeout=5) as r:
                    info = r.read().decode()
                if '"step"' in info:
                    url = f"{base}/data/plugin/graphs/graph?run=step&conceptual=false"
                    with urllib.request.urlopen(url, timeout=10) as r:
                        body = r.read().decode()
                    break
            except OSError:
                pass
            time.sleep(1)
        assert body, "TensorBoard did not list the run within 90 s"
        assert body.count("node {") == graph.number_of_nodes()
        assert 'op: "AssignAddVariableOp"' in body and 'op: "PrintV2"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
