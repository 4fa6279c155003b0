"""Graphviz runs in one place: missing binary, time limit, failures, atomic writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tfgraphviz import fsutil
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError, LayoutTimeoutError, OutputError
from tfgraphviz.layout import graphviz_version, run_dot, write_png, write_svg

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


def _png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big")


def test_png_dpi_scales_the_bitmap():
    source = "digraph G { a -> b -> c }"
    low, high = run_dot(source, "png", dpi=96), run_dot(source, "png", dpi=192)
    assert 1.8 < _png_width(high) / _png_width(low) < 2.2


def test_write_png_default_dpi_is_above_graphviz_96(tmp_path):
    source = "digraph G { a -> b -> c }"
    write_png(source, tmp_path / "g.png")
    assert _png_width((tmp_path / "g.png").read_bytes()) > _png_width(run_dot(source, "png"))


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "out"
    folder.mkdir()
    os.symlink(victim, folder / "g.json")
    fsutil.write_text(folder / "g.json", "new")
    assert victim.read_text() == "precious"
    assert not (folder / "g.json").is_symlink() and (folder / "g.json").read_text() == "new"


def test_dot_children_are_tracked_and_get_a_parent_death_signal():
    from tfgraphviz import layout

    assert layout.RUNNING == set()
    if sys.platform.startswith("linux"):
        preexec = layout._die_with_parent()
        assert preexec is not None
        out = subprocess.run(["grep", "-c", "x", "/dev/null"], preexec_fn=preexec,
                             capture_output=True, check=False)
        assert out.returncode == 1  # the child ran with the prctl in place
