"""DOT output: golden files, styles that tell edges apart, escaping of user strings, what the
picture claims (control-edge origins, notes, body arguments, legend, tooltips)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
import pytest

from tfgraphviz._util.text import html, quoted, short, xml_safe
from tfgraphviz.drawing.dot import heading_of, to_dot, wrap
from tfgraphviz.drawing.legend import legend_keys
from tfgraphviz.drawing.style import (
    ORIGINS,
    edge_style,
    node_style,
    node_tooltip,
)
from tfgraphviz.model.build import to_networkx

from ..conftest import DATA, golden_file, run_cli

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
GOLDEN_CASES = [("control_deps", "step"), ("loops_and_conds", "sum_of_abs"),
                ("loops_and_conds", "normalize"), ("article_class_fix", "f.__call__"),
                ("article_tf1_graph", "g")]


def _model(traced_examples: Any, example: str, function: str) -> nx.MultiDiGraph:
    return to_networkx(traced_examples[example].functions[function].graphs[0], function)


def _svg(source: str) -> ET.Element:
    proc = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          check=False, timeout=120)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return ET.fromstring(proc.stdout)


def _groups(root: ET.Element, cls: str) -> dict[str, ET.Element]:
    """SVG groups of one class (node/edge/cluster) by their <title> (the DOT id)."""
    return {g.find(f"{SVG}title").text or "": g for g in root.iter(f"{SVG}g")  # type: ignore
            if g.get("class") == cls}


def _dot_ids(source: str) -> dict[str, str]:
    """DOT id (n12) -> the model node id, recovered from the tooltips' first lines."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s*(n\d+) \[.*?tooltip=\"([^\"]*)",
                                                        source, re.M)}


@pytest.mark.parametrize(("example", "function"), GOLDEN_CASES)
def test_golden_dot(traced_examples, update_golden, example, function):
    fn = traced_examples[example].functions[function]
    kind = "tf.Graph" if fn.kind == "graph" else "tf.function"
    source = to_dot(to_networkx(fn.graphs[0], function, kind))
    golden = golden_file(f"{example}.{function}.dot")
    if update_golden or not golden.exists():
        golden = golden_file(golden.name, writing=True)
        golden.write_text(source, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden.name} was missing and has been written; run again")
    assert source == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; if the change is intended run pytest --update-golden")


def test_dot_is_valid_for_graphviz(traced_examples):
    root = _svg(to_dot(_model(traced_examples, "loops_and_conds", "collatz_steps")))
    clusters = [t for t in _groups(root, "cluster") if t != "cluster_legend"]
    assert len(clusters) == 4  # while cond, while body, and the If's then/else inside body


def test_control_edges_drawn_by_origin(traced_examples):
    graph = _model(traced_examples, "control_deps", "step")
    source = to_dot(graph)
    lines = [ln for ln in source.splitlines() if re.match(r"\s*n\d+ -> n\d+", ln)]
    by_origin = {o: [ln for ln in lines if f'color="{ORIGINS[o][0]}"' in ln
                     and 'arrowhead="odot"' in ln] for o in ORIGINS}
    assert {o for o, found in by_origin.items() if found} == {"automatic", "user", "library"}
    (user,) = by_origin["user"]
    assert "written by the user" in user and "control_deps.py:13" in user
    assert "PrintV2 (PrintV2) → Identity (Identity)" in user
    assert all("check_ops.py" in ln and "called from control_deps.py:11" in ln
               for ln in by_origin["library"])
    assert all("added by tf.function" in ln for ln in by_origin["automatic"])
    # each origin has its own colour and line style
    assert len({(c, s) for c, s, _, _ in ORIGINS.values()}) == len(ORIGINS)
    assert len({c for c, _, _, _ in ORIGINS.values()}) == len(ORIGINS)
    assert len({s for _, s, _, _ in ORIGINS.values()}) >= 3


def test_control_edges_of_a_concrete_function_traced_earlier_are_unknown():
    import tensorflow as tf

    import tfgraphviz

    @tf.function
    def f(x):
        with tf.control_dependencies([tf.print(x)]):
            return tf.identity(x)

    concrete = f.get_concrete_function(tf.TensorSpec([], tf.float32))
    graph = tfgraphviz.to_networkx(concrete)
    source = to_dot(graph)
    assert "control:unknown" in legend_keys(graph)
    assert "control:user" not in legend_keys(graph)
    assert f'color="{ORIGINS["unknown"][0]}"' in source and "who added it" in source


def test_failed_trace_note_is_whole_wrapped_and_outside_the_legend(traced_examples):
    graph = _model(traced_examples, "control_deps", "step")
    plain = to_dot(graph)
    message = ("a trace that succeeded before tracing failed: ValueError: tf.function only "
               "supports singleton tf.Variables created on the first call. Make sure the "
               "tf.Variable is only created once or created outside tf.function. See "
               "https://www.tensorflow.org/guide/function#creating_tfvariables for more "
               "information.")
    graph.graph["note"] = message + "\n  at f.py:15: b = tf.Variable(12.0)"
    root = _svg(to_dot(graph))
    top = root.find(f"{SVG}g")
    assert top is not None
    texts = [t.text or "" for child in top if child.get("class") not in ("node", "edge", "cluster")
             for t in child.iter(f"{SVG}text")]
    assert texts[0] == "step(x: float32[])"
    note = texts[1:]
    assert " ".join(note[:-1]) == message  # every word, in order, none cut
    assert note[-1] == "at f.py:15: b = tf.Variable(12.0)"
    assert all(len(line) <= 96 for line in note)
    assert max(len(line) for line in note) > 80  # wrapped at a readable width, not a column

    def legend_sizes(source: str) -> dict[str, tuple[str, str]]:
        plain_out = subprocess.run(["dot", "-Tplain"], input=source.encode(),
                                   capture_output=True, check=True, timeout=120).stdout
        return {f[1]: (f[4], f[5]) for f in
                (ln.split() for ln in plain_out.decode().splitlines())
                if f[0] == "node" and re.fullmatch(r"l\d+[ab]", f[1])}

    assert legend_sizes(to_dot(graph)) == legend_sizes(plain)  # swatches not stretched


def test_wrap_keeps_words_and_lines():
    text = "alpha " * 30 + "https://example.com/" + "x" * 120 + "\n  at f.py:3: y = 1"
    lines = wrap(text, 40)
    assert " ".join(lines[:-1]).split() == text.split("\n")[0].split()
    assert lines[-1] == "at f.py:3: y = 1"
    assert any(len(line) > 120 for line in lines)  # a long URL is never cut


def test_body_arguments_are_named_in_index_order_and_fed_visibly(traced_examples):
    graph = _model(traced_examples, "loops_and_conds", "collatz_steps")
    source = to_dot(graph)
    root = _svg(source)
    nodes = _groups(root, "node")
    ids = {v: k for k, v in {f"n{i}": n for i, n in enumerate(graph.nodes)}.items()}
    for body in graph.graph["bodies"]:
        args = sorted((d["index"], n) for n, d in graph.nodes(data=True)
                      if d["body"] == body["id"] and d["kind"] == "arg")
        xs = []
        for index, node in args:
            group = nodes[ids[node]]
            text = " ".join(t.text or "" for t in group.iter(f"{SVG}text"))
            shown = graph.nodes[node]["py_name"] or graph.nodes[node]["label"]
            assert short(shown, 24) in text
            assert f"arg {index}" in text
            ellipse = group.find(f".//{SVG}ellipse")
            assert ellipse is not None
            xs.append(float(ellipse.get("cx", "0")))
            if graph.nodes[node].get("feeds"):  # what the caller passes: in its tooltip
                tips = [a.get(XLINK_TITLE) or "" for a in group.iter(f"{SVG}a")]
                assert any(f"receives: {graph.nodes[node]['feeds']}" in t for t in tips)
        assert xs == sorted(xs), (body["id"], xs)  # left to right in index order
    # one tie per body instead of a dotted curve per argument and result; its tooltip maps
    # every caller input to its argument and every result to its caller output
    edges = _groups(root, "edge")
    ties = {t: g for t, g in edges.items() if t.startswith("n") and any(
        p.get("stroke") == "#7b3fa0" for p in g.iter(f"{SVG}path"))}
    assert len(ties) == len(graph.graph["bodies"])
    tips = "\n".join(a.get(XLINK_TITLE) or "" for g in ties.values()
                     for a in g.iter(f"{SVG}a"))
    mapped = [d for _, _, d in graph.edges(data=True) if d["kind"] in ("call", "return")]
    assert mapped
    for d in mapped:
        if d["kind"] == "call":
            assert f"input {d['caller_input']}" in tips and f"argument {d['arg_index']} " \
                f"'{d['arg_name']}' of its {d['role']} body" in tips
        else:
            assert f"of the {d['role']} body → output {d['output_index']} of" in tips

    def ys(role: str) -> list[float]:
        body = next(b for b in graph.graph["bodies"] if b["role"] == role)
        return [float(t.get("y", "0")) for n, d in graph.nodes(data=True)
                if d["body"] == body["id"] for t in nodes[ids[n]].iter(f"{SVG}text")]

    assert max(ys("cond")) < min(ys("body"))  # the loop's cond above its body, not beside it


def test_callee_cluster_names_its_function_and_xla():
    import tensorflow as tf

    import tfgraphviz

    @tf.function(jit_compile=True)
    def squared_norm(x):
        return tf.reduce_sum(x * x)

    @tf.function
    def scale(x):
        return x / squared_norm(x)

    graph = tfgraphviz.to_networkx(scale, tf.TensorSpec([2], tf.float32))
    root = _svg(to_dot(graph))
    (cluster,) = [g for t, g in _groups(root, "cluster").items() if t != "cluster_legend"]
    words = " ".join(t.text or "" for t in cluster.iter(f"{SVG}text")).split()
    assert words[:4] == ["squared_norm", "function", "called", "by"]
    assert "compiled with XLA (jit_compile)" in " ".join(words)


def test_legend_lists_only_used_entries(traced_examples):
    loops = legend_keys(_model(traced_examples, "loops_and_conds", "collatz_steps"))
    assert "arg" in loops and "ret" in loops and "call" in loops
    assert not {"variable", "stateful", "auto_created"} & set(loops)
    assert not [k for k in loops if k.startswith("control:")]
    steps = legend_keys(_model(traced_examples, "control_deps", "step"))
    assert {"control:automatic", "control:user", "control:library", "variable",
            "stateful", "function_output", "auto_created"} <= set(steps)
    assert "control:unknown" not in steps
    source = to_dot(_model(traced_examples, "loops_and_conds", "power"))
    assert "tf.Variable" not in source.split("cluster_legend", 1)[1]


def _look(group: ET.Element) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    """The drawn shapes of a node or edge: tag, fill, stroke, width and dashes."""
    return [(e.tag.replace(SVG, ""), e.get("fill"), e.get("stroke"), e.get("stroke-width"),
             e.get("stroke-dasharray"))
            for e in group.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")]


def test_legend_glyphs_are_drawn_like_the_graph(traced_examples):
    for example, function in (("control_deps", "step"),
                              ("loops_and_conds", "collatz_steps")):
        graph = _model(traced_examples, example, function)
        source = to_dot(graph)
        root = _svg(source)
        nodes, edges = _groups(root, "node"), _groups(root, "edge")
        dot_id = {n: f"n{i}" for i, n in enumerate(graph.nodes)}
        compared = 0
        for i, key in enumerate(legend_keys(graph)):
            if f"l{i}a" in nodes and f"l{i}a->l{i}b" not in edges and key != "unknown_rank":
                sample = [n for n, d in graph.nodes(data=True) if
                          _legend_key_of_node(d) == key]
                if key == "unused" and not sample:
                    continue  # only constants or arguments are unused here: their own shapes
                assert sample, key
                real = _look(nodes[dot_id[sample[0]]])
                assert _look(nodes[f"l{i}a"]) == real, key
                compared += 1
            elif f"l{i}a->l{i}b" in edges:
                sample_edges = [(u, v) for u, v, d in graph.edges(data=True)
                                if _legend_key_of_edge(d) == key]
                assert sample_edges, key
                u, v = sample_edges[0]
                real_edge = edges[f"{dot_id[u]}->{dot_id[v]}"]
                assert [s[1:] for s in _look(edges[f"l{i}a->l{i}b"])] == [
                    s[1:] for s in _look(real_edge)[:len(_look(edges[f"l{i}a->l{i}b"]))]
                ], key
                compared += 1
        assert compared >= 6


def _legend_key_of_node(data: dict[str, Any]) -> str:
    if data.get("unused"):
        return "unused" if data["kind"] == "op" else f"unused {data['kind']}"  # no sample
    if data.get("auto_created"):
        return "auto_created"
    if data.get("function_output"):
        return "function_output"
    if data["kind"] == "op":
        return "stateful" if data.get("stateful") else "op"
    return str(data["kind"])


def _legend_key_of_edge(data: dict[str, Any]) -> str:
    if data["kind"] == "control":
        return f"control:{data['origin']}"
    return "call" if data["kind"] in ("call", "return") else str(data["kind"])


def test_every_tooltip_is_readable(traced_examples):
    for example, function in (("control_deps", "step"),
                              ("loops_and_conds", "collatz_steps")):
        root = _svg(to_dot(_model(traced_examples, example, function)))
        for cls in ("node", "edge", "cluster"):
            for title, group in _groups(root, cls).items():
                anchors = list(group.iter(f"{SVG}a"))
                if cls == "edge" and title.startswith("l"):
                    continue  # the legend's own invisible ordering edges
                assert anchors, (cls, title)  # nothing falls back to the bare DOT id
                texts = [a.get(XLINK_TITLE) or "" for a in anchors]
                for text in texts:
                    assert text.strip() and not re.fullmatch(r"[nl]\d+\w*(->[nl]\d+\w*)?",
                                                             text), (cls, title, text)
                if cls == "edge" and title.startswith("n"):
                    assert all("→" in t for t in texts), texts  # source → destination
                if group.find(f".//{SVG}text") is not None and cls == "edge":
                    assert len(anchors) == 2  # the line and its label both explain themselves


def test_data_edge_tooltip_names_both_ends_and_type(traced_examples):
    graph = _model(traced_examples, "loops_and_conds", "normalize")
    u, v, data = next((u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "data"
                      and graph.nodes[v]["op"] == "RealDiv")
    style = edge_style(data, graph.nodes[u], graph.nodes[v])
    assert "(RealDiv)" in style["tooltip"] and "float32[2]" in style["tooltip"]
    assert style["labeltooltip"] == style["tooltip"]


def test_short_cuts_in_the_middle():
    name = "very_long_prefix_" + "m" * 40 + "_important_suffix"
    shortened = short(name, 32)
    assert len(shortened) == 32 and "…" in shortened
    assert shortened.startswith("very_long_pre") and shortened.endswith("_suffix")
    assert short("short", 32) == "short"


def test_tf_graph_title_and_unknown_rank(traced_examples):
    graph = to_networkx(traced_examples["article_tf1_graph"].functions["g"].graphs[0], "g",
                        "tf.Graph")
    assert heading_of(graph) == "g (tf.Graph)"
    assert "<b>g (tf.Graph)</b>" in to_dot(graph)

    import tensorflow as tf

    import tfgraphviz

    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
    def flat(x):
        return tf.reshape(x, [-1])

    source = to_dot(tfgraphviz.to_networkx(flat))
    assert "flat(x: float32[*])" in source
    assert 'label="float32[*]"' in source
    assert not re.search(r'label="\w+\?"', source)


def test_labels_keep_their_spaces_in_svg_renderers(traced_examples):
    """SVG renderers drop a text run's leading space: no run may rely on one."""
    root = _svg(to_dot(_model(traced_examples, "loops_and_conds", "collatz_steps")))
    pairs = [(before, run) for parent in root.iter() for before, run in
             zip(parent.findall(f"{SVG}text"), parent.findall(f"{SVG}text")[1:], strict=False)]
    assert len(pairs) > 10
    for before, run in pairs:
        if run.get("y") == before.get("y") and run.get("text-anchor") == "start":
            assert not (run.text or "")[:1].isspace(), (before.text, run.text)
            assert (before.text or "")[-1:].isspace(), (before.text, run.text)


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="rsvg-convert not installed")
def test_rsvg_renders_the_drawing(traced_examples, tmp_path):
    svg = tmp_path / "g.svg"
    svg.write_bytes(ET.tostring(_svg(to_dot(_model(traced_examples, "control_deps", "step")))))
    proc = subprocess.run(["rsvg-convert", str(svg), "-o", str(tmp_path / "g.png")],
                          capture_output=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "g.png").stat().st_size > 10_000


def test_escaping_helpers():
    assert html('<b a="1">&</b>') == "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;"
    assert quoted('a"b\\N\nc') == '"a\\"b\\\\N\\nc"'
    assert "\x07" not in html("bell\x07") and "\x07" not in quoted("bell\x07")


BAD = "nul\x00 bell\x07 esc\x1b[31m del\x7f csi\x9b fffe\ufffe ffff\uffff fdd0\ufdd0 " \
      "lone\ud800 plane\U0001fffe ok\u00e9\U0001f600"


def test_xml_invalid_characters_never_reach_dot_or_svg():
    safe = xml_safe(BAD)
    for ch in ("\x00", "\x07", "\x1b", "\x7f", "\x9b", "\ufffe", "\uffff", "\ufdd0", "\ud800",
               "\U0001fffe"):
        assert ch not in safe
    assert "\\x1b" in safe and "\\ufffe" in safe and "\\ud800" in safe
    assert "\u00e9" in safe and "\U0001f600" in safe  # ordinary characters stay
    graph = nx.MultiDiGraph(name=BAD, signature="", note=BAD, bodies=[])
    graph.add_node("a", name=BAD, op="Const", kind="const", body="", attrs={"value": BAD},
                   outputs=[{"dtype": "string", "shape": ()}], source=[BAD], variable="")
    graph.add_node("b", name="b", op="PrintV2", kind="op", body="", attrs={}, outputs=[],
                   stateful=True, source=[], variable=BAD)
    graph.add_edge("a", "b", kind="data", src_output=0, dst_input=0, dtype="string", shape=())
    graph.add_edge("a", "b", kind="control", origin="user", where=BAD)
    source = to_dot(graph)
    assert xml_safe(source) == source
    root = _svg(source)  # well-formed XML
    assert any("\\ufffe" in (a.get(XLINK_TITLE) or "") for a in root.iter(f"{SVG}a"))


def test_xml_invalid_characters_from_a_real_trace():
    import tensorflow as tf

    import tfgraphviz

    @tf.function
    def shout():
        tf.print("\x1b[31mred\x07\ufffe")
        return tf.constant("bell\x07\uffff")

    source = to_dot(tfgraphviz.to_networkx(shout))
    assert "\x07" not in source and "\uffff" not in source and "\ufffe" not in source
    _svg(source)


def test_node_styles_in_legend_samples_match_model_kinds():
    assert node_style({"kind": "arg"})["shape"] == "ellipse"
    assert node_style({"kind": "op", "function_output": True})["peripheries"] == "2"


def test_collapsed_view_is_drawn_with_scopes_merged_edges_and_links(traced_examples):
    from tfgraphviz.views.build import view

    shown = view(_model(traced_examples, "training_step", "train_step"), depth=1)
    scope = next(n for n, d in shown.nodes(data=True) if d["kind"] == "scope")
    shown.nodes[scope]["link"] = "scopes/a b.svg"
    source = to_dot(shown)
    assert 'shape="box3d"' in source and " ops" in source
    assert re.search(r'label="×\d+ float32\[', source)  # a merged edge: count and shape
    assert {"scope", "merged", "link"} <= set(legend_keys(shown))
    root = _svg(source)
    links = [a for a in root.iter(f"{SVG}a")
             if a.get("{http://www.w3.org/1999/xlink}href") == "scopes/a b.svg"]
    assert links and all(a.get("target") == "_top" for a in links)
    tips = [a.get(XLINK_TITLE) or "" for a in links]
    assert any("collapsed:" in t and "click to open" in t for t in tips)


def test_tooltips_show_the_source_and_autograph_lines(traced_examples):
    graph = _model(traced_examples, "loops_and_conds", "collatz_steps")
    tips = {n: node_tooltip(d) for n, d in graph.nodes(data=True)}
    line = graph.nodes["while"]["autograph_line"]
    assert "source: loops_and_conds.py:28 in collatz_steps" in tips["while"]
    assert f"AutoGraph line {line} (of the converted code)" in tips["while"]
    arg = tips["while::body::arg:3"]
    assert arg.startswith("argument 3 'n'") and "in the FunctionDef: while_placeholder_1" in arg
    assert "AutoGraph line" not in arg


@pytest.mark.slow
def test_render_shows_loop_variable_names_in_svg_and_json(tmp_path):
    out = tmp_path / "out"
    result = run_cli("render", str(DATA / "capture_loops.py"), "-o", str(out),
                     "--format", "svg,json", "-q")
    assert result.code == 0, result.stderr
    model = json.loads((out / "running.json").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in model["nodes"]}
    assert [nodes[f"while::body::arg:{i}"]["py_name"] for i in range(2, 6)] == \
        ["i", "pair[0]", "pair[1]", "total"]
    autograph = (out / "running.autograph.py").read_text(encoding="utf-8").splitlines()
    assert "ag__.for_stmt(" in autograph[nodes["while"]["autograph_line"] - 1]
    root = ET.fromstring((out / "running.svg").read_bytes())
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"pair[0]", "pair[1]", "total"} <= texts
    titles = [a.get(XLINK_TITLE, "") for a in root.iter(f"{SVG}a")]
    assert any("AutoGraph line" in t for t in titles)


def test_automatic_control_edges_into_a_noop_are_one_bundle_in_a_collapsed_view(
        traced_examples):
    from tfgraphviz.drawing.style import describe
    from tfgraphviz.views.build import view

    shown = view(_model(traced_examples, "training_step", "train_step"), depth=1)
    noop, waits = next((n, [(u, d) for u, _, d in shown.in_edges(n, data=True)
                            if d["kind"] == "control" and d.get("origin") == "automatic"])
                       for n, d in shown.nodes(data=True) if d.get("auto_created"))
    assert len(waits) >= 2
    total = sum(int(d.get("count", 1)) for _, d in waits)
    root = _svg(to_dot(shown))
    dot_id = {n: f"n{i}" for i, n in enumerate(shown.nodes)}
    into = [g for t, g in _groups(root, "edge").items() if t.endswith(f"->{dot_id[noop]}")
            and any(p.get("stroke") == ORIGINS["automatic"][0] for p in g.iter(f"{SVG}path"))]
    assert len(into) == 1  # one orange edge, not one per stateful op
    (bundle,) = into
    assert [t.text for t in bundle.iter(f"{SVG}text")] == [f"waits for {total} stateful ops"]
    tip = next(a.get(XLINK_TITLE) or "" for a in bundle.iter(f"{SVG}a"))
    assert all(describe(shown.nodes[u]) in tip for u, _ in waits)
    # a small full drawing keeps one edge per stateful op: the lesson of control_deps
    full = _model(traced_examples, "control_deps", "step")
    full_root = _svg(to_dot(full))
    auto = [g for t, g in _groups(full_root, "edge").items()
            if t.startswith("n") and any(p.get("stroke") == ORIGINS["automatic"][0]
                                         for p in g.iter(f"{SVG}path"))]
    assert len(auto) == sum(1 for _, _, d in full.edges(data=True)
                            if d["kind"] == "control" and d.get("origin") == "automatic")


def test_legend_is_under_the_drawing_not_beside_it(traced_examples):
    root = _svg(to_dot(_model(traced_examples, "control_deps", "step")))
    legend = _groups(root, "cluster")["cluster_legend"]
    top = min(float(t.get("y", "0")) for t in legend.iter(f"{SVG}text"))
    drawn = [float(t.get("y", "0")) for t, g in [(t, g) for t, g in
                                                 _groups(root, "node").items()
                                                 if not t.startswith("l")]
             for t in g.iter(f"{SVG}text")]
    assert top > max(drawn)
    assert float(root.get("width", "0").removesuffix("pt")) < 1500


def test_a_grid_of_unconnected_ops_has_the_legend_under_its_last_row_only():
    """A page of 60 ops no edge joins (an optimizer's `Identity*`) is drawn in rows of 6; the
    legend hangs under the last row, not under every op: those ties ran through every row
    below and spread a page of 160 ops 6000 pt wide."""
    import tensorflow as tf

    import tfgraphviz

    def f(x: Any) -> Any:
        for i in range(60):
            tf.sin(x, name=f"unused_{i}")
        return x

    graph = tfgraphviz.to_networkx(f, tf.TensorSpec([3]))
    page = graph.subgraph([n for n, d in graph.nodes(data=True) if d["op"] == "Sin"]).copy()
    page.graph.update(graph.graph)
    source = to_dot(page)
    assert len(re.findall(r'weight="0"', source)) == 6  # the last row's
    root = _svg(source)
    assert float(root.get("width", "0").removesuffix("pt")) < 1000
