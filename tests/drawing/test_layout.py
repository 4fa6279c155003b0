"""Graphviz runs in one place: missing binary, time limit, failures, atomic writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfgraphviz._util import fs as fsutil
from tfgraphviz.drawing.layout import graphviz_version, run_dot, write_png, write_svg
from tfgraphviz.drawing.scene import Edge, Node, Scene, Statement
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError, LayoutTimeoutError, OutputError

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
    from tfgraphviz.drawing import layout

    assert layout.RUNNING == set()
    if sys.platform.startswith("linux"):
        preexec = layout._die_with_parent()
        assert preexec is not None
        out = subprocess.run(["grep", "-c", "x", "/dev/null"], preexec_fn=preexec,
                             capture_output=True, check=False)
        assert out.returncode == 1  # the child ran with the prctl in place
        assert layout._death_prefix() is not None  # util-linux's setpriv, without a preexec_fn


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux parent-death signal")
def test_a_child_started_like_dot_dies_when_tfgraphviz_is_killed(tmp_path):
    code = ("import sys\nfrom tfgraphviz.drawing import layout\n"
            "proc = layout._start(['sleep', '120'])\nprint(proc.pid, flush=True)\n"
            "sys.stdin.read()\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.kill()
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
        try:  # reaped by init once it died; a zombie still answers kill(0)
            if Path(f"/proc/{child}/stat").read_text().split()[2] == "Z":
                break
        except OSError:
            break
    else:
        os.kill(child, 9)
        raise AssertionError("the child outlived its parent by 5 s")


# ---- strategies and the fallback chain ------------------------------------------------------
def _fan(n: int) -> Scene:
    """One input fanned out to a chain of n ops (the TensorFlow guide's power_as_graph)."""
    body: list[Statement] = [Node("x", {"label": '"x"'})]
    body += [Node(f"m{i}", {"label": f'"MatMul_{i}"', "shape": '"box"'}) for i in range(n)]
    body += [Edge(["x", f"m{i}"], {"label": '"float32[3,3]"'}) for i in range(n)]
    body += [Edge([f"m{i - 1}", f"m{i}"], {"label": '"float32[3,3]"'}) for i in range(1, n)]
    return Scene(body)


def _pair() -> Scene:
    return Scene([Node("a", {"label": "a"}), Node("b", {"label": "b"}), Edge(["a", "b"], {})])


def _hanging_dot(tmp_path: Path, also_neato: bool) -> str:
    """A stand-in `dot` that never finishes a `dot` layout (a fault that cannot be provoked
    on cue with the real one), but runs the real neato unless `also_neato`."""
    real = shutil.which("dot")
    assert real is not None
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    neato = "exec sleep 60" if also_neato else f'exec "{real}" "$@"'
    script.write_text(f'#!/bin/sh\ncase "$*" in\n  *-Kneato*) {neato} ;;\n'
                      f'  *) exec sleep 60 ;;\nesac\n')
    script.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_settings_follow_the_size_of_the_graph():
    from tfgraphviz.drawing.layout import LAYERED, STRAIGHT, Size, strategies

    assert [s.name for s in strategies(Size(90, 126, 4))] == ["dot", LAYERED.name,
                                                              STRAIGHT.name]
    assert strategies(Size(102, 201, 100))[0].name == "dot (limited passes)"  # fan-out
    assert strategies(Size(480, 700, 3))[0].name == "dot (limited passes)"
    assert strategies(Size(1831, 2219, 3))[0].name == LAYERED.name
    assert [s.name for s in strategies(Size(14517, 21376, 428))] == [LAYERED.name,
                                                                      STRAIGHT.name]


def test_size_is_measured_from_the_drawing():
    from tfgraphviz.drawing.layout import measure

    size = measure(_fan(40))
    assert (size.nodes, size.edges, size.fan_out) == (41, 79, 40)


def test_a_fan_out_graph_gets_limited_passes_and_labels_beside_edges():
    from tfgraphviz.drawing.layout import lay_out

    done = lay_out(_fan(100), "svg", 60)
    assert done.strategy == "dot (limited passes)" and done.warnings == []
    assert done.data.count(b">float32[3,3]</text>") == 199  # every edge label kept


def test_medium_graphs_get_edge_labels_placed_after_the_layout():
    from tfgraphviz.drawing.layout import edge_labels_as_xlabels

    node = Node("a", {"label": '"x"', "tooltip": '"a -> b"'})
    edge = Edge(["a", "b"], {"color": '"#404040"', "label": '"f32[2]"',
                             "labeltooltip": '"a → b: f32[2]"'})
    edited = edge_labels_as_xlabels(Scene([node, edge]))
    assert edited.body == [node, Edge(["a", "b"], {"color": '"#404040"', "xlabel": '"f32[2]"',
                                                   "labeltooltip": '"a → b: f32[2]"'})]
    assert edge.attrs["label"] == '"f32[2]"'  # the drawing itself is unchanged


def test_dot_text_from_a_user_is_laid_out_by_dot_alone():
    from tfgraphviz.drawing.layout import lay_out

    done = lay_out("digraph G {" + " ".join(f"x -> m{i};" for i in range(40)) + "}", "svg", 60)
    assert done.strategy == "dot" and b"<title>x&#45;&gt;m39</title>" in done.data


@pytest.mark.slow
def test_a_dot_that_does_not_finish_falls_back_to_the_layered_layout(tmp_path, monkeypatch):
    from tfgraphviz.drawing.layout import LAYERED, lay_out, render

    monkeypatch.setenv("PATH", _hanging_dot(tmp_path, also_neato=False))
    done = lay_out(_pair(), "svg", 4)
    assert done.strategy == LAYERED.name
    assert b"<title>a&#45;&gt;b</title>" in done.data
    assert len(done.warnings) == 1 and "\n" not in done.warnings[0]
    assert done.warnings[0].startswith("dot did not finish within 2 s; drawn with")
    data, warnings = render(_pair(), "svg", 2)
    assert b"<title>a</title>" in data and len(warnings) == 1


def test_when_every_strategy_runs_out_the_budget_is_named(tmp_path, monkeypatch):
    from tfgraphviz.drawing.layout import render

    monkeypatch.setenv("PATH", _hanging_dot(tmp_path, also_neato=True))
    with pytest.raises(LayoutTimeoutError, match="within 1.5 s"):
        render("digraph G {\n  a [label=a];\n}\n", "svg", 1.5)
    assert layout_running() == set()


def layout_running() -> set[subprocess.Popen[bytes]]:
    from tfgraphviz.drawing import layout

    return layout.RUNNING


def test_render_without_graphviz_is_a_clear_error(monkeypatch):
    from tfgraphviz.drawing.layout import render

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render("digraph G {\n  a [label=a];\n}\n", "svg", 10)


# ---- drill-down pages laid out together ------------------------------------------------------
def _page_scenes(traced_examples) -> list[Scene]:
    """The drill-down pages of training_step's train_step at depth 1, as draw plans them."""
    from tfgraphviz.drawing.dot import to_scene
    from tfgraphviz.drawing.pages import _plan_pages
    from tfgraphviz.model.build import to_networkx
    from tfgraphviz.views.build import view_and_visible
    from tfgraphviz.views.options import ViewOptions

    step = traced_examples["training_step"].functions["train_step"]
    graph = to_networkx(step.graphs[0], "train_step")
    drawn, shown = view_and_visible(graph, 1)
    pages = _plan_pages(graph, drawn, shown, "train_step", ViewOptions(depth=1))
    return [to_scene(view) for _, view in pages]


def test_pages_laid_out_in_one_dot_run_are_the_bytes_of_their_own_runs(traced_examples):
    from tfgraphviz.drawing.batch import batchable, render_many
    from tfgraphviz.drawing.layout import render

    scenes = [s for s in _page_scenes(traced_examples) if batchable(s)]
    assert len(scenes) >= 3
    alone = [render(scene, "svg")[0] for scene in scenes]
    # each page links back up: its anchors are numbered on from the graphs before it
    assert all(b'id="a_graph0_0"' in image for image in alone)
    for _ in range(2):
        together = render_many(scenes, 60)
        assert together == alone
    assert render_many([], 60) == []


def test_a_drawing_with_two_clusters_never_shares_a_dot_run():
    from tfgraphviz.drawing.batch import batchable
    from tfgraphviz.drawing.scene import Cluster

    def scene(clusters: int) -> Scene:
        return Scene([Cluster(f"cluster_{i}", [Node(f"n{i}", {})]) for i in range(clusters)])

    # two clusters come out of a shared run in either order (see batchable)
    assert batchable(scene(0)) and batchable(scene(1)) and not batchable(scene(2))
    assert not batchable(_fan(400))  # too big for plain dot's own settings


def test_a_shared_dot_run_that_prints_too_few_images_is_not_used(traced_examples, tmp_path,
                                                                  monkeypatch):
    from tfgraphviz.drawing.batch import _one_of_many, render_many

    scenes = _page_scenes(traced_examples)[:3]
    real = shutil.which("dot")
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"  # the real dot, given only the first graph of its input
    script.write_text(f'#!/bin/sh\nsed "/^}}/q" | exec "{real}" "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    assert render_many(scenes, 60) is None
    # anchors that are not one unbroken run of numbers cannot be renumbered
    assert _one_of_many(b'<?xml x?><g id="a_graph0_3"/><g id="a_graph0_5"/>') is None
    assert _one_of_many(b'<?xml x?><g id="a_page0,2_graph0"/><g id="a_graph0_4"/>') == \
        b'<?xml x?><g id="a_graph0"/><g id="a_graph0_0"/>'
