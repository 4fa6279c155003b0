"""Hooks on AutoGraph while tracing: the converted line that made each op, and the Python names
AutoGraph gave the variables of the While and If ops it built."""

from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from tfgraphviz._util.tfops import IF_OPS, WHILE_OPS

GENERATED = "__autograph_generated_file"  # AutoGraph writes converted code to such files
# AutoGraph's own loop variables, in words (the range for's index gets the user's name)
INTERNAL_NAMES = {"<internal has_next>": "has next", "<internal iterate>": "loop index",
                  "<unused dummy>": ""}
WHILE_EXTRA = ["loop counter", "maximum iterations"]  # inputs 0 and 1 of every While op

AutoGraphFrames = tuple[tuple[str, int], ...]  # (converted function name, line in its code)


def autograph_frames(frame: FrameType | None) -> AutoGraphFrames:
    """For each converted function on the stack (innermost first): its name (`tf__f`) and the
    line of its converted code (`tf.autograph.to_code` text, 1 = its `def` line) running now,
    nested functions (loop bodies, branches) counted in the function around them."""
    found: list[tuple[str, int]] = []
    inner: dict[str, int] = {}  # generated file -> line of its innermost frame not yet claimed
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        if GENERATED in filename:
            line = inner.setdefault(filename, frame.f_lineno)
            if code.co_name.startswith("tf__"):
                found.append((code.co_name, line - code.co_firstlineno + 1))
                del inner[filename]
        frame = frame.f_back
    return tuple(found)


def converted_name(autograph_code: str | None) -> str:
    """`tf__f`: the name of the function `tf.autograph.to_code` text defines ("" if none)."""
    match = re.match(r"\s*def\s+(\w+)\s*\(", autograph_code or "")
    return match.group(1) if match else ""


def line_in(frames: AutoGraphFrames, name: str) -> int | None:
    """The line of `name`'s converted code among an op's frames (the innermost one)."""
    if name:
        for fname, line in frames:
            if fname == name:
                return line
    return None


@dataclass
class _Pending:
    """A while_stmt / if_stmt AutoGraph is staging: its names wait for the op it makes."""

    kind: str  # "while" | "if"
    graph: Any
    names: list[str]
    counts: list[int] | None = None  # tensors per variable, once known
    done: bool = False
    state: list[Any] = field(default_factory=lambda: [None])  # an if's last branch results


def _flat_count(value: Any) -> int:
    from tensorflow.python.util import nest

    try:
        return len(nest.flatten(value, expand_composites=True))
    except Exception:  # noqa: BLE001 - any user value
        return 1


def _expand(names: list[str], counts: list[int] | None) -> list[str]:
    """One name per tensor: a variable holding a structure of 3 tensors gives `s[0]`..`s[2]`."""
    if counts is None or len(counts) != len(names):
        return list(names)
    out: list[str] = []
    for name, count in zip(names, counts, strict=True):
        out += [name] if count == 1 else [f"{name}[{i}]" if name else "" for i in range(count)]
    return out


@dataclass
class ControlNames:
    """Recorded names: id(graph) -> {While/If op name -> Python name per input/output}."""

    by_graph: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)

    def tie(self, graph: Any, op: Any) -> bool:
        """Give a While/If op just created the names of the statement being staged in its
        graph; True if it got some."""
        kind = "while" if op.type in WHILE_OPS else "if" if op.type in IF_OPS else ""
        if not kind or not self.pending:
            return False
        top = self.pending[-1]
        if top.done or top.kind != kind or top.graph is not graph:
            return False
        top.done = True
        if kind == "while":
            names = list(top.names)
            if top.counts is not None and len(top.counts) == len(names) + 1:
                names.insert(0, "ran once")  # AutoGraph's flag for loops that must run once
            names = WHILE_EXTRA + _expand(names, top.counts)
        elif top.state[0] is not None:  # the structure of what the branches returned
            names = _expand(top.names, [_flat_count(v) for v in top.state[0]])
            names = names if len(names) <= len(op.outputs) else []  # then: gradients' extras
        else:
            names = list(top.names) if len(top.names) == len(op.outputs) else []
        self.by_graph.setdefault(id(graph), {})[op.name] = names
        return True


def _display(name: Any) -> str:
    text = str(name)
    return INTERNAL_NAMES.get(text, text)


def hooks(names: ControlNames) -> list[tuple[Any, str, Any, Any]]:
    """(owner, attribute, original, hook) for AutoGraph's staging of while/for and if, and for
    while_v2 (which sees the loop variables as they enter the While op)."""
    from tensorflow.python.autograph.operators import control_flow
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import while_v2

    orig_while = control_flow._tf_while_stmt
    orig_if = control_flow._tf_if_stmt
    orig_v2 = while_v2.while_loop

    def tf_while_stmt(test: Any, body: Any, get_state: Any, set_state: Any,
                      symbol_names: Any, opts: Any) -> Any:
        shown = [_display(n) for n in symbol_names]
        caller = sys._getframe(1).f_code.co_name
        iterate = str((opts or {}).get("iterate_names", "") or "")
        if caller == "_tf_range_for_stmt" and shown and iterate.isidentifier() \
                and iterate != "_":
            shown[0] = iterate  # `for i in tf.range(n)`: the index is the user's `i`
        names.pending.append(_Pending("while", ops.get_default_graph(), shown))
        try:
            return orig_while(test, body, get_state, set_state, symbol_names, opts)
        finally:
            names.pending.pop()

    def tf_if_stmt(cond: Any, body: Any, orelse: Any, get_state: Any, set_state: Any,
                   symbol_names: Any, nouts: Any) -> Any:
        shown = [_display(n) for n in symbol_names][:nouts] if nouts else [""]
        pending = _Pending("if", ops.get_default_graph(), shown)
        spy = get_state
        if nouts:
            def spy() -> Any:  # the branches' results as each branch ends: their structure
                values = get_state()
                with contextlib.suppress(Exception):
                    pending.state[0] = tuple(values)[:nouts]
                return values
        names.pending.append(pending)
        try:
            return orig_if(cond, body, orelse, spy, set_state, symbol_names, nouts)
        finally:
            names.pending.pop()

    def while_loop(cond: Any, body: Any, loop_vars: Any, *args: Any, **kwargs: Any) -> Any:
        top = names.pending[-1] if names.pending else None
        if top is not None and top.kind == "while" and top.counts is None \
                and top.graph is ops.get_default_graph():
            top.counts = [_flat_count(v) for v in loop_vars]
        return orig_v2(cond, body, loop_vars, *args, **kwargs)

    return [(control_flow, "_tf_while_stmt", orig_while, tf_while_stmt),
            (control_flow, "_tf_if_stmt", orig_if, tf_if_stmt),
            (while_v2, "while_loop", orig_v2, while_loop)]


def available_hooks(names: ControlNames) -> list[tuple[Any, str, Any, Any]]:
    """`hooks(names)`, or none when this TensorFlow's AutoGraph lacks what they wrap (the
    names stay unknown; nothing else depends on them)."""
    try:
        return hooks(names)
    except (ImportError, AttributeError):
        return []
