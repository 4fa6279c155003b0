"""Names on collapsed scopes: the end of a path that tells two boxes apart, the file's own name
for a model or optimizer, and whether a box lies in a gradient."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from tfgraphviz.views.scopes import GRADIENT_SCOPES, UNIQUIFIER, WRITE_OPS, Scope, scope_id

if TYPE_CHECKING:
    from tfgraphviz.views.build import Assignment


def name_apart(out: nx.MultiDiGraph, scope_nodes: set[str]) -> None:
    """Scopes drawn side by side with the same last name (`discriminator_1` of the forward pass
    and `gradient_tape/discriminator_1`) get `label_path`: the shortest end of their paths
    that tells them apart."""
    same: dict[tuple[str, str], list[str]] = {}
    for key in sorted(scope_nodes):
        data = out.nodes[key]
        same.setdefault((data["body"], data["scope_path"].rpartition("/")[2]), []).append(key)
    for keys in same.values():
        if len(keys) < 2:
            continue
        parts = {key: [s for s in out.nodes[key]["scope_path"].split("/") if not
                       s.endswith("*")] for key in keys}  # virtual groups (`conv2_*`) aside
        longest = k = max(len(p) for p in parts.values())
        for k in range(2, longest + 1):  # k stays the length found
            ends = ["/".join(p[-k:]) for p in parts.values()]
            if len(set(ends)) == len(ends):
                break
        for key, path in parts.items():
            out.nodes[key]["label_path"] = "/".join(path[-k:])


def name_owners(graph: nx.MultiDiGraph, assign: Assignment, out: nx.MultiDiGraph) -> None:
    """Collapsed scopes that read the variables of one Keras model or optimizer get `owner`,
    the file's name for it (`generator` for scope `sequential`), and `gradient` when they lie
    in a gradient tape's scope."""
    groups = assign.hier.variable_groups
    vis = assign.visible
    keras_names = graph.graph.get("keras_names", {})
    known = set(keras_names.values())
    model_names = {UNIQUIFIER.sub("", n) for n in keras_names}
    readers: dict[Scope, set[str]] = {}
    for u, v, kind in graph.edges(data="kind"):
        source, target = vis[u], vis[v]
        if kind == "data" and isinstance(source, tuple) and source[1] in groups \
                and isinstance(target, tuple) and target[1] not in groups:
            owner = graph.nodes[u].get("owner", "")
            if owner in known:  # a live model or optimizer the file names, not a guess
                readers.setdefault(target, set()).add(owner)
    for target in {t for t in vis.values() if isinstance(t, tuple)}:
        key = scope_id(*target)
        if key not in out or target[1] in groups or not target[1]:
            continue
        data = out.nodes[key]
        last = target[1][-1]
        named = keras_names.get(last) or keras_names.get(UNIQUIFIER.sub("", last))
        found = readers.get(target, set())
        owner = named if named in found else (next(iter(found)) if len(found) == 1 else "")
        inner = any(UNIQUIFIER.sub("", s) in model_names for s in target[1][:-1])
        if owner and UNIQUIFIER.sub("", last) in model_names and not inner:
            # a model's or optimizer's call (not a model used as a layer inside another)
            data["owner"] = owner
            data["updates"] = len({  # the variables of others it writes: an optimizer's step
                graph.nodes[m]["uses_variable"] for m in assign.members.get(target, [])
                if graph.nodes[m]["op"] in WRITE_OPS and graph.nodes[m].get("uses_variable")
                and graph.nodes[m].get("uses_owner") != owner})
        if any(s.startswith(GRADIENT_SCOPES) for s in target[1][:-1]):
            data["gradient"] = True
