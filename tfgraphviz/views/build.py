"""Views of the model (what is drawn): name scopes and bodies collapsed below a depth, runs of
identical blocks folded ×N, noise folded into the op it feeds."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from tfgraphviz._util.text import type_text
from tfgraphviz._util.tfops import CALL_OPS, CONTROL_FLOW, SUMMARY_OPS
from tfgraphviz.errors import InputError
from tfgraphviz.model.nesting import cut_note
from tfgraphviz.views.fold import absorb_noise, fold_runs
from tfgraphviz.views.names import name_apart, name_owners
from tfgraphviz.views.scopes import (
    UNIQUIFIER,
    VARIABLES,
    Hierarchy,
    Scope,
    ScopePath,
    scope_id,
)

__all__ = ["Hierarchy", "Scope", "ScopePath", "ViewPlan", "build_view", "plan_view", "scope_id",
           "scope_node", "view", "view_and_visible", "visible_of"]

MAX_NODES = 100  # a readable picture: at most this many visible nodes ...
MAX_WIDTH = 12  # ... and at most this many side by side (legible at ~900 px)
LONG_EDGE_WIDTH = 0.5  # room an edge passing through a layer takes there, in nodes
LAYER_NODES = 40  # ... or this many for a Keras model's forward pass (one box per layer)
LAYER_LEVEL = 2  # a Keras model's layers (model/layer): the deepest drawn in its pass
CROWDED = 40  # "auto" leaves closed a scope with more children than this (ungroupable)

# ---- assignment: which visible node shows each op ---------------------------------------------
class Assignment:
    """For one depth: the visible node (an op id, or a Scope) of every model node."""

    def __init__(self, hier: Hierarchy, keep: list[str], absorbed: dict[str, str],
                 depth: int | None, opened: set[ScopePath], fold: bool,
                 crowded: set[ScopePath] | frozenset[ScopePath] = frozenset()) -> None:
        self.hier = hier
        self.absorbed = absorbed  # {noise node: the op it is folded into} (report/payload.py)
        vis: dict[str, Any] = {}
        limit = depth if depth is not None else hier.levels + 1
        for node in keep:
            path = hier.paths[node]
            k = 1
            while k <= len(path) and (path[:k] in opened
                                      or (k < limit and path[:k] not in crowded)):
                k += 1
            vis[node] = node if k > len(path) else (hier.where[path[:k]], path[:k])
        for node, target in absorbed.items():
            vis[node] = vis[target]
        self.members: dict[Any, list[str]] = {}
        for node in hier.graph.nodes:
            if isinstance(vis[node], tuple):
                self.members.setdefault(vis[node], []).append(node)
        self.runs: dict[Scope, list[Scope]] = {}
        if fold and len(self.members) > 1:
            scopes = {s: ((s[0], s[1][:-1]), m) for s, m in self.members.items()}
            runs = fold_runs(hier.graph, dict(scopes), (
                (a, b) for a, b in self.links(vis) if isinstance(a, tuple)
                and isinstance(b, tuple)), hier.signatures)
            self.runs = {first: list(run) for first, run in runs.items()}  # type: ignore
            remap = {member: first for first, run in self.runs.items() for member in run}
            vis = {n: remap.get(v, v) if isinstance(v, tuple) else v for n, v in vis.items()}
            for first, run in self.runs.items():
                self.members[first] = [n for member in run for n in self.members[member]]
                for member in run[1:]:
                    del self.members[member]
        self.visible = vis

    def links(self, vis: dict[str, Any] | None = None) -> set[tuple[Any, Any]]:
        vis = vis if vis is not None else self.visible
        graph, groups = self.hier.graph, self.hier.variable_groups
        return {(vis[u], vis[v]) for u, v, kind in graph.edges(data="kind")
                if vis[u] != vis[v] and not hidden_edge(graph, u, v, kind, vis, groups)}

    def size(self) -> int:
        return len(set(self.visible.values()))

    def width(self) -> int:
        """Nodes in the widest layer of a longest-path layering (cycles broken in order),
        sources moved down next to what they feed, as `dot` ranks them."""
        nodes = sorted(set(self.visible.values()), key=repr)
        succ: dict[Any, list[Any]] = {n: [] for n in nodes}
        indeg = dict.fromkeys(nodes, 0)
        for a, b in sorted(self.links(), key=repr):
            succ[a].append(b)
            indeg[b] += 1
        sources = [n for n in nodes if indeg[n] == 0]
        layer = dict.fromkeys(nodes, 0)
        ready = list(reversed(sources))
        done: set[Any] = set()
        while len(done) < len(nodes):
            if not ready:  # a cycle between collapsed scopes: break it at the first node
                ready = [next(n for n in nodes if n not in done)]
            node = ready.pop()
            if node in done:
                continue
            done.add(node)
            for nxt in succ[node]:
                layer[nxt] = max(layer[nxt], layer[node] + 1)
                indeg[nxt] -= 1
                if indeg[nxt] == 0 and nxt not in done:
                    ready.append(nxt)
        for node in sources:
            if succ[node]:
                layer[node] = min(layer[b] for b in succ[node]) - 1
        crowd: dict[int, float] = {}
        for value in layer.values():
            crowd[value] = crowd.get(value, 0.0) + 1
        for a, b in self.links():  # a long edge takes room in every layer it passes through
            for between in range(min(layer[a], layer[b]) + 1, max(layer[a], layer[b])):
                crowd[between] = crowd.get(between, 0.0) + LONG_EDGE_WIDTH
        return math.ceil(max(crowd.values(), default=0))

    def readable(self, max_nodes: int = MAX_NODES) -> bool:
        return self.size() <= max_nodes and self.width() <= MAX_WIDTH


def hidden_edge(graph: nx.MultiDiGraph, u: str, v: str, kind: str, vis: dict[str, Any],
                groups: set[ScopePath]) -> bool:
    """Edges a closed group of captured variables makes redundant: a call passing a variable
    to a body argument shown in the same group, and the variable's edge into that call op (the
    group's edges go to the ops inside the body that read the variables)."""
    if kind == "call":
        target = vis[v]
        return isinstance(target, tuple) and target[1] in groups
    if kind == "data" and graph.nodes[v]["op"] in CALL_OPS:
        source = vis[u]
        return isinstance(source, tuple) and source[1] in groups
    return False


# ---- the view graph --------------------------------------------------------------------------

def _contains(datas: list[dict[str, Any]]) -> list[str]:
    flags = set()
    for d in datas:
        if d["kind"] == "variable":
            flags.add("variable")
        elif d.get("stateful"):
            flags.add("stateful")
        if d["op"] in CONTROL_FLOW:
            flags.add("control_flow")
        if d["op"] in ("PrintV2", "Print"):
            flags.add("print")
        if d["op"] == "Assert":
            flags.add("assert")
        if d["op"] in SUMMARY_OPS:
            flags.add("summary")
    return sorted(flags)


def _line_text(graph: nx.MultiDiGraph, path: ScopePath) -> str:
    """The user's code of a `line N` group (ops grouped by the line that made them) or of one
    of its iterations (`line N/iteration 2`)."""
    if len(path) > 1 and path[-1].startswith("iteration "):
        path = path[:-1]
    if not path or not path[-1].startswith("line "):
        return ""
    return str(graph.graph.get("source_lines", {}).get(path[-1][5:], ""))


def scope_node(graph: nx.MultiDiGraph, scope: Scope, members: list[str],
               run: list[Scope], hier: Hierarchy, depths: dict[str, int]) -> dict[str, Any]:
    """Attributes of the node that shows a collapsed scope (or a run of them folded ×N)."""
    body, path = scope
    datas = [graph.nodes[m] for m in members]
    text = "/".join(path)
    kids = {hier.paths[m][:len(path) + 1] if m in hier.paths and len(hier.paths[m]) > len(path)
            else m for m in members}
    ops = Counter(d["op"] for d in datas if d["kind"] not in ("arg", "ret"))
    return {
        "name": text, "op": f"{len(members)} ops", "kind": "scope", "body": body,
        "depth": depths.get(body, 0), "scope": "/".join(path[:-1]), "scope_path": text,
        "op_count": len(members), "contains": _contains(datas),
        "members": len([k for k in kids if not isinstance(k, str) or k in hier.paths]),
        "link": "", "folded": len(run), "fold_members": ["/".join(s[1]) for s in run],
        "op_types": [f"{op} ×{n}" for op, n in sorted(ops.items(), key=lambda i: (-i[1], i[0]))],
        "level": len(path), "device": "", "outputs": [], "stateful": any(
            d.get("stateful") for d in datas), "attrs": {}, "attr_values": {}, "variable": "",
        "auto_created": False, "control_output": False, "source": [], "unused": False,
        "function_output": any(d.get("function_output") for d in datas),
        "variables_of": path[-1][:-len(VARIABLES)] if path[-1].endswith(VARIABLES) else "",
        "updates": 0,  # set with `owner` (the variables of others it writes)
        "source_text": _line_text(graph, path) or str(graph.graph.get(
            "source_lines", {}).get(str(hier.seg_lines.get(path, "")), "")),
        "variable_count": sum(1 for d in datas if d["kind"] == "variable"),
    }


def _edges(graph: nx.MultiDiGraph, ids: dict[str, str], scope_nodes: set[str],
           out: nx.MultiDiGraph, assign: Assignment) -> None:
    """Model edges between different visible nodes; merged per pair and kind (per origin for
    control edges) when an end is a collapsed scope."""
    merged: dict[tuple[str, ...], dict[str, Any]] = {}
    order: list[tuple[str, ...]] = []
    groups = assign.hier.variable_groups
    for u, v, data in graph.edges(data=True):
        a, b = ids[u], ids[v]
        if a == b or hidden_edge(graph, u, v, data["kind"], assign.visible, groups):
            continue
        kind = data["kind"]
        if a not in scope_nodes and b not in scope_nodes:
            key: tuple[str, ...] = (a, b, kind, str(len(order)))  # drawn one by one
        else:
            key = (a, b, kind, data.get("origin", "") if kind == "control" else "")
        if key not in merged:
            merged[key] = {**data, "count": 0, "shapes": set(), "wheres": set()}
            order.append(key)
        entry = merged[key]
        entry["count"] += 1
        if kind == "data":
            entry["shapes"].add(type_text(data))
        if kind == "control":
            entry["wheres"].add(data.get("where", ""))
    for key in order:
        entry = merged[key]
        wheres = entry.pop("wheres")
        entry["shapes"] = sorted(entry["shapes"])
        if entry["kind"] == "control":
            entry["where"] = next(iter(wheres)) if len(wheres) == 1 else ""
        out.add_edge(key[0], key[1], **entry)


def view(graph: nx.MultiDiGraph, depth: int | str = "auto", expand: Iterable[str] = (),
         fold: bool = True, noise: bool | None = None) -> nx.MultiDiGraph:
    """What is drawn for `graph`: name scopes below `depth` (an int, "all", or "auto": the
    deepest level that stays readable) collapsed into one node each, except those matching an
    `expand` glob; runs of identical sibling scopes folded into one node ×N; constants,
    Identity chains and single-use variable reads folded into the op they feed (`noise`, on
    by default unless depth is "all"). The model itself is not changed."""
    return view_and_visible(graph, depth, expand, fold, noise)[0]


def visible_of(graph: nx.MultiDiGraph, depth: int | str = "auto", expand: Iterable[str] = (),
               fold: bool = True, noise: bool | None = None) -> dict[str, str]:
    """{model node: the id of the view node that shows it} for the same arguments as view()."""
    return _visible(plan_view(graph, depth, expand, fold, noise).assign)


def view_and_visible(graph: nx.MultiDiGraph, depth: int | str = "auto",
                     expand: Iterable[str] = (), fold: bool = True, noise: bool | None = None,
                     whole: bool = False, planned: ViewPlan | None = None
                     ) -> tuple[nx.MultiDiGraph, dict[str, str]]:
    """view() and visible_of() together, planned once (or `planned`: plan_view's result for
    the same arguments, made already). `whole`: `graph` is one box's ops (a drill-down page),
    whose scope is opened whatever the depth."""
    if planned is None:
        planned = plan_view(graph, depth, expand, fold, noise, whole)
    return build_view(graph, planned), _visible(planned.assign)


def _visible(assign: Assignment) -> dict[str, str]:
    return {node: scope_id(*target) if isinstance(target, tuple) else target
            for node, target in assign.visible.items()}


@dataclass(frozen=True)
class ViewPlan:
    """What plan_view decided, before anything is built: the report reuses it for its tree."""

    hier: Hierarchy  # the scopes, grouped
    assign: Assignment  # which visible node shows each op
    texts: dict[str, list[str]]  # op -> the texts of the noise folded into it
    settings: dict[str, Any]  # the view's options as drawn (graph.graph["view"])


def plan_view(graph: nx.MultiDiGraph, depth: int | str, expand: Iterable[str], fold: bool,
              noise: bool | None, whole: bool = False) -> ViewPlan:
    """Which visible node shows each op (and the noise folded away), before anything is built;
    report_data reuses it for the page's tree."""
    if not (depth in ("auto", "all") or (isinstance(depth, int) and not isinstance(depth, bool)
                                         and depth >= 1)):
        raise InputError(f"depth must be a whole number from 1, 'auto' or 'all', not {depth!r}")
    patterns = sorted(set(expand))
    noise_on = depth != "all" if noise is None else bool(noise)
    absorbed, texts = absorb_noise(graph) if noise_on else ({}, {})
    keep = [n for n in graph.nodes if n not in absorbed]
    hier = Hierarchy(graph, keep)
    opened = hier.opened(patterns, see_through=depth == "auto")
    if whole and hier.paths:  # a page of one box: its common scope is open
        common = next(iter(hier.paths.values()))
        for path in hier.paths.values():
            k = 0
            while k < min(len(common), len(path)) and common[k] == path[k]:
                k += 1
            common = common[:k]
        opened |= {common[:k] for k in range(1, len(common) + 1)}
    crowded: set[ScopePath] = set(hier.variable_groups)  # closed unless expanded or depth "all"
    chosen: int | None
    if depth == "all":
        chosen = None
    elif depth != "auto":
        chosen = int(depth)
    else:
        chosen, crowded = _auto_depth(hier, keep, absorbed, opened, fold)
    if chosen is None:
        crowded = set()
        if chosen is None and noise is None and noise_on:
            # drawn whole after all: every op stays visible, constants and reads included
            return replace(plan_view(graph, "all", expand, fold, False, whole), settings={
                "depth": "all", "requested_depth": depth, "expand": patterns,
                "fold": bool(fold), "noise": False})
    assign = Assignment(hier, keep, absorbed, chosen, opened, fold, crowded)
    return ViewPlan(hier, assign, texts, {
        "depth": "all" if chosen is None else chosen, "requested_depth": depth,
        "expand": patterns, "fold": bool(fold), "noise": noise_on})


def _keras_model_pass(hier: Hierarchy, keep: list[str]) -> bool:
    """Most ops run inside one Keras model's scope (a model's forward pass): drawn by layer."""
    names = {UNIQUIFIER.sub("", n) for n in hier.graph.graph.get("keras_names", {})}
    if not names or not keep:
        return False
    ops = [hier.paths[n] for n in keep  # the variables it holds aside
           if not (hier.paths[n] and hier.paths[n][0].endswith(VARIABLES))]
    inside = sum(1 for path in ops if path and UNIQUIFIER.sub("", path[0]) in names)
    return bool(ops) and inside * 5 >= len(ops) * 4


def _layer_level(path: ScopePath) -> int:
    """The level of a Keras layer's box on `path`: its second real name (model/layer), past
    virtual groups (`resnet50/conv2*/conv2_block1*/conv2_block1_1_conv`)."""
    real = 0
    for level, segment in enumerate(path, 1):
        real += not segment.endswith("*")
        if real == LAYER_LEVEL:
            return level
    return len(path)


def _auto_depth(hier: Hierarchy, keep: list[str], absorbed: dict[str, str], opened: set[ScopePath],
                fold: bool) -> tuple[int | None, set[ScopePath]]:
    """(None: everything when every op fits, else the level that shows most while staying
    readable (at least 1; the shallower on a tie); the crowded scopes it leaves closed)."""
    by_layer = _keras_model_pass(hier, keep)
    limit = LAYER_NODES if by_layer else MAX_NODES
    if len(keep) <= limit and (not (hier.graph.graph.get("keras_names") or hier.unrolled)
                               or Assignment(hier, keep, absorbed, None, opened, fold
                                             ).width() <= MAX_WIDTH):
        return None, set()  # small graphs are drawn whole; Keras steps and unrolled loops
        # only when that is not too wide (their boxes say more than a strip of ops)
    groups = set(hier.variable_groups)
    crowded = {p for p, n in hier.kids.items() if n > CROWDED and p} | groups
    best: tuple[int, int, set[ScopePath]] = (0, 1, groups)
    deepest = max((_layer_level(hier.paths[n]) for n in keep if not (
        hier.paths[n] and hier.paths[n][0].endswith(VARIABLES))), default=2) if by_layer \
        else hier.levels + 1
    for level in range(2, deepest + 1):
        for closed in ([groups, crowded] if crowded != groups else [groups]):
            candidate = Assignment(hier, keep, absorbed, level, opened, fold, closed)
            if candidate.readable(limit):
                if candidate.size() > best[0]:
                    best = (candidate.size(), level, closed)
                break
        else:
            break
    return best[1], best[2]


def build_view(graph: nx.MultiDiGraph, plan: ViewPlan) -> nx.MultiDiGraph:
    """The view graph of a plan (see plan_view)."""
    hier, assign, texts, settings = plan.hier, plan.assign, plan.texts, plan.settings
    out = nx.MultiDiGraph()
    depths = {b["id"]: int(b.get("depth", 1)) for b in graph.graph.get("bodies", [])}
    ids: dict[str, str] = {}
    scope_nodes: set[str] = set()
    for node in graph.nodes:
        target = assign.visible[node]
        if not isinstance(target, tuple):
            ids[node] = target
            if target == node:
                data = dict(graph.nodes[node])
                if node in texts:
                    data["absorbed"] = texts[node]
                out.add_node(node, **data)
            continue
        key = scope_id(*target)
        ids[node] = key
        if key not in scope_nodes:
            scope_nodes.add(key)
            run = assign.runs.get(target, [target])
            out.add_node(key, **scope_node(graph, target, assign.members[target], run, hier,
                                            depths))
    name_apart(out, scope_nodes)
    name_owners(graph, assign, out)
    _edges(graph, ids, scope_nodes, out, assign)
    for key in scope_nodes:  # a group read only inside one body is drawn in that body
        if out.nodes[key].get("variables_of") and not out.in_degree(key):
            bodies = {out.nodes[v].get("body", "") for v in out.successors(key)}
            if len(bodies) == 1 and "" not in bodies:
                out.nodes[key]["body"] = bodies.pop()
    used = {d.get("body", "") for _, d in out.nodes(data=True)}
    out.graph.update(graph.graph)
    if "nesting_cut" in graph.graph:  # under the title, after the pipeline's note
        out.graph["note"] = "; ".join(filter(None, (str(graph.graph.get("note", "")),
                                                   cut_note(graph.graph["nesting_cut"]))))
    out.graph["bodies"] = [b for b in graph.graph.get("bodies", []) if b["id"] in used]
    out.graph["view"] = {**settings, "visible_nodes": out.number_of_nodes()}
    return out
