"""The name-scope tree of a model: scopes, bodies under their caller, virtual prefix groups."""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Iterable
from typing import Any

import networkx as nx

from tfgraphviz._util.tfops import VARIABLE_USERS

GROUP_LIMIT = 12  # a scope with more children gets virtual groups by name prefix (conv2_*)
UNIQUIFIER = re.compile(r"(_\d+)+$")
SLASH = "\u2215"  # stands for '/' inside one path segment (`update dense∕kernel`)
WRITE_OPS = VARIABLE_USERS - {"ReadVariableOp"}
GRADIENT_SCOPES = ("gradient_tape", "gradients")
VARIABLES = ":variables"  # ends the segment of a group of captured variables (`encoder:variables`)

ScopePath = tuple[str, ...]
Scope = tuple[str, ScopePath]  # (the body it is drawn in, its path)


def scope_id(body: str, path: ScopePath) -> str:
    """Node id of a collapsed scope; ':' after 'scope' cannot start a TensorFlow op name."""
    return f"scope:{body}::{'/'.join(path)}"


class Hierarchy:
    """Every op's place in the tree of name scopes, bodies (under their caller) and virtual
    groups of siblings sharing a name prefix (`conv2_*` for conv2_block1_..., conv2_block2_...)."""

    def __init__(self, graph: nx.MultiDiGraph, keep: list[str]) -> None:
        self.graph = graph
        raw = self._raw_paths(keep)
        self.paths = self._grouped(raw, keep)
        self.where: dict[ScopePath, str] = {}  # container -> the body it is drawn in
        roots = {self._final(raw_root): body for body, raw_root in self._body_roots.items()}
        for node in keep:
            path, body = self.paths[node], ""
            for k in range(1, len(path) + 1):
                prefix = path[:k]
                self.where.setdefault(prefix, body)
                body = roots.get(prefix, body)
        self.levels = max((len(p) for p in self.paths.values()), default=0)
        self.signatures: dict[Any, Any] = {}
        kids: dict[ScopePath, set[Any]] = {}
        for node in keep:
            path = self.paths[node]
            for k in range(len(path)):
                kids.setdefault(path[:k], set()).add(path[k])
            kids.setdefault(path, set()).add(node)
        self.kids = {p: len(k) for p, k in kids.items()}

    # raw paths: scopes of op names, bodies below their caller
    def _raw_paths(self, keep: list[str]) -> dict[str, ScopePath]:
        graph = self.graph
        scopes: set[tuple[str, str]] = set()
        for node in keep:
            data = graph.nodes[node]
            scope = data["scope"]
            while scope:
                if (data["body"], scope) in scopes:
                    break
                scopes.add((data["body"], scope))
                scope = scope.rpartition("/")[0]
        self._body_roots: dict[str, ScopePath] = {}
        self.variable_groups: set[ScopePath] = set()
        paths: dict[str, ScopePath] = {}
        owners: dict[str, int] = {}  # variables per holder: one alone is not grouped
        for node in keep:
            data = graph.nodes[node]
            if data["kind"] == "variable" and not data.get("body") and data.get("owner"):
                owners[data["owner"]] = owners.get(data["owner"], 0) + 1

        def place(node: str) -> ScopePath:
            if node in paths:
                return paths[node]
            data = graph.nodes[node]
            body = data.get("body", "")
            text = data["scope"]
            if data["kind"] not in ("arg", "ret") and (body, data["name"]) in scopes:
                text = data["name"]  # `while` goes with `while/...`, `Mean` with `Mean/...`
            head: ScopePath = ()
            owner = data.get("owner")
            if owner and owners.get(owner, 0) > 1 and (
                    data["kind"] == "variable" and not body or data["kind"] == "arg"):
                paths[node] = (f"{owner}{VARIABLES}",)  # grouped by the model that holds them
                self.variable_groups.add(paths[node])
                return paths[node]
            if body:
                head = self._body_roots.get(body, ())
                caller = graph.nodes[self._callers[body]]["name"] if body in self._callers \
                    else ""
                if caller and (text == caller or text.startswith(caller + "/")):
                    text = text[len(caller) + 1:]
            paths[node] = head + tuple(s for s in text.split("/") if s)
            return paths[node]

        self._callers = {b["id"]: b["caller"] for b in graph.graph.get("bodies", [])
                         if b["caller"] in graph}
        for body in graph.graph.get("bodies", []):
            caller = body["caller"]
            if caller not in graph:
                continue
            base = graph.nodes[caller]["name"].rpartition("/")[2]
            self._body_roots[body["id"]] = place(caller) + (f"{base}:{body['role']}",)
        for node in keep:
            place(node)
        return paths

    # virtual groups of many siblings
    def _grouped(self, raw: dict[str, ScopePath], keep: list[str]) -> dict[str, ScopePath]:
        items: dict[ScopePath, dict[Any, list[str] | None]] = {}
        for node in keep:
            path = raw[node]
            for k in range(len(path)):
                kids = items.setdefault(path[:k], {})
                if ("seg", path[k]) in kids:
                    continue
                kids[("seg", path[k])] = _tokens(path[k])
            data = self.graph.nodes[node]
            if path and path[-1].endswith(VARIABLES):  # a model's variables, by their names
                tokens = _tokens(_name_text(str(data.get("variable") or data["name"])))
            else:
                tokens = None if data["kind"] in ("arg", "ret") \
                    else _tokens(data["name"].rpartition("/")[2])
            items.setdefault(path, {})[("op", node)] = tokens
        self._raw = raw
        self._sorted = sorted((path, node) for node, path in raw.items())
        self._seg_lines: dict[ScopePath, int] = {}  # raw path of a scope left alone -> its line
        self.unrolled = False  # some line's ops are the iterations of an unrolled Python loop
        self._virtual = {p: self._line_groups(p, kids) for p, kids in items.items()}
        self._memo: dict[ScopePath, ScopePath] = {(): ()}
        self.seg_lines = {self._final(raw_path): line  # by final path, for labels
                          for raw_path, line in self._seg_lines.items()}
        return {node: self._final(raw[node]) + self._virtual[raw[node]].get(("op", node), ())
                for node in keep}

    def _line_groups(self, path: ScopePath, kids: dict[Any, list[str] | None]
                     ) -> dict[Any, ScopePath]:
        """Virtual groups for a scope with more than GROUP_LIMIT children: its own ops by the
        line of the user's file that made them (`line 57`, when two or more ops share it), the
        rest by name prefix."""
        lines, owners = self._kid_lines(path) if len(kids) > GROUP_LIMIT or (
            path and path[-1].startswith(GRADIENT_SCOPES)) else ({}, {})
        if path and path[-1].startswith(GRADIENT_SCOPES) and len(set(lines.values())) >= 2:
            # a tape's ops by the `tape.gradient(...)` line that made them (one per loss)
            return {item: (f"line {line}",) for item, line in lines.items() if item in kids}
        if len(kids) <= GROUP_LIMIT:
            return {}
        out = self._update_groups(path) if path and ":" not in path[-1] and any(
            item[0] == "op" and self.graph.nodes[item[1]]["op"] in WRITE_OPS for item in kids) \
            else {}
        networks = {UNIQUIFIER.sub("", n) for n in self.graph.graph.get("keras_names", {})}
        by_line: dict[int, list[Any]] = {}
        for item in kids:
            if item in out:
                continue
            line = None
            if item[0] == "op":
                data = self.graph.nodes[item[1]]
                if data["kind"] not in ("arg", "ret", "placeholder", "variable") \
                        and data.get("source"):
                    line = data["source"][-1].line
            else:  # a scope one line made (a loss, `Add_1` with its read, a model's call)
                line = lines.get(item)
            if line is not None:
                by_line.setdefault(line, []).append(item)
        alone: set[Any] = set()
        for line, members in by_line.items():
            nets = [item for item in members
                    if item[0] == "seg" and UNIQUIFIER.sub("", item[1]) in networks]
            others = [item for item in members if item not in nets]
            copies = self._iterations([item for item in others if item[0] == "op"],
                                      [item for item in kids if item[0] == "op"])
            self.unrolled = self.unrolled or bool(copies)
            if copies:  # a Python loop unrolled: one group per iteration, inside the line's
                out.update((item, (f"line {line}", f"iteration {i + 1}"))
                           for i, copy in enumerate(copies) for item in copy)
            elif len(nets) == 1 and others and set().union(*(owners.get(i, ()) for i in others)
                                                           ) & self._net_owners(nets[0], owners):
                # the rest of `optimizer.apply_gradients(...)` (its step count) goes in its box
                out.update(_joined(nets[0][1], others, kids))
            elif len(tapes := [i for i in others if i[0] == "seg"
                               and i[1].startswith(GRADIENT_SCOPES)]) == 1 and not nets:
                # the rest of `tape.gradient(...)` (the seed `ones`, the sums of a variable's
                # gradients `AddN_7`) goes in the tape's box
                out.update(_joined(tapes[0][1], [i for i in others if i != tapes[0]], kids))
            elif len(others) >= 2 and len(by_line) >= 2:
                out.update((item, (f"line {line}",)) for item in others)
            elif len(others) == 1 and others[0][0] == "seg":
                alone.add(others[0])  # a call of its own line: a loss, ...
        for item in alone:
            self._seg_lines[path + (item[1],)] = lines[item]
        rest = [(item, tokens) for item, tokens in kids.items() if item not in out
                and item not in alone
                and not (item[0] == "seg" and UNIQUIFIER.sub("", item[1]) in networks)]
        out.update(_groups(rest))  # a Keras model or optimizer is never put in a prefix group
        return out

    def _net_owners(self, item: Any, owners: dict[Any, set[str]]) -> set[str]:
        """Who a Keras model's or optimizer's scope may belong to: the file's name for its
        scope name (`optimizer` for `sgd_1`), and the holders of the variables it uses."""
        names = self.graph.graph.get("keras_names", {})
        named = names.get(item[1]) or names.get(UNIQUIFIER.sub("", item[1]))
        return owners.get(item, set()) | ({named} if named else set())

    def _under(self, path: ScopePath) -> Iterable[tuple[ScopePath, str]]:
        """(raw path, op) of every op at or below `path` (a range of the sorted paths)."""
        index = bisect.bisect_left(self._sorted, (path,))
        while index < len(self._sorted) and self._sorted[index][0][:len(path)] == path:
            yield self._sorted[index]
            index += 1

    def _kid_lines(self, path: ScopePath) -> tuple[dict[Any, int], dict[Any, set[str]]]:
        """({child (op or scope) of `path`: the line of the user's file that made all, or
        most (4 in 5), of its ops}, children without such a line left out; {child: the
        holders of the variables its ops read or write})."""
        graph = self.graph
        found: dict[Any, dict[int, int]] = {}
        owners: dict[Any, set[str]] = {}
        for raw, node in self._under(path):
            data = graph.nodes[node]
            if data.get("uses_owner"):
                item = ("op", node) if len(raw) == len(path) else ("seg", raw[len(path)])
                owners.setdefault(item, set()).add(str(data["uses_owner"]))
            if data["kind"] in ("arg", "ret", "placeholder", "variable", "const") \
                    or not data.get("source"):
                continue
            line = data["source"][-1].line
            if line is None:
                continue
            item = ("op", node) if len(raw) == len(path) else ("seg", raw[len(path)])
            counts = found.setdefault(item, {})
            counts[line] = counts.get(line, 0) + 1
        result = {}
        for item, counts in found.items():
            line, count = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
            if count * 5 >= sum(counts.values()) * 4:
                result[item] = line
        return result, owners

    def _iterations(self, items: list[Any], siblings: list[Any]) -> list[list[Any]]:
        """The copies a Python loop made of one line's ops (three or more pieces, connected by
        data edges within, the same op types each), in the order they were made, each with
        the arguments that feed only it (`a` and `b` of `for a, b in zip(...)`); [] else."""
        graph = self.graph
        nodes = {item[1]: item for item in items}
        if len(nodes) < 6:
            return []
        piece: dict[str, str] = {n: n for n in nodes}

        def find(n: str) -> str:  # path halving: a 16k-op chain on one line was quadratic
            while piece[n] != n:
                piece[n] = piece[piece[n]]
                n = piece[n]
            return n

        for node in nodes:
            for u, _, kind in graph.in_edges(node, data="kind"):
                if kind == "data" and u in nodes:
                    piece[find(u)] = find(node)
        groups: dict[str, list[str]] = {}
        for node in nodes:  # graph order: the order tracing made them
            groups.setdefault(find(node), []).append(node)
        copies = list(groups.values())
        kinds = {tuple(sorted(graph.nodes[n]["op"] for n in copy)) for copy in copies}
        if len(copies) < 3 or len(kinds) != 1 or len(copies[0]) < 2:
            return []
        owner = {n: i for i, copy in enumerate(copies) for n in copy}
        result = [[nodes[n] for n in copy] for copy in copies]
        for item in siblings:  # an argument feeding one copy alone goes with it
            node = item[1]
            if graph.nodes[node]["kind"] in ("placeholder", "variable") and node not in owner:
                fed = {owner.get(v, -1) for v in graph.successors(node) if v in self._raw}
                if len(fed) == 1 and -1 not in fed:
                    result[fed.pop()].append(item)
        return result

    def _update_groups(self, path: ScopePath) -> dict[Any, ScopePath]:
        """An optimizer's entries by the variable they update (`update dense∕kernel`: the
        chain that writes it and its slots), when they update two or more; shared ones stay."""
        graph = self.graph
        item_of: dict[str, Any] = {}
        for raw, node in self._under(path):
            item_of[node] = ("op", node) if len(raw) == len(path) else ("seg", raw[len(path)])
        mine = set(item_of)
        writes = sorted(n for n, item in item_of.items() if item[0] == "op"
                        and graph.nodes[n]["op"] in WRITE_OPS)
        if len(writes) < 2:
            return {}

        def resource(node: str) -> str:
            return str(graph.nodes[node].get("uses_variable", ""))

        ancestors: dict[str, set[str]] = {}
        reads: dict[str, set[str]] = {}
        for write in writes:
            seen, stack = {write}, [write]
            while stack:
                for u, _, d in graph.in_edges(stack.pop(), data=True):
                    if d["kind"] == "data" and u in mine and u not in seen:
                        seen.add(u)
                        stack.append(u)
            ancestors[write] = seen
            reads[write] = {resource(n) for n in seen if graph.nodes[n]["op"] == "ReadVariableOp"
                            or n == write} - {""}
        users: dict[str, int] = {}
        for names in reads.values():
            for name in names:
                users[name] = users.get(name, 0) + 1
        parent = {name: name for name in users}

        def find(name: str) -> str:
            while parent[name] != name:
                name = parent[name]
            return name

        for names in reads.values():
            own = sorted(n for n in names if users[n] <= 3)  # slots, not the step count
            for other in own[1:]:
                parent[find(other)] = find(own[0])
        chain: dict[str, str] = {}
        for write in writes:
            target = resource(write)
            if target and users.get(target, 0) <= 3:
                chain[write] = find(target)
        names_of: dict[str, list[str]] = {}
        for name in users:
            names_of.setdefault(find(name), []).append(name)
        label = {root: min(names, key=lambda n: (n.count("/") == 0, len(n), n))
                 for root, names in names_of.items()}
        if len(set(chain.values())) < 2:
            return {}
        belongs: dict[Any, set[str]] = {}
        for write, root in chain.items():
            for node in ancestors[write]:
                belongs.setdefault(item_of[node], set()).add(root)
        for node, item in item_of.items():  # an entry with ops in no chain is shared
            if node not in mine or not any(node in a for a in ancestors.values()):
                belongs.setdefault(item, set()).add("")
        chosen = {item: next(iter(roots)) for item, roots in belongs.items()
                  if len(roots) == 1 and "" not in roots}
        # many updated variables: grouped again by name prefix (`update block_1*`)
        outer = _groups([(name, _tokens(_name_text(name)))
                         for name in sorted({label[root] for root in chosen.values()})])
        return {item: tuple(f"update {g}" for g in outer.get(label[root], ()))
                + (f"update {_variable_text(label[root])}",) for item, root in chosen.items()}

    def _final(self, raw: ScopePath) -> ScopePath:
        if raw not in self._memo:
            parent = raw[:-1]
            self._memo[raw] = (self._final(parent)
                               + self._virtual.get(parent, {}).get(("seg", raw[-1]), ())
                               + (raw[-1],))
        return self._memo[raw]

    def see_through(self) -> set[ScopePath]:
        """The body of a call that holds most of the graph (Keras' `train_function` wraps the
        step in one StatefulPartitionedCall): opened in every view, so the step is drawn."""
        total = len(self.paths)
        counts: dict[str, int] = {}
        for node in self.paths:
            body = self.graph.nodes[node].get("body", "")
            counts[body] = counts.get(body, 0) + 1
        result: set[ScopePath] = set()
        for body in self.graph.graph.get("bodies", []):
            root = self._body_roots.get(body["id"])
            inside = sum(n for b, n in counts.items()
                         if b == body["id"] or b.startswith(body["id"] + "::"))
            if root is not None and body["role"] == "callee" and int(body.get("depth", 1)) == 1 \
                    and inside * 2 >= total:
                root = self._final(root)
                result.update(root[:k] for k in range(1, len(root) + 1))
        return result

    def opened(self, patterns: Iterable[str], see_through: bool = False) -> set[ScopePath]:
        """Containers whose path (with or without the virtual groups) matches a pattern, and
        their ancestors; with `see_through`, the body of a call that holds most of the graph."""
        patterns = list(patterns)
        result: set[ScopePath] = self.see_through() if see_through else set()
        if not patterns:
            return result
        for path in sorted(self.where):
            texts = ("/".join(path), "/".join(s for s in path if not s.endswith("*")))
            if any(fnmatch.fnmatchcase(t, p) for t in texts for p in patterns):
                result.update(path[:k] for k in range(1, len(path) + 1))
        return result


def _variable_text(name: str) -> str:
    """A variable's name inside one path segment: `dense/kernel:0` -> `dense∕kernel`."""
    return re.sub(r":0$", "", name).replace("/", SLASH)


def _name_text(name: str) -> str:
    """A variable's name as prefix tokens see it: `dense/kernel:0` -> `dense_kernel`."""
    return re.sub(r":\d+$", "", name).replace("/", "_").replace(".", "_").replace(":", "_")


def _tokens(name: str) -> list[str] | None:
    """`conv2_block1_1_conv_1` -> [conv2, block1, 1, conv]; a body (`while:body`) never groups."""
    if ":" in name:
        return None
    return [t for t in UNIQUIFIER.sub("", name).split("_") if t] or [name]


def _joined(box: str, items: list[Any], kids: dict[Any, list[str] | None]) -> dict[Any, ScopePath]:
    """`items` put in the box of their sibling scope `box`; GROUP_LIMIT or more of them in
    groups by name prefix there (`gradient_tape/AddN*`: the ~100 sums of a model's gradients,
    drawn side by side in one row before)."""
    # with the box's own contents (`None`: tokens of no group) beside them, as they are drawn
    # there: ops all named alike still get their group (`AddN*`)
    inner = _groups([(item, kids[item]) for item in items] + [(None, None)])
    return {item: (box,) + inner.get(item, ()) for item in items}


def _groups(items: list[tuple[Any, list[str] | None]], k: int = 0) -> dict[Any, ScopePath]:
    """{item: virtual group path} for a scope with more than GROUP_LIMIT children."""
    if len(items) <= GROUP_LIMIT:
        return {}
    buckets: dict[Any, list[tuple[Any, list[str] | None]]] = {}
    for item, tokens in items:
        key = tuple(tokens[:k + 1]) if tokens is not None and len(tokens) > k else ("", item)
        buckets.setdefault(key, []).append((item, tokens))
    if len(buckets) == 1:  # all share this token: look one further without adding a level
        if all(t is not None and len(t) > k + 1 for _, t in items):
            return _groups(items, k + 1)
        return {}
    out: dict[Any, ScopePath] = {}
    for key, bucket in buckets.items():
        if len(bucket) < 2 or len(bucket) == len(items):
            continue
        inner = _groups(bucket, k + 1)
        for item, _ in bucket:
            out[item] = ("_".join(key) + "*",) + inner.get(item, ())
    return out
