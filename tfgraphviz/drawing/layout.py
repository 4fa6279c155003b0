"""Run Graphviz (the only place that does) to lay out a drawing as SVG, PNG or PDF: `dot`
with settings chosen from the size of the drawing, else our layered layout drawn by
`neato -n2`. DOT text given by a user is laid out by `dot` alone."""

from __future__ import annotations

import ctypes
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from tfgraphviz._util.cleanup import at_abandon
from tfgraphviz._util.defaults import DEFAULT_DPI, LAYOUT_TIMEOUT
from tfgraphviz._util.fs import write_bytes
from tfgraphviz._util.text import utf8
from tfgraphviz.drawing.dot import to_scene
from tfgraphviz.drawing.scene import Cluster, Defaults, Edge, Node, Scene, Statement, walk
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError, LayoutTimeoutError

DEFAULT_TIMEOUT = LAYOUT_TIMEOUT
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz) or ask only for --format dot,json,graphml,tensorboard")
RUNNING: set[subprocess.Popen[bytes]] = set()  # `dot` children now: killed on SIGTERM
_PR_SET_PDEATHSIG = 1


@functools.cache
def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn making the child get SIGKILL when tfgraphviz dies (Linux prctl); None
    elsewhere. The libc function is looked up here, in the parent, not after the fork. Only
    used when util-linux's `setpriv` is missing (see _death_prefix): a preexec_fn makes
    Python fork the whole process instead of vfork-ing, about 9 ms for each `dot` once
    TensorFlow and a model are loaded, and copy-on-write faults in the parent afterwards."""
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


@functools.cache
def _death_prefix() -> tuple[str, ...] | None:
    """`setpriv --pdeathsig KILL --`, which sets the parent-death signal and then execs
    `dot` in its place (Linux, util-linux 2.33 or newer: checked once by running it), so
    that `dot` is started without a preexec_fn (see _die_with_parent); None when there is
    none that works."""
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if setpriv is None:
        return None
    prefix = (setpriv, "--pdeathsig", "KILL", "--")
    try:
        done = subprocess.run([*prefix, setpriv, "--version"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return prefix if done.returncode == 0 else None


_EXEC_FAILED = "setpriv: failed to execute "  # then the reason (exit status 126 or 127)


def _popen_args(args: list[str]) -> tuple[list[str], Callable[[], None] | None]:
    """The command line and preexec_fn that start `args` so that it dies with tfgraphviz."""
    prefix = _death_prefix()
    if prefix is not None:
        return [*prefix, *args], None
    return args, _die_with_parent()


def dot_executable() -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(f"Graphviz's `dot` was not found on PATH; {INSTALL_HINT}")
    return exe


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill `dot` and whatever it started (its own process group): a child left alive
    would hold the pipes open and make the wait for them endless."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        try:
            proc.kill()
        except OSError:
            pass


@at_abandon
def kill_running() -> None:
    """Kill every `dot` this process started and has not reaped yet."""
    for proc in list(RUNNING):
        _kill(proc)


_STOPPED = threading.Event()  # set while an interrupted render winds down: no new `dot`


def stopped() -> bool:
    """Whether an interrupted render is winding down (see stop_all)."""
    return _STOPPED.is_set()


def stop_all(stopped: bool = True) -> None:
    """Kill every running `dot` and refuse to start another (LayoutError) until
    stop_all(False): the drawings of an interrupted render end at once."""
    if stopped:
        _STOPPED.set()
        kill_running()
    else:
        _STOPPED.clear()


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    """Start `dot` in a process group of its own (see _kill), tracked in RUNNING. In the
    main thread a Ctrl-C is held back while Python forks: its KeyboardInterrupt would
    otherwise be raised inside a fork hook (logging's _releaseLock), printed there and
    swallowed. It is raised once the child is started, and the child killed."""
    held: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    if previous is not None:
        signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    proc = None
    try:
        command, preexec = _popen_args(args)
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=preexec,
                                start_new_session=True)
        RUNNING.add(proc)
        if _STOPPED.is_set():
            _kill(proc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if held and proc is not None:
            _kill(proc)
            proc.wait()
            RUNNING.discard(proc)
        if held:
            signal.raise_signal(signal.SIGINT)  # now handled as it would have been
    return proc


def _communicate(proc: subprocess.Popen[bytes], data: bytes | None,
                 timeout: float) -> tuple[bytes, bytes]:
    """Feed `dot`, read what it prints; kill it (and its children) on timeout or interrupt."""
    try:
        return proc.communicate(data, timeout=min(timeout, MAX_WAIT))
    except BaseException:
        _kill(proc)
        proc.wait()
        raise
    finally:
        RUNNING.discard(proc)


MAX_WAIT = 1e6  # seconds: a longer wait overflows the poll() of subprocess (about 24 days)
MAGIC = {"svg": (b"<?xml", b"<svg"), "png": (b"\x89PNG\r\n\x1a\n",), "pdf": (b"%PDF-",)}


def _check_output(out: bytes, fmt: str) -> None:
    """A `dot` that printed something else than the image asked for is a failed layout."""
    if fmt in MAGIC:
        ok = out.lstrip().startswith(MAGIC[fmt])
    else:  # DOT text with positions
        try:
            ok = out.decode("utf-8").lstrip().startswith(("digraph", "graph", "strict"))
        except UnicodeDecodeError:
            ok = False
    if not ok:
        raise LayoutError(f"Graphviz's dot printed no {fmt.upper()} ({len(out)} bytes of "
                          "something else); check the Graphviz installation with dot -V")


def run_dot(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT,
            dpi: float | None = None, options: tuple[str, ...] = ()) -> bytes:
    """Lay out DOT source with `dot -T<fmt>` (at `dpi` for bitmaps; more command-line
    `options` such as `-Gsplines=line`), killed after `timeout` seconds, and when tfgraphviz
    itself dies."""
    if timeout <= 0:
        raise LayoutTimeoutError("Graphviz did not finish the layout within 0 s")
    if _STOPPED.is_set():
        raise LayoutError("Graphviz was stopped: the render was interrupted")
    args = [dot_executable(), f"-T{fmt}", *([f"-Gdpi={dpi:g}"] if dpi else []), *options]
    try:
        proc = _start(args)
    except OSError as exc:
        raise GraphvizNotFoundError(
            f"Graphviz's `dot` could not run ({exc}); {INSTALL_HINT}") from None
    try:
        out, err = _communicate(proc, utf8(source), timeout)
    except subprocess.TimeoutExpired:
        raise LayoutTimeoutError(
            f"Graphviz did not finish the layout within {timeout:g} s"
        ) from None
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        if proc.returncode in (126, 127) and detail and detail[0].startswith(_EXEC_FAILED):
            raise GraphvizNotFoundError(  # as an OSError from Popen says without setpriv
                f"Graphviz's `dot` could not run ({detail[0][len(_EXEC_FAILED):]}); "
                f"{INSTALL_HINT}")
        raise LayoutError(f"Graphviz failed: {detail[0] if detail else proc.returncode}")
    _check_output(out, fmt)
    return out


def graphviz_version(timeout: float = 10.0) -> str:
    """`2.43.0` for the `dot` on PATH, or "" when there is none (or it does not answer
    within `timeout` seconds)."""
    exe = shutil.which("dot")
    if exe is None:
        return ""
    try:
        proc = _start([exe, "-V"])
        _, err = _communicate(proc, None, timeout)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = err.decode("utf-8", "replace")
    return text.split("version", 1)[-1].strip().split(" ")[0] if "version" in text else ""


def _write(graph: nx.MultiDiGraph | str, path: Path, fmt: str, timeout: float,
           dpi: float | None = None) -> Path:
    source = graph if isinstance(graph, str) else to_scene(graph)
    data, notes = render(source, fmt, timeout, dpi)
    for note in notes:
        warnings.warn(note, RuntimeWarning, stacklevel=3)
    return write_bytes(path, data)


def write_svg(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source, laid out by `dot` alone) and write it as SVG."""
    return _write(graph, path, "svg", timeout)


def write_png(graph: nx.MultiDiGraph | str, path: Path, timeout: float = DEFAULT_TIMEOUT,
              dpi: float = DEFAULT_DPI) -> Path:
    """Lay out a model (or DOT source, laid out by `dot` alone) and write it as PNG at `dpi`
    dots per inch."""
    return _write(graph, path, "png", timeout, dpi)


def write_pdf(graph: nx.MultiDiGraph | str, path: Path,
              timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Lay out a model (or DOT source, laid out by `dot` alone) and write it as PDF."""
    return _write(graph, path, "pdf", timeout)


# ---- strategies ------------------------------------------------------------------------------
TUNED = ("-Gmclimit=0.1", "-Gnslimit=1", "-Gsearchsize=10")  # ranking stays exact
SMALL = (150, 300, 16)  # nodes, edges, fan-out: Graphviz's own settings
# nodes, edges: limited crossing/rank passes, labels beside the edges. Past this, our layered
# layout is both faster and better: tuned `dot` drew ResNet50's forward pass (1.8k ops) 48,000
# points wide in 6-18 s, the layered layout 2,900 points wide in under a second
MEDIUM = (500, 1000)
Source = Scene | str  # a drawing, or DOT text a user gave
Run = Callable[[Source, str, float, float | None], tuple[bytes, list[str]]]


@dataclass(frozen=True)
class Size:
    """What decides the strategy: node (and attribute) statements, edge statements, and
    the largest fan-out."""
    nodes: int
    edges: int
    fan_out: int


@dataclass(frozen=True)
class Strategy:
    """One way to lay out: a name for messages, and a function of (drawing, fmt, timeout,
    dpi) giving the image and notes (a PNG scaled down)."""
    name: str
    run: Run


def measure(source: Scene) -> Size:
    """Count the drawing's node statements (with its `graph`, `node` and `edge` attribute
    statements, as the thresholds were tuned), edge statements (a chain counts once, for its
    first node) and the most edge statements from one node."""
    nodes = 0
    tails: dict[str, int] = {}
    for item in walk(source.body):
        if isinstance(item, Node | Defaults):
            nodes += 1
        elif isinstance(item, Edge):
            tails[item.ids[0]] = tails.get(item.ids[0], 0) + 1
    return Size(nodes, sum(tails.values()), max(tails.values(), default=0))


def edge_labels_as_xlabels(source: Scene) -> Scene:
    """Edge labels placed after the layout (`xlabel`), so they do not take ranks (HTML
    labels stay)."""
    def edited(body: list[Statement]) -> list[Statement]:
        out: list[Statement] = []
        for item in body:
            if isinstance(item, Cluster):
                item = Cluster(item.name, edited(item.body))
            elif isinstance(item, Edge) and item.attrs.get("label", "").startswith('"'):
                item = Edge(item.ids, {("xlabel" if k == "label" else k): v
                                       for k, v in item.attrs.items()})
            out.append(item)
        return out
    return Scene(edited(source.body))


MAX_PIXELS = 40e6  # a bigger PNG takes many seconds to paint: it is scaled down (SVG is not)
_BB = re.compile(r'\bbb="([-\d.e]+),([-\d.e]+),([-\d.e]+),([-\d.e]+)"')


def _bitmap(laid_out: str, width: float, height: float, fmt: str, timeout: float,
            dpi: float | None) -> tuple[bytes, list[str]]:
    """Paint DOT text whose positions are all given (`neato -n2`), a PNG scaled down to at
    most MAX_PIXELS."""
    options: tuple[str, ...] = ("-Kneato", "-n2")
    notes: list[str] = []
    pixels = width * height * ((dpi or 96.0) / 72) ** 2
    if fmt == "png" and pixels > MAX_PIXELS:
        scale = (MAX_PIXELS / pixels) ** 0.5
        options += (f"-Gsize={width * scale / 72:.2f},{height * scale / 72:.2f}",)
        notes.append(f"the PNG is scaled to {scale:.0%} to stay under "
                     f"{MAX_PIXELS / 1e6:g} megapixels; the SVG has every detail")
    return run_dot(laid_out, fmt, timeout, dpi, options), notes


def _dot(options: tuple[str, ...], edit: Callable[[Scene], Scene] | None = None) -> Run:
    def run(source: Source, fmt: str, timeout: float, dpi: float | None
            ) -> tuple[bytes, list[str]]:
        if isinstance(source, Scene):
            source = (edit(source) if edit else source).text()
        text = source
        if fmt != "png" or not options:
            return run_dot(text, fmt, timeout, dpi, options), []
        start = time.monotonic()  # a big PNG: lay out, then paint at a bounded size
        laid = run_dot(text, "dot", timeout, None, options).decode("utf-8")
        bb = _BB.search(laid)
        width, height = (float(bb.group(3)), float(bb.group(4))) if bb else (0.0, 0.0)
        return _bitmap(laid, width, height, fmt, timeout - (time.monotonic() - start), dpi)
    return run


def _layered(straight: bool) -> Run:
    def run(source: Source, fmt: str, timeout: float, dpi: float | None
            ) -> tuple[bytes, list[str]]:
        from tfgraphviz.drawing.layered.place import position

        if isinstance(source, str):
            raise LayoutError("the layered layout needs a model, not DOT text")
        start = time.monotonic()
        try:
            laid, width, height = position(source, straight=straight)
        except (ValueError, KeyError, IndexError, RecursionError) as exc:
            raise LayoutError(f"the layered layout failed ({type(exc).__name__})") from None
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            raise LayoutTimeoutError(f"the layered layout did not finish within {timeout:g} s")
        return _bitmap(laid.text(), width, height, fmt, left, dpi)
    return run


DOT = Strategy("dot", _dot(()))
LAYERED = Strategy("tfgraphviz's layered layout", _layered(False))
STRAIGHT = Strategy("the layered layout with straight edges", _layered(True))


def strategies(size: Size) -> list[Strategy]:
    """The strategies to try, best first, for a graph of this size."""
    if size.nodes <= SMALL[0] and size.edges <= SMALL[1] and size.fan_out <= SMALL[2]:
        first = DOT
    elif size.nodes <= MEDIUM[0] and size.edges <= MEDIUM[1]:
        first = Strategy("dot (limited passes)",
                         _dot((*TUNED, "-Gsplines=polyline"), edge_labels_as_xlabels))
    else:
        return [LAYERED, STRAIGHT]
    return [first, LAYERED, STRAIGHT]


@dataclass(frozen=True)
class Layout:
    """A finished layout: the image, the strategy that made it, and one line per fallback."""
    data: bytes
    strategy: str
    warnings: list[str]


def lay_out(source: Source, fmt: str, timeout: float = DEFAULT_TIMEOUT,
            dpi: float | None = None) -> Layout:
    """Try each strategy in turn within `timeout` seconds in total: the first gets half of
    the budget, the next up to 90% of it (80% when `dot` is not tried), the last what
    remains. Raises the first failure when none succeeds (LayoutTimeoutError when the
    budget ran out). DOT text (a user's) gets `dot` alone, with the whole budget."""
    start = time.monotonic()
    chain = strategies(measure(source)) if isinstance(source, Scene) else [DOT]
    shares = {3: [0.5, 0.9, 1.0], 2: [0.8, 1.0], 1: [1.0]}[len(chain)]
    notes: list[str] = []
    first: LayoutError | None = None
    for i, strategy in enumerate(chain):
        left = timeout * shares[i] - (time.monotonic() - start)
        try:
            data, more = strategy.run(source, fmt, left, dpi)
            return Layout(data, strategy.name, notes + more)
        except LayoutError as exc:
            first = first or exc
            if i + 1 < len(chain):
                why = (f"did not finish within {max(left, 0):.3g} s"
                       if isinstance(exc, LayoutTimeoutError) else f"failed ({exc})")
                notes.append(f"{strategy.name} {why}; drawn with {chain[i + 1].name} "
                             "instead (edge labels only in tooltips)")
    if isinstance(first, LayoutTimeoutError) or first is None:
        raise LayoutTimeoutError(f"Graphviz did not finish the layout within {timeout:g} s")
    raise first


def render(source: Source, fmt: str, timeout: float = DEFAULT_TIMEOUT,
           dpi: float | None = None) -> tuple[bytes, list[str]]:
    """The image of a drawing (or DOT text) in `fmt` (svg, png, pdf) laid out within
    `timeout` seconds by the best strategy that finishes, and one warning line per strategy
    that did not."""
    done = lay_out(source, fmt, timeout, dpi)
    return done.data, done.warnings
