"""Renders in fresh `python -m tfgraphviz render` processes, one at a time, stopping a stale one
when a newer change to the same file arrives, and tells listeners when each is done."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GRACE = 5.0  # seconds a stopped render gets to clean up (it kills its `dot`) before SIGKILL


@dataclass
class Target:
    """One file rendered into its own output folder, shown at `prefix` ("" or "<stem>/")."""

    name: str
    source: Path
    output: Path
    prefix: str
    generation: int = 0
    state: str = "waiting"  # waiting, rendering, rendered, failed
    message: str = ""
    seconds: float = 0.0

    def event(self) -> str:
        return json.dumps({"target": self.name, "state": self.state, "message": self.message,
                           "generation": self.generation, "seconds": round(self.seconds, 2)})


@dataclass
class _Running:
    target: Target
    proc: subprocess.Popen[str]
    stopped: bool = False


@dataclass
class Renderer:
    """A worker thread running one render at a time from a queue of targets."""

    options: Sequence[str]
    say: Callable[[str], None]
    publish: Callable[[Target], None]
    _pending: list[Target] = field(default_factory=list)
    _running: _Running | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _closed: bool = False

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._work, name="tfgraphviz-render", daemon=True)
        thread.start()
        return thread

    def request(self, target: Target) -> None:
        """Render `target` (again); a render of it still running is stale and stopped."""
        with self._cond:
            running = self._running
            if running is not None and running.target is target and not running.stopped:
                running.stopped = True
                self.say(f"stopping stale render of {target.name} (pid {running.proc.pid})")
                _stop(running.proc)
            if target not in self._pending:
                self._pending.append(target)
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the running render (and its `dot`) and wait until it is gone."""
        with self._cond:
            self._closed = True
            self._pending.clear()
            running = self._running
            if running is not None:
                running.stopped = True
                self.say(f"stopping render of {running.target.name} (pid {running.proc.pid})")
            self._cond.notify_all()
        if running is not None:
            _stop(running.proc)
            _reap(running.proc)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                target = self._pending.pop(0)
                proc = self._spawn(target)
                self._running = _Running(target, proc)
            running = self._running
            started = time.monotonic()
            target.state, target.message = "rendering", ""
            self.publish(target)
            _, err = proc.communicate()
            with self._cond:
                self._running = None
                if running.stopped:
                    continue
            self._finish(target, proc.returncode, err, time.monotonic() - started)

    def _spawn(self, target: Target) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "tfgraphviz", "render", str(target.source),
                   "-o", str(target.output), "-q", *self.options]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, errors="replace", env=env,
                                start_new_session=True)  # Ctrl-C in the terminal is ours
        self.say(f"rendering {target.name} (pid {proc.pid})")
        return proc

    def _finish(self, target: Target, code: int, err: str, seconds: float) -> None:
        lines = [ln.removeprefix("tfgraphviz: ") for ln in err.splitlines() if ln.strip()]
        target.generation += 1
        target.seconds = seconds
        target.state = "rendered" if code in (0, 1, 3) else "failed"
        target.message = lines[0] if lines else ""
        for line in lines[:5]:
            self.say(f"  {target.name}: {line}")
        self.say(f"{target.state} {target.name} in {seconds:.1f} s (exit {code})")
        self.publish(target)


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM the render (it kills its `dot` and exits 143); SIGKILL its group after GRACE."""
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return

    def kill_later() -> None:
        try:
            proc.wait(GRACE)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
        _kill_group(proc.pid)  # a `dot` left behind in its session

    threading.Thread(target=kill_later, name="tfgraphviz-stop", daemon=True).start()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(proc: subprocess.Popen[str]) -> None:
    try:
        proc.wait(GRACE + 1)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.wait()
    _kill_group(proc.pid)
