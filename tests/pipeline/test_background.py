"""Drawings made in child processes are filled in as a serial render would have: files merged
and sorted, the view with its pages, problems at their place, lines in order; an interrupted
render kills the child and its Graphviz; a child that cannot do the drawing is replaced by
drawing in this process."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from tfgraphviz.drawing.pages import Drawn
from tfgraphviz.errors import OutputError
from tfgraphviz.pipeline import forked
from tfgraphviz.pipeline.background import Drawings
from tfgraphviz.pipeline.render import Problem


def _wait_for(path: Path, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.01)


def test_results_are_filled_in_the_serial_order(tmp_path):
    gate = tmp_path / "go"

    def slow_draw() -> Drawn:  # still running while the main thread goes on
        _wait_for(gate)
        return Drawn({"svg": "f.svg", "dot": "f.dot"}, [("f.svg: drawn with the layered "
                                                        "layout", 0)],
                     {"depth": 2, "pid": os.getpid()}, ["f/scopes/b.svg", "f/scopes/a.svg"])

    for _ in range(2):  # twice in one process
        problems = [Problem("f", "f: a trace error")]
        said: list[str] = []
        first = {"files": {"json": "f.json"}, "view": {}}
        second = {"files": {"json": "g.json"}, "view": {}}
        with Drawings(60) as pool:
            pool.add(first, "f(x)", "f", "f", slow_draw, problems)
            problems.append(Problem("f", "f: could not explain it"))
            pool.add(second, "g()", "g", "g", None, problems)
            problems.append(Problem("", "report.html not written"))
            gate.touch()
            pool.finish(problems, said.append, lambda _m: None)
        gate.unlink()
        assert [p.message for p in problems] == [
            "f: a trace error", "f.svg: drawn with the layered layout",
            "f: could not explain it", "report.html not written"]
        assert list(first["files"].items()) == [("dot", "f.dot"), ("json", "f.json"),
                                                ("svg", "f.svg")]
        assert first["view"]["pid"] != os.getpid()  # drawn in a child process
        assert {k: v for k, v in first["view"].items() if k != "pid"} == {
            "depth": 2, "pages": ["f/scopes/a.svg", "f/scopes/b.svg"]}
        assert said == ["  f(x) -> f.dot, f.json, f.svg", "  g() -> g.json"]
        assert not forked._LIVE


def test_a_forgotten_drawing_is_waited_for_but_not_reported(tmp_path):
    def draw() -> Drawn:
        (tmp_path / "drawn").write_text("yes")
        return Drawn({"svg": "f.svg"}, [("f.svg: a warning", 0)], {})

    problems: list[Problem] = []
    said: list[str] = []
    entry = {"files": {}, "view": {}}
    with Drawings(60) as pool:
        pool.add(entry, "f(x)", "f", "f", draw, problems)
        pool.forget("f")
        assert pool.finish(problems, said.append, lambda _m: None) == {}
    assert (tmp_path / "drawn").read_text() == "yes"
    assert problems == [] and said == [] and entry["files"] == {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_an_interrupted_render_kills_the_child_and_its_graphviz(tmp_path):
    from tfgraphviz.drawing.layout import RUNNING, run_dot

    def draw() -> Drawn:
        import threading

        def note_dot() -> None:
            while not RUNNING:
                time.sleep(0.01)
            (tmp_path / "pids").write_text(f"{os.getpid()} {next(iter(RUNNING)).pid}")

        threading.Thread(target=note_dot, daemon=True).start()
        run_dot("digraph G {" + " ".join(f"n{i} -> n{(i * 7919) % 3000};"
                                         for i in range(3000)) + "}", "svg", 120)
        return Drawn({}, [], {})

    for _ in range(2):
        (tmp_path / "pids").unlink(missing_ok=True)
        with pytest.raises(KeyboardInterrupt), Drawings(60) as pool:
            pool.add({"files": {}, "view": {}}, "f()", "f", "f", draw, [])
            _wait_for(tmp_path / "pids")
            raise KeyboardInterrupt
        child, dot = map(int, (tmp_path / "pids").read_text().split())
        assert child != os.getpid()
        end = time.monotonic() + 10
        while (_alive(child) or _alive(dot)) and time.monotonic() < end:
            time.sleep(0.05)
        assert not _alive(child) and not _alive(dot)
        assert not forked._LIVE
        assert run_dot("digraph G { a -> b }", "svg").startswith(b"<?xml")  # allowed again


def _pid_drawn() -> Drawn:
    return Drawn({}, [], {"pid": os.getpid()})


def test_draw_forked_draws_in_a_child():
    for _ in range(2):
        assert forked.draw_forked(_pid_drawn, 60).view["pid"] != os.getpid()


def test_an_error_of_the_drawing_is_raised_here():
    def full() -> Drawn:
        raise OutputError("f.svg: No space left on device")

    for _ in range(2):
        with pytest.raises(OutputError, match="No space left"):
            forked.draw_forked(full, 60)


def test_a_child_that_dies_or_hangs_is_replaced_by_drawing_here(monkeypatch):
    parent = os.getpid()

    def dies() -> Drawn:
        if os.getpid() != parent:
            os._exit(9)
        return _pid_drawn()

    def hangs() -> Drawn:
        if os.getpid() != parent:
            time.sleep(60)
        return _pid_drawn()

    def bug() -> Drawn:  # a bug in the drawing: raised here, with its traceback
        raise ValueError(f"in {os.getpid()}")

    assert forked.draw_forked(dies, 60).view["pid"] == parent
    monkeypatch.setattr(forked, "CHILD_WAIT", 0.5)
    start = time.monotonic()
    assert forked.draw_forked(hangs, 0).view["pid"] == parent
    assert time.monotonic() - start < 10
    with pytest.raises(ValueError, match=f"in {parent}$"):
        forked.draw_forked(bug, 60)
    assert not forked._LIVE


def test_no_process_left_draws_here(monkeypatch):
    def no_fork() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)  # RLIMIT_NPROC reached: a fault hard to cause
    fds = len(os.listdir("/proc/self/fd")) if Path("/proc").is_dir() else 0
    assert forked.draw_forked(_pid_drawn, 60).view["pid"] == os.getpid()
    assert (len(os.listdir("/proc/self/fd")) if fds else 0) == fds  # the pipe is closed
