"""Atomic file writes: a file is either its old content or its complete new content."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from tfgraphviz._util.text import utf8
from tfgraphviz.errors import OutputError

# temporary files being written now: a SIGTERM handler removes them before the process ends
IN_FLIGHT: set[str] = set()


def write_bytes(path: Path, data: bytes) -> Path:
    """Write data to a new temporary file beside `path` (created with O_EXCL, so it never
    follows a planted link), then rename it into place: a symlink at `path` is replaced by
    the file, never written through."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write into {path.parent}: {exc.strerror or exc}; "
                          "choose another folder with -o") from exc
    IN_FLIGHT.add(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}; "
                              "choose another folder with -o") from exc
        raise
    finally:
        IN_FLIGHT.discard(tmp)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, utf8(text))


def remove_in_flight() -> None:
    """Remove the temporary files of writes cut short (the target files stay as they were)."""
    for tmp in list(IN_FLIGHT):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def cannot_write(folder: Path, reason: str) -> OutputError:
    """The error for a folder tfgraphviz cannot write into, with what to do."""
    return OutputError(f"cannot write into {folder}: {reason}; choose another folder with -o")


def real_subfolder(folder: Path, name: str) -> Path:
    """`folder/name` as a real folder: a symlink (or file) planted there is refused, never
    followed."""
    path = folder / name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        try:
            os.mkdir(path)
        except OSError as exc:
            raise cannot_write(path, exc.strerror or str(exc)) from exc
        return path
    if not stat.S_ISDIR(info.st_mode):
        raise cannot_write(path, "it is a symbolic link or a file, not a folder tfgraphviz made")
    return path
