"""ONE check that this TensorFlow is supported, made once before the user's file is imported: a
TensorFlow older than MINIMUM is refused by its version, and one that moved a private attribute
the hooks in capture/hooks/ patch or call is reported as such, naming its version and the missing
hook, never as an error of the file. CI runs the quick tests on MINIMUM (scripts/
constraints-tf2.16.txt, in .venv-tf2.16) and on the newest pinned (scripts/constraints.txt)."""

from __future__ import annotations

import importlib
import re

from tfgraphviz.errors import UnsupportedTensorFlowError

__all__ = ["MINIMUM", "REQUIRED", "check_tensorflow", "missing_hooks", "version_problem"]

# The oldest TensorFlow supported (pyproject.toml's bound and the README say the same)
MINIMUM = (2, 16)
_MINIMUM_TEXT = ".".join(map(str, MINIMUM))

_PF = "tensorflow.python.eager.polymorphic_function"
# (module, attribute path): what the hooks need. The hooks of AutoGraph's while/if staging
# (hooks/autograph.py) and of UnliftedInitializerVariable are optional: without them only the
# loop variables' names and the lines that made tf.Variables stay unknown.
REQUIRED = (
    (f"{_PF}.polymorphic_function", "Function.__init__"),  # hooks/creations.py
    (f"{_PF}.tracing_compilation", "_create_concrete_function"),  # hooks/recorder.py ...
    ("tensorflow.python.framework.func_graph", "func_graph_from_py_func"),
    ("tensorflow.python.framework.auto_control_deps", "AutomaticControlDependencies.__exit__"),
    ("tensorflow.python.framework.ops", "Graph._ControlDependenciesController.__enter__"),
    ("tensorflow.python.framework.ops", "Graph._create_op_internal"),
    ("tensorflow.python.framework.ops", "Operation._add_control_input"),
    ("tensorflow.python.framework.ops", "Operation._add_control_inputs"),
    ("tensorflow.python.util.tf_stack", "extract_stack"),
)
# attributes patched on the class itself, so they must be its own (not inherited)
_OWN = {"Function.__init__"}


def _has(module_name: str, path: str) -> bool:
    try:
        owner: object = importlib.import_module(module_name)
    except ImportError:
        return False
    *parents, last = path.split(".")
    for part in parents:
        owner = getattr(owner, part, None)
        if owner is None:
            return False
    if path in _OWN:
        return last in vars(owner)
    return hasattr(owner, last)


def missing_hooks() -> list[str]:
    """`module.attribute` of every required private attribute this TensorFlow lacks."""
    return [f"{module}.{path}" for module, path in REQUIRED if not _has(module, path)]


def version_problem(version: str) -> str | None:
    """Why TensorFlow `version` (tf.__version__, e.g. "2.15.1" or "2.17.0-rc1") is refused, in
    one line; None if it is MINIMUM or newer, or not a version number this can read (the hooks
    are checked one by one then)."""
    match = re.match(r"\s*(\d+)\.(\d+)", version)
    if match is None or (int(match[1]), int(match[2])) >= MINIMUM:
        return None
    return (f"TensorFlow {version.strip()} is older than {_MINIMUM_TEXT}, the oldest tfgraphviz "
            f"supports; install TensorFlow {_MINIMUM_TEXT} or newer "
            f"(pip install 'tensorflow>={_MINIMUM_TEXT}')")


def check_tensorflow() -> None:
    """Raise UnsupportedTensorFlowError (one line: the TensorFlow version and why it cannot be
    used) if it is older than MINIMUM or lacks an attribute a hook needs."""
    import tensorflow as tf

    version = str(getattr(tf, "__version__", ""))
    problem = version_problem(version)
    if problem is not None:
        raise UnsupportedTensorFlowError(problem)
    missing = missing_hooks()
    if missing:
        raise UnsupportedTensorFlowError(
            f"TensorFlow {version} lacks {', '.join(missing)}, which tfgraphviz hooks to record "
            f"traces; install TensorFlow {_MINIMUM_TEXT} or newer (CI tests {_MINIMUM_TEXT} and "
            "the newest)")
