"""The output folder: checked before the user's code runs, locked while written, pruned safely."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tfgraphviz._util.defaults import MANIFEST
from tfgraphviz._util.fs import cannot_write as _cannot

# the only shapes of file names the pipeline writes (see naming.file_stem): anything else a
# manifest lists was not written by tfgraphviz and is never deleted
# (drill-down pages are in `<stem>.scopes/`; earlier versions wrote them in `<stem>/scopes/`)
_OWN_FILE = re.compile(r"[^/.][^/]*\.(dot|svg|png|pdf|json|graphml|autograph\.py|scopes)|"
                       r"tensorboard/[^/.][^/]*|[^/.][^/]*/scopes")
_OWN_PAGE = re.compile(r"[^/.][^/]*(\.scopes|/scopes)/[^/.][^/]*\.svg")


def absolute(path: str | Path) -> Path:
    """`path` made absolute against the current folder now, before user code can chdir."""
    return Path(os.path.abspath(os.fspath(path)))


def check_writable(folder: Path) -> None:
    """Fail early, creating nothing, if `folder` (or the nearest part of it that exists) is not
    a writable folder."""
    probe = folder
    while True:
        try:
            info = os.stat(probe)
            break
        except FileNotFoundError:
            if os.path.islink(probe):  # mkdir would fail after tracing: say so now
                raise _cannot(folder, f"{probe} is a symbolic link to "
                              f"{os.readlink(probe)}, which does not exist") from None
            if probe.parent == probe:
                raise _cannot(folder, "no part of the path exists") from None
            probe = probe.parent
        except OSError as exc:
            raise _cannot(folder, exc.strerror or str(exc)) from None
    if not stat.S_ISDIR(info.st_mode):
        raise _cannot(folder, f"{probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _cannot(folder, f"{probe} is not writable (Permission denied)")


@contextlib.contextmanager
def locked(folder: Path, waiting: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Create the folder and hold an exclusive lock on it (fcntl.flock on the folder itself, so
    no lock file is left behind) while a render writes its files and manifest; `waiting` is
    called once if another render holds it (this one then waits for it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _cannot(folder, exc.strerror or str(exc)) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:  # the write probe: an O_EXCL file (mkstemp) never follows a planted link
            probe_fd, probe = tempfile.mkstemp(prefix=".tfgraphviz-probe-", dir=folder)
            os.close(probe_fd)
            os.unlink(probe)
        except OSError as exc:
            raise _cannot(folder, exc.strerror or str(exc)) from exc
        yield
    finally:
        os.close(fd)  # releases the lock


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest an earlier render left (not followed if it is a link), or {}."""
    try:
        fd = os.open(folder / MANIFEST, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as handle:
            old = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return old if isinstance(old, dict) else {}


def _concretes(manifest: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, entry) of every ConcreteFunction a manifest lists, and (`name/autograph`,
    {"files": {"autograph": file}}) of every AutoGraph file."""
    functions = manifest.get("functions", [])
    for fn in functions if isinstance(functions, list) else []:
        if not isinstance(fn, dict):
            continue
        if isinstance(fn.get("autograph"), str):
            yield f"{fn.get('name')}/autograph", {"files": {"autograph": fn["autograph"]}}
        concretes = fn.get("concrete_functions", [])
        for i, cf in enumerate(concretes if isinstance(concretes, list) else []):
            if isinstance(cf, dict):
                yield f"{fn.get('name')}/{cf.get('signature', i)}", cf


def _strings(value: Any) -> set[str]:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) \
        else []
    return {f for f in items if isinstance(f, str)}


def files_by_owner(manifest: dict[str, Any]) -> dict[str, set[str]]:
    """Files a manifest lists, grouped by the function (autograph) or trace that owns them."""
    owners: dict[str, set[str]] = {}
    for owner, cf in _concretes(manifest):
        owners.setdefault(owner, set()).update(_strings(cf.get("files")))
    return owners


def _pages_by_owner(manifest: dict[str, Any]) -> dict[str, set[str] | None]:
    """Drill-down pages per trace; None where this render did not redraw the overview SVG."""
    pages: dict[str, set[str] | None] = {}
    for owner, cf in _concretes(manifest):
        view = cf.get("view")
        listed = view.get("pages") if isinstance(view, dict) else None
        pages[owner] = _strings(listed) if isinstance(listed, list) else None
    return pages


def exists(folder: Path, rel: str) -> bool:
    """Whether a file (or tensorboard folder) the pipeline wrote is there, links not counted."""
    try:
        info = os.lstat(folder / rel)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)


def remove_stale(folder: Path, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Delete files of functions or traces that the earlier render of THE SAME input file
    listed and this one no longer has; return what was deleted.

    Only names of the shapes tfgraphviz writes, directly in the folder (or tensorboard/), as
    regular files or real folders: a link, another input's files or anything the old
    manifest cannot prove tfgraphviz wrote stays. Files of anything listed now are kept even
    if this run could not rewrite them (a layout that timed out keeps the previous SVG)."""
    if not old.get("source_path") or old.get("source_path") != new.get("source_path"):
        return []
    current = files_by_owner(new)
    keep = set().union(*current.values()) if current else set()
    removed = []
    for owner, files in sorted(files_by_owner(old).items()):
        if owner in current:
            continue
        removed += [rel for rel in sorted(files - keep)
                    if _OWN_FILE.fullmatch(rel) and rel != MANIFEST and _remove(folder / rel)]
    # drill-down pages an overview redrawn now no longer links to (scopes renamed or merged)
    new_pages = _pages_by_owner(new)
    for owner, pages in sorted(_pages_by_owner(old).items()):
        now = new_pages.get(owner)
        if pages is None or now is None:
            continue
        removed += [rel for rel in sorted(pages - now) if _OWN_PAGE.fullmatch(rel)
                    and _real_folders(folder, Path(rel).parent) and _remove(folder / rel)]
    return removed


def _real_folders(folder: Path, rel: Path) -> bool:
    """Every step of `rel` below `folder` is a real folder, not a link to somewhere else."""
    path = folder
    for part in rel.parts:
        path = path / part
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False
        except OSError:
            return False
    return True


def _remove(path: Path) -> bool:
    """Delete a regular file or a real folder (never a link); True if it was deleted."""
    try:
        info = os.lstat(path)
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path)
        elif stat.S_ISREG(info.st_mode):
            os.unlink(path)
        else:
            return False
    except OSError:
        return False
    return True


def _kept_entry(fn: Any, folder: Path) -> dict[str, Any] | None:
    """An earlier manifest's function entry with only its traces whose files are all of the
    shapes tfgraphviz writes and still there; None if it is not a function entry."""
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        return None
    kept = []
    for cf in fn.get("concrete_functions") or []:
        files = cf.get("files") if isinstance(cf, dict) else None
        if isinstance(files, dict) and files and all(
                isinstance(rel, str) and _OWN_FILE.fullmatch(rel) and exists(folder, rel)
                for rel in files.values()):
            kept.append(cf)
    autograph = fn.get("autograph")
    if not (isinstance(autograph, str) and _OWN_FILE.fullmatch(autograph)
            and exists(folder, autograph)):
        autograph = None
    return {**fn, "autograph": autograph, "concrete_functions": kept}


def keep_others(functions: list[dict[str, Any]], explained: list[Any], old: dict[str, Any],
                source_path: str, folder: Path) -> None:
    """A render of some of a file's functions (-f) keeps the others that the earlier render of
    the same input drew: their manifest entries (files that are still there) and their
    explanations, in the earlier manifest's order, this render's functions in their place."""
    if old.get("source_path") != source_path or not isinstance(old.get("functions"), list):
        return
    new = {fn["name"]: (fn, why) for fn, why in zip(functions, explained, strict=True)}
    earlier = old.get("explain", {}).get("functions", []) if isinstance(
        old.get("explain"), dict) else []
    old_why = {e.get("name"): e for e in earlier if isinstance(e, dict)}
    merged: dict[str, tuple[dict[str, Any], Any]] = {}
    for fn in old["functions"]:
        entry = _kept_entry(fn, folder)
        if entry is not None and entry["name"] not in merged:
            merged[entry["name"]] = new.get(entry["name"]) or (
                entry, old_why.get(entry["name"], {"name": entry["name"], "findings": []}))
    merged.update({name: pair for name, pair in new.items() if name not in merged})
    functions[:] = [fn for fn, _ in merged.values()]
    explained[:] = [why for _, why in merged.values()]
