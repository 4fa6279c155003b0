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


def test_cli_says_tensorflow_lacks_the_creation_hook_not_fix_the_file(tmp_path):
    """Function.__init__ (hooked while the file is imported) used to fail inside the import
    and read "importing f.py failed: KeyError ...; fix the file"."""
    from tfgraphviz.errors import UnsupportedTensorFlowError

    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", _PATCHED_CLI, "render",
                           str(EXAMPLES / "loops_and_conds.py"), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == UnsupportedTensorFlowError.exit_code == 2, proc.stderr
    # (TensorFlow's own start-up log lines come from the import this script makes first)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("tfgraphviz")]
    assert len(lines) == 1 and lines[0].startswith("tfgraphviz: TensorFlow "), proc.stderr
    assert "polymorphic_function.Function.__init__" in lines[0]
    assert "fix the file" not in lines[0] and "Traceback" not in proc.stderr
    assert not (out / "manifest.json").exists()
