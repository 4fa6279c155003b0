"""Drawings laid out in the background: a child process (the view, the main layout and the
drill-down pages) runs while this one writes JSON, TensorBoard files, the explanation and the
report, and traces the next function.
Each drawing's files, view and problems are filled in afterwards, in the order the drawings
were asked for, so the manifest, the messages and the files are those of a serial render."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tfgraphviz.errors import OutputError

if TYPE_CHECKING:
    from tfgraphviz.drawing.pages import Drawn
    from tfgraphviz.pipeline.render import Problem


@dataclass
class _Entry:
    """One concrete function's manifest entry, its heading, and its drawing when one is
    being laid out: its problems go at `slot` of the problem list."""

    entry: dict[str, Any]
    heading: str
    name: str
    stem: str
    drawing: Future[Drawn] | None = None
    slot: int = 0
    forgotten: bool = False


class Drawings:
    """A pool of one thread laying out drawings one after another, each in a child process
    (see forked.draw_forked; it runs its pages' Graphviz processes two at a time); `finish`
    waits for them in order."""

    def __init__(self, layout_timeout: float) -> None:
        from tfgraphviz.drawing.pages import LAYOUT_FORMATS, PAGES_BUDGET

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfgraphviz-draw")
        self._entries: list[_Entry] = []
        # seconds of layout one drawing may take: each format, then its pages
        self._budget = layout_timeout * len(LAYOUT_FORMATS) + PAGES_BUDGET

    def __enter__(self) -> Drawings:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self._pool.shutdown(wait=True)
            return
        from tfgraphviz.drawing.layout import stop_all
        from tfgraphviz.pipeline.forked import kill_children

        stop_all()  # interrupted: the drawing under way stops, no file is written after
        kill_children()
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            stop_all(False)

    def add(self, entry: dict[str, Any], heading: str, name: str, stem: str,
            draw: Callable[[], Drawn] | None, problems: list[Problem]) -> None:
        """Record a concrete function's entry; `draw` (if any) starts in the background and
        its problems will be inserted where the list `problems` ends now."""
        from tfgraphviz.pipeline.forked import draw_forked

        job = self._pool.submit(draw_forked, draw, self._budget) if draw is not None else None
        self._entries.append(_Entry(entry, heading, name, stem, job, len(problems)))

    def forget(self, name: str) -> None:
        """Leave the drawings of function `name` out of `finish` (its files could not all be
        written); they are still waited for."""
        for item in self._entries:
            if item.name == name:
                item.forgotten = True

    def finish(self, problems: list[Problem], say: Callable[[str], None],
               progress: Callable[[str], None]) -> dict[str, OutputError]:
        """Wait for every drawing, fill in its files and view, insert its problems in
        place, and say each concrete function's files, in order; return the functions
        whose drawing could not be written (a full disk, a folder in the way), by name."""
        from tfgraphviz.pipeline.render import Problem

        inserted = 0
        failed: dict[str, OutputError] = {}
        for item in self._entries:
            if item.forgotten:
                if item.drawing is not None:
                    item.drawing.exception()  # waited for; what it did is of no use
                continue
            if item.drawing is not None:
                if not item.drawing.done():
                    progress(f"laying out {item.stem} and its drill-down pages")
                try:
                    result = item.drawing.result()
                except OutputError as exc:
                    failed.setdefault(item.name, exc)
                    continue
                files = {**item.entry["files"], **result.files}
                item.entry["files"] = dict(sorted(files.items()))
                view = dict(result.view)
                if result.pages is not None:
                    view["pages"] = sorted(result.pages)
                item.entry["view"] = view
                more = [Problem(item.name, message, code) for message, code in result.problems]
                at = item.slot + inserted
                problems[at:at] = more
                inserted += len(more)
            if item.name not in failed:
                say(f"  {item.heading} -> {', '.join(item.entry['files'].values())}")
        return failed
