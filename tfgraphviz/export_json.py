"""Machine-readable graphs: node-link JSON (lossless round trip) and GraphML."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.fsutil import write_text
from tfgraphviz.style import xml_safe

_SURROGATE = re.compile("[\ud800-\udfff]")


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON with sorted keys: identical models give identical text."""
    data = nx.node_link_data(graph, edges="links")
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    # A lone surrogate (user text decoded with surrogateescape) cannot be written as UTF-8:
    # keep it as a JSON escape, which reads back as the same string.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def from_json(text: str) -> nx.MultiDiGraph:
    """The model back from `to_json` text."""
    data = json.loads(text)
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
    """GraphML; lists and dicts become JSON strings since GraphML holds scalars only, and
    characters XML cannot carry (control characters a trace printed, U+FFFE, ...) escapes."""
    flat = nx.MultiDiGraph()
    flat.graph.update({k: _scalar(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        flat.add_node(_scalar(node), **{k: _scalar(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(_scalar(u), _scalar(v), key=_scalar(key),
                      **{k: _scalar(val) for k, val in data.items()})
    return "\n".join(nx.generate_graphml(flat)) + "\n"


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    return write_text(path, to_graphml(graph))
