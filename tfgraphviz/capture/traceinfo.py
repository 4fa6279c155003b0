"""Each trace of a function as plain data (TraceInfo): its parameters, what Python printed and
where, its error, the tf.Variables it made, and whether TensorFlow traced again by itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tfgraphviz._util.sourcetext import file_line
from tfgraphviz.capture.records import ParamInfo, PrintSite, TraceInfo, TraceRecord
from tfgraphviz.capture.specs import (
    AT,
    describe_spec,
    display_shape,
    is_variable_error,
    located_error,
    signature_of,
)

# TraceType classes (tensorflow/core/function/trace_type) -> ParamInfo.kind
_KINDS = {"TensorSpec": "tensor", "VariableSpec": "variable", "Literal": "python",
          "Tuple": "structure", "List": "structure", "Dict": "structure",
          "NamedTuple": "structure", "Attrs": "structure", "Weakref": "object"}
NON_FIRST_CALL = ("ValueError: Creating variables on a non-first call to a function decorated "
                  "with tf.function.")
MAX_VALUE = 200  # characters of a Python value's repr kept


def _placeholder(constraint: Any) -> Any:
    """What the signature shows for a parameter's TraceType: a TensorSpec, a Python value, a
    structure of them, or the object a Weakref holds."""
    from tensorflow.core.function import trace_type
    from tensorflow.core.function.trace_type import default_types

    if isinstance(constraint, default_types.Weakref):
        return constraint.placeholder_value(None)  # the object itself, while it lives
    context = trace_type.InternalPlaceholderContext(unnest_only=True)
    return constraint.placeholder_value(context)


def param_info(name: str, constraint: Any) -> ParamInfo:
    """One parameter as TensorFlow traced it."""
    kind = _KINDS.get(type(constraint).__name__, "other")
    try:
        value = _placeholder(constraint)
    except Exception:  # noqa: BLE001 - a TraceType without a placeholder
        return ParamInfo(name, kind, type(constraint).__name__)
    if kind == "object" and value is None:
        return ParamInfo(name, kind, "Python object")  # gone since: its type is unknown
    info = ParamInfo(name, kind, describe_spec(value))
    if kind in ("tensor", "variable"):
        info.dtype = value.dtype.name
        info.shape = display_shape(value.shape)
    elif kind == "python":
        text = repr(value)
        info.value = text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"
    return info


def _parameters(function_type: Any) -> list[Any]:
    """Parameters (self excluded) in signature order: positional ones, then keyword-only ones
    sorted by name (as signature_of writes them)."""
    if function_type is None:
        return []
    params = [p for p in function_type.parameters.values() if p.name != "self"]
    keyword = sorted((p for p in params if p.kind == p.KEYWORD_ONLY), key=lambda p: p.name)
    return [p for p in params if p.kind != p.KEYWORD_ONLY] + keyword


def describe_params(function_type: Any) -> list[ParamInfo]:
    """The parameters of a trace about to start (Python objects passed are still alive)."""
    return [param_info(p.name, p.type_constraint) for p in _parameters(function_type)]


def params_of(record: TraceRecord) -> list[ParamInfo]:
    """The parameters, named as signature_of names them (a Keras model's `*args` after the
    names of its Inputs)."""
    specs: tuple[Any, ...] = ()
    if record.concrete is not None:
        specs = tuple(record.concrete.structured_input_signature[0])
    params = list(record.params) if record.params is not None \
        else describe_params(record.function_type)
    for i, param in enumerate(params):
        if re.fullmatch(r"args_\d+", param.name) and i < len(specs) \
                and getattr(specs[i], "name", None):
            param.name = specs[i].name
    return params


def signature_text(record: TraceRecord, params: list[ParamInfo]) -> str:
    """As signature_of for a trace that made a ConcreteFunction; else from its parameters."""
    if record.concrete is not None:
        return signature_of(record.concrete)
    parts = []
    for p in params:
        parts.append(f"{p.name}: {p.text}")
    return "(" + ", ".join(parts) + ")"


def _non_first_call_error(line: int, user_file: Path) -> str:
    """The error TensorFlow raises after a non-first trace made a tf.Variable (outside the
    trace, so no record holds it), pointing at the line that made it."""
    if not line:
        return NON_FIRST_CALL
    code = file_line(user_file, line).strip()
    return NON_FIRST_CALL + f"{AT}{user_file.name}:{line}" + (f": {code}" if code else "")


def trace_infos(records: list[TraceRecord], graph_index: dict[int, int],
                user_file: Path) -> list[TraceInfo]:
    """One TraceInfo per record, in order; `graph_index` maps id(record) to its drawing."""
    infos: list[TraceInfo] = []
    index_of = {id(record): i for i, record in enumerate(records)}
    for i, record in enumerate(records):
        params = params_of(record)
        info = TraceInfo(i, signature_text(record, params), graph_index.get(id(record)), params,
                         record.output)
        info.prints = [PrintSite(line, where, text.removesuffix("\n"))
                       for line, where, text in record.prints]
        info.created_variables = bool(record.variable_lines)
        if record.parent is not None:
            info.nested_in = index_of.get(id(record.parent))
        info.saving_line = record.saving_line
        if record.error is not None:
            info.error, info.error_line = located_error(record.error, user_file)
            info.error_kind = "variable_creation" if is_variable_error(str(record.error)) \
                else "other"
        elif info.created_variables and record.scope == "variable_creation" and not record.first:
            line = next((n for n in record.variable_lines if n), 0)
            info.error = _non_first_call_error(line, user_file)
            info.error_kind = "variable_creation"
            info.error_line = line or None
        # the trace before, its own nested (recursive) traces left out
        j = next((j for j in range(i - 1, -1, -1) if records[j].parent is None), None)
        if record.scope == "no_variable_creation" and j is not None and record.parent is None:
            before = infos[j]
            info.tf_retrace = (records[j].first and before.created_variables
                               and before.signature == info.signature)
        infos.append(info)
    return infos
