"""File descriptors of tfgraphviz's own (its messages, the real stdout/stderr while the user's
output is captured) kept out of the user's reach: copies placed above the numbers a file
usually closes (`os.closerange(3, 4096)`), each checked before use to still refer to the file
it was made from (a number the user closed may have been reused by another file)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from dataclasses import dataclass

__all__ = ["Kept", "alive", "identity", "keep", "read_all", "release", "restore",
           "temporary"]

_WANTED_LIMIT = 65536  # soft RLIMIT_NOFILE raised to this (or the hard limit) to fit the copies
_ROOM = 64  # the copies go this far below the limit


@dataclass(frozen=True)
class Kept:
    """A private copy of a descriptor and the file it refers to."""

    fd: int
    identity: tuple[int, int]  # (st_dev, st_ino) of the file


def _floor() -> int:
    """The lowest number a kept copy takes: near the descriptor limit, raised if it is low."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < _WANTED_LIMIT:
            wanted = _WANTED_LIMIT if hard == resource.RLIM_INFINITY else min(hard, _WANTED_LIMIT)
            if wanted > soft:
                resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
                soft = wanted
        limit = _WANTED_LIMIT if soft == resource.RLIM_INFINITY else min(soft, 1 << 20)
    except (ImportError, OSError, ValueError):
        return 3
    return max(3, limit - _ROOM)


def identity(fd: int) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the file `fd` refers to, None when `fd` is closed."""
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def keep(fd: int) -> Kept | None:
    """A close-on-exec copy of `fd` placed high; None when `fd` is closed."""
    ident = identity(fd)
    if ident is None:
        return None
    try:
        copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, _floor())
    except OSError:
        try:
            copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
        except OSError:
            return None
    return Kept(copy, ident)


def alive(kept: Kept | None) -> bool:
    """Whether the copy is still open on the file it was made from."""
    return kept is not None and identity(kept.fd) == kept.identity


def restore(kept: Kept | None, fd: int) -> None:
    """Point `fd` back at the kept file; when the user's code closed the copy, at /dev/null
    (the file is out of reach: whatever `fd` held meanwhile must not keep receiving output)."""
    with contextlib.suppress(OSError):
        if alive(kept):
            assert kept is not None
            os.dup2(kept.fd, fd)
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)


def release(kept: Kept | None) -> None:
    """Close the copy, unless the user's code closed it (its number may be another file's now)."""
    if alive(kept):
        assert kept is not None
        with contextlib.suppress(OSError):
            os.close(kept.fd)


def read_all(kept: Kept) -> bytes:
    """Everything the kept file holds, from its start; nothing if the user's code closed it."""
    if not alive(kept):
        return b""
    chunks = []
    with contextlib.suppress(OSError):
        os.lseek(kept.fd, 0, os.SEEK_SET)
        while chunk := os.read(kept.fd, 1 << 20):
            chunks.append(chunk)
    return b"".join(chunks)


def temporary() -> Kept:
    """A new anonymous temporary file (already unlinked), kept."""
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        kept = keep(tmp.fileno())
    if kept is None:
        raise OSError("cannot make a temporary file")
    return kept
