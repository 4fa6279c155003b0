"""TensorBoard logs for the graph tab, built from the model (bodies nested under their callers)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import networkx as nx

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


def tensorboard_names(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Unique TensorBoard node names: body paths become name scopes under their caller."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for node in graph.nodes:
        name = re.sub(r"[^A-Za-z0-9_./>\\-]", "_", node.replace(SEP, "/"))
        while name in used:
            name += "_"
        used.add(name)
        names[node] = name
    return names


def to_graph_def(graph: nx.MultiDiGraph) -> Any:
    """A GraphDef (TensorBoard's own proto classes) that mirrors the model."""
    from tensorboard.compat.proto import attr_value_pb2, graph_pb2

    names = tensorboard_names(graph)
    graph_def = graph_pb2.GraphDef()
    for node, data in graph.nodes(data=True):
        proto = graph_def.node.add(name=names[node], op=data["op"], device=data.get("device", ""))
        inputs = sorted(
            ((d.get("dst_input", -1), names[u], d) for u, _, d in graph.in_edges(node, data=True)
             if d["kind"] in ("data", "call", "control")),
            key=lambda item: (item[2]["kind"] == "control", item[0], item[1]))
        for _, src, d in inputs:
            if d["kind"] == "control":
                proto.input.append(f"^{src}")
            elif d["kind"] == "call" or d["src_output"] == 0:
                proto.input.append(src)
            else:
                proto.input.append(f"{src}:{d['src_output']}")
        for key, value in data.get("attrs", {}).items():
            proto.attr[key].CopyFrom(attr_value_pb2.AttrValue(s=value.encode("utf-8")))
        outputs = data.get("outputs", [])
        if outputs:
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
    graph_def = to_graph_def(graph)
    writer.write(event_pb2.Event(wall_time=0.0, step=0,
                                 graph_def=graph_def.SerializeToString(deterministic=True))
                 .SerializeToString())
    return write_bytes(Path(logdir) / EVENT_FILE, buffer.getvalue())
