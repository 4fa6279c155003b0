"""Summarize NodeDef attributes (AttrValue protos) as short, stable strings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tfgraphviz._util.shape import Shape
from tfgraphviz._util.shape import shape_text as _shape_text

MAX_TEXT = 120
HIDDEN = {"_output_shapes"}  # carried elsewhere in the model


def _save_counter(key: str, value: Any) -> bool:
    """A restored capture's `_user_specified_name` that is a number: a counter of the program
    that saved the SavedModel (it differs between two saves of the same model), not a name."""
    return key == "_user_specified_name" and value.s.isdigit()


_DTYPE_NAMES: dict[int, str] = {}


def dtype_name(enum: int) -> str:
    name = _DTYPE_NAMES.get(enum)
    if name is not None:
        return name
    import tensorflow as tf

    try:
        name = str(tf.dtypes.as_dtype(enum).name)
    except (TypeError, ValueError):
        name = f"dtype{enum}"
    _DTYPE_NAMES[enum] = name
    return name


def shape_dims(shape: Any) -> Shape:
    """A TensorShapeProto's sizes (None: unknown), None for an unknown rank."""
    if shape.unknown_rank:
        return None
    return tuple(None if d.size < 0 else d.size for d in shape.dim)


def shape_text(shape: Any) -> str:
    """`[2,?]` for a TensorShapeProto, `?` for unknown rank."""
    return _shape_text(shape_dims(shape))


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bytes(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return repr(raw)


def tensor_text(tensor: Any) -> str:
    """`float32[2,2] [[10. 10.] [11. 1.]]`, values clipped."""
    import numpy as np
    import tensorflow as tf

    head = dtype_name(tensor.dtype) + shape_text(tensor.tensor_shape)
    try:
        value = tf.make_ndarray(tensor)
    except Exception:  # noqa: BLE001 - exotic dtypes
        return head
    if value.dtype.kind in "OSU":
        flat = [_bytes(v) if isinstance(v, bytes) else str(v) for v in value.reshape(-1)[:8]]
        body = repr(flat[0]) if value.ndim == 0 else "[" + ", ".join(map(repr, flat)) + "]"
    else:
        body = np.array2string(value, threshold=8, edgeitems=2, separator=" ",
                               max_line_width=10_000, precision=4)
        body = " ".join(body.split())
    return clip(f"{head} {body}")


def attr_text(value: Any, rename: Callable[[str], str]) -> str:
    """One AttrValue as text; function names go through `rename` to stay stable."""
    kind = value.WhichOneof("value")
    if kind == "s":
        return clip(_bytes(value.s))
    if kind in ("i", "b"):
        return str(getattr(value, kind))
    if kind == "f":
        return repr(value.f)
    if kind == "type":
        return dtype_name(value.type)
    if kind == "shape":
        return shape_text(value.shape)
    if kind == "tensor":
        return tensor_text(value.tensor)
    if kind == "func":
        return rename(value.func.name)
    if kind == "placeholder":
        return "$" + value.placeholder
    if kind == "list":
        lst = value.list
        items: list[str] = []
        items += [clip(_bytes(s), 40) for s in lst.s]
        items += [str(i) for i in lst.i] + [repr(f) for f in lst.f] + [str(b) for b in lst.b]
        items += [dtype_name(t) for t in lst.type] + [shape_text(s) for s in lst.shape]
        items += [rename(f.name) for f in lst.func]
        return clip("[" + ", ".join(items) + "]")
    return ""


MAX_TENSOR_BYTES = 64 * 1024  # larger constant contents are left out of attr_values


def _rename_functions(value: Any, rename: Callable[[str], str]) -> Any:
    """Function names inside an AttrValue's JSON form, made stable."""
    if isinstance(value, dict):
        out = {k: _rename_functions(v, rename) for k, v in value.items()}
        if "func" in out and isinstance(out["func"], dict) and "name" in out["func"]:
            out["func"]["name"] = rename(out["func"]["name"])
        if "list" in out and isinstance(out["list"], dict):
            for func in out["list"].get("func", []):
                if isinstance(func, dict) and "name" in func:
                    func["name"] = rename(func["name"])
        return out
    if isinstance(value, list):
        return [_rename_functions(v, rename) for v in value]
    return value


def _big_tensor(value: Any) -> bool:
    return bool(value.WhichOneof("value") == "tensor"
                and value.tensor.ByteSize() > MAX_TENSOR_BYTES)


def value_json(value: Any, rename: Callable[[str], str]) -> Any:
    """One AttrValue's JSON form ({"type": "DT_FLOAT"}), function names made stable; a
    constant over MAX_TENSOR_BYTES keeps only its dtype and shape."""
    from google.protobuf import json_format

    if _big_tensor(value):
        original = value
        value = type(value)()
        value.tensor.dtype = original.tensor.dtype
        value.tensor.tensor_shape.CopyFrom(original.tensor.tensor_shape)
    data = json_format.MessageToDict(value, preserving_proto_field_name=True)
    return _rename_functions(data, rename)


class Summarizer:
    """The attributes of many NodeDefs as text (attr_text) and as the AttrValue protos' JSON
    form (value_json; lossless but for constants over MAX_TENSOR_BYTES), sorted by name, each
    distinct AttrValue worked out once
    (a graph repeats the same dtypes, strides and small constants thousands of times). The
    JSON forms are shared between the nodes that have the same value: treat them as
    read-only."""

    def __init__(self, rename: Callable[[str], str], restored: bool = False) -> None:
        self.rename = rename
        self.restored = restored  # a SavedModel's graph: its saving program's counters left out
        self.cache: dict[bytes, tuple[str, Any]] = {}

    def one(self, value: Any) -> tuple[str, Any]:
        if _big_tensor(value):  # not worth a copy of its bytes as a key
            return attr_text(value, self.rename), value_json(value, self.rename)
        raw = value.SerializeToString(deterministic=True)
        done = self.cache.get(raw)
        if done is None:
            done = self.cache[raw] = (attr_text(value, self.rename),
                                      value_json(value, self.rename))
        return done

    def __call__(self, attr_map: Any) -> tuple[dict[str, str], dict[str, Any]]:
        """({name: text}, {name: JSON form}) of every attribute but the HIDDEN ones."""
        texts: dict[str, str] = {}
        values: dict[str, Any] = {}
        for key in sorted(attr_map):
            if key not in HIDDEN and not (self.restored and _save_counter(key, attr_map[key])):
                texts[key], values[key] = self.one(attr_map[key])
        return texts, values
