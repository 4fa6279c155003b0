"""DOT output: golden files, styles that tell edges apart, escaping of user strings."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest

from tfgraphviz.dot import html, quoted, to_dot
from tfgraphviz.model import to_networkx

from .conftest import GOLDEN

GOLDEN_CASES = [("control_deps", "step"), ("loops_and_conds", "sum_of_abs"),
                ("loops_and_conds", "normalize"), ("article_class_fix", "f.__call__"),
                ("article_tf1_graph", "g")]


@pytest.mark.parametrize(("example", "function"), GOLDEN_CASES)
def test_golden_dot(traced_examples, update_golden, example, function):
    fn = traced_examples[example].functions[function]
    source = to_dot(to_networkx(fn.graphs[0], function))
    golden = GOLDEN / f"{example}.{function}.dot"
    if update_golden or not golden.exists():
        golden.write_text(source, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden.name} was missing and has been written; run again")
    assert source == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; if the change is intended run pytest --update-golden")


def test_dot_is_valid_for_graphviz(traced_examples):
    fn = traced_examples["loops_and_conds"].functions["collatz_steps"]
    source = to_dot(to_networkx(fn.graphs[0], "collatz_steps"))
    proc = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          check=False, timeout=120)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    root = ET.fromstring(proc.stdout)
    clusters = [g for g in root.iter("{http://www.w3.org/2000/svg}g")
                if g.get("class") == "cluster"]
    assert len(clusters) == 4  # while cond, while body, and the If's then/else inside body


def test_edge_styles_distinguish_kinds(traced_examples):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    source = to_dot(graph)
    auto_lines = [ln for ln in source.splitlines() if "automatic control dependency (added" in ln]
    user_lines = [ln for ln in source.splitlines() if "(tf.control_dependencies)" in ln]
    assert len(user_lines) == 1 and 'style="dashed"' in user_lines[0]
    assert auto_lines and all("#e8590c" in ln for ln in auto_lines)
    assert "#e8590c" not in user_lines[0]
    data_lines = [ln for ln in source.splitlines() if "-> n" in ln and "output " in ln]
    assert data_lines and all('label="float32' in ln or 'label="resource' in ln
                              or 'label="string' in ln for ln in data_lines)
    assert "captured tf.Variable" in source and 'shape="cylinder"' in source
    assert "automatic control dependency (tf.function)" in source  # the legend


def test_escaping_helpers():
    assert html('<b a="1">&</b>') == "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;"
    assert quoted('a"b\\N\nc') == '"a\\"b\\\\N\\nc"'
    assert "\x07" not in html("bell\x07") and "\x07" not in quoted("bell\x07")
