"""Property-based escaping (issue 14): generated names, strings and printed outputs, put into a
real traced tf.function (string constants, join separators, op names) and the model's function
name and trace output, then through the real writers: DOT laid out by Graphviz's dot into SVG,
GraphML, node-link JSON, TensorBoard event files read back, and report.html. Every file must be
valid and carry no active content; a sample of reports and SVGs is opened in headless Chromium
and no script may run.

Surrogate code points are left out: TensorFlow cannot hold them in a string constant, and a
surrogate in a function name is a known issue-14 defect (exit 70) tested in the catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ..report.test_report_browser import driver  # noqa: E402,F401 - the Chromium fixture
from .harness import report_scripts  # noqa: E402

PER_EXAMPLE = 50  # strings of each of the four kinds per graph: 200 a graph, 50 graphs
EXAMPLES = int(os.environ.get("TFG_ESCAPING_EXAMPLES", "50"))
TOTAL = {"strings": 0, "graphs": 0}
PWN = "window.__pwned=1"
PAYLOADS = [
    f"<script>{PWN}</script>", f"</script><script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">', f"javascript:{PWN}", f'" onload="{PWN}',
    f"<svg onload={PWN}>", f"]]><script>{PWN}</script>", f"<!--<script>{PWN}//-->",
    f"<a href='javascript:{PWN}'>x</a>", f"&lt;script&gt;{PWN}&lt;/script&gt;",
    f"\u2028<script>{PWN}</script>", f"{{{{constructor.constructor('{PWN}')()}}}}",
    f"<iframe srcdoc='<script>parent.{PWN}</script>'>", f"`${{{PWN}}}`",
]

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
HOSTILE = st.one_of(TEXT, st.sampled_from(PAYLOADS),
                    st.sampled_from(['"', "'", "<", ">", "&", "\\", "\x00", "\n", "\\N",
                                     "\\G", "\\l", "{", "}", "|", "%", "\u202e", "\ufeff"]))
OP_NAME = st.from_regex(r"[A-Za-z0-9.][A-Za-z0-9_.\-/>]{0,30}", fullmatch=True).filter(
    lambda s: "//" not in s and not s.endswith("/"))


def _trace(values: list[str], separators: list[str], names: list[str]) -> Any:
    import tensorflow as tf

    from tfgraphviz.capture import trace_callable

    def hostile(x: Any) -> Any:
        outs = []
        for value, sep, name in zip(values, separators, names, strict=True):
            const = tf.constant(value, name=name)
            outs.append(tf.strings.join([const, tf.strings.as_string(x)], separator=sep))
        return tf.stack(outs)

    return trace_callable(hostile, tf.TensorSpec([], tf.float32)).graphs[0]


def _model(traced: Any, title: str, prints: list[str]) -> nx.MultiDiGraph:
    from tfgraphviz.model.build import to_networkx

    graph = to_networkx(traced, title)
    graph.graph["trace_output"] = "\n".join(prints) + "\n"
    return graph


def _no_active_content(root: ET.Element) -> None:
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        assert tag not in ("script", "foreignobject", "iframe"), tag
        for key, value in element.attrib.items():
            name = key.rsplit("}", 1)[-1].lower()
            assert not name.startswith("on"), (key, value)
            if name == "href":
                assert not value.strip().lower().startswith(("javascript:", "data:")), value


def _svg(graph: nx.MultiDiGraph, folder: Path) -> Path:
    from tfgraphviz.drawing.dot import to_dot

    dot_path = folder / "g.dot"
    dot_path.write_text(to_dot(graph), encoding="utf-8")
    proc = subprocess.run(["dot", "-Tsvg", str(dot_path)], capture_output=True, check=False,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-1000:]
    svg = folder / "g.svg"
    svg.write_bytes(proc.stdout)
    _no_active_content(ET.fromstring(proc.stdout))
    return svg


def _tensorboard(graph: nx.MultiDiGraph, folder: Path, values: list[str]) -> None:
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.compat.proto import graph_pb2

    from tfgraphviz.export.tensorboard import write_tensorboard

    path = write_tensorboard(graph, folder / "tb")
    events = list(EventFileLoader(str(path)).Load())
    graph_def = graph_pb2.GraphDef.FromString(events[1].graph_def)
    strings = {s.decode("utf-8") for node in graph_def.node if node.op == "Const"
               for s in node.attr["value"].tensor.string_val}
    assert set(values) <= strings, set(values) - strings


def _graphml_and_json(graph: nx.MultiDiGraph, values: list[str]) -> None:
    from tfgraphviz.export.nodelink import from_json, to_graphml, to_json

    text = to_graphml(graph)
    ET.fromstring(text.encode("utf-8"))
    assert nx.parse_graphml(text).number_of_nodes() == graph.number_of_nodes()
    back = from_json(to_json(graph))
    assert set(back.nodes) == set(graph.nodes)
    assert back.graph["trace_output"] == graph.graph["trace_output"]
    json.loads(to_json(graph))


def _report(graph: nx.MultiDiGraph, title: str, source: str, folder: Path) -> Path:
    from tfgraphviz.report.html import ReportFunction, ReportGraph, write_report

    explanation: Any = {"name": title, "kind": "function", "traces": [], "findings": [],
                        "state": {}}
    path = folder / "report.html"
    write_report(path, source_name=f"{title[:20]}.py", source_text=source,
                 functions=[ReportFunction(title, source, explanation,
                                           [ReportGraph(title, "g", graph)])])
    return path


@pytest.fixture(scope="module")
def baseline_scripts(tmp_path_factory: pytest.TempPathFactory) -> int:
    """The number of <script> elements of a report of plain names."""
    folder = tmp_path_factory.mktemp("plain")
    graph = _model(_trace(["a"], ["b"], ["c"]), "plain", ["p"])
    return report_scripts(_report(graph, "plain", "x = 1\n", folder).read_text("utf-8"))


def _write_all(values: list[str], seps: list[str], names: list[str], prints: list[str],
               title: str, folder: Path) -> tuple[nx.MultiDiGraph, Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    graph = _model(_trace(values, seps, names), title, prints)
    svg = _svg(graph, folder)
    _graphml_and_json(graph, values)
    _tensorboard(graph, folder, values)
    source = "\n".join(prints + values) + "\n"
    return graph, svg, _report(graph, title, source, folder)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_strings_make_valid_files(data, baseline_scripts, tmp_path_factory):
    lists = st.lists(HOSTILE, min_size=PER_EXAMPLE, max_size=PER_EXAMPLE)
    values, seps, prints = data.draw(lists), data.draw(lists), data.draw(lists)
    names = data.draw(st.lists(OP_NAME, min_size=PER_EXAMPLE, max_size=PER_EXAMPLE,
                               unique_by=str.lower))
    title = data.draw(HOSTILE)
    folder = tmp_path_factory.mktemp("esc")
    _, _, report = _write_all(values, seps, names, prints, title, folder)
    assert report_scripts(report.read_text("utf-8")) == baseline_scripts
    TOTAL["strings"] += len(values) + len(seps) + len(prints) + len(names) + 1
    TOTAL["graphs"] += 1


@pytest.mark.slow
def test_ten_thousand_strings_went_through(request):
    """Runs after the property test (same module, declared later): it pushed ≥ 10,000."""
    if TOTAL["graphs"] == 0:
        pytest.skip("run with test_generated_strings_make_valid_files")
    assert TOTAL["strings"] >= 10_000 and TOTAL["graphs"] == EXAMPLES, TOTAL


@pytest.mark.slow
def test_no_script_runs_in_chromium(driver, tmp_path):  # noqa: F811 - the fixture
    """Every payload as a function name, constant, separator and printed line: the report
    draws, the SVG opens, and neither runs a script nor opens an alert."""
    from selenium.common.exceptions import NoAlertPresentException

    browser = driver

    count = len(PAYLOADS)
    names = [f"n{i}" for i in range(count)]
    for i, title in enumerate(PAYLOADS[:4]):
        _, svg, report = _write_all(PAYLOADS, PAYLOADS[::-1], names, PAYLOADS, title,
                                    tmp_path / str(i))
        for page in (report, svg):
            browser.get(page.as_uri())
            if page is report:
                _wait_ready(browser)
            assert browser.execute_script("return typeof window.__pwned") == "undefined"
            with pytest.raises(NoAlertPresentException):
                browser.switch_to.alert.text  # noqa: B018 - raises when there is none


def _wait_ready(browser: Any, timeout: float = 120) -> None:
    import time

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        ready = browser.execute_script("return document.body.dataset.ready || ''")
        if ready:
            assert ready == "1", browser.execute_script(
                "return document.getElementById('message').textContent")
            return
        time.sleep(0.05)
    raise AssertionError("report.html did not finish drawing")
