"""Machine-readable graphs: node-link JSON (lossless round trip) and GraphML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.fsutil import write_text


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON with sorted keys: identical models give identical text."""
    data = nx.node_link_data(graph, edges="links")
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


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
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML; lists and dicts become JSON strings since GraphML holds scalars only."""
    flat = nx.MultiDiGraph()
    flat.graph.update({k: _scalar(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: _scalar(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **{k: _scalar(val) for k, val in data.items()})
    return "\n".join(nx.generate_graphml(flat)) + "\n"


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    return write_text(path, to_graphml(graph))
