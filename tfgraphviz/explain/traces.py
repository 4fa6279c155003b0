"""Traces as the explain stage reads them (from TraceInfo records), and what caused each one."""

from __future__ import annotations

from tfgraphviz.capture.records import PrintSite, TracedFunction, TraceInfo
from tfgraphviz.capture.specs import error_line, is_variable_error
from tfgraphviz.explain.records import Cause, Param, Printed, Trace

BY_TFGRAPHVIZ = ("tfgraphviz traced it with no arguments (every parameter has a default) to "
                 "draw it, not a call of yours")
BY_SIGNATURE = "tfgraphviz traced it with its input_signature to draw it, not a call of yours"


def traces_of(traced: TracedFunction) -> list[Trace]:
    """Every trace as the stage reads it: from TraceInfo when recorded, else from what older
    fields say (a restored function, a failed entry)."""
    return [_trace(t) for t in traced.traces or _older_traces(traced)]


def _trace(t: TraceInfo) -> Trace:
    return {
        "index": t.index, "signature": t.signature, "graph": t.graph_index,
        "params": [Param(name=p.name, kind=p.kind, text=p.text, dtype=p.dtype, shape=p.shape,
                         value=p.value) for p in t.params],
        "output": t.output,
        "prints": [Printed(line=p.line, where=p.where, text=p.text) for p in t.prints],
        "error": t.error, "error_kind": t.error_kind, "error_line": t.error_line,
        "created_variables": t.created_variables, "tf_retrace": t.tf_retrace,
        "nested_in": t.nested_in, "saving_line": t.saving_line,
        "by_tfgraphviz": t.by_tfgraphviz, "from_signature": t.from_signature,
    }


def _older_traces(traced: TracedFunction) -> list[TraceInfo]:
    """Traces from the graphs, the outputs and the errors alone (no TraceInfo recorded)."""
    outputs = list(traced.trace_outputs) or [""] * len(traced.graphs)
    found = []
    for i, output in enumerate(outputs):
        graph = i if i < len(traced.graphs) else None
        found.append(TraceInfo(
            index=i, signature=traced.graphs[i].signature if graph is not None else "",
            graph_index=graph, output=output,
            prints=[PrintSite(line=0, where="", text=output)] if output else []))
    for error in traced.errors:
        failed = next((t for t in found if t.graph_index is None and t.error is None), None)
        if failed is None:
            failed = TraceInfo(index=len(found), signature="")
            found.append(failed)
        failed.error = error
        failed.error_kind = "variable_creation" if is_variable_error(error) else "other"
        failed.error_line = error_line(error)
    return found


# ---- causes of retraces ----------------------------------------------------------------------
def _change(old: Param, new: Param) -> tuple[str, str] | None:
    """(what changed, "old → new") for one parameter, None if TensorFlow saw it the same."""
    if old["kind"] != new["kind"]:
        return "kind", f"{kind_text(old)} → {kind_text(new)}"
    if old["kind"] == "python" and old.get("value") != new.get("value"):
        return "value", f"{old.get('value')} → {new.get('value')}"
    if old["kind"] in ("tensor", "variable"):
        if old.get("dtype") != new.get("dtype"):
            return "dtype", f"{old.get('dtype')} → {new.get('dtype')}"
        if old.get("shape") != new.get("shape"):
            return "shape", f"{old.get('shape')} → {new.get('shape')}"
    if old["text"] != new["text"]:
        return ("structure" if old["kind"] == "structure" else "object",
                f"{old['text']} → {new['text']}")
    return None


# TypeSpecs TensorFlow traces by type (ParamInfo kind "other"), by what the user passed
_SPECS = {"DatasetSpec": "a tf.data.Dataset", "RaggedTensor": "a tf.RaggedTensor",
          "SparseTensor": "a tf.SparseTensor", "IteratorSpec": "a dataset iterator",
          "TensorArraySpec": "a tf.TensorArray", "ExtensionType": "an extension type"}


def kind_text(param: Param) -> str:
    """`a tensor float32[2]`, `a tf.Variable float32[]`, `a Python value 3`, `an Apple
    object`, `a tf.RaggedTensor int32[2,?]`, `a tf.data.Dataset`."""
    text, kind = param["text"], param["kind"]
    if kind == "variable":
        return f"a {text}" if text.startswith("tf.Variable") else f"a tf.Variable {text}"
    if kind in ("python", "tensor", "structure"):
        return {"python": "a Python value", "tensor": "a tensor",
                "structure": "a structure"}[kind] + f" {text}"
    return object_text(text)


def object_text(text: str) -> str:
    """What a Python object or a TypeSpec parameter is, in the user's words."""
    word, _, rest = text.partition(" ")
    if word in _SPECS:
        return _SPECS[word] + (f" {rest}" if rest else "")
    if text in ("Python object", ""):
        return "a Python object"
    if word == "Python" and rest:
        return f"a Python {rest} object"
    return f"a {text}"


def _diffs(old: Trace, new: Trace) -> list[Cause]:
    before = {p["name"]: p for p in old["params"]}
    found: list[Cause] = []
    for param in new["params"]:
        prev = before.get(param["name"])
        change = _change(prev, param) if prev is not None else ("new", f"→ {param['text']}")
        if change is not None:
            found.append(Cause(argument=param["name"], what=change[0], change=change[1]))
    return found


def cause(trace: Trace, earlier: list[Trace]) -> Cause | None:
    """What made this trace: the parameter that differs from the closest earlier trace, or
    TensorFlow itself."""
    if not earlier:
        return None
    nested = trace["nested_in"]
    if nested is not None:  # the function called itself while being traced
        parent = next((t for t in earlier if t["index"] == nested), None)
        changed = _diffs(parent, trace) if parent is not None else []
        cause = Cause(recursion=nested)
        if changed:
            cause.update(changed[0])
        return cause
    saving = trace.get("saving_line", 0)
    if saving and not trace["tf_retrace"]:
        return {"by_tensorflow": f"tf.saved_model.save, called at line {saving}, traced it "
                "again to save it (saving traces the functions it stores), not a call of "
                "yours", "saving_line": saving}
    if trace["tf_retrace"]:
        prev = earlier[-1]
        why = ("trace {} created tf.Variables, so TensorFlow traced again to get a graph "
               "that creates none".format(prev["index"] + 1) if prev["created_variables"] else
               "TensorFlow traced again by itself, with the same arguments")
        return {"by_tensorflow": why}
    if trace.get("by_tfgraphviz"):
        return {"by_tfgraphviz": BY_SIGNATURE if trace.get("from_signature") else BY_TFGRAPHVIZ}
    options = [(len(d), -t["index"], d) for t in earlier for d in [_diffs(t, trace)]]
    _, _, diffs = min(options, key=lambda o: (o[0], o[1]))
    objects = [p for p in trace["params"] if p["kind"] == "object"]
    if not diffs and objects:  # TensorFlow keys a Python object by its identity
        return {"argument": objects[0]["name"], "what": "object",
                "change": "another " + object_text(objects[0]["text"]).removeprefix("a ")}
    if not diffs:
        failed = any(t["error"] for t in earlier if t["signature"] == trace["signature"])
        return {"by_tensorflow": "TensorFlow traced again with the same arguments" +
                (": the earlier trace with them failed, so nothing was cached" if failed
                 else "")}
    return {**diffs[0], **({"also": diffs[1:]} if diffs[1:] else {})}

