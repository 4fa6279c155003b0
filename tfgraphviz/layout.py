"""Run Graphviz's `dot` (the only place that does) to lay out DOT as SVG, PNG or PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import networkx as nx

from tfgraphviz.dot import to_dot
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError, LayoutTimeoutError
from tfgraphviz.fsutil import write_bytes

DEFAULT_TIMEOUT = 60.0
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz) or ask only for --format dot,json,graphml,tensorboard")


def dot_executable() -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(f"Graphviz's `dot` was not found on PATH; {INSTALL_HINT}")
    return exe


def run_dot(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lay out DOT source with `dot -T<fmt>`, killed after `timeout` seconds."""
    try:
        proc = subprocess.run([dot_executable(), f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LayoutTimeoutError(
            f"Graphviz did not finish the layout within {timeout:g} s"
        ) from None
    except OSError as exc:
        raise GraphvizNotFoundError(
            f"Graphviz's `dot` could not run ({exc}); {INSTALL_HINT}") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LayoutError(f"Graphviz failed: {detail[0] if detail else proc.returncode}")
    return proc.stdout


def graphviz_version() -> str:
    """`2.43.0` for the `dot` on PATH, or "" when there is none."""
    exe = shutil.which("dot")
    if exe is None:
        return ""
    proc = subprocess.run([exe, "-V"], capture_output=True, check=False, timeout=30)
    text = proc.stderr.decode("utf-8", "replace")
    return text.split("version", 1)[-1].strip().split(" ")[0] if "version" in text else ""


def _write(graph: nx.MultiDiGraph | str, path: Path, fmt: str, timeout: float) -> Path:
    source = graph if isinstance(graph, str) else to_dot(graph)
    return write_bytes(path, run_dot(source, fmt, timeout))


def write_svg(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source) and write it as SVG."""
    return _write(graph, path, "svg", timeout)


def write_png(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source) and write it as PNG."""
    return _write(graph, path, "png", timeout)


def write_pdf(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source) and write it as PDF."""
    return _write(graph, path, "pdf", timeout)
