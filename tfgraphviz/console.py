"""The command's own process guards: private stdout/stderr, escaped text, a watchdog for the
user's code, SIGTERM, and a prompt exit whatever threads the user's file left running."""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
from typing import Any, NoReturn, TextIO

from tfgraphviz._util import fds

# C0 and C1 controls (but tab and newline), DEL, and the bidirectional overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe for a terminal: escape sequences and other controls shown as \\x1b etc."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


# a message line longer than this is cut in the middle (its start says what failed, its end
# where and what to do): the full text is in the traceback --debug prints
MAX_LINE = 1000


def cut(line: str, limit: int = MAX_LINE) -> str:
    """`line`, or its first two thirds and last third of `limit` characters around how much
    was left out."""
    if len(line) <= limit:
        return line
    head, tail = limit * 2 // 3, limit // 3
    return (f"{line[:head]} …[{len(line) - head - tail} characters cut, --debug shows all]… "
            f"{line[-tail:]}")


class _Private:
    """A stream on a copy of `fd` out of the user's reach (fds.keep): the user's file may
    close or replace sys.stdout, fd 1, or every descriptor above 2. Writes nothing once
    the copy is gone (a number the user closed may be another file's now)."""

    def __init__(self, fd: int) -> None:
        self.kept = fds.keep(fd)
        self.stream: TextIO | None = None
        if self.kept is not None:
            self.stream = open(self.kept.fd, "w", encoding="utf-8", errors="backslashreplace",
                               buffering=1, closefd=False)

    def write(self, text: str) -> None:
        if self.stream is None or not fds.alive(self.kept):
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe (e.g. `| head`): nothing to tell
            pass

    def flush(self) -> None:
        self.write("")


class Console:
    """tfgraphviz's own messages, on private copies of the real stdout and stderr."""

    def __init__(self) -> None:
        self.out = _Private(1)
        self.err = _Private(2)
        self._shown = False
        try:
            self.tty = os.isatty(2)
        except OSError:
            self.tty = False

    def status(self, phase: str) -> None:
        """A one-line progress display on a terminal (`importing f.py…`), rewritten in place
        and cleared with ""; nothing when stderr is not a terminal."""
        text = printable(phase)[:70]
        if not self.tty or not (text or self._shown):
            return
        self.err.write(f"\r\x1b[K{'tfgraphviz: ' + text + '…' if text else ''}")
        self._shown = bool(text)

    def say(self, text: str) -> None:
        self.status("")
        self.out.write("".join(printable(ln) + "\n" for ln in text.splitlines()))

    def error(self, message: str) -> None:
        """The first line of a message and at most one more, prefixed, escaped."""
        self.status("")
        lines = message.strip().splitlines()[:2] or [""]
        self.err.write("".join(f"tfgraphviz: {cut(printable(ln.strip()))}\n" for ln in lines))

    def traceback(self) -> None:
        import traceback

        self.err.write(traceback.format_exc())

    def finish(self, code: int) -> NoReturn:
        """Flush everything and end the process now: a non-daemon thread the user's file
        started must not keep the finished command alive."""
        for stream in (sys.stdout, sys.stderr, self.out, self.err):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)


def quiet_inherited() -> None:
    """Send what is written to the inherited stdout and stderr from now on (a thread the
    user's file left running, a Python warning, TensorFlow's C++ log) to /dev/null: the
    command's own messages, on their private copies, are the only lines there. Not with
    --debug, which shows them."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            os.dup2(null, fd)
    finally:
        os.close(null)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")


def _abandon() -> None:
    """Kill `dot` children and remove half-written temporary files."""
    from tfgraphviz._util.cleanup import abandon
    from tfgraphviz._util.fs import remove_in_flight

    abandon()  # kills `dot` children when drawing was imported
    remove_in_flight()


class Watchdog:
    """Ends the process with one clear line when importing and tracing the user's file take
    longer than `seconds` (a thread and os._exit: works even when user code spins in C)."""

    def __init__(self, console: Console, seconds: float, code: int) -> None:
        self.console, self.seconds, self.code = console, seconds, code
        self.phase = ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="tfgraphviz-timeout",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def progress(self, phase: str) -> None:
        """The phase now running; "" once the user's code has finished."""
        self.phase = phase
        if not phase:
            self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        _abandon()
        self.console.error(
            f"{self.phase or 'importing and tracing'} did not finish within {self.seconds:g} s "
            "(--timeout); nothing was written, earlier files are untouched")
        self.console.finish(self.code)


def on_sigterm(console: Console, code: int = 143) -> None:
    """On SIGTERM: kill `dot`, remove temporary files, say so in one line and exit."""

    def handler(_signum: int, _frame: Any) -> None:
        _abandon()
        console.error("terminated (SIGTERM); files already written are complete, the rest "
                      "were not written")
        console.finish(code)

    signal.signal(signal.SIGTERM, handler)
