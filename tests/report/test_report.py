"""report.html without a browser: the embedded data reproduces the default view, the page is
self-contained and the same input gives the same bytes."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from tfgraphviz.report.html import (
    VIZ_LICENSE,
    ReportFunction,
    ReportGraph,
    asset,
    build_html,
    first_function,
    viz_source,
)
from tfgraphviz.report.payload import graph_payload
from tfgraphviz.views import ViewOptions
from tfgraphviz.views.build import scope_id, view, visible_of

from ..conftest import EXAMPLES, run_cli


def _blocks(count: int) -> nx.MultiDiGraph:
    """Identical name scopes block0..N (`x @ w + 1`, relu), which the view folds ×N."""
    import tensorflow as tf

    import tfgraphviz

    weights = [tf.Variable(tf.ones([8, 8])) for _ in range(count)]

    def f(x: Any) -> Any:
        for i in range(count):
            with tf.name_scope(f"block{i}"):
                x = tf.nn.relu(x @ weights[i] + 1.0)
        with tf.name_scope("head"):
            y = tf.reduce_sum(x)
            for i in range(3):
                y = tf.cond(y > float(i), lambda y=y: y * 2.0, lambda y=y: y - 1.0)
        return y

    return tfgraphviz.to_networkx(f, tf.TensorSpec([2, 8]))


@pytest.fixture(scope="module")
def blocks() -> nx.MultiDiGraph:
    return _blocks(4)


def _visible_as_the_page_computes_it(payload: dict[str, Any], opened: set[int],
                                     broken: set[int]) -> list[str]:
    """report.js's visibleIds(), step by step, in Python."""
    containers = payload["containers"]
    target: list[str | None] = []
    for c, cont in enumerate(containers):
        parent = cont["p"]
        if parent >= 0 and target[parent] is not None:
            target.append(target[parent])
        else:
            target.append(None if c in opened else f"s{c}")
    run_of: dict[str, str] = {}
    for k, run in enumerate(payload["runs"]):
        if k not in broken and all(target[c] == f"s{c}" for c in run["m"]):
            run_of.update({f"s{c}": f"r{k}" for c in run["m"]})
    vis: list[str] = []
    for i, node in enumerate(payload["nodes"]):
        t = None if node["c"] < 0 else target[node["c"]]
        vis.append(f"n{i}" if t is None else run_of.get(t, t))
    return [vis[node["a"]] if "a" in node else vis[i] for i, node in enumerate(payload["nodes"])]


def _as_view_ids(payload: dict[str, Any], vis: list[str]) -> dict[str, str]:
    containers = payload["containers"]
    bodies = [""] + [b["id"] for b in payload["bodies"]]

    def name(v: str) -> str:
        k = int(v[1:])
        if v[0] == "n":
            return str(payload["nodes"][k]["id"])
        c = containers[payload["runs"][k]["m"][0] if v[0] == "r" else k]
        return scope_id(bodies[c["w"]], tuple(c["path"].split("/")))

    return {payload["nodes"][i]["id"]: name(v) for i, v in enumerate(vis)}


@pytest.mark.parametrize("options", [{"depth": "auto"}, {"depth": 1}, {"depth": 2},
                                     {"depth": 1, "fold": False}, {"depth": "all"}])
def test_embedded_tree_reproduces_the_view(blocks, options):
    payload = graph_payload(blocks, options["depth"], (), options.get("fold", True), None)
    vis = _visible_as_the_page_computes_it(payload, set(payload["opened"]), set())
    assert _as_view_ids(payload, vis) == visible_of(blocks, **options)
    assert len(set(vis)) == view(blocks, **options).number_of_nodes()


def test_folded_blocks_unfold_and_open_one_level_at_a_time(blocks):
    payload = graph_payload(blocks, 1, (), True, None)
    assert [len(r["m"]) for r in payload["runs"]] == [4]
    assert "×4" in payload["runs"][0]["l"]  # the label style.py gives the folded node
    unfolded = set(_visible_as_the_page_computes_it(payload, set(payload["opened"]), {0}))
    blocks_shown = {payload["containers"][int(v[1:])]["path"] for v in unfolded if v[0] == "s"}
    assert {"block0", "block1", "block2", "block3"} <= blocks_shown
    block1 = next(c for c, cont in enumerate(payload["containers"])
                  if cont["path"] == "block1")
    opened = set(_visible_as_the_page_computes_it(payload, {*payload["opened"], block1}, {0}))
    ops = [payload["nodes"][int(v[1:])]["n"] for v in opened if v[0] == "n"]
    assert "block1/Relu" in ops and "block0/Relu" not in ops


def test_a_view_too_big_for_the_page_starts_at_the_automatic_depth(blocks, monkeypatch):
    import tfgraphviz.report.payload as report_data

    many = _blocks(40)  # more ops than the automatic depth draws whole
    whole = graph_payload(many, "all", (), True, None)
    auto = graph_payload(many, "auto", (), True, None)
    assert whole["start"] == "" and whole["opened"] != auto["opened"]
    monkeypatch.setattr(report_data, "MAX_START", many.number_of_nodes() - 1)
    small = report_data.graph_payload(many, "all", (), True, None)
    assert "depth all" in small["start"] and "automatic depth" in small["start"]
    assert small["opened"] == auto["opened"] and small["runs"] == auto["runs"]
    assert report_data.graph_payload(blocks, "all", (), True, None)["start"] == ""


def test_every_op_has_its_look_details_and_edges(blocks):
    payload = graph_payload(blocks, "auto", (), True, None)
    assert len(payload["nodes"]) == blocks.number_of_nodes()
    assert len(payload["edges"]) == blocks.number_of_edges()
    relu = next(n for n in payload["nodes"] if n["n"] == "block2/Relu")
    assert relu["l"].startswith("<b>Relu</b>") and relu["o"] == "Relu"
    assert relu["out"] == ["float32[2,8]"] and relu["at"]["T"] == "float32"
    assert relu["src"] == [str(f) for f in blocks.nodes[relu["id"]]["source"]]
    style = payload["styles"][relu["s"]]
    assert 'fillcolor="#ffffff"' in style and 'shape="box"' in style
    bodies = {b["id"]: b for b in payload["bodies"]}
    assert any("then" in b and "of head/cond" in bodies[b]["g"] for b in bodies)


def _page(report: Path) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    text = report.read_text(encoding="utf-8")
    meta = json.loads(re.search(r'<script type="application/json" id="tfg-meta">(.*?)</script>',
                                text, re.S).group(1))  # type: ignore[union-attr]
    graphs = [json.loads(gzip.decompress(base64.b64decode(blob)))
              for blob in re.findall(r'<script type="application/octet-stream" id="tfg-graph-'
                                     r'\d+-\d+">(.*?)</script>', text, re.S)]
    return text, meta, graphs


@pytest.mark.slow
def test_render_writes_the_same_self_contained_report_every_time(tmp_path):
    example = EXAMPLES / "loops_and_conds.py"
    for folder in ("a", "b"):
        result = run_cli("render", str(example), "-o", str(tmp_path / folder), "--format",
                         "json")
        assert result.code == 0, result.stderr
    first = (tmp_path / "a" / "report.html").read_bytes()
    assert first == (tmp_path / "b" / "report.html").read_bytes()
    text, meta, graphs = _page(tmp_path / "a" / "report.html")
    # nothing is loaded from anywhere: no src/href to a URL, no <link>, no url(), no @import
    packed = re.search(r'<script type="application/octet-stream" id="tfg-viz">(.*?)</script>',
                       text, re.S).group(1)  # type: ignore[union-attr]
    assert gzip.decompress(base64.b64decode(packed)).decode() == viz_source()
    assert "Viz.js 3.31.0" in viz_source() and "Viz.js 3.31.0" in text  # in the licence too
    stated = re.search(r"sha256 ([0-9a-f]{64})", asset(VIZ_LICENSE)).group(1)  # type: ignore[union-attr]
    assert hashlib.sha256(viz_source().encode()).hexdigest() == stated  # unchanged, as it says
    own = text.replace(packed, "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", own)
    assert "<link" not in own and "@import" not in own and "url(" not in own
    assert "default-src 'none'" in text  # and the page forbids it anyway
    assert "Permission is hereby granted" in text and "Eclipse Public License" in text
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["report"] == "report.html"
    assert [f["name"] for f in meta["functions"]] == [f["name"] for f in manifest["functions"]]
    assert meta["source_text"] == example.read_text()
    assert [f["explanation"] for f in meta["functions"]] == manifest["explain"]["functions"]
    assert sum(len(f["graphs"]) for f in meta["functions"]) == len(graphs) == sum(
        len(f["concrete_functions"]) for f in manifest["functions"])
    collatz = next(f for f in meta["functions"] if f["name"] == "collatz_steps")
    assert "while_stmt" in collatz["autograph"]
    assert meta["first"] == 0  # sum_of_abs: the file's first tf.function


def test_the_page_starts_at_the_first_tf_function_the_user_wrote(blocks):
    def function(name: str, kind: str, line: int, drawn: bool = True) -> ReportFunction:
        graphs = [ReportGraph(f"{name}()", name, blocks)] if drawn else []
        return ReportFunction(name, None, {"kind": kind, "line": line}, graphs)

    keras = function("model", "keras", 0)
    later, earlier = function("later", "function", 30), function("step", "method", 12)
    assert first_function([keras, later, earlier]) == 2  # by line, not by order
    assert first_function([keras, function("f", "function", 5, drawn=False), later]) == 2
    assert first_function([keras, function("fit", "keras_fit", 3)]) == 0  # none: the first
    assert first_function([function("broken", "function", 1, drawn=False), keras]) == 1
    assert first_function([]) == 0
    page = build_html(source_name="x.py", source_text="", functions=[keras, later, earlier])
    meta = json.loads(re.search(r'id="tfg-meta">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert meta["first"] == 2


def test_hostile_text_cannot_break_out_of_the_page(blocks):
    hostile = '</script><script>alert(1)</script><!-- \u2028 "quotes" & <b>'
    page = build_html(source_name="</title>x.py", source_text=hostile, functions=[
        ReportFunction(hostile, hostile, {"findings": [{"text": hostile, "ops": []}]},
                       [ReportGraph(hostile, "f", blocks, ViewOptions())])])
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S)
    assert len(scripts) == 4  # meta, one graph, Viz.js, report.js: none was cut short
    assert "alert(1)" not in page.replace("\\u003c/script>\\u003cscript>alert(1)", "")
    assert "<title>&lt;/title&gt;x.py" in page
    meta = json.loads(scripts[0])
    assert meta["source_text"] == hostile and meta["functions"][0]["name"] == hostile


@pytest.mark.slow
def test_each_edge_of_the_page_keeps_its_kind_and_origin(tmp_path):
    """The page numbers edge kinds; the numbers must still name the right kind after the
    payload went through the page's (key-sorted) JSON: data edges drawn as data, automatic
    control edges as automatic, your own as yours."""
    example = EXAMPLES / "control_deps.py"
    result = run_cli("render", str(example), "-o", str(tmp_path), "--format", "json")
    assert result.code == 0, result.stderr
    _, _, (payload,) = _page(tmp_path / "report.html")
    model = json.loads((tmp_path / "step.json").read_text())
    ids = [n["id"] for n in payload["nodes"]]
    expected = sorted(
        (e["source"], e["target"], e["kind"] + (f":{e.get('origin', 'unknown')}"
                                                 if e["kind"] == "control" else ""))
        for e in model["links"])
    got = sorted((ids[e[0]], ids[e[1]], payload["kinds"][e[4]]) for e in payload["edges"])
    assert got == expected
    assert {"data", "control:automatic", "control:user", "control:library"} <= set(
        payload["kinds"])
    assert set(payload["merged"]) == set(payload["kinds"])
