"""A function's files as a set: written into a staging folder inside the output folder, then
moved into place only once all of them are written (a full disk keeps the earlier set whole);
leftovers of renders killed mid-way (staging folders, `.<file>.<random>.tmp`) cleaned."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tfgraphviz._util.defaults import MANIFEST
from tfgraphviz._util.fs import cannot_write, real_subfolder
from tfgraphviz.errors import OutputError

STAGE_PREFIX = ".tfgraphviz-stage-"
_STAGE = re.compile(re.escape(STAGE_PREFIX) + r"[a-z0-9_]{8}")  # tempfile.mkdtemp's names
_RANDOM_TMP = r"\.[a-z0-9_]{8}\.tmp"  # what fs.write_bytes adds to `.<name>` (mkstemp)
RUN_FILES = (MANIFEST, "report.html")  # written by every render, whatever its functions


@contextlib.contextmanager
def staging(folder: Path) -> Iterator[Path]:
    """A fresh staging folder inside `folder` (same file system: moving out is a rename),
    removed with whatever is left in it when done."""
    try:
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=folder))
    except OSError as exc:
        raise cannot_write(folder, exc.strerror or str(exc)) from exc
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _kind(path: Path) -> int | None:
    """The lstat file type of `path`, None if nothing is there."""
    try:
        return stat.S_IFMT(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def _placed(stage: Path, folder: Path, rel: str) -> list[str]:
    """The files of `rel` to move from `stage` into `folder` (a folder's files one by one: a
    file the user put in an earlier folder of tfgraphviz's stays); OutputError if a folder is
    where a file goes, or a link or file where a folder goes."""
    there = _kind(folder / rel)
    if _kind(stage / rel) != stat.S_IFDIR:
        if there == stat.S_IFDIR:
            raise cannot_write(folder / rel, "a folder is in the way")
        return [rel]
    if there is None:
        return [rel]
    if there != stat.S_IFDIR:
        raise cannot_write(folder / rel, "a file or symbolic link is in the way of a folder "
                           "tfgraphviz makes")
    return [item for name in sorted(os.listdir(stage / rel))
            for item in _placed(stage, folder, f"{rel}/{name}")]


def publish(stage: Path, folder: Path, files: list[str]) -> None:
    """Move the files and folders `files` (relative paths) from `stage` into `folder`. Every
    place is checked before anything moves (nothing moved on an OutputError); folders move
    first (drill-down pages before the overview that links to them)."""
    present = [rel for rel in dict.fromkeys(files) if _kind(stage / rel) is not None]
    for top in {rel.split("/")[0] for rel in present if "/" in rel}:
        real_subfolder(folder, top)
    ordered = sorted(present, key=lambda rel: _kind(stage / rel) != stat.S_IFDIR)
    moves = [item for rel in ordered for item in _placed(stage, folder, rel)]
    for rel in moves:
        try:
            os.replace(stage / rel, folder / rel)
        except OSError as exc:
            raise cannot_write(folder / rel, exc.strerror or str(exc)) from exc


def entry_files(entry: dict[str, Any]) -> list[str]:
    """The files and folders of one function's manifest entry."""
    files = [entry["autograph"]] if entry.get("autograph") else []
    for cf in entry["concrete_functions"]:
        files += cf["files"].values()
    return files


def clean_leftovers(folder: Path, old: dict[str, Any], source_path: str) -> list[str]:
    """Delete what renders cut short by SIGKILL left in `folder` (the caller holds its lock,
    so no render is writing): staging folders, and, when the earlier manifest is for the
    same input, `.<name>.<random>.tmp` files of the names it lists (and of manifest.json and
    report.html); only regular files and real folders. Returns the names deleted."""
    from tfgraphviz.pipeline.outdir import files_by_owner

    names = set(RUN_FILES)
    if old.get("source_path") == source_path:
        for files in files_by_owner(old).values():
            names |= {rel for rel in files if "/" not in rel}
    else:
        names = set()
    temporary = re.compile("|".join([_STAGE.pattern] + [
        r"\." + re.escape(name[:80]) + _RANDOM_TMP for name in sorted(names)]))
    removed = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in entries:
        if not name.startswith(".") or not temporary.fullmatch(name):
            continue
        kind = _kind(folder / name)
        try:
            if kind == stat.S_IFDIR and _STAGE.fullmatch(name):
                shutil.rmtree(folder / name)
            elif kind == stat.S_IFREG and not _STAGE.fullmatch(name):
                os.unlink(folder / name)
            else:
                continue
        except OSError:
            continue
        removed.append(name)
    return removed


def outside(folder: Path, exc: OutputError) -> OutputError:
    """`exc` (raised while writing into a staging folder, whose path means nothing to the
    user) said of `folder`."""
    cause = exc.__cause__
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else None
    return cannot_write(folder, reason or str(exc))


class Sets:
    """Functions' files written into staging folders (their drawings possibly still being
    laid out in the background), then each function's set published into `folder` at once;
    every staging folder removed on exit, whatever happened."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stack = contextlib.ExitStack()
        self._sets: list[tuple[Path, dict[str, Any]]] = []

    def __enter__(self) -> Sets:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def open(self) -> Path:
        """A fresh staging folder for one function (OutputError if none can be made)."""
        return self._stack.enter_context(staging(self.folder))

    def add(self, stage: Path, entry: dict[str, Any]) -> None:
        """The function whose manifest entry is `entry` was written into `stage`."""
        self._sets.append((stage, entry))

    def publish(self, failed: dict[str, OutputError],
                give_up: Callable[[dict[str, Any], OutputError], None]) -> None:
        """Move each function's files into place as a set; a function in `failed` (its
        drawing could not be written) or whose files cannot all be placed keeps its earlier
        files: `give_up(entry, error)` is called for it instead."""
        for stage, entry in self._sets:
            error = failed.get(entry["name"])
            if error is None:
                try:
                    publish(stage, self.folder, entry_files(entry))
                    continue
                except OutputError as exc:
                    error = exc
            give_up(entry, outside(self.folder, error))
