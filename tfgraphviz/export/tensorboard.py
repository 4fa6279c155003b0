"""TensorBoard logs for the graph tab, built from the model (bodies nested under their callers)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz._util.fs import write_bytes
from tfgraphviz._util.gc import paused_gc
from tfgraphviz._util.shape import Shape
from tfgraphviz._util.text import utf8
from tfgraphviz.export.records import record
from tfgraphviz.model.build import SEP

EVENT_FILE = "events.out.tfevents.0000000000.tfgraphviz"
CAPTURES = "captures"  # the scope of variables whose readers share no layer


def _shape_proto(dims: Shape) -> object:
    from tensorboard.compat.proto import tensor_shape_pb2

    shape = tensor_shape_pb2.TensorShapeProto()
    if dims is None:
        shape.unknown_rank = True
        return shape
    for dim in dims:
        shape.dim.add(size=-1 if dim is None else dim)
    return shape


def _sanitize(name: str) -> str:
    """A valid TensorFlow node name: `[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*`."""
    name = re.sub(r"[^A-Za-z0-9_./>\\-]", "_", name)
    name = re.sub(r"/+", "/", name).rstrip("/").lstrip("_>\\-/")
    return name or "unnamed"


# ops that only change a resource variable (not reads): the layer that reads a variable names
# its scope, the optimizer that updates it does not
_WRITE_PREFIXES = ("Assign", "ResourceApply", "ResourceSparseApply", "ResourceScatter",
                   "DestroyResourceOp")


def _resource_users(graph: nx.MultiDiGraph, node: str) -> list[str]:
    """The ops that take `node`'s output, followed through calls into the bodies that receive
    it (a captured variable passed to a StatefulPartitionedCall is read by its body)."""
    users: list[str] = []
    stack, seen = [node], {node}
    while stack:
        current = stack.pop()
        for _, dst, data in sorted(graph.out_edges(current, data=True),
                                   key=lambda e: (e[1], e[2].get("dst_input", -1))):
            if data["kind"] != "data":
                continue
            args = sorted(arg for _, arg, d in graph.out_edges(dst, data=True)
                          if d["kind"] == "call" and d.get("caller_input") == data["dst_input"])
            if not args:
                users.append(dst)
            for arg in args:
                if arg not in seen:
                    seen.add(arg)
                    stack.append(arg)
    return users


def _common_scope(scopes: list[str]) -> str:
    parts = [scope.split("/") if scope else [] for scope in scopes]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/".join(common)


def _variable_scope(graph: nx.MultiDiGraph, node: str, names: dict[str, str],
                    ops: set[str], sizes: Counter[str],
                    bodies: set[str]) -> tuple[str, bool] | None:
    """The TensorBoard name scope a captured variable belongs in, and whether it holds variables
    by their whole Python names: the common scope of the layers that read it (writers only when
    nothing reads it); `captures` in the top level or in the body whose layers share it (a
    GAN's generator called twice); None when it is read at the top level (or nothing uses it).

    A reader's layer is its name scope, less the levels that exist only for the read: TF names
    a read after the op that consumes it (`conv_1/convolution/ReadVariableOp`, `convolution`
    being the Conv2D op) or inside a scope that holds nothing else (`dense_1/Cast/...`, when
    the cast was a no-op).
    """
    users = _resource_users(graph, node)
    readers = [u for u in users if not graph.nodes[u]["op"].startswith(_WRITE_PREFIXES)]
    scopes = set()
    for user in readers or users:
        scope = names[user].rpartition("/")[0]
        while scope and (scope in ops or sizes[scope] <= 1):
            scope = scope.rpartition("/")[0]
        scopes.add(scope)
    if not scopes or "" in scopes:
        return None
    common = _common_scope(sorted(scopes))
    if common in scopes or (common and common not in bodies):
        return common, False
    return (f"{common}/{CAPTURES}" if common else CAPTURES), True


def tensorboard_names(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Unique TensorBoard node names: body paths become name scopes under their caller, and a
    tf.Variable is named by its Python name inside the name scope of the layer that reads it
    (`encoder_1/conv2d_1/kernel`), so TensorBoard groups it with that layer instead of
    lining every variable up at the top level; a variable read at the top level keeps its
    Python name (`v`) in its body's scope."""
    ordinary: list[tuple[str, str]] = []
    variables: list[tuple[str, dict[str, Any]]] = []
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "variable" and data.get("variable"):
            variables.append((node, data))
        else:
            ordinary.append((node, node))
    names: dict[str, str] = {}
    used: set[str] = set()

    def claim(node: str, *wanted: str) -> None:
        candidates = [_sanitize(w) for w in wanted]
        name = next((c for c in candidates if c not in used), candidates[-1])
        while name in used:
            name += "_"
        used.add(name)
        names[node] = name

    for node, wanted in ordinary:  # op names first: they are inputs elsewhere too
        claim(node, wanted.replace(SEP, "/"))
    ops = set(used)
    sizes: Counter[str] = Counter()  # ops inside each name scope
    for name in ops:
        parts = name.split("/")
        sizes.update("/".join(parts[:i]) for i in range(1, len(parts)))
    bodies = {_sanitize(str(data["body"]).replace(SEP, "/"))
              for _, data in graph.nodes(data=True) if data.get("body")}
    for node, data in variables:
        python = _sanitize(data["variable"])
        place = _variable_scope(graph, node, names, ops, sizes, bodies)
        if place is None:
            body = node.rpartition(SEP)[0].replace(SEP, "/") if SEP in node else ""
            claim(node, f"{body}/{python}" if body else python)
            continue
        scope, whole = place
        if whole:  # readers in several layers: one `captures` group, by whole Python names
            claim(node, f"{scope}/{python}")
        else:  # `kernel`; the whole Python name when the layer has two `kernel`s
            claim(node, f"{scope}/{python.rpartition('/')[2]}",
                  f"{scope}/{python.replace('/', '_')}")
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
    parsed: dict[str, bytes] = {}  # an attribute value's JSON -> its AttrValue, serialized
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
                text = json.dumps(values[key], sort_keys=True)
                wire = parsed.get(text)
                if wire is None:  # ops share most attribute values (T: DT_FLOAT, ...)
                    try:
                        wire = json_format.ParseDict(values[key], attr_value_pb2.AttrValue()
                                                     ).SerializeToString(deterministic=True)
                    except json_format.ParseError:
                        wire = attr_value_pb2.AttrValue(s=text.encode()).SerializeToString()
                    parsed[text] = wire
                proto.attr[key].MergeFromString(wire)
        else:  # a model without the protos: their text summaries
            for key, value in data.get("attrs", {}).items():
                proto.attr[key].CopyFrom(attr_value_pb2.AttrValue(s=utf8(value)))
        if data["kind"] in ("arg", "ret") and "index" not in proto.attr:
            proto.attr["index"].i = int(data.get("index", 0))
        if data.get("variable"):
            proto.attr["_python_variable"].s = utf8(data["variable"])
        if names[node] != _sanitize(node.replace(SEP, "/")):
            proto.attr["_tf_name"].s = utf8(data["name"])
        if origins:
            proto.attr["_control_origins"].list.s.extend(utf8(o) for o in origins)
        outputs = data.get("outputs", [])
        if outputs and "_output_shapes" not in proto.attr:
            shapes = proto.attr["_output_shapes"].list.shape
            for spec in outputs:
                shapes.add().CopyFrom(_shape_proto(spec["shape"]))
    return graph_def


def write_tensorboard(graph: nx.MultiDiGraph, logdir: Path) -> Path:
    """Write one run (a folder with one event file) that TensorBoard's graph tab opens."""
    from tensorboard.compat.proto import event_pb2

    with paused_gc():
        graph_def = to_graph_def(graph)
    events = [event_pb2.Event(wall_time=0.0, file_version="brain.Event:2"),
              event_pb2.Event(wall_time=0.0, step=0,
                              graph_def=graph_def.SerializeToString(deterministic=True))]
    return write_bytes(Path(logdir) / EVENT_FILE,
                       b"".join(record(event.SerializeToString()) for event in events))
