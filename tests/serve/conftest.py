"""A real `tfgraphviz serve` in a subprocess on a free port, its lines read as they come."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import ROOT

MODEL = '''import tensorflow as tf
import helper


@tf.function
def f(x=tf.constant(1.0)):
    return helper.g(x) * 2.0
'''
HELPER = "def g(x):\n    return x + 1.0\n"


@dataclass
class Served:
    """One running `serve` process: its URL, every line it printed, HTTP helpers."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str] = field(default_factory=queue.Queue)
    url: str = ""

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_line(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first line from now (or already read) matching `pattern`."""
        for line in self.lines:
            if (found := re.search(pattern, line)) is not None:
                self.lines.remove(line)
                return found
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            found = re.search(pattern, line)
            if found is not None:
                return found
            self.lines.append(line)
        raise AssertionError(f"no line matching {pattern!r} in {timeout} s: {self.lines}")

    @property
    def port(self) -> int:
        return int(re.search(r":(\d+)/", self.url).group(1))  # type: ignore[union-attr]

    def get(self, path: str, host: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        """A GET of the raw `path` (nothing normalised), with this Host header."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest("GET", path, skip_host=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()


def start_serve(*args: str, cwd: Path) -> Served:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONHASHSEED", None)
    proc = subprocess.Popen([sys.executable, "-m", "tfgraphviz", "serve", *args, "--port", "0"],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**env, "PYTHONPATH": str(ROOT)})
    served = Served(proc)
    threading.Thread(target=served._read, daemon=True).start()
    served.url = served.wait_line(r"at (http://\S+)", 30).group(1)
    return served


def stop(served: Served) -> int:
    """SIGINT, as Ctrl-C; the exit code."""
    if served.proc.poll() is None:
        served.proc.send_signal(signal.SIGINT)
    try:
        return served.proc.wait(30)
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "helper.py").write_text(HELPER)
    return tmp_path


@pytest.fixture
def serving(project: Path) -> Iterator[Served]:
    served = start_serve("model.py", cwd=project)
    try:
        yield served
    finally:
        stop(served)


def session_members(pid: int) -> list[int]:
    """Processes still in the session a render started (itself and its `dot`)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == pid and fields[0] != "Z":
                members.append(int(entry))
    return members
