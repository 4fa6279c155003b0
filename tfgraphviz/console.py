"""The command's own process guards: private stdout/stderr, escaped text, a watchdog for the
user's code, SIGTERM, and a prompt exit whatever threads the user's file left running."""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
from typing import Any, NoReturn, TextIO

# C0 and C1 controls (but tab and newline), DEL, and the bidirectional overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe for a terminal: escape sequences and other controls shown as \\x1b etc."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _private(fd: int) -> TextIO:
    """A stream on a duplicate of `fd`: the user's file may close or replace sys.stdout."""
    try:
        return os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="backslashreplace",
                         buffering=1)
    except OSError:
        return open(os.devnull, "w", encoding="utf-8")  # lives with the process


class Console:
    """tfgraphviz's own messages, on private duplicates of the real stdout and stderr."""

    def __init__(self) -> None:
        self.out = _private(1)
        self.err = _private(2)
        self._shown = False
        try:
            self.tty = os.isatty(2)
        except OSError:
            self.tty = False

    def _write(self, stream: TextIO, text: str) -> None:
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (e.g. `| head`): nothing to tell
            pass

    def status(self, phase: str) -> None:
        """A one-line progress display on a terminal (`importing f.py…`), rewritten in place
        and cleared with ""; nothing when stderr is not a terminal."""
        text = printable(phase)[:70]
        if not self.tty or not (text or self._shown):
            return
        self._write(self.err, f"\r\x1b[K{'tfgraphviz: ' + text + '…' if text else ''}")
        self._shown = bool(text)

    def say(self, text: str) -> None:
        self.status("")
        self._write(self.out, "".join(printable(ln) + "\n" for ln in text.splitlines()))

    def error(self, message: str) -> None:
        """The first line of a message and at most one more, prefixed, escaped."""
        self.status("")
        first, *rest = message.strip().splitlines() or [""]
        lines = [f"tfgraphviz: {first}"] + [f"tfgraphviz: {ln.strip()}" for ln in rest[:1]]
        self._write(self.err, "".join(printable(ln) + "\n" for ln in lines))

    def traceback(self) -> None:
        import traceback

        self._write(self.err, traceback.format_exc())

    def finish(self, code: int) -> NoReturn:
        """Flush everything and end the process now: a non-daemon thread the user's file
        started must not keep the finished command alive."""
        for stream in (sys.stdout, sys.stderr, self.out, self.err):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)


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
