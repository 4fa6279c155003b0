"""Machine-readable graphs: node-link JSON (lossless round trip) and GraphML."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz._util.frame import Frame
from tfgraphviz._util.fs import write_text
from tfgraphviz._util.gc import paused_gc
from tfgraphviz._util.shape import parse_shape, shape_text
from tfgraphviz._util.text import xml_safe

_SURROGATE = re.compile("[\ud800-\udfff]")


class _Unsupported(Exception):
    """A value the fast encoder leaves to the json module (which may reject it)."""


_INFINITY = float("inf")
FLUSH = 50_000  # pieces of text kept apart at most
CACHE_DEPTH = 4  # nodes[i]["attr_values"][name] is a dict five levels down


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _dumps(data: Any) -> str:
    """`json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)`, byte for byte, a few
    times faster: the json module's C encoder does not indent, its Python one is slow. A dict
    or list met again (the model shares attribute values between nodes) at the same depth
    reuses its text (only small dicts deep down are remembered: caching a big one would copy
    its text once per level)."""
    parts: list[str] = []  # joined into chunks now and then: a million small strings weigh
    chunks: list[str] = []  # far more than their text
    append = parts.append
    string = encode_basestring
    done: dict[tuple[int, str], str] = {}

    def scalar(value: Any) -> str:
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return _float(value)
        raise _Unsupported

    def emit(value: Any, indent: str) -> None:
        kind = type(value)
        if kind is str:
            append(string(value))
        elif kind is dict and len(indent) > CACHE_DEPTH:
            key = (id(value), indent)
            text = done.get(key)
            if text is None:
                start = len(parts)
                container(value, indent)
                text = done[key] = "".join(parts[start:])
                del parts[start:]
            append(text)
        elif isinstance(value, str):
            append(string(value))
        elif isinstance(value, dict | list | tuple):  # and their subclasses
            container(value, indent)
        else:
            append(scalar(value))

    def container(value: Any, indent: str) -> None:
        if not value:
            append("{}" if isinstance(value, dict) else "[]")
            return
        inner = indent + " "
        if isinstance(value, dict):
            if any(type(k) is not str for k in value):
                raise _Unsupported
            sep = "{" + inner
            for k in sorted(value):
                append(sep + string(k) + ": ")
                emit(value[k], inner)
                sep = "," + inner
            append(indent + "}")
        else:
            sep = "[" + inner
            for item in value:
                append(sep)
                emit(item, inner)
                sep = "," + inner
                if len(parts) > FLUSH and len(indent) <= 2:  # between nodes: no cache open
                    chunks.append("".join(parts))
                    parts.clear()
            append(indent + "]")

    try:
        emit(data, "\n")
    except (_Unsupported, RecursionError):
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    chunks.append("".join(parts))
    return "".join(chunks)


def _write_values(data: dict[str, Any]) -> dict[str, Any]:
    """A node's attributes with its frames and shapes as the text files hold (`f.py:12 in f`,
    `[2,?]`)."""
    if "source" in data:
        data["source"] = [str(frame) for frame in data["source"]]
    if "outputs" in data:  # the model's output dicts are shared: new ones
        data["outputs"] = [{**o, "shape": shape_text(o["shape"])} for o in data["outputs"]]
    return data


def _write_edge_values(data: dict[str, Any]) -> dict[str, Any]:
    """An edge's attributes with a data edge's shape as the text files hold (`[2,?]`)."""
    if data.get("kind") == "data":
        data["shape"] = shape_text(data["shape"])
    return data


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON with sorted keys: identical models give identical text."""
    with paused_gc():
        data = nx.node_link_data(graph, edges="links")
        for node in data["nodes"]:  # node_link_data's own dicts: the model is left as it is
            _write_values(node)
        for link in data["links"]:
            _write_edge_values(link)
        text = _dumps(data) + "\n"
    # A lone surrogate (user text decoded with surrogateescape) cannot be written as UTF-8:
    # keep it as a JSON escape, which reads back as the same string.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def from_json(text: str) -> nx.MultiDiGraph:
    """The model back from `to_json` text."""
    data = json.loads(text)
    for node in data["nodes"]:
        if "source" in node:
            node["source"] = [Frame.parse(frame) for frame in node["source"]]
        for output in node.get("outputs", []):
            output["shape"] = parse_shape(output["shape"])
    for link in data["links"]:
        if link.get("kind") == "data":
            link["shape"] = parse_shape(link["shape"])
    graph = nx.node_link_graph(data, directed=True, multigraph=True, edges="links")
    assert isinstance(graph, nx.MultiDiGraph)
    return graph


def write_json(graph: nx.MultiDiGraph, path: Path) -> Path:
    return write_text(path, to_json(graph))


def read_json(path: Path) -> nx.MultiDiGraph:
    return from_json(Path(path).read_text(encoding="utf-8"))


def _scalar(value: Any) -> Any:
    """A GraphML value: text with every XML-invalid character shown as an escape (`\\x1b`)."""
    if isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return xml_safe(value)


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML; lists and dicts become JSON strings since GraphML holds scalars only, a node
    attribute that is None is left out (GraphML's missing value), and characters XML cannot
    carry (control characters a trace printed, U+FFFE, ...) escapes."""
    flat = nx.MultiDiGraph()
    flat.graph.update({k: _scalar(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        flat.add_node(_scalar(node), **{k: _scalar(v) for k, v in _write_values(dict(data)).items()
                                        if v is not None})  # autograph_line: missing, not "null"
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(_scalar(u), _scalar(v), key=_scalar(key),
                      **{k: _scalar(val) for k, val in _write_edge_values(dict(data)).items()})
    return "\n".join(nx.generate_graphml(flat)) + "\n"


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    return write_text(path, to_graphml(graph))
