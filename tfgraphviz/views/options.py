"""How much of a model a view shows: the options every stage after the views passes along."""

from __future__ import annotations

from dataclasses import dataclass

from tfgraphviz.errors import InputError

__all__ = ["ViewOptions", "parse_depth"]


@dataclass(frozen=True)
class ViewOptions:
    """How much of a model is drawn (see tfgraphviz.view); its fields in the order of
    plan_view's arguments."""

    depth: int | str = "auto"
    expand: tuple[str, ...] = ()
    fold: bool = True
    noise: bool | None = None


def parse_depth(text: str | int) -> int | str:
    """`auto`, `all` or a whole number from 1, for --depth."""
    value = str(text).strip().lower()
    if value in ("auto", "all"):
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise InputError(f"--depth {text}: give auto, all or a whole number from 1, e.g. --depth 2")
