"""Text for what a function was traced with: tensor specs, shapes, signatures, and errors
located in the user's file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tfgraphviz._util.shape import Shape
from tfgraphviz._util.shape import shape_text as _shape_text
from tfgraphviz.errors import exception_text

AT = "\n  at "  # what describe_error puts between the message and `file.py:LINE: code`
_AT_LINE = re.compile(r"\n  at [^\n]*?:(\d+)(?::|$)")
# TensorFlow's words for a tf.Variable made on a call after the first: TF 2.21 raises the
# first two (polymorphic_function.py), older TensorFlow the third
VARIABLE_ERRORS = ("only supports singleton tf.Variables created on the first call",
                   "Creating variables on a non-first call",
                   "create variables on non-first call")


def is_variable_error(error: str) -> bool:
    """Whether an error (its text) says a trace after the first made a tf.Variable."""
    return any(marker in error for marker in VARIABLE_ERRORS)


def error_line(error: str) -> int | None:
    """The line of the user's file that a describe_error text points at (`\\n  at f.py:LINE`);
    only for `TracedFunction.errors`, which keep text (trace_infos keeps the line itself)."""
    match = _AT_LINE.search(error)
    return int(match.group(1)) if match else None


def shape_dims(shape: Any) -> Shape:
    """A TensorShape's sizes (None: unknown), None for an unknown rank."""
    try:
        return tuple(shape.as_list())
    except ValueError:
        return None


def shape_text(shape: Any) -> str:
    return _shape_text(shape_dims(shape))


def describe_spec(spec: Any) -> str:
    """`float32[2,?]` for a TensorSpec (`float32[*]`: rank unknown), repr for Python values,
    nested structures kept; objects that are not tensors say so instead of an address."""
    import tensorflow as tf

    if isinstance(spec, tf.TensorSpec):
        return f"{spec.dtype.name}{display_shape(spec.shape)}"
    if isinstance(spec, tuple | list):
        inner = ", ".join(describe_spec(s) for s in spec)
        return f"({inner})" if isinstance(spec, tuple) else f"[{inner}]"
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{k!r}: {describe_spec(v)}" for k, v in sorted(spec.items())) + "}"
    if isinstance(spec, tf.TypeSpec):
        dtype, shape = getattr(spec, "dtype", None), getattr(spec, "shape", None)
        if type(spec).__name__ == "VariableSpec" and dtype is not None and shape is not None:
            return f"tf.Variable {dtype.name}{display_shape(shape)}"
        if dtype is not None and shape is not None:
            kind = type(spec).__name__.removesuffix("Spec")
            return f"{kind} {getattr(dtype, 'name', dtype)}{display_shape(shape)}"
        return type(spec).__name__
    if type(spec).__name__ == "UnknownArgument":
        return "Python object"  # TensorFlow keeps no trace of which one
    if spec is None or isinstance(spec, bool | int | float | str | bytes):
        text = repr(spec)
        return text if len(text) <= 60 else text[:28] + "…" + text[-28:]
    return f"Python {type(spec).__name__}"


def display_shape(shape: Any) -> str:
    text = shape_text(shape)
    return "[*]" if text == "?" else text


def signature_of(concrete: Any) -> str:
    """`(x: float32[2,2], n=3)` for a ConcreteFunction."""
    args, kwargs = concrete.structured_input_signature
    try:
        names = [n for n in concrete.function_type.parameters if n != "self"]
    except AttributeError:
        names = []
    parts = []
    for i, arg in enumerate(args):
        label = names[i] if i < len(names) else f"arg{i}"
        if re.fullmatch(r"args_\d+", label) and getattr(arg, "name", None):
            label = arg.name  # *args of a Keras model's __call__: use the Input's name
        parts.append(f"{label}: {describe_spec(arg)}")
    parts.extend(f"{k}: {describe_spec(v)}" for k, v in sorted(kwargs.items()))
    return "(" + ", ".join(parts) + ")"


def describe_error(exc: BaseException, user_file: Path) -> str:
    """The whole error message on one line, then `  at file.py:LINE: source line` (the line
    of the user's file that caused it) when one is known."""
    return located_error(exc, user_file)[0]


def located_error(exc: BaseException, user_file: Path) -> tuple[str, int | None]:
    """`describe_error`'s text and the line of the user's file it points at (None when none)."""
    where, line = error_location(exc, user_file)
    return exception_text(exc) + (f"{AT}{where}" if where else ""), line


def error_location(exc: BaseException, user_file: Path) -> tuple[str, int | None]:
    """`file.py:LINE: source line` of the user's file that caused `exc`, and LINE ("", None
    when not known). TensorFlow's error text (`File "...", line N, in f`) is the only place
    a graph-building error's user frame is written: it is read from there, else from the
    Python traceback."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    where, number = "", None
    pattern = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')
    for i, line in enumerate(lines):
        m = pattern.search(line)
        if m and Path(m.group(1)).name == user_file.name:
            code = lines[i + 1] if i + 1 < len(lines) and not pattern.search(lines[i + 1]) else ""
            where = f"{user_file.name}:{m.group(2)}" + (f": {code}" if code else "")
            number = int(m.group(2))
    if not where:
        import traceback

        for frame in traceback.extract_tb(exc.__traceback__):
            if Path(frame.filename).resolve() == user_file.resolve():
                where = f"{user_file.name}:{frame.lineno}: {(frame.line or '').strip()}"
                number = frame.lineno
    return where, number
