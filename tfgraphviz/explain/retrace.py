"""Retraces, continued: recursion while tracing, and hints (input_signature, tf.constant,
tf.cast) that would have traced fewer graphs."""

from __future__ import annotations

import ast
from typing import Any

from tfgraphviz.explain.graph import finding
from tfgraphviz.explain.records import Finding, Param, Trace
from tfgraphviz.explain.source import Source

_PY_DTYPES = {"int": "tf.int32", "float": "tf.float32", "bool": "tf.bool", "str": "tf.string"}


def number_ranges(numbers: list[int]) -> str:
    """`1, 3, 5–7` for [1, 3, 5, 6, 7]."""
    parts: list[str] = []
    ordered = sorted(set(numbers))
    start = prev = ordered[0] if ordered else 0
    for n in [*ordered[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else
                     f"{start}, {prev}" if prev == start + 1 else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _values(values: list[str]) -> str:
    """`5 → 4 → 3`, the middle left out of long chains."""
    if len(values) > 8:
        values = [*values[:3], "…", *values[-2:]]
    return " → ".join(values)


def recursion_findings(name: str, traces: list[Trace], src: Source, def_line: int
                        ) -> list[Finding]:
    """Traces started while another trace of the same function was running: the function
    calls itself, and each level of the recursion was traced, not called."""
    by_index = {t["index"]: t for t in traces}
    chains: dict[int, list[Trace]] = {}
    for trace in traces:
        root = trace
        while root.get("nested_in") is not None and root["nested_in"] in by_index:
            root = by_index[root["nested_in"]]
        if root is not trace:
            chains.setdefault(root["index"], []).append(trace)
    out = []
    for root_index, inner in chains.items():
        numbers = number_ranges([t["index"] + 1 for t in inner])
        level = "trace" if len(inner) == 1 else "traces"
        changed = next((t["cause"] for t in inner if (t["cause"] or {}).get("argument")), None)
        if changed is not None:
            arg = changed["argument"]
            chain = [p.get("value") or p["text"] for t in [by_index[root_index], *inner]
                     for p in t["params"] if p["name"] == arg]
            text = (f"`{name}` calls itself with a Python value (`{arg}`: {_values(chain)}), "
                    f"so each level of the recursion traced a new graph: {level} {numbers} "
                    f"started inside trace {root_index + 1} while it was running (the "
                    "recursion, not calls of yours)")
        else:
            signature = by_index[root_index]["signature"] or "()"
            text = (f"`{name}` calls itself while it is being traced, with arguments of the "
                    f"same signature {signature}: each call traced it again inside the running "
                    f"trace ({level} {numbers} started inside trace {root_index + 1})")
            if any(t["error"] for t in inner):
                text += (", so tracing never reached an end: recursion on tensors does not "
                         "stop while tracing (a tensor condition traces both branches); recurse "
                         "on Python values, or write the loop with tf.while_loop or a tensor "
                         "`while`")
        out.append(finding("recursion", text, src, def_line, None, [], trace=root_index,
                           traces=[t["index"] for t in inner]))
    return out


def hints(name: str, traces: list[Trace], src: Source, def_line: int
           ) -> list[Finding]:
    """Where input_signature or reduce_retracing=True would have avoided retraces."""
    causes = [c for t in traces[1:] if t["cause"] and "argument" in t["cause"]
              and "recursion" not in t["cause"]
              for c in [t["cause"], *t["cause"].get("also", [])]]
    out = []
    yours = [t for t in traces if not t.get("by_tfgraphviz")]  # tfgraphviz's no-argument trace
    for what in ("shape", "value", "dtype", "object"):
        args = sorted({c["argument"] for c in causes if c["what"] == what})
        for arg in args:
            params = [p for t in yours for p in t["params"] if p["name"] == arg]
            if what == "shape":
                params = [p for p in params if p.get("shape")] or params
                spec = _general_spec(params)
                text = (f"`{arg}` came with {len({p['shape'] for p in params})} shapes: "
                        f"`input_signature={_signature_list(traces, arg, spec)}` (or "
                        "`reduce_retracing=True`) would have traced one graph for all of them")
            elif what == "value":
                spec = f"tf.TensorSpec([], {_value_dtype(params)})"
                text = (f"`{arg}` is a Python value, so each value traced a new graph: pass "
                        f"it as a tensor (`tf.constant({arg})`, or "
                        f"`input_signature={_signature_list(traces, arg, spec)}`) to trace "
                        f"once; AutoGraph then turns Python loops and ifs on `{arg}` into "
                        "graph ops")
            elif what == "object":
                text = (f"`{arg}` is a Python object, told apart by identity: reuse one "
                        f"object, or pass the tensors or values `{arg}` holds instead, to "
                        "trace once")
            else:
                dtypes = sorted({d for p in params if (d := p["dtype"])})
                others = sorted({_kind(p) for p in params if not p["dtype"]})
                text = (f"`{arg}` came as {and_list(dtypes + others)}: dtypes are part of the "
                        "signature")
                fixed = [d for d in dtypes if d in _NOT_CASTABLE]
                if fixed:
                    text += (f", so each dtype needs its own graph ({and_list(fixed)} "
                             "cannot be cast to the others): these traces are expected if "
                             f"`{name}` is meant for all of them")
                else:
                    text += (f", so cast it (`tf.cast`) to one dtype before calling `{name}` "
                             "to trace once")
            out.append(finding("retrace_hint", text, src, def_line, None, argument=arg))
    return out


_NOT_CASTABLE = ("string", "resource", "variant")


def and_list(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}" \
        if items else ""


def _kind(param: Param) -> str:
    """What a parameter without a dtype was: `a Python value None`, `a structure (...)`."""
    if param["kind"] == "python":
        return f"a Python value {param.get('value') or param['text']}"
    if param["kind"] == "structure":
        return f"a structure {param['text']}"
    return "a Python object" if param["text"] in ("", "Python object") else f"a {param['text']}"


def _value_dtype(params: list[Param]) -> str:
    """The dtype a Python-value parameter's tensor would have: the dtype of the tensors
    passed for it in other traces, else the Python values' type (float32 when mixed)."""
    dtypes = {p["dtype"] for p in params if p["kind"] == "tensor" and p.get("dtype")}
    if len(dtypes) == 1:
        return f"tf.{next(iter(dtypes))}"
    kinds = {type(_literal(p.get("value"))).__name__ for p in params if p["kind"] == "python"}
    return _PY_DTYPES.get(next(iter(kinds)), "tf.float32") if len(kinds) == 1 else "tf.float32"


def _signature_list(traces: list[Trace], arg: str, spec: str) -> str:
    """`[spec]`, `[spec, ...]` or `[..., spec]` by where `arg` is among the parameters."""
    names: list[Param] = next((t["params"] for t in traces if t["params"]), [])
    position = next((i for i, p in enumerate(names) if p["name"] == arg), -1)
    if len(names) == 1 and position == 0:
        return f"[{spec}]"
    if position == 0:
        return f"[{spec}, ...]"
    return f"[..., {spec}]"


def _general_spec(params: list[Param]) -> str:
    """The TensorSpec covering every shape seen: differing dimensions become None."""
    shapes = [p.get("shape") or "[*]" for p in params]
    dtype = params[0].get("dtype") or "float32"
    dims = [s.strip("[]").split(",") if s != "[]" else [] for s in shapes]
    if "[*]" in shapes or len({len(d) for d in dims}) > 1:
        return f"tf.TensorSpec(None, tf.{dtype})"
    merged = [d[0] if len(set(d)) == 1 and d[0] != "?" else "None" for d in zip(*dims, strict=True)]
    return f"tf.TensorSpec([{', '.join(merged)}], tf.{dtype})"


def _literal(text: str | None) -> Any:
    try:
        return ast.literal_eval(text) if text is not None else None
    except (ValueError, SyntaxError):
        return text
