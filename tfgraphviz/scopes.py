"""The name-scope tree of a model: scopes, bodies under their caller, virtual prefix groups."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

import networkx as nx

GROUP_LIMIT = 12  # a scope with more children gets virtual groups by name prefix (conv2_*)
UNIQUIFIER = re.compile(r"(_\d+)+$")

Path = tuple[str, ...]
Scope = tuple[str, Path]  # (the body it is drawn in, its path)


def scope_id(body: str, path: Path) -> str:
    """Node id of a collapsed scope; ':' after 'scope' cannot start a TensorFlow op name."""
    return f"scope:{body}::{'/'.join(path)}"


class Hierarchy:
    """Every op's place in the tree of name scopes, bodies (under their caller) and virtual
    groups of siblings sharing a name prefix (`conv2_*` for conv2_block1_..., conv2_block2_...)."""

    def __init__(self, graph: nx.MultiDiGraph, keep: list[str]) -> None:
        self.graph = graph
        raw = self._raw_paths(keep)
        self.paths = self._grouped(raw, keep)
        self.where: dict[Path, str] = {}  # container -> the body it is drawn in
        roots = {self._final(raw_root): body for body, raw_root in self._body_roots.items()}
        for node in keep:
            path, body = self.paths[node], ""
            for k in range(1, len(path) + 1):
                prefix = path[:k]
                self.where.setdefault(prefix, body)
                body = roots.get(prefix, body)
        self.levels = max((len(p) for p in self.paths.values()), default=0)
        self.signatures: dict[Any, Any] = {}
        kids: dict[Path, set[Any]] = {}
        for node in keep:
            path = self.paths[node]
            for k in range(len(path)):
                kids.setdefault(path[:k], set()).add(path[k])
            kids.setdefault(path, set()).add(node)
        self.kids = {p: len(k) for p, k in kids.items()}

    # raw paths: scopes of op names, bodies below their caller
    def _raw_paths(self, keep: list[str]) -> dict[str, Path]:
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
        self._body_roots: dict[str, Path] = {}
        paths: dict[str, Path] = {}

        def place(node: str) -> Path:
            if node in paths:
                return paths[node]
            data = graph.nodes[node]
            body = data.get("body", "")
            text = data["scope"]
            if data["kind"] not in ("arg", "ret") and (body, data["name"]) in scopes:
                text = data["name"]  # `while` goes with `while/...`, `Mean` with `Mean/...`
            head: Path = ()
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
    def _grouped(self, raw: dict[str, Path], keep: list[str]) -> dict[str, Path]:
        items: dict[Path, dict[Any, list[str] | None]] = {}
        for node in keep:
            path = raw[node]
            for k in range(len(path)):
                kids = items.setdefault(path[:k], {})
                if ("seg", path[k]) in kids:
                    continue
                kids[("seg", path[k])] = _tokens(path[k])
            data = self.graph.nodes[node]
            items.setdefault(path, {})[("op", node)] = None if data["kind"] in ("arg", "ret") \
                else _tokens(data["name"].rpartition("/")[2])
        self._virtual = {p: _groups(list(kids.items())) for p, kids in items.items()}
        self._memo: dict[Path, Path] = {(): ()}
        return {node: self._final(raw[node]) + self._virtual[raw[node]].get(("op", node), ())
                for node in keep}

    def _final(self, raw: Path) -> Path:
        if raw not in self._memo:
            parent = raw[:-1]
            self._memo[raw] = (self._final(parent)
                               + self._virtual.get(parent, {}).get(("seg", raw[-1]), ())
                               + (raw[-1],))
        return self._memo[raw]

    def opened(self, patterns: Iterable[str]) -> set[Path]:
        """Containers whose path (with or without the virtual groups) matches a pattern, and
        their ancestors."""
        patterns = list(patterns)
        result: set[Path] = set()
        if not patterns:
            return result
        for path in sorted(self.where):
            texts = ("/".join(path), "/".join(s for s in path if not s.endswith("*")))
            if any(fnmatch.fnmatchcase(t, p) for t in texts for p in patterns):
                result.update(path[:k] for k in range(1, len(path) + 1))
        return result


def _tokens(name: str) -> list[str] | None:
    """`conv2_block1_1_conv_1` -> [conv2, block1, 1, conv]; a body (`while:body`) never groups."""
    if ":" in name:
        return None
    return [t for t in UNIQUIFIER.sub("", name).split("_") if t] or [name]


def _groups(items: list[tuple[Any, list[str] | None]], k: int = 0) -> dict[Any, Path]:
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
    out: dict[Any, Path] = {}
    for key, bucket in buckets.items():
        if len(bucket) < 2 or len(bucket) == len(items):
            continue
        inner = _groups(bucket, k + 1)
        for item, _ in bucket:
            out[item] = ("_".join(key) + "*",) + inner.get(item, ())
    return out
