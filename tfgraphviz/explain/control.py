"""Findings read from one drawing's model: control edges by origin, and variables' state."""

from __future__ import annotations

import ast
import re
from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from tfgraphviz.explain.graph import MAX_SENTENCES, describe_op, finding, name_list, user_line
from tfgraphviz.explain.records import Finding, Use
from tfgraphviz.explain.source import Source

READ_OPS = ("ReadVariableOp", "ResourceGather", "ResourceGatherNd", "VariableShape")
WRITE_PREFIXES = ("Assign", "ResourceApply", "ResourceScatter", "ResourceSparseApply",
                  "ResourceStridedSliceAssign")
PASS_THROUGH = ("Identity", "IdentityN")


# ---- control edges ---------------------------------------------------------------------------
def control_findings(model: nx.MultiDiGraph, index: int, src: Source) -> list[Finding]:
    """Control edges as sentences: automatic ones (program order, the result waiting for
    stateful ops), the user's own tf.control_dependencies, and library code's."""
    nodes = model.nodes
    sentences: dict[str, tuple[int, list[str], str, bool]] = {}
    sinks: dict[str, list[str]] = defaultdict(list)
    library: list[tuple[str, str, str]] = []
    unknown = 0
    out: list[Finding] = []
    for u, v, d in model.edges(data=True):
        if d["kind"] != "control":
            continue
        origin = d.get("origin", "unknown")
        if origin == "automatic":
            if nodes[v].get("auto_created") and nodes[v]["op"] == "NoOp":
                if not nodes[v].get("body"):  # bodies' sinks: the same, one level down
                    sinks[v].append(u)
                continue
            if nodes[u].get("auto_created") and nodes[u]["op"] == "NoOp":
                continue  # the outputs waiting for the NoOp: said with the NoOp
            text = (f"{describe_op(nodes[u], src)} runs before {describe_op(nodes[v], src)}: "
                    "tf.function added this edge to keep stateful ops in program order")
            kind = "auto_control"
        elif origin == "user":
            text = (f"{describe_op(nodes[v], src)} waits for {describe_op(nodes[u], src)}: "
                    f"your tf.control_dependencies at {d.get('where') or 'your file'}")
            kind = "user_control"
        elif origin == "library":
            library.append((u, v, d.get("where") or ""))
            continue
        else:
            unknown += 1
            continue
        line = user_line(nodes[v])
        same = user_line(nodes[u]) == line  # both from one statement: less telling
        entry = sentences.setdefault(text, (line, [], kind, same))
        entry[1].extend((u, v))
    ranked = sorted(sentences.items(), key=lambda kv: (kv[1][2] != "user_control", kv[1][3],
                                                       kv[1][0], kv[0]))
    for text, (line, ops, kind, _) in ranked[:MAX_SENTENCES]:
        out.append(finding(kind, text, src, line, index, sorted(set(ops))))
    if len(ranked) > MAX_SENTENCES:
        rest = sorted({op for _, (_, ops, _, _) in ranked[MAX_SENTENCES:] for op in ops})
        out.append(finding("auto_control", f"{len(ranked) - MAX_SENTENCES} more orderings of "
                           "the same kind (see the drawing)", src, 0, index, rest))
    for sink, waited in sorted(sinks.items()):
        body = nodes[sink].get("body") or ""
        who = "the function's outputs wait" if not body else f"the results of `{body}` wait"
        items = sorted({describe_op(nodes[u], src).removeprefix("the ") for u in waited})
        out.append(finding(
            "auto_control", f"tf.function added a NoOp so that {who} for {name_list(items)}: "
            "stateful ops run at every call even when nothing uses their outputs",
            src, 0, index, sorted([sink, *waited])))
    if library:
        wheres = sorted({w for _, _, w in library if w})
        out.append(finding(
            "library_control", f"{len(library)} control edge{'s' if len(library) > 1 else ''} "
            f"added by TensorFlow's own code" + (f" ({name_list(wheres, 2)})" if wheres else ""),
            src, 0, index, sorted({n for u, v, _ in library for n in (u, v)})))
    if unknown:
        out.append(finding(
            "unknown_control", f"{unknown} control edges were made before tfgraphviz recorded "
            "the trace: who added them is unknown", src, 0, index, []))
    return out


# ---- state -----------------------------------------------------------------------------------
_TF_DEFAULT_NAME = re.compile(r"^Variable(_\d+)?:\d+$")  # a tf.Variable nobody named


def _variable_name(data: dict[str, Any], src: Source) -> str:
    """The variable's Python name; for one the function created itself without a name
    (TensorFlow calls it `Variable:0`), the name its line assigns it to
    (`b = tf.Variable(...)` -> `b`)."""
    name = str(data["variable"])
    line = user_line(data)
    stmt = src.statement_at(line) if line and _TF_DEFAULT_NAME.match(name) else None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
            stmt.targets[0], ast.Name | ast.Attribute):
        return ast.unparse(stmt.targets[0])
    return name


def _scope_path(model: nx.MultiDiGraph, node: str, ops: list[str]) -> str:
    """Where a variable is used, as the name scope of its first use without the op-type
    scopes TensorFlow adds (`transformer_1/block_1/dense_1/Cast/ReadVariableOp` ->
    `transformer_1/block_1/dense_1`): the layer path of a Keras weight."""
    name = str(model.nodes[ops[0]]["name"] if ops else model.nodes[node]["name"])
    parts = name.split("/")[:-1]
    while parts and parts[-1][:1].isupper():
        parts.pop()
    return "/".join(parts)


def _display_names(model: nx.MultiDiGraph, src: Source,
                   found: dict[str, dict[str, set[str]]]) -> dict[str, str]:
    """{variable node: its name}: distinct variables always get distinct names. Those that
    share one (Keras 3 weights are all `model/kernel:0`, `model/bias:0`...) are told apart
    by the layer path of their first use (`transformer_1/block_1/dense_1/kernel`), then by
    a number."""
    names = {node: _variable_name(model.nodes[node], src) for node in found}
    shared = Counter(names.values())
    for node, name in names.items():
        if shared[name] > 1:
            short = name.rpartition("/")[2].partition(":")[0] or name
            ops = sorted(found[node]["writes"] | found[node]["reads"])
            scope = _scope_path(model, node, ops)
            names[node] = f"{scope}/{short}" if scope else name
    taken = Counter(names.values())
    seen: Counter[str] = Counter()
    for node in sorted(names):
        name = names[node]
        if taken[name] > 1:
            seen[name] += 1
            names[node] = f"{name} #{seen[name]}"
    return names


def variable_uses(model: nx.MultiDiGraph, src: Source) -> dict[str, Use]:
    """{variable's name: {"reads": [op ids], "writes": [op ids]}}, one entry per variable the
    graph captured or was passed (by its placeholder, never merged by name): follows the
    handle through Identity ops and into the bodies it is passed to."""
    found: dict[str, dict[str, set[str]]] = {}
    for node, data in model.nodes(data=True):
        if data["kind"] != "variable" or data.get("body") or not data.get("variable"):
            continue
        entry = found.setdefault(node, {"reads": set(), "writes": set()})
        stack, seen = [node], {node}
        while stack:
            current = stack.pop()
            for _, dst, d in model.out_edges(current, data=True):
                op = model.nodes[dst]["op"]
                follow: list[str] = []
                if d["kind"] == "data":
                    if op in READ_OPS:
                        entry["reads"].add(dst)
                    elif op.startswith(WRITE_PREFIXES):
                        entry["writes"].add(dst)
                    elif op in PASS_THROUGH:
                        follow = [dst]
                    elif model.nodes[dst].get("calls"):
                        follow = [t for _, t, c in model.out_edges(dst, data=True)
                                  if c["kind"] == "call" and c["caller_input"] == d["dst_input"]]
                stack += [f for f in follow if f not in seen]
                seen.update(follow)
    found = {node: e for node, e in found.items() if e["reads"] or e["writes"]}
    names = _display_names(model, src, found)
    return {names[node]: Use(reads=sorted(found[node]["reads"]),
                             writes=sorted(found[node]["writes"]))
            for node in sorted(found, key=lambda n: names[n])}


def state_findings(model: nx.MultiDiGraph, index: int, src: Source, function: str
                   ) -> tuple[list[Finding], dict[str, Use]]:
    """Which variables the drawing reads and writes, with which ops."""
    uses = variable_uses(model, src)
    out = []

    def ops_text(ids: list[str]) -> str:
        kinds = Counter(model.nodes[n]["op"] for n in ids)
        lines = sorted({user_line(model.nodes[n]) for n in ids} - {0})
        where = f" at line{'s' if len(lines) > 1 else ''} {name_list([str(x) for x in lines])}" \
            if lines else ""
        return name_list([f"{c} × {k}" if c > 1 else k for k, c in sorted(kinds.items())]) + where

    if len(uses) > 6:
        reads = [n for n, e in uses.items() if e["reads"]]
        writes = [n for n, e in uses.items() if e["writes"]]
        wrote = f"writes {len(writes)}" if writes else "writes none"
        out.append(finding("state", f"`{function}` reads {len(reads)} variables and {wrote} "
                           f"({name_list(writes or reads)})", src, 0, index,
                           sorted({o for e in uses.values() for o in e["reads"] + e["writes"]})))
        return out, uses
    for name, entry in uses.items():
        parts = []
        if entry["writes"]:
            parts.append(f"writes it with {ops_text(entry['writes'])}")
        if entry["reads"]:
            parts.append(f"reads it with {ops_text(entry['reads'])}")
        ids = entry["writes"] + entry["reads"]
        line = min((user_line(model.nodes[n]) for n in ids if user_line(model.nodes[n])),
                   default=0)
        out.append(finding("state", f"`{function}` uses the variable `{name}`: "
                           + " and ".join(parts), src, line, index, ids, variable=name))
    return out, uses
