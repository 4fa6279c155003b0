"""TensorBoard logs for the graph tab, built from the model (bodies nested under their callers)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.extract import paused_gc
from tfgraphviz.fsutil import write_bytes
from tfgraphviz.model import SEP

EVENT_FILE = "events.out.tfevents.0000000000.tfgraphviz"


def _shape_proto(text: str) -> object:
    from tensorboard.compat.proto import tensor_shape_pb2

    shape = tensor_shape_pb2.TensorShapeProto()
    if text == "?" or not text.startswith("["):
        shape.unknown_rank = True
        return shape
    for dim in filter(None, text.strip("[]").split(",")):
        shape.dim.add(size=-1 if dim == "?" else int(dim))
    return shape


def _sanitize(name: str) -> str:
    """A valid TensorFlow node name: `[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*`."""
    name = re.sub(r"[^A-Za-z0-9_./>\\-]", "_", name)
    name = re.sub(r"/+", "/", name).rstrip("/").lstrip("_>\\-/")
    return name or "unnamed"


def tensorboard_names(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Unique TensorBoard node names: body paths become name scopes under their caller, and a
    tf.Variable is named by its Python name (`dense/kernel`, `v`) inside its body's scope."""
    ordinary: list[tuple[str, str]] = []
    variables: list[tuple[str, str]] = []
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "variable" and data.get("variable"):
            scope = node.rpartition(SEP)[0] if SEP in node else ""
            variables.append((node, f"{scope}{SEP}{data['variable']}" if scope
                              else data["variable"]))
        else:
            ordinary.append((node, node))
    names: dict[str, str] = {}
    used: set[str] = set()
    for node, wanted in ordinary + variables:  # op names first: they are inputs elsewhere too
        name = _sanitize(wanted.replace(SEP, "/"))
        while name in used:
            name += "_"
        used.add(name)
        names[node] = name
    return {node: names[node] for node in graph.nodes}


def _control_origin_text(src: str, data: dict[str, Any]) -> str:
    """`PrintV2: user (f.py:12)`: which edge into a node was added by whom."""
    where = data.get("where", "")
    return f"{src}: {data.get('origin', 'unknown')}" + (f" ({where})" if where else "")


def to_graph_def(graph: nx.MultiDiGraph) -> Any:
    """A GraphDef (TensorBoard's own proto classes) that mirrors the model.

    Attributes are the original AttrValue protos (`attr_values` of the model); a captured
    tf.Variable is named by its Python name (the op's own name kept in `_tf_name`); the origin
    of each control input is listed in `_control_origins`.
    """
    from google.protobuf import json_format
    from tensorboard.compat.proto import attr_value_pb2, graph_pb2

    names = tensorboard_names(graph)
    graph_def = graph_pb2.GraphDef()
    for node, data in graph.nodes(data=True):
        proto = graph_def.node.add(name=names[node], op=data["op"], device=data.get("device", ""))
        inputs = sorted(
            ((d.get("dst_input", -1), names[u], d) for u, _, d in graph.in_edges(node, data=True)
             if d["kind"] in ("data", "call", "control")),
            key=lambda item: (item[2]["kind"] == "control", item[0], item[1]))
        origins: list[str] = []
        for _, src, d in inputs:
            if d["kind"] == "control":
                proto.input.append(f"^{src}")
                origins.append(_control_origin_text(src, d))
            elif d["kind"] == "call" or d["src_output"] == 0:
                proto.input.append(src)
            else:
                proto.input.append(f"{src}:{d['src_output']}")
        values = data.get("attr_values")
        if isinstance(values, dict):
            for key in sorted(values):
                try:
                    json_format.ParseDict(values[key], proto.attr[key])
                except json_format.ParseError:
                    proto.attr[key].s = json.dumps(values[key], sort_keys=True).encode()
        else:  # a model without the protos: their text summaries
            for key, value in data.get("attrs", {}).items():
                proto.attr[key].CopyFrom(attr_value_pb2.AttrValue(s=value.encode("utf-8")))
        if data["kind"] in ("arg", "ret") and "index" not in proto.attr:
            proto.attr["index"].i = int(data.get("index", 0))
        if data.get("variable"):
            proto.attr["_python_variable"].s = data["variable"].encode("utf-8")
        if names[node] != _sanitize(node.replace(SEP, "/")):
            proto.attr["_tf_name"].s = data["name"].encode("utf-8")
        if origins:
            proto.attr["_control_origins"].list.s.extend(o.encode("utf-8") for o in origins)
        outputs = data.get("outputs", [])
        if outputs and "_output_shapes" not in proto.attr:
            shapes = proto.attr["_output_shapes"].list.shape
            for spec in outputs:
                shapes.add().CopyFrom(_shape_proto(spec["shape"]))
    return graph_def


def write_tensorboard(graph: nx.MultiDiGraph, logdir: Path) -> Path:
    """Write one run (a folder with one event file) that TensorBoard's graph tab opens."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    buffer = io.BytesIO()
    writer = RecordWriter(buffer)
    writer.write(event_pb2.Event(wall_time=0.0, file_version="brain.Event:2")
                 .SerializeToString())
    with paused_gc():
        graph_def = to_graph_def(graph)
    writer.write(event_pb2.Event(wall_time=0.0, step=0,
                                 graph_def=graph_def.SerializeToString(deterministic=True))
                 .SerializeToString())
    return write_bytes(Path(logdir) / EVENT_FILE, buffer.getvalue())
