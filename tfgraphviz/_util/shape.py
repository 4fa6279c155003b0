"""A tensor's shape in the model: a tuple of sizes (None: unknown), None for an unknown rank."""

from __future__ import annotations

Shape = tuple[int | None, ...] | None


def shape_text(shape: Shape) -> str:
    """`[2,?]`, `?` for an unknown rank: how the model's shapes are written (node-link JSON,
    GraphML)."""
    if shape is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def parse_shape(text: str) -> Shape:
    """The shape `shape_text` wrote, back (for readers of written files only)."""
    if text == "?":
        return None
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(f"not a shape: {text!r}")
    inner = text[1:-1]
    return tuple(None if d == "?" else int(d) for d in inner.split(",")) if inner else ()
