"""Run Graphviz's `dot` (the only place that does) to lay out DOT as SVG, PNG or PDF."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from tfgraphviz.dot import to_dot
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError, LayoutTimeoutError
from tfgraphviz.fsutil import write_bytes

DEFAULT_TIMEOUT = 60.0
DEFAULT_DPI = 120.0  # PNG: crisp on a laptop screen, Graphviz's own default is 96
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz) or ask only for --format dot,json,graphml,tensorboard")
RUNNING: set[subprocess.Popen[bytes]] = set()  # `dot` children now: killed on SIGTERM
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn making the child get SIGKILL when tfgraphviz dies (Linux prctl); None
    elsewhere. The libc function is looked up here, in the parent, not after the fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def dot_executable() -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(f"Graphviz's `dot` was not found on PATH; {INSTALL_HINT}")
    return exe


def kill_running() -> None:
    """Kill every `dot` this process started and has not reaped yet."""
    for proc in list(RUNNING):
        try:
            proc.kill()
        except OSError:
            pass


def run_dot(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT,
            dpi: float | None = None) -> bytes:
    """Lay out DOT source with `dot -T<fmt>` (at `dpi` for bitmaps), killed after `timeout`
    seconds, and when tfgraphviz itself dies."""
    args = [dot_executable(), f"-T{fmt}", *([f"-Gdpi={dpi:g}"] if dpi else [])]
    try:
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=_die_with_parent())
    except OSError as exc:
        raise GraphvizNotFoundError(
            f"Graphviz's `dot` could not run ({exc}); {INSTALL_HINT}") from None
    RUNNING.add(proc)
    try:
        out, err = proc.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise LayoutTimeoutError(
            f"Graphviz did not finish the layout within {timeout:g} s"
        ) from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        RUNNING.discard(proc)
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise LayoutError(f"Graphviz failed: {detail[0] if detail else proc.returncode}")
    return out


def graphviz_version() -> str:
    """`2.43.0` for the `dot` on PATH, or "" when there is none."""
    exe = shutil.which("dot")
    if exe is None:
        return ""
    proc = subprocess.run([exe, "-V"], capture_output=True, check=False, timeout=30)
    text = proc.stderr.decode("utf-8", "replace")
    return text.split("version", 1)[-1].strip().split(" ")[0] if "version" in text else ""


def _write(graph: nx.MultiDiGraph | str, path: Path, fmt: str, timeout: float,
           dpi: float | None = None) -> Path:
    source = graph if isinstance(graph, str) else to_dot(graph)
    return write_bytes(path, run_dot(source, fmt, timeout, dpi))


def write_svg(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source) and write it as SVG."""
    return _write(graph, path, "svg", timeout)


def write_png(graph: nx.MultiDiGraph | str, path: Path, timeout: float = DEFAULT_TIMEOUT,
              dpi: float = DEFAULT_DPI) -> Path:
    """Lay out a model (or DOT source) and write it as PNG at `dpi` dots per inch."""
    return _write(graph, path, "png", timeout, dpi)


def write_pdf(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source) and write it as PDF."""
    return _write(graph, path, "pdf", timeout)
