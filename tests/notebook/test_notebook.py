"""Notebooks: tfgraphviz.draw() of each kind of target, Drawing's formats, and a real notebook
run by a Jupyter kernel (nbclient + ipykernel), converted by nbconvert, shown in Chromium."""

from __future__ import annotations

import base64
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ..report.test_report_browser import driver  # noqa: F401 - the headless Chromium fixture

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> str:
    return " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


STEP = '''
import tensorflow as tf
v = tf.Variable(1.0)

@tf.function
def step(x):
    v.assign_add(tf.reduce_sum(x))
    tf.print(v)
    return v * 2
'''


_MODULES: list = []


def _step():
    """A fresh `step` from a real file (AutoGraph reads its source)."""
    import importlib.util
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tfgraphviz-nb-"))
    path = folder / f"nb_step_{len(_MODULES)}.py"
    path.write_text(STEP)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    _MODULES.append(module)
    return module.step


@pytest.mark.slow
def test_draw_each_kind_of_target_twice_gives_the_same_drawing():
    import tensorflow as tf

    import tfgraphviz

    step = _step()
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, name="hidden"),
                                 tf.keras.layers.Dense(1, name="out")], name="tiny")
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="one") + tf.constant(2.0, name="two")
    targets = {
        "tf.function": (step, (tf.constant(1.0),), "AssignAddVariableOp"),
        "ConcreteFunction": (step.get_concrete_function(tf.TensorSpec([2])), (), "PrintV2"),
        "Keras model": (model, (tf.TensorSpec([None, 3]),), "hidden"),
        "plain function": (lambda x: x * 2.0 + 1.0, (tf.constant(1.0),), "AddV2"),
        "tf.Graph": (graph, (), "AddV2"),
    }
    for kind, (target, args, needle) in targets.items():
        first, again = tfgraphviz.draw(target, *args), tfgraphviz.draw(target, *args)
        bundle = first._repr_mimebundle_()
        assert set(bundle) == {"image/svg+xml", "image/png", "text/plain"}, kind
        assert bundle["image/png"].startswith(b"\x89PNG\r\n\x1a\n"), kind
        assert needle in _texts(bundle["image/svg+xml"]), (kind, needle)
        assert again.svg == first.svg and again.dot == first.dot, kind  # deterministic
        assert "tfgraphviz.Drawing of" in bundle["text/plain"]
    assert isinstance(tfgraphviz.Drawing, type)


def test_draw_view_options_and_bad_ones():
    import tensorflow as tf

    import tfgraphviz
    from tfgraphviz.errors import InputError

    step = _step()
    whole = tfgraphviz.draw(step, tf.constant(1.0), depth="all")
    assert whole.view.graph["view"]["depth"] == "all"
    assert whole._repr_mimebundle_(include=["image/png"]).keys() == {"image/png"}
    assert "image/png" not in whole._repr_mimebundle_(exclude=["image/png"])
    with pytest.raises(InputError, match="depth"):
        tfgraphviz.draw(step, tf.constant(1.0), depth="deep")


def test_save_writes_each_format_and_replaces_a_planted_link(tmp_path):
    import tensorflow as tf

    import tfgraphviz
    from tfgraphviz.errors import InputError

    drawing = tfgraphviz.draw(_step(), tf.constant(1.0))
    for name, magic in {"s.svg": b"<?xml", "s.png": b"\x89PNG", "s.pdf": b"%PDF",
                        "s.dot": b"digraph", "s.gv": b"digraph", "s.json": b"{"}.items():
        assert drawing.save(tmp_path / name).read_bytes().startswith(magic), name
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "link.svg").symlink_to(victim)
    drawing.save(tmp_path / "link.svg")
    assert victim.read_text() == "keep me" and not (tmp_path / "link.svg").is_symlink()
    with pytest.raises(InputError, match=r"\.svg"):
        drawing.save(tmp_path / "s.bmp")
    source = drawing.source
    assert type(source).__module__.startswith("graphviz") and source.source == drawing.dot


def test_report_is_the_self_contained_page_in_an_iframe(tmp_path):
    import html

    import tensorflow as tf

    import tfgraphviz

    report = tfgraphviz.draw(_step(), tf.constant(1.0)).report(height=500)
    shown = report._repr_html_()
    assert shown.startswith("<iframe srcdoc=\"") and "height:500px" in shown
    page = html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert page == report.html and "Content-Security-Policy" in page
    assert "v.assign_add(tf.reduce_sum(x))" in page  # the function's file, beside the graph
    kinds = {f["kind"] for f in report.drawing.explanation["findings"]}
    assert {"graph_print", "auto_control", "state"} <= kinds, kinds  # as `tfgraphviz explain`
    assert report.save(tmp_path / "r.html").read_text() == report.html


NOTEBOOK_CELLS = [
    "%load_ext tfgraphviz",
    STEP.replace("import tensorflow", "%%tfgraphviz\nimport tensorflow", 1) + '''
step(tf.constant(1.0))
step(tf.constant([1.0, 2.0]))

@tf.function
def unused(y):
    return y
''',
    "import tfgraphviz\ntfgraphviz.draw(step, tf.constant(3.0))",
    "%%tfgraphviz -f step --depth 1\nstep(tf.constant(4.0))",
    "%%tfgraphviz --bogus\n1",
]


def _run_notebook(path: Path) -> object:
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}},
                                     env=env)
    client.execute()
    nbformat.write(nb, path)
    return nb


def _outputs(cell: object, kind: str) -> list:
    return [o for o in cell.outputs if o.output_type == kind]  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_real_notebook_shows_each_trace_and_opens_in_chromium(tmp_path, driver):  # noqa: F811
    nb = _run_notebook(tmp_path / "steps.ipynb")
    cells = nb.cells  # type: ignore[attr-defined]
    assert not any(_outputs(c, "error") for c in cells)
    shown = _outputs(cells[1], "display_data")
    labels = [o.data["text/plain"] for o in shown]
    assert len(shown) == 2 and all("step(x: float32[" in label for label in labels), labels
    for output in shown:
        svg = output.data["image/svg+xml"]
        assert "AssignAddVariableOp" in _texts(svg)
        assert base64.b64decode(output.data["image/png"]).startswith(b"\x89PNG")
    # the magic recorded the traces: the print waits for the write through an automatic edge
    assert "automatic" in _texts(shown[0].data["image/svg+xml"])
    stream = "".join(o.text for o in _outputs(cells[1], "stream"))
    assert "unused: defined but not traced in this cell" in stream
    assert "tfgraphviz.Drawing of step" in _outputs(cells[2], "execute_result")[0].data[
        "text/plain"]
    # called again without a new trace: the earlier cell's two traces, at the new depth
    again = _outputs(cells[3], "display_data")
    def traced_as(label: str) -> str:
        return label.split("): ")[0]

    assert [traced_as(o.data["text/plain"]) for o in again] == [traced_as(x) for x in labels]
    assert "called without a new trace" in "".join(o.text for o in _outputs(cells[3], "stream"))
    assert "unrecognized arguments: --bogus" in "".join(o.text for o in _outputs(
        cells[4], "stream"))

    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    page = tmp_path / "steps.html"
    page.write_text(body, encoding="utf-8")
    driver.get(page.as_uri())
    sizes = driver.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output svg, "
        ".jp-OutputArea-output img')].map(e => e.getBoundingClientRect().width);")
    assert len(sizes) >= 4 and all(width > 100 for width in sizes), sizes
