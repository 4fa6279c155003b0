"""Capture what is written to stdout/stderr (Python and C++ alike) while the user's code runs."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from tfgraphviz._util import fds


@contextlib.contextmanager
def captured_output() -> Iterator[list[str]]:
    """Capture everything written to stdout/stderr (Python and C++ alike); yields a 1-list.
    The capture file and the real stdout/stderr are held out of the user's reach (fds.keep):
    a file closing every descriptor it did not open still runs and is still captured."""
    result: list[str] = [""]
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):  # None, or closed
            stream.flush()
    sink = fds.temporary()
    saved = {fd: fds.keep(fd) for fd in (1, 2)}
    old_out, old_err = sys.stdout, sys.stderr
    writer = open(sink.fd, "w", buffering=1, encoding="utf-8", closefd=False)
    try:
        for fd in (1, 2):
            os.dup2(sink.fd, fd)
        sys.stdout = sys.stderr = writer
        yield result
    finally:
        with contextlib.suppress(ValueError, OSError):  # the user may have closed it
            writer.flush()
        sys.stdout, sys.stderr = old_out, old_err
        for fd, copy in saved.items():
            fds.restore(copy, fd)
            fds.release(copy)
        with contextlib.suppress(ValueError, OSError):
            writer.close()
        result[0] = fds.read_all(sink).decode("utf-8", errors="replace")
        fds.release(sink)

