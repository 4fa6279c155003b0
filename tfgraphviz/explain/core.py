"""Explain what tf.function did to a function, from what tracing recorded and the models."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from tfgraphviz.capture.records import TargetKind, TracedFunction
from tfgraphviz.explain.control import control_findings, state_findings
from tfgraphviz.explain.graph import (
    autograph_findings,
    call_findings,
    called_defs,
    finding,
    initializer_findings,
    outer_frames,
    print_op_findings,
)
from tfgraphviz.explain.pitfall import pitfall_findings
from tfgraphviz.explain.records import (
    Explanation,
    Finding,
    FunctionExplanation,
    StateEntry,
    Trace,
    TraceSummary,
)
from tfgraphviz.explain.retrace import hints, number_ranges, recursion_findings
from tfgraphviz.explain.source import Source, find_def, frames
from tfgraphviz.explain.traces import cause, traces_of
from tfgraphviz.model.nesting import cut_note

MANY_TRACES = 3  # more traces than this made by the user's calls earns a warning


_WHY = {"value": "a Python value: each new value makes a new graph",
        "shape": "a new shape", "dtype": "a new dtype", "kind": "a different kind of argument",
        "structure": "a new structure", "object": "a different Python object",
        "new": "a new argument"}


def _trace_findings(name: str, traces: list[Trace], src: Source, def_line: int
                    ) -> list[Finding]:
    out = _own_trace_findings(name, traces, src, def_line)
    for trace in traces[1:]:
        cause = trace["cause"] or {}
        number = trace["index"] + 1
        if "recursion" in cause:
            continue  # said once per recursion, below
        line = def_line
        if trace.get("by_tfgraphviz") and not cause.get("by_tensorflow"):
            continue  # said below, with the first trace when tfgraphviz made that one too
        if "by_tensorflow" in cause:
            text = f"trace {number} of `{name}` was made by TensorFlow: {cause['by_tensorflow']}"
            line = cause.get("saving_line") or def_line
        elif cause["what"] == "object" and cause["change"].startswith("another "):
            text = (f"`{name}` was traced again (trace {number}) because `{cause['argument']}` "
                    f"is {cause['change']}: TensorFlow tells Python objects apart by identity, "
                    "so each new one makes a new graph")
        else:
            text = (f"`{name}` was traced again (trace {number}) because `{cause['argument']}` "
                    f"changed {cause['change']} ({_WHY.get(cause['what'], cause['what'])})")
        also = cause.get("also") or []
        if also:
            text += "; also " + ", ".join(f"`{a['argument']}` changed {a['change']}"
                                          for a in also)
        out.append(finding("retrace", text, src, line, trace["graph"],
                           trace=trace["index"]))
    out += recursion_findings(name, traces, src, def_line)
    failed: dict[tuple[str, int], list[int]] = {}  # the same error at the same line: one line
    for trace in traces:
        if trace["error"] and trace["error_kind"] != "variable_creation":
            key = (trace["error"].splitlines()[0], trace["error_line"] or 0)
            failed.setdefault(key, []).append(trace["index"])
    for (first, line), indices in failed.items():
        at = f" at line {line} (`{src.code(line)}`)" if line else ""
        who = (f"trace {indices[0] + 1}" if len(indices) == 1 else
               f"traces {number_ranges([i + 1 for i in indices])}")
        same = " the same way" if len(indices) > 1 else ""
        out.append(finding("trace_error", f"{who} of `{name}` failed{same}{at}: {first[:200]}",
                           src, line, None, trace=indices[0], traces=indices))
    out += hints(name, traces, src, def_line)
    mine = [t for t in traces if not (t["cause"] or {}).get("by_tensorflow")
            and t.get("nested_in") is None and not t.get("by_tfgraphviz")]
    if len(mine) > MANY_TRACES:
        out.append(finding(
            "retrace_warning", f"`{name}` was traced {len(mine)} times for your calls: each "
            "trace runs its Python body again and builds a new graph, which is slow", src,
            def_line, None))
    return out


def _own_trace_findings(name: str, traces: list[Trace], src: Source, def_line: int
                        ) -> list[Finding]:
    """The trace tfgraphviz made itself, calling a function whose parameters all have
    defaults with none: not a retrace by the program."""
    out = []
    for trace in traces:
        cause = trace["cause"] or {}
        if not trace.get("by_tfgraphviz") or trace.get("nested_in") is not None \
                or "by_tensorflow" in cause:
            continue
        number = trace["index"] + 1
        given = ", ".join(f"`{p['name']}` = {p.get('value') or p['text']}"
                          for p in trace["params"])
        if trace.get("from_signature"):
            why = f"`{name}` has an input_signature, so tfgraphviz traced it with it ({given})"
        elif trace["params"]:
            why = (f"every parameter of `{name}` has a default, so tfgraphviz traced it with "
                   f"no arguments ({given})")
        else:
            why = f"`{name}` takes no arguments, so tfgraphviz traced it with none"
        what = "to draw it" if trace["index"] == 0 else "to draw that graph too"
        text = (f"trace {number} of `{name}` was made by tfgraphviz, not by your program: "
                f"{why} {what}")
        out.append(finding("tfgraphviz_trace", text, src, def_line, trace["graph"],
                           trace=trace["index"]))
    return out


# ---- prints ----------------------------------------------------------------------------------
def _print_findings(traces: list[Trace], src: Source) -> list[Finding]:
    """Python prints: each ran once per trace that reached it, never at calls."""
    sites: dict[int, list[int]] = {}
    for trace in traces:
        for site in trace["prints"]:
            sites.setdefault(site["line"], []).append(trace["index"] + 1)
    out = []
    eager_lines = _eager_lines(src)
    at = (f"line {eager_lines[0]}" if len(eager_lines) == 1 else
          f"lines {number_ranges(eager_lines)}")
    eager = (f" (but for calls made while `tf.config.run_functions_eagerly(True)` at {at} "
             "was in effect: those ran the Python body, this too, at every call, without "
             "tracing)") if eager_lines else ""
    for line, numbers in sorted(sites.items()):
        code = src.code(line) if line else "Python"
        what = f"`{code}`" if line else "Python"
        first = next(p["text"] for t in traces for p in t["prints"] if p["line"] == line)
        runs = (f"in trace {numbers[0]}" if len(numbers) == 1 else
                f"in traces {number_ranges(numbers)}")
        shown = first.strip().splitlines()[0] if first.strip() else ""
        stopped = [t for t in traces if t["index"] + 1 not in numbers and t["error_line"]
                   and line and t["error_line"] < line]
        missed = "".join(f"; trace {t['index'] + 1} failed at line {t['error_line']} before "
                         "reaching it" for t in stopped)
        out.append(finding(
            "trace_print", f"{what} ran only while tracing ({runs} of {len(traces)}), never "
            f"at calls{eager}" + (f"; it printed {shown[:80]!r}" if shown else "") + missed,
            src, line, None, [], traces=sorted(set(numbers))))
    return out


def _eager_lines(src: Source) -> list[int]:
    """Lines calling `tf.config.run_functions_eagerly(True)`: tf.functions called after them
    run their Python body at every call."""
    found = []
    for node in ast.walk(src.tree) if src.tree is not None else []:
        if (isinstance(node, ast.Call) and ast.unparse(node.func).endswith(
                "run_functions_eagerly") and node.args and isinstance(node.args[0], ast.Constant)
                and node.args[0].value is True):
            found.append(node.lineno)
    return sorted(found)


# ---- the whole explanation -------------------------------------------------------------------
def _seen_lines(models: list[nx.MultiDiGraph], traces: list[Trace]) -> set[int]:
    lines = {p["line"] for t in traces for p in t["prints"] if p["line"]}
    lines |= {t["error_line"] for t in traces if t["error_line"]}
    for model in models:
        for _, data in model.nodes(data=True):
            lines.update(line for line, _ in frames(data.get("source") or []))
    return lines


def _saved_lines(models: list[nx.MultiDiGraph]) -> str:
    """Where the restored ops' lines come from, or how to get them."""
    if any(d.get("source") for m in models for _, d in m.nodes(data=True)):
        return "; the lines of its ops are those of the saving program (its debug info)"
    return ("; it was saved without its debug info, so its ops have no source lines (save "
            "with options=tf.saved_model.SaveOptions(save_debug_info=True) to see them)")


def _function_findings(traced: TracedFunction, models: list[nx.MultiDiGraph],
                       traces: list[Trace], src: Source, def_line: int,
                       func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> list[Finding]:
    """The findings about the function as a whole: its traces (or where a restored one came
    from), code with no source, its prints and pitfalls, jit_compile."""
    findings = _trace_findings(traced.name, traces, src, def_line) \
        if traced.kind != TargetKind.RESTORED else [finding(
            "restored", f"`{traced.name}` was loaded with tf.saved_model.load: its "
            f"{len(models)} graph{'s are' if len(models) != 1 else ' is'} the ConcreteFunctions "
            "the SavedModel holds, traced by the program that saved it, not here"
            + _saved_lines(models), src, 0, None)]
    if traced.no_source:  # exec'd code, tf.math.add: no def of the file is its source
        findings.append(finding(
            "no_source", f"`{traced.name}` runs code with no source in this file "
            f"({traced.no_source}): its drawing shows the ops it made, with no line of the "
            "file and no AutoGraph code", src, 0, None))
    findings += _print_findings(traces, src)
    findings += pitfall_findings(traced.name, traces, src, func)
    compiled = [i for i, m in enumerate(models) if m.graph.get("jit_compile")]
    if compiled:
        findings.append(finding(
            "jit_compile", f"`{traced.name}` has jit_compile=True: XLA compiles its whole graph "
            "(again for each new input shape) and runs the compiled program at every call, "
            "instead of running the ops one by one; an op XLA cannot compile makes the call "
            "fail rather than run outside XLA", src, def_line, None, [], graphs=compiled))
    return findings


def explain_function(traced: TracedFunction, models: list[nx.MultiDiGraph], source: Path,
                     source_text: str | None = None) -> FunctionExplanation:
    """The explanation of one traced function (models[i] is the model of traced.graphs[i])."""
    src = Source.read(source, source_text)
    traces = traces_of(traced) if traced.kind != TargetKind.GRAPH else []
    for i, trace in enumerate(traces):  # a SavedModel's functions were not traced here
        trace["cause"] = cause(trace, traces[:i]) if traced.kind != TargetKind.RESTORED else None
    func = find_def(src, traced.name, _seen_lines(models, traces),
                    traced.def_line) \
        if TargetKind(traced.kind).user_def and not traced.no_source else None
    def_line = func.lineno if func is not None else 0
    findings = _function_findings(traced, models, traces, src, def_line, func)
    state: dict[str, StateEntry] = {}
    passed = {p["name"] for t in traces for p in t["params"] if p["kind"] == "variable"}
    for index, model in enumerate(models):
        findings += print_op_findings(model, index, src)
        findings += call_findings(model, index, src)
        traced_by = traced.graphs[index].traced_by \
            if index < len(traced.graphs) else ""
        if traced.kind == TargetKind.GRAPH and traced_by:
            findings.append(finding(
                "func_graph", f"`{traced.name}` is the graph tf.function traced for "
                f"`{traced_by}` (a FuncGraph, as `.graph` of its ConcreteFunction gives it): "
                "its outputs are the function's results, and tf.function added its automatic "
                "control dependencies", src, 0, index, []))
        elif traced.kind == TargetKind.GRAPH:
            findings += initializer_findings(model, index, src)
        if func is not None:
            nested = any(t["graph"] == index and t.get("nested_in") is not None
                         for t in traces)
            findings += autograph_findings(model, index, src, func, traced.autograph,
                                           outer_frames(model, func.name) if nested else 0)
        # defs it calls, AutoGraph converted too
        if traced.kind not in (TargetKind.GRAPH, TargetKind.RESTORED):
            for called in called_defs(model, src, func):
                findings += autograph_findings(model, index, src, called,
                                               called_by=traced.name)
        findings += control_findings(model, index, src)
        if "nesting_cut" in model.graph:  # bodies below the deepest level drawn
            findings.append(finding("nesting_cut", cut_note(model.graph["nesting_cut"]), src,
                                    0, index, model.graph["nesting_cut"]["ops"]))
        found, uses = state_findings(model, index, src, traced.name)
        for item in found:
            variable = item.get("variable")
            if variable is None or variable not in passed:
                continue
            item["text"] += (" (passed in as an argument, so the caller sees the updates)"
                             if variable in uses and uses[variable]["writes"] else
                             " (passed in as an argument: each call reads its current value)")
        findings += found
        for name, entry in uses.items():
            state.setdefault(name, StateEntry(graph=index, **entry))
    return {
        "name": traced.name, "kind": traced.kind, "line": def_line,
        "where": src.where(def_line),
        "traces": [{"index": t["index"], "signature": t["signature"], "graph": t["graph"],
                    "cause": t["cause"], "printed": t["prints"], "error": t["error"],
                    "nested_in": t.get("nested_in"),
                    "by_tfgraphviz": bool(t.get("by_tfgraphviz")),
                    "error_kind": t["error_kind"], "error_line": t["error_line"],
                    "created_variables": t["created_variables"]} for t in traces],
        "findings": findings, "state": state,
    }


def _trace_lines(traces: list[TraceSummary]) -> list[str]:
    """One line a trace; a run of traces alike (signature, outcome, recursion) shares one."""
    runs: list[list[TraceSummary]] = []
    for trace in traces:
        def key(t: TraceSummary) -> tuple[str, bool, bool, bool]:
            return (t["signature"], bool(t.get("error")), t.get("nested_in") is None,
                    bool(t.get("by_tfgraphviz")))

        prev = runs[-1][-1] if runs else None
        if prev is not None and key(trace) == key(prev):
            runs[-1].append(trace)
        else:
            runs.append([trace])
    runs = [part for run in runs for part in ([run] if len(run) > 2 else [[t] for t in run])]
    lines = []
    for run in runs:
        first = run[0]
        state = "failed" if first.get("error") else "ok"
        who = (f"trace {first['index'] + 1}" if len(run) == 1 else
               f"traces {number_ranges([t['index'] + 1 for t in run])}")
        inside = ""
        nested = first.get("nested_in")
        if nested is not None:
            chained = all(t["nested_in"] == t["index"] - 1 for t in run)
            inside = (f", inside trace {nested + 1} (recursion)" if len(run) == 1
                      else ", each inside the one before (recursion)" if chained
                      else ", inside earlier traces (recursion)")
        ours = ", made by tfgraphviz (no arguments)" if first.get("by_tfgraphviz") else ""
        lines.append(f"  {who} {first['signature'] or '()'}: {state}{inside}{ours}")
    return lines


def to_text(explanation: Explanation) -> list[str]:
    """Terminal lines: a heading per function, then one finding a line with its file:line."""
    lines = []
    for fn in explanation.get("functions", []):
        traces = fn.get("traces", [])
        count = f"traced {len(traces)} time{'s' if len(traces) != 1 else ''}"
        if fn.get("kind") == TargetKind.RESTORED:
            count = (f"loaded from a SavedModel: {len(traces)} ConcreteFunction"
                     f"{'s' if len(traces) != 1 else ''}")
        if fn.get("kind") == TargetKind.GRAPH:
            count = "a tf.Graph"
        lines.append(f"{fn['name']}: {count}")
        lines += _trace_lines(traces)
        # with several drawings, a finding about one of them says which trace made it
        made_by = {t["graph"]: t["index"] for t in traces if t.get("graph") is not None}
        seen: set[tuple[str, str]] = set()
        for item in fn.get("findings", []):
            text = item["text"]
            trace = f"trace {made_by.get(item.get('graph'), -1) + 1}"
            if len(made_by) > 1 and item.get("graph") in made_by and trace not in text:
                text = f"({trace}) {text}"
            key = (item["where"], text)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"  {item['where'] or fn['name']}: {text}")
    return lines
