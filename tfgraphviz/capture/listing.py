"""What `--list` and the manifest's notes say of each candidate: what it is, or why it is not
drawn (shadowed, never called, left out by --skip, skipped)."""

from __future__ import annotations

import fnmatch
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tfgraphviz.capture.discover import discover_all, needs_arguments
from tfgraphviz.capture.loader import created_functions
from tfgraphviz.capture.origin import origin
from tfgraphviz.capture.records import TargetKind
from tfgraphviz.errors import PROBE_ERRORS

__all__ = ["left_out", "list_candidates", "skip_matches", "skipped_by"]


def skip_matches(name: str, pattern: str) -> bool:
    """Whether --skip PATTERN (a glob) leaves out the candidate `name`: the name itself, the
    name without its `@LINE` (so `train_step` covers `train_step@344`), or without
    `.__call__`."""
    return any(fnmatch.fnmatchcase(n, pattern) for n in
               {name, name.partition("@")[0], name.removesuffix(".__call__")})


def skipped_by(name: str, skip: Sequence[str]) -> str | None:
    """`skipped: left out by --skip PATTERN` for the first pattern that leaves `name` out."""
    pattern = next((p for p in skip if skip_matches(name, p)), None)
    return None if pattern is None else f"skipped: left out by --skip {pattern}"


def list_candidates(module: types.ModuleType, path: Path, skip: Sequence[str] = ()
                    ) -> list[tuple[str, str]]:
    """Everything `render` would draw, then what it draws only when named, then everything it
    skipped, for `--list`.

    Returns (name, description) pairs: first one per target, in the order render draws them,
    where name is what `-f` accepts (`f`, `f@12` for a shadowed definition, `obj.method`,
    `model.train_function`) and description says what it is, e.g. "tf.function (line 12)";
    then one per candidate drawn only when named with -f (a definition the file shadowed
    without calling it, a method of a class without an instance), saying why; then one per
    skipped candidate, whose description starts with "skipped: " and says why (e.g. "skipped:
    tf.function defined in keras (library)", "skipped: left out by --skip f*"). Never imports
    or traces again: the module is the one load_module returned."""
    drawn, not_drawn = _candidates(module, path, skip)
    return drawn + not_drawn


def _candidates(module: types.ModuleType, path: Path, skip: Sequence[str]
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """list_candidates' entries: those render draws, then the others."""
    targets, notes, skipped = discover_all(module, path)
    lines = {id(f): c.line for c in created_functions(module) for f in [c.function, *c.bound]}
    result = []
    left: list[tuple[str, str]] = []
    for target in targets:
        why = skipped_by(target.name, skip)
        if why is not None:
            left.append((target.name, why))
            continue
        if target.note:
            continue  # listed with the notes
        text = TargetKind(target.kind).text
        line = lines.get(id(target.obj))
        if line:
            text += f" (line {line})"
        if target.kind in (TargetKind.FUNCTION, TargetKind.METHOD):
            text += _origin_text(target.obj, path)
        if target.shadowed:
            text += "; no name holds it now (shadowed or never bound): drawn as the file traced it"
        if target.kind.user_def or target.kind.keras_step:
            text += _tracing_note(target.obj)
        result.append((target.name, text))
    notes = [(n, skipped_by(n, skip) or text) for n, text in notes]
    return result, notes + left + skipped


def _origin_text(fn: Any, path: Path) -> str:
    """`; defined in exec'd code, no source`, `; tf.math.add (TensorFlow, ...)`, or the
    def a callable object runs: `; runs Obj.__call__ (line 14)`."""
    found = origin(fn, path)
    if found.note:
        return f"; {found.note}"
    if found.qualname.endswith(".__call__") and found.line:
        return f"; runs {found.qualname} (line {found.line})"
    return ""


def _tracing_note(fn: Any) -> str:
    """`; traced 2 times at import` or `; needs --call (arguments: x)` for --list."""
    try:
        count = int(fn.experimental_get_tracing_count())
    except PROBE_ERRORS:  # a plain callable, or a TensorFlow without the method
        count = 0
    if count:
        return f"; traced {count} time{'s' if count > 1 else ''} at import"
    return needs_arguments(fn)


def left_out(module: types.ModuleType, path: Path, names: Sequence[str] | None,
             skip: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(name, why) of every candidate a render of these names (None: all) does not draw: those
    drawn only when named, those --skip leaves out, those skipped; for the manifest's notes."""
    return [] if names else _candidates(module, path, skip)[1]
