"""The one TensorFlow compatibility check: a private attribute a hook needs that this TensorFlow
lacks is reported as TensorFlow's, in one line, before the user's file is imported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..conftest import EXAMPLES, ROOT


def test_every_hook_is_found_on_this_tensorflow():
    from tfgraphviz.capture.hooks.compat import check_tensorflow, missing_hooks

    assert missing_hooks() == []
    check_tensorflow()


def test_the_optional_hooks_are_found_on_every_tested_tensorflow():
    """CI runs this on 2.21 and 2.16.2: both have the same hooks, none optional missing (the
    names of loop variables and the lines that made tf.Variables are drawn on both)."""
    import inspect

    from tensorflow.python.autograph.operators import control_flow
    from tensorflow.python.eager.polymorphic_function import (
        polymorphic_function,
        tracing_compilation,
    )

    from tfgraphviz.capture.hooks.autograph import ControlNames, available_hooks
    from tfgraphviz.capture.hooks.recorder import Recorder

    assert [name for _, name, _, _ in available_hooks(ControlNames())] == [
        "_tf_while_stmt", "_tf_if_stmt", "while_loop"]
    assert "__init__" in vars(polymorphic_function.UnliftedInitializerVariable)
    assert [name for _, name, _ in Recorder().hooks()][-1] == "__init__"
    # the hooks pass these parameters on by position
    assert list(inspect.signature(tracing_compilation._create_concrete_function).parameters) == [
        "function_type", "type_context", "func_graph", "tracing_options"]
    assert list(inspect.signature(control_flow._tf_while_stmt).parameters) == [
        "test", "body", "get_state", "set_state", "symbol_names", "opts"]
    assert list(inspect.signature(control_flow._tf_if_stmt).parameters) == [
        "cond", "body", "orelse", "get_state", "set_state", "symbol_names", "nouts"]


def test_a_missing_hook_names_the_tensorflow_version_and_the_attribute(monkeypatch):
    import tensorflow as tf
    from tensorflow.python.framework import func_graph

    from tfgraphviz.capture.hooks.compat import check_tensorflow
    from tfgraphviz.errors import UnsupportedTensorFlowError

    monkeypatch.delattr(func_graph, "func_graph_from_py_func")
    with pytest.raises(UnsupportedTensorFlowError) as caught:
        check_tensorflow()
    message = str(caught.value)
    assert f"TensorFlow {tf.__version__} lacks " in message and "\n" not in message
    assert "tensorflow.python.framework.func_graph.func_graph_from_py_func" in message


_PATCHED_CLI = """
import sys
from tensorflow.python.eager.polymorphic_function import polymorphic_function
del polymorphic_function.Function.__init__  # as on a TensorFlow that moved it
from tfgraphviz.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _render_with(script: str, out):
    """A real `tfgraphviz render` in a fresh process that runs `script` (which changes
    TensorFlow, then calls the CLI); its stderr lines from tfgraphviz (TensorFlow's own start-up
    log lines come from the import the script makes first)."""
    proc = subprocess.run([sys.executable, "-c", script, "render",
                           str(EXAMPLES / "loops_and_conds.py"), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return proc, [ln for ln in proc.stderr.splitlines() if ln.startswith("tfgraphviz")]


def test_cli_says_tensorflow_lacks_the_creation_hook_not_fix_the_file(tmp_path):
    """Function.__init__ (hooked while the file is imported) used to fail inside the import
    and read "importing f.py failed: KeyError ...; fix the file"."""
    from tfgraphviz.errors import UnsupportedTensorFlowError

    out = tmp_path / "out"
    proc, lines = _render_with(_PATCHED_CLI, out)
    assert proc.returncode == UnsupportedTensorFlowError.exit_code == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("tfgraphviz: TensorFlow "), proc.stderr
    assert "polymorphic_function.Function.__init__" in lines[0]
    assert "fix the file" not in lines[0] and "Traceback" not in proc.stderr
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize("version", ["2.15.1", "2.15.0.post1", "2.12.0", "1.15.5", "2.9.0-rc2"])
def test_a_tensorflow_older_than_the_minimum_is_refused_in_one_line(version):
    from tfgraphviz.capture.hooks.compat import version_problem

    problem = version_problem(version)
    assert problem is not None and "\n" not in problem
    assert problem.startswith(f"TensorFlow {version} is older than 2.16")
    assert "install TensorFlow 2.16 or newer" in problem


@pytest.mark.parametrize("version", ["2.16.0", "2.16.2", "2.16.0-rc0", "2.21.0", "2.22.0-dev2026",
                                     "3.0.0", "unknown", ""])
def test_the_minimum_and_newer_pass_the_version_check(version):
    """(A version that cannot be read is left to the check of each hook.)"""
    from tfgraphviz.capture.hooks.compat import MINIMUM, version_problem

    assert MINIMUM == (2, 16)
    assert version_problem(version) is None


def test_the_minimum_is_the_one_pyproject_and_the_readme_state():
    from tfgraphviz.capture.hooks.compat import MINIMUM

    minimum = ".".join(map(str, MINIMUM))
    assert f'"tensorflow>={minimum}"' in (ROOT / "pyproject.toml").read_text()
    assert f"TensorFlow {minimum} or newer" in (ROOT / "README.md").read_text()
    assert f"a TensorFlow older than {minimum}" in (ROOT / "README.md").read_text()
    from tfgraphviz.cli import EPILOG

    assert f"TensorFlow older than\n{minimum}," in EPILOG  # exit 2, in `render --help`
    pins = (ROOT / "scripts" / f"constraints-tf{minimum}.txt").read_text()
    assert f"tensorflow=={minimum}." in pins


_OLD_TF_CLI = """
import sys
import tensorflow
tensorflow.__version__ = "2.15.1"  # what TensorFlow 2.15 reports (it cannot run the hooks)
from tfgraphviz.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_cli_refuses_a_tensorflow_older_than_the_minimum(tmp_path):
    from tfgraphviz.errors import UnsupportedTensorFlowError

    out = tmp_path / "out"
    proc, lines = _render_with(_OLD_TF_CLI, out)
    assert proc.returncode == UnsupportedTensorFlowError.exit_code == 2, proc.stderr
    assert lines == ["tfgraphviz: TensorFlow 2.15.1 is older than 2.16, the oldest tfgraphviz "
                     "supports; install TensorFlow 2.16 or newer (pip install "
                     "'tensorflow>=2.16')"], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "manifest.json").exists()
