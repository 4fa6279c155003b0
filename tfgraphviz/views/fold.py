"""Folding for views: noise (constants, Identity chains, variable reads) into the op they feed,
and runs of structurally identical sibling scopes into one node marked ×N."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import networkx as nx

NOISE_OPS = ("Const", "Identity", "ReadVariableOp")


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _only_data_use(graph: nx.MultiDiGraph, node: str) -> str | None:
    """The op `node`'s output feeds when it feeds exactly one data input (its control edges,
    such as automatic dependencies of a read, are then drawn from that op)."""
    data = [v for _, v, d in graph.out_edges(node, data=True) if d["kind"] == "data"]
    return data[0] if len(data) == 1 else None


def _keeps(data: dict[str, Any]) -> bool:
    """Nodes that must stay visible: results, control outputs, drawn variables' users."""
    return bool(data.get("function_output") or data.get("control_output"))


def absorb_noise(graph: nx.MultiDiGraph) -> tuple[dict[str, str], dict[str, list[str]]]:
    """({absorbed node: the op it is folded into}, {op: texts of what it absorbed}).

    A constant without inputs, an Identity with one input, or a ReadVariableOp reading one
    variable, whose output feeds exactly one op, is folded into that op (chains fold all the
    way; its control edges are then drawn from that op); a variable read only by such a read
    goes with it."""
    target: dict[str, str] = {}
    texts: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        op = data.get("op")
        if op not in NOISE_OPS or data["kind"] not in ("op", "const") or _keeps(data):
            continue
        out = _only_data_use(graph, node)
        if out is None:
            continue
        ins = list(graph.in_edges(node, data=True))
        if op == "Const":
            if ins:
                continue
            value = str(data.get("attrs", {}).get("value", ""))
            value = value.split(" ", 1)[1] if " " in value else value
            text = f"const {_short(value)}".strip()
        elif len(ins) != 1 or ins[0][2]["kind"] != "data":
            continue
        elif op == "Identity":
            text = "Identity"
        else:
            source = ins[0][0]
            src = graph.nodes[source]
            text = f"read {_short(str(src.get('variable') or src['name']), 40)}"
            if (src["kind"] in ("variable", "placeholder") and graph.in_degree(source) == 0
                    and graph.out_degree(source) == 1 and not _keeps(src)
                    and not src.get("owner")):  # a model's variable stays in its group
                target[source] = node
        target[node] = out
        texts.setdefault(node, []).append(text)
    resolved: dict[str, str] = {}
    for node in target:  # follow chains to the op that stays
        seen = [node]
        end = target[node]
        while end in target and len(seen) <= len(target):
            seen.append(end)
            end = target[end]
        for step in seen:
            resolved[step] = end
    merged: dict[str, list[str]] = {}
    for node in target:
        merged.setdefault(resolved[node], []).extend(texts.get(node, []))
    return resolved, {k: sorted(v) for k, v in merged.items()}


# ---- repeated structure ----------------------------------------------------------------------
def signature(graph: nx.MultiDiGraph, members: list[str], shapes: bool = True) -> Any:
    """A name-free fingerprint of a set of ops: op types, output types (and shapes, unless
    `shapes` is false: the iterations of an unrolled loop over variables of several shapes),
    wiring inside (three Weisfeiler-Lehman rounds) and the kinds of edges crossing the
    border."""
    inside = set(members)
    nodes = graph.nodes
    pred, succ = graph.pred, graph.succ
    label: dict[str, Any] = {}
    for n in members:
        d = nodes[n]
        label[n] = hash((d["op"], d["kind"], tuple(
            (o.get("dtype"), o.get("shape") if shapes else "") for o in d.get("outputs", []))))
    ins = {n: [(u, e["kind"], e.get("dst_input", -1)) for u, es in pred[n].items()
               if u in inside for e in es.values()] for n in members}
    outs = {n: [(v, e["kind"], e.get("src_output", -1)) for v, es in succ[n].items()
                if v in inside for e in es.values()] for n in members}
    for _ in range(3):
        label = {n: hash((label[n], tuple(sorted((label[u], k, p) for u, k, p in ins[n])),
                          tuple(sorted((label[v], k, p) for v, k, p in outs[n]))))
                 for n in members}
    border: set[tuple[Any, ...]] = set()
    for n in members:
        border.update(("in", label[n], e["kind"], e.get("dtype"),
                       e.get("shape") if shapes else "")
                      for u, es in pred[n].items() if u not in inside for e in es.values())
        border.update(("out", label[n], e["kind"], e.get("dtype"),
                       e.get("shape") if shapes else "")
                      for v, es in succ[n].items() if v not in inside for e in es.values())
    return (len(members), tuple(sorted(label.values())), tuple(sorted(border, key=repr)))


def chains(group: list[Hashable], links: set[tuple[Hashable, Hashable]]
           ) -> list[list[Hashable]]:
    """Runs of `group` (in order) where each member feeds the next and nothing else of the
    group: a → b → c; branches and merges end a run."""
    succ: dict[Hashable, list[Hashable]] = {g: [] for g in group}
    pred: dict[Hashable, list[Hashable]] = {g: [] for g in group}
    for a, b in sorted(links, key=repr):
        if a in succ and b in succ and a != b:
            succ[a].append(b)
            pred[b].append(a)
    runs: list[list[Hashable]] = []
    for start in group:
        if len(pred[start]) == 1 and len(succ[pred[start][0]]) == 1:
            continue  # continues a run
        run = [start]
        while len(succ[run[-1]]) == 1:
            nxt = succ[run[-1]][0]
            if len(pred[nxt]) != 1 or nxt in run:
                break
            run.append(nxt)
        if len(run) > 1:
            runs.append(run)
    return runs


def _iteration(node: Hashable) -> bool:
    """A group of one iteration of an unrolled Python loop (`line 174/iteration 3`)."""
    return isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], tuple) \
        and bool(node[1]) and str(node[1][-1]).startswith("iteration ")


def fold_runs(graph: nx.MultiDiGraph, scopes: dict[Hashable, tuple[Any, list[str]]],
              edges: Iterable[tuple[Hashable, Hashable]], cache: dict[Hashable, Any]
              ) -> dict[Hashable, list[Hashable]]:
    """{first scope node of a run: every scope node of the run} for runs of chained,
    structurally identical sibling scope nodes. `scopes` maps a scope node to (its parent
    key, its model members); `edges` are the links between visible nodes; `cache` keeps
    signatures between calls (a scope's members do not depend on the depth)."""
    by_parent: dict[Any, dict[int, list[Hashable]]] = {}
    for node, (parent, members) in scopes.items():
        by_parent.setdefault(parent, {}).setdefault(len(members), []).append(node)
    groups: list[list[Hashable]] = []
    for parent in sorted(by_parent, key=repr):
        for size in sorted(by_parent[parent]):
            nodes = by_parent[parent][size]
            if len(nodes) < 2:
                continue
            ops: dict[Any, list[Hashable]] = {}
            for node in nodes:  # cheap first: the same op types (one kind of key for all)
                key = ("ops", node)
                if key not in cache:
                    cache[key] = hash(tuple(sorted(graph.nodes[n]["op"]
                                                   for n in scopes[node][1])))
                ops.setdefault(cache[key], []).append(node)
            nodes = [n for same in ops.values() if len(same) > 1 for n in same]
            sigs: dict[Any, list[Hashable]] = {}
            for node in nodes:
                if node not in cache:
                    cache[node] = signature(graph, scopes[node][1], not _iteration(node))
                sigs.setdefault(cache[node], []).append(node)
            groups += [same for same in sigs.values() if len(same) > 1]
    if not groups:
        return {}
    links = set(edges)
    result: dict[Hashable, list[Hashable]] = {}
    for group in groups:
        if all(_iteration(n) for n in group) and not any(
                a in group and b in group for a, b in links):
            result[group[0]] = group  # an unrolled loop's iterations, side by side
            continue
        for run in chains(group, links):
            result[run[0]] = run
    return result
