"""The public API (tfgraphviz.__all__) can be called again and again in one process: every
function twice, before and after a render(), with equal results."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tensorflow as tf

import tfgraphviz

from .conftest import EXAMPLES, ROOT


@tf.function
def _step(x: tf.Tensor) -> tf.Tensor:
    with tf.name_scope("block"):
        y = tf.nn.relu(x * 2.0 + 1.0)
    return tf.reduce_sum(y)


SPEC = tf.TensorSpec([None, 3], tf.float32)


def _all_calls(folder: Path) -> dict[str, Any]:
    """Call every public function once; return something comparable for each name."""
    api = tfgraphviz
    folder.mkdir(parents=True, exist_ok=True)
    graph = api.to_networkx(_step, SPEC)
    text = api.to_json(graph)
    results: dict[str, Any] = {
        "__version__": api.__version__,
        "errors": api.errors.TfGraphvizError.__name__,
        "to_networkx": text,
        "to_json": api.to_json(graph),
        "to_dot": api.to_dot(graph),
        "from_json": api.to_json(api.from_json(text)),
        "view": api.to_dot(api.view(graph, depth=1)),
    }
    results["write_dot"] = api.write_dot(graph, folder / "g.dot").read_text(encoding="utf-8")
    results["write_json"] = api.write_json(graph, folder / "g.json").read_text(encoding="utf-8")
    results["read_json"] = api.to_json(api.read_json(folder / "g.json"))
    results["write_graphml"] = api.write_graphml(graph, folder / "g.graphml").read_text(
        encoding="utf-8")
    svg = api.write_svg(graph, folder / "g.svg").read_text(encoding="utf-8")
    results["write_svg"] = "<svg" in svg and "Relu" in svg
    results["write_png"] = api.write_png(graph, folder / "g.png").read_bytes()[:8]
    results["write_pdf"] = api.write_pdf(graph, folder / "g.pdf").read_bytes()[:5]
    events = api.write_tensorboard(graph, folder / "tb")
    results["write_tensorboard"] = (events.name.startswith("events.out.tfevents."),
                                    events.read_bytes())
    drawing = api.draw(_step, SPEC)
    results["draw"] = (drawing.dot, drawing._repr_mimebundle_()["image/png"][:8])
    results["Drawing"] = isinstance(drawing, api.Drawing)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()  # a real IPython shell, as `%load_ext` passes one
    api.load_ipython_extension(shell)
    results["load_ipython_extension"] = sorted(shell.magics_manager.magics["cell"])
    rendered = api.render(EXAMPLES / "control_deps.py", folder / "render", formats="dot,json")
    results["render"] = (rendered.exit_code,
                         [(f["name"], [c["signature"] for c in f["concrete_functions"]])
                          for f in rendered.manifest["functions"]])
    return results


def test_every_public_function_can_be_called_twice(tmp_path):
    first = _all_calls(tmp_path / "first")  # its render() ran: the second round comes after it
    for name in ("tfgraphviz.views", "tfgraphviz.drawing", "tfgraphviz.notebook"):
        importlib.import_module(name)  # no submodule is named like a public function
    second = _all_calls(tmp_path / "second")
    assert set(first) == set(tfgraphviz.__all__)  # a new public name needs a call here
    assert first == second
    assert callable(tfgraphviz.view) and tfgraphviz.view is importlib.import_module(
        "tfgraphviz.views.build").view
    assert first["write_svg"] is True
    assert callable(tfgraphviz.draw) and first["Drawing"] is True
    assert first["draw"][1] == b"\x89PNG\r\n\x1a\n" and "Relu" in first["draw"][0]
    assert "tfgraphviz" in first["load_ipython_extension"]
    assert first["write_png"] == b"\x89PNG\r\n\x1a\n" and first["write_pdf"] == b"%PDF-"
    assert first["write_tensorboard"][0] and b"Relu" in first["write_tensorboard"][1]
    assert first["render"] == (0, [("step", ["(x: float32[])"])])
    graph = json.loads(first["to_networkx"])
    assert any(n.get("op") == "Relu" for n in graph["nodes"])
    assert first["view"] != first["to_dot"]  # depth 1 collapsed the `block` scope
    assert "block" in first["view"]


@pytest.mark.slow
def test_view_is_the_function_in_a_fresh_process_after_the_submodule_is_imported():
    script = (
        "import tensorflow as tf, tfgraphviz, tfgraphviz.views.build\n"
        "from tfgraphviz import view\n"
        "g = tfgraphviz.to_networkx(lambda x: x + 1.0, tf.TensorSpec([2], tf.float32))\n"
        "a = tfgraphviz.to_dot(tfgraphviz.view(g))\n"
        "b = tfgraphviz.to_dot(tfgraphviz.view(g))\n"
        "print(a == b, callable(view), tfgraphviz.view is view)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "True True True"
