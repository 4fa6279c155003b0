"""ONE check that this TensorFlow has every private attribute the hooks in capture/hooks/ patch
or call, made once before the user's file is imported: a TensorFlow that moved one of them is
reported as such, naming its version and the missing hook, never as an error of the file."""

from __future__ import annotations

import importlib

from tfgraphviz.errors import UnsupportedTensorFlowError

__all__ = ["REQUIRED", "check_tensorflow", "missing_hooks"]

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


def check_tensorflow() -> None:
    """Raise UnsupportedTensorFlowError (one line: the TensorFlow version and what it lacks)
    unless every hook can be installed."""
    missing = missing_hooks()
    if missing:
        import tensorflow as tf

        raise UnsupportedTensorFlowError(
            f"TensorFlow {tf.__version__} lacks {', '.join(missing)}, which tfgraphviz hooks "
            "to record traces; install TensorFlow 2.16 or newer (tested with 2.21)")
