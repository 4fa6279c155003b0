"""What `serve` watches: the user's file and its local imports, polled (stat, then content)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from tfgraphviz._util.imports import local_imports


def local_sources(source: Path, exclude: Path | None = None) -> list[Path]:
    """The file and, transitively, the files beside it that it imports (never under `exclude`,
    the output folder)."""
    return [source, *local_imports(source, exclude)]


def fingerprint(paths: Iterable[Path]) -> dict[Path, str | None]:
    """Each path's content hash (None when missing): a `touch` or an unchanged save changes
    nothing, an editor's save by rename is seen."""
    result: dict[Path, str | None] = {}
    for path in paths:
        try:
            if path.is_symlink():
                target = os.readlink(path)
                result[path] = "link:" + target
                continue
            result[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            result[path] = None
    return result


class Watcher:
    """Polls one target's sources; `poll()` says whether they changed since the last render
    request (a change counts once the files stayed quiet for `quiet` seconds)."""

    def __init__(self, source: Path, exclude: Path | None, quiet: float = 0.3) -> None:
        self.source, self.exclude, self.quiet = source, exclude, quiet
        self._stats: dict[Path, tuple[int, int, int] | None] = {}
        self._hashes = fingerprint(self.paths())
        self._changed_at: float | None = None
        self._stats = self._stat_all()

    def paths(self) -> list[Path]:
        return local_sources(self.source, self.exclude)

    def _stat_all(self) -> dict[Path, tuple[int, int, int] | None]:
        stats: dict[Path, tuple[int, int, int] | None] = {}
        for path in self.paths():
            try:
                st = os.lstat(path)
                stats[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                stats[path] = None
        return stats

    def poll(self, now: float) -> bool:
        """True once when the sources' contents changed and then stayed quiet (debounced)."""
        stats = self._stat_all()
        if stats != self._stats:
            self._stats = stats
            self._changed_at = now
            return False
        if self._changed_at is None or now - self._changed_at < self.quiet:
            return False
        self._changed_at = None
        hashes = fingerprint(stats)
        if hashes == self._hashes:
            return False
        self._hashes = hashes
        return True
