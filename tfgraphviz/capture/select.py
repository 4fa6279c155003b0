"""The targets a render draws: those the user named (any callable, even a plain one), or every
candidate but those drawn only when named and those --skip leaves out."""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from pathlib import Path

from tfgraphviz.capture.discover import discover_all
from tfgraphviz.capture.listing import skip_matches, skipped_by
from tfgraphviz.capture.records import Target
from tfgraphviz.capture.resolve import resolve_name
from tfgraphviz.errors import FunctionNotFoundError, NoFunctionsError

__all__ = ["select_targets"]


def select_targets(module: types.ModuleType, path: Path, names: list[str] | None,
                   option: str = "--function", skip: Sequence[str] = ()) -> list[Target]:
    """The targets named by the user (any callable, even a plain one), or all of them but
    those drawn only when named (a definition the file shadowed without calling it) and
    those `skip` (globs, as --skip) leaves out.

    `option` is the command-line option the names came from ("--function" or "--call"),
    used in error messages."""
    every, notes, skipped = discover_all(module, path)
    found = [t for t in every if not t.note]
    candidates = [t.name for t in every] + [n for n, _ in notes + skipped]
    for pattern in skip:
        if not any(skip_matches(n, pattern) for n in candidates):
            close = difflib.get_close_matches(pattern, candidates, n=3)
            raise FunctionNotFoundError(
                f"--skip {pattern}: matches no candidate"
                + (f"; did you mean {' or '.join(close)}?" if close else
                   f"; candidates: {', '.join(candidates[:12]) or '(none)'}"))
    if not names:
        kept = [t for t in found if skipped_by(t.name, skip) is None]
        if not kept:
            raise NoFunctionsError(
                f"{path.name}: --skip left out every function" if found else
                f"{path.name} defines no tf.function, tf.Graph or built Keras model"
                + (" that the file called (see --list)" if every else "")
                + "; decorate a function with @tf.function, or name a plain function with "
                  "-f NAME to trace it as one")
        return kept
    by_name = {t.name: t for t in every}
    chosen: list[Target] = []
    for name in names:
        target = (by_name.get(name) or by_name.get(f"{name}.__call__")
                  or resolve_name(module, name, option, sorted(by_name)))
        if target.name != name and target.name != f"{name}.__call__":
            target = Target(name, target.kind, target.obj)
        chosen.append(target)
    return chosen
