"""A drawing made in a forked child process: the second core lays out the pages while this
process writes the other files (threads share one interpreter lock), or in this process when
no child can do it."""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from tfgraphviz._util.cleanup import at_abandon
from tfgraphviz.errors import LayoutError, TfGraphvizError

if TYPE_CHECKING:
    from tfgraphviz.drawing.pages import Drawn

CHILD_WAIT = 60.0  # seconds a child may take beyond its layout budget before it is given up
_LIVE: set[int] = set()  # children now: killed when the render is abandoned
# what the child uses, imported before the fork: an import another thread of this process
# was in the middle of would never finish in the child
_NEEDED = ("tfgraphviz.drawing.batch", "tfgraphviz.drawing.dot", "tfgraphviz.drawing.layout",
           "tfgraphviz.drawing.layered.place", "tfgraphviz.drawing.legend",
           "tfgraphviz.drawing.pages", "tfgraphviz.views.build", "tfgraphviz._util.naming",
           "concurrent.futures.thread", "subprocess", "urllib.parse", "xml.sax.saxutils")


def _prepare() -> Callable[[], None] | None:
    """Import what the child needs; the child's parent-death setting (Linux prctl), looked
    up here, in the parent."""
    import importlib

    for name in _NEEDED:
        importlib.import_module(name)
    from tfgraphviz.drawing.layout import _die_with_parent

    return _die_with_parent()


def _in_child(job: Callable[[], Drawn], fd: int, die: Callable[[], None] | None) -> None:
    """Run `job` and send back ("ok", Drawn) or ("error", TfGraphvizError); anything else
    (a bug) sends nothing: the parent draws again itself, where a traceback can be shown.
    Never returns: os._exit skips the parent's atexit handlers and buffered output."""
    code = 1
    try:
        gc.disable()  # no pass over the parent's objects (each would be copied on write)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C or SIGTERM end the child at
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # once; the parent says what happened
        if die is not None:
            die()
        devnull = open(os.devnull, "w", encoding="utf-8")
        sys.stdout = sys.stderr = devnull  # locks of the parent's streams may be held
        from tfgraphviz.drawing import layout

        layout.RUNNING.clear()  # the parent's `dot`s are not this child's to kill
        try:
            payload = pickle.dumps(("ok", job()))
        except TfGraphvizError as exc:
            payload = pickle.dumps(("error", exc))
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        code = 0
    finally:
        os._exit(code)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
    _LIVE.discard(pid)


@at_abandon
def kill_children() -> None:
    """Kill every drawing child (their `dot`s die with them: see layout._die_with_parent)."""
    for pid in list(_LIVE):
        _kill(pid)


def draw_forked(job: Callable[[], Drawn], budget: float) -> Drawn:
    """`job()`, run in a forked child when this platform forks (Linux, macOS), else here; a
    child that cannot be started, dies, or takes `budget` + CHILD_WAIT seconds is replaced
    by running `job` here (the drawing is deterministic: the same files either way)."""
    if not hasattr(os, "fork"):
        return job()
    die = _prepare()
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process left (RLIMIT_NPROC, EAGAIN): draw here
        os.close(read)
        os.close(write)
        return job()
    if pid == 0:
        os.close(read)
        _in_child(job, write, die)
    _LIVE.add(pid)
    os.close(write)
    try:
        data = _receive(read, time.monotonic() + budget + CHILD_WAIT)
    finally:
        os.close(read)
        _kill(pid)
    try:
        kind, value = pickle.loads(data) if data else (None, None)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
        kind, value = None, None
    if kind == "ok":
        return cast("Drawn", value)
    if kind == "error" and isinstance(value, TfGraphvizError):
        raise value
    from tfgraphviz.drawing.layout import stopped

    if stopped():  # killed by an interrupted render: no drawing here either
        raise LayoutError("the render was interrupted")
    return job()


def _receive(fd: int, deadline: float) -> bytes:
    """Everything the child writes to `fd` until it closes it; b"" at the deadline."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b""
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
