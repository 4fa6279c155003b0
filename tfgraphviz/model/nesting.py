"""How deep cond/while/case bodies and called tf.functions are drawn inside each other, and the
record of what was left out below that depth (said in the drawing and the explanation)."""

from __future__ import annotations

from typing import Any

import networkx as nx

from tfgraphviz._util.text import short
from tfgraphviz.model.schema import NestingCut

__all__ = ["MAX_DEPTH", "cut_note", "note_cut"]

MAX_DEPTH = 32  # levels of bodies expanded inside one another; deeper ones are not drawn


def note_cut(graph: nx.MultiDiGraph, depth: int, caller_id: str, functions: list[str]) -> None:
    """Record that the op `caller_id` calls `functions` (library names) that are not drawn."""
    if not functions:
        return
    from tfgraphviz.model.build import stable_function_name

    cut: Any = graph.graph.setdefault("nesting_cut", {"depth": depth, "ops": [],
                                                      "functions": []})
    cut["ops"].append(caller_id)
    cut["functions"] = sorted({*cut["functions"], *map(stable_function_name, functions)})


def cut_note(cut: NestingCut) -> str:
    """What the drawing and the explanation say about the cut: where, and how to see more."""
    ops, shown = len(cut["ops"]), cut["functions"][:3]
    names = ", ".join(f"`{short(name, 40)}`" for name in shown)
    more = f" and {len(cut['functions']) - 3} more" if len(cut["functions"]) > 3 else ""
    return (f"bodies nested deeper than {cut['depth']} levels are not drawn: {ops} "
            f"{'op calls' if ops == 1 else 'ops call'} them at level {cut['depth']} "
            f"({names}{more}), left out of the drawing, JSON, GraphML and TensorBoard files; "
            "to see them, draw a tf.function called at that depth on its own (-f NAME: its "
            "bodies start again at level 1), or move the innermost levels into a tf.function "
            "of their own")
