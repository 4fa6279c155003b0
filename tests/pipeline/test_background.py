"""Drawings laid out in the background are filled in as a serial render would have: files
merged and sorted, the view with its pages, problems at their place, lines in order."""

from __future__ import annotations

import threading

from tfgraphviz.drawing.pages import Drawn
from tfgraphviz.pipeline.background import Drawings
from tfgraphviz.pipeline.render import Problem


def test_results_are_filled_in_the_serial_order():
    release = threading.Event()

    def slow_draw() -> Drawn:  # still running while the main thread goes on
        assert release.wait(30)
        return Drawn({"svg": "f.svg", "dot": "f.dot"}, [("f.svg: drawn with the layered "
                                                        "layout", 0)],
                     {"depth": 2}, ["f/scopes/b.svg", "f/scopes/a.svg"])

    problems = [Problem("f", "f: a trace error")]
    said: list[str] = []
    first = {"files": {"json": "f.json"}, "view": {}}
    second = {"files": {"json": "g.json"}, "view": {}}
    with Drawings() as pool:
        pool.add(first, "f(x)", "f", "f", slow_draw, problems)
        problems.append(Problem("f", "f: could not explain it"))
        pool.add(second, "g()", "g", "g", None, problems)
        problems.append(Problem("", "report.html not written"))
        release.set()
        pool.finish(problems, said.append, lambda _m: None)
    assert [p.message for p in problems] == [
        "f: a trace error", "f.svg: drawn with the layered layout", "f: could not explain it",
        "report.html not written"]
    assert list(first["files"].items()) == [("dot", "f.dot"), ("json", "f.json"),
                                            ("svg", "f.svg")]
    assert first["view"] == {"depth": 2, "pages": ["f/scopes/a.svg", "f/scopes/b.svg"]}
    assert said == ["  f(x) -> f.dot, f.json, f.svg", "  g() -> g.json"]


def test_an_interrupted_render_stops_graphviz_and_starts_no_more():
    from tfgraphviz.drawing.layout import run_dot
    from tfgraphviz.errors import LayoutError

    started = threading.Event()
    seen: list[str] = []

    def draw() -> Drawn:
        started.set()
        try:
            run_dot("digraph G {" + " ".join(f"n{i} -> n{(i * 7919) % 3000};"
                                             for i in range(3000)) + "}", "svg", 120)
        except LayoutError as exc:
            seen.append(str(exc))
        try:
            run_dot("digraph G { a -> b }", "svg")
        except LayoutError as exc:
            seen.append(str(exc))
        return Drawn({}, [], {})

    try:
        with Drawings() as pool:
            pool.add({"files": {}, "view": {}}, "f()", "f", "f", draw, [])
            assert started.wait(30)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert len(seen) == 2 and all("stopped" in s or "failed" in s for s in seen), seen
    assert run_dot("digraph G { a -> b }", "svg").startswith(b"<?xml")  # allowed again
