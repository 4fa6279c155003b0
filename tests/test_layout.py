"""Graphviz runs in one place: missing binary, time limit, failures, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tfgraphviz import fsutil
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError, LayoutTimeoutError, OutputError
from tfgraphviz.layout import graphviz_version, run_dot, write_svg

BIG = "digraph G {" + " ".join(f"n{i} -> n{(i * 7919) % 4000};" for i in range(4000)) + "}"


def test_run_dot_produces_svg():
    svg = run_dot("digraph G { a -> b }", "svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert graphviz_version()


def test_missing_dot_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        run_dot("digraph G { a -> b }", "svg")
    assert graphviz_version() == ""


def test_time_limit_stops_graphviz():
    with pytest.raises(LayoutTimeoutError, match="within 0.01 s"):
        run_dot(BIG, "svg", timeout=0.01)


def test_graphviz_failure_is_reported():
    with pytest.raises(LayoutError, match="Graphviz failed"):
        run_dot("digraph G { a -> }", "svg")


def test_write_svg_is_atomic_on_failure(tmp_path):
    target = tmp_path / "g.svg"
    target.write_text("old")
    with pytest.raises(LayoutError):
        write_svg("digraph G { a -> }", target)
    assert target.read_text() == "old"


def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    target.write_text("complete old content")

    def broken_replace(src: str, dst: str) -> None:  # a disk-full fault cannot happen on cue
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match="No space left on device"):
        fsutil.write_text(target, "new")
    assert target.read_text() == "complete old content"
    assert [p.name for p in Path(tmp_path).iterdir()] == ["f.json"]
