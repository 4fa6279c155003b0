"""The drawing as data: graph attributes, nodes, edges, same-rank groups and clusters with
their attributes, in the order written. dot.py builds it, `text` serializes it once as DOT;
the layouts read it instead of parsing DOT text back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

Attrs = dict[str, str]  # name -> value as DOT writes it ("quoted" or <html>), in written order


@dataclass
class Node:
    """`id [attrs];`"""
    id: str
    attrs: Attrs


@dataclass
class Edge:
    """`a -> b [attrs];`, or a chain `a -> b -> c` (one statement, several edges)."""
    ids: list[str]
    attrs: Attrs


@dataclass
class Rank:
    """`{rank="same"; a; b;}`"""
    ids: list[str]


@dataclass
class Defaults:
    """`graph [attrs];`, `node [attrs];` or `edge [attrs];`: the attributes of the graph
    (cluster) they are in, or the defaults of the nodes (edges) after them."""
    kind: str
    attrs: Attrs


@dataclass
class Cluster:
    """`subgraph name { ... }`"""
    name: str
    body: list[Statement] = field(default_factory=list)


Statement = Node | Edge | Rank | Defaults | Cluster


@dataclass
class Scene:
    """A whole `digraph G { ... }`."""
    body: list[Statement] = field(default_factory=list)

    def text(self) -> str:
        """The DOT source: one statement per line, two spaces of indentation per level."""
        return "\n".join(["digraph G {", *lines(self.body), "}"]) + "\n"


def attr_text(attrs: Attrs) -> str:
    return ", ".join(f"{key}={value}" for key, value in attrs.items())


def lines(body: list[Statement], depth: int = 1) -> Iterator[str]:
    """The DOT lines of statements `depth` levels deep."""
    indent = "  " * depth
    for item in body:
        if isinstance(item, Cluster):
            yield f"{indent}subgraph {item.name} {{"
            yield from lines(item.body, depth + 1)
            yield f"{indent}}}"
        elif isinstance(item, Rank):
            yield f'{indent}{{rank="same"; {"; ".join(item.ids)};}}'
        elif isinstance(item, Edge):
            ends = " -> ".join(item.ids)
            yield f"{indent}{ends} [{attr_text(item.attrs)}];" if item.attrs else (
                f"{indent}{ends};")
        else:
            name = item.id if isinstance(item, Node) else item.kind
            yield f"{indent}{name} [{attr_text(item.attrs)}];"


def walk(body: list[Statement]) -> Iterator[Statement]:
    """Every statement, depth first, in written order (a cluster before its contents)."""
    for item in body:
        yield item
        if isinstance(item, Cluster):
            yield from walk(item.body)
