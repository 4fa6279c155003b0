"""What a Python object is, in TensorFlow's and Keras' terms: tf.function, Keras model, tf.Graph,
restored function, tf.Module, and the step functions Keras' fit() made."""

from __future__ import annotations

import inspect
import sys
from typing import Any

from tfgraphviz.capture.records import TargetKind

__all__ = ["KERAS_STEPS", "fit_function", "instance_dict", "is_concrete", "is_graph",
           "is_keras_model", "is_restored", "is_tf_function", "is_tf_module",
           "registered_op_def", "required_parameters",
           "user_function"]


def is_tf_function(obj: Any) -> bool:
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    return isinstance(obj, polymorphic_function.Function)


def is_keras_model(obj: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, keras.Model)


def is_graph(obj: Any) -> bool:
    import tensorflow as tf

    return isinstance(obj, tf.Graph)


def instance_dict(obj: Any) -> dict[str, Any]:
    """The object's own attributes without running any descriptor or __getattr__ of it."""
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return {}
    return dict(attrs) if isinstance(attrs, dict) else {}


def registered_op_def(op_type: str) -> Any:
    """TensorFlow's OpDef of an op type (None when this TensorFlow does not register it)."""
    from tensorflow.python.framework import op_def_registry

    return op_def_registry.get(op_type)


def is_concrete(obj: Any) -> bool:
    """A ConcreteFunction (e.g. a SavedModel's signature)."""
    import tensorflow as tf

    return isinstance(obj, tf.types.experimental.ConcreteFunction)


def is_restored(obj: Any) -> bool:
    from tensorflow.python.saved_model.function_deserialization import RestoredFunction

    return isinstance(obj, RestoredFunction)


# Keras' step functions: model attribute -> (target kind, the method that traces it, the
# model's method it runs)
KERAS_STEPS = {"train_function": (TargetKind.KERAS_FIT, "fit", "train_step"),
               "test_function": (TargetKind.KERAS_EVALUATE, "evaluate", "test_step"),
               "predict_function": (TargetKind.KERAS_PREDICT, "predict", "predict_step")}


def fit_function(model: Any, attr: str = "train_function") -> Any:
    """The tf.function Keras' fit() (evaluate(), predict()) traced: `attr`, or the tf.function
    it wraps; None when it never ran."""
    function = instance_dict(model).get(attr)
    if function is None or is_tf_function(function):
        return function
    cells = [c.cell_contents for c in getattr(function, "__closure__", None) or ()
             if _cell_filled(c)]
    candidates = [c for c in cells if is_tf_function(c)]
    for preferred in ("multi_step_on_iterator", "one_step_on_iterator"):
        for candidate in candidates:
            if getattr(candidate.python_function, "__name__", "") == preferred:
                return candidate
    return candidates[0] if candidates else None


def _cell_filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - raises ValueError for an empty cell
    except ValueError:
        return False
    return True


def is_tf_module(obj: Any) -> bool:
    import tensorflow as tf

    return isinstance(obj, tf.Module)


def user_function(fn: Any) -> Any:
    """The Python function the user wrote that a tf.function (or a plain callable) runs:
    unwrapped from TensorFlow's bound-method wrapper (`__original_wrapped__`) and from the
    bound method itself (`__func__`)."""
    python_function = getattr(fn, "python_function", fn)
    original = getattr(python_function, "__original_wrapped__", python_function)
    return getattr(original, "__func__", original)


def required_parameters(fn: Any) -> list[inspect.Parameter] | None:
    """Parameters of a tf.function's (or a callable's) Python function without defaults
    (self, *args and **kwargs aside); None if its signature is unknown."""
    try:
        params = inspect.signature(getattr(fn, "python_function", fn)).parameters.values()
    except (TypeError, ValueError):
        return None
    return [p for p in params if p.default is inspect.Parameter.empty and p.name != "self"
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
