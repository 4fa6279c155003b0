"""The hook on Keras' Layer.__call__: the inputs each Keras model was called with while the
user's file was imported (what its forward pass is traced with)."""

from __future__ import annotations

import contextlib
import importlib
import weakref
from collections.abc import Iterator
from typing import Any

from tfgraphviz.errors import PROBE_ERRORS

__all__ = ["recorded_inputs", "watch_model_calls"]


# Keras model -> the structure of TensorSpecs its calls during the import were given (its first
# argument, `inputs`): what fit(), predict(), evaluate() and the file's own calls passed
_MODEL_INPUTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def recorded_inputs(model: Any) -> Any:
    """The inputs (a TensorSpec, or a tuple/list/dict of them) a Keras model was called with
    while the file was imported, batch dimension left open and any dimension that differed
    between calls too; None if it was never called."""
    try:
        return _MODEL_INPUTS.get(model)
    except TypeError:  # not weak-referenceable
        return None


def _spec_of(value: Any) -> Any:
    """A TensorSpec for a tensor, NumPy array or Keras symbolic tensor (batch dimension open);
    a composite tensor's own TypeSpec; None stays None; anything else is not recorded."""
    import numpy as np
    import tensorflow as tf

    if value is None:
        return None
    if isinstance(value, tf.Tensor | tf.Variable | np.ndarray) or (
            hasattr(value, "shape") and hasattr(value, "dtype")
            and not isinstance(value, tf.__internal__.CompositeTensor)):
        shape = tf.TensorShape(value.shape)
        if shape.rank:
            shape = tf.TensorShape([None, *shape[1:]])
        return tf.TensorSpec(shape, tf.as_dtype(value.dtype))
    if isinstance(value, tf.__internal__.CompositeTensor):
        return tf.type_spec_from_value(value)
    raise TypeError(f"not a tensor: {type(value).__name__}")


def _note_model_call(model: Any, inputs: Any) -> None:
    import tensorflow as tf

    spec = tf.nest.map_structure(_spec_of, inputs)
    before = _MODEL_INPUTS.get(model)
    if before is not None:
        try:
            tf.nest.assert_same_structure(before, spec)
        except (TypeError, ValueError):
            return  # another structure: the first one is kept
        spec = tf.nest.map_structure(
            lambda a, b: (a if a == b else a.most_specific_common_supertype([b]) or a)
            if a is not None and b is not None else a, before, spec)
    _MODEL_INPUTS[model] = spec


@contextlib.contextmanager
def watch_model_calls() -> Iterator[None]:
    """Record the inputs of every call of a Keras model while the block runs."""
    try:
        keras: Any = importlib.import_module("keras")  # TensorFlow imported it already
    except Exception:  # noqa: BLE001 - no Keras: no Keras model to watch
        keras = None
    layer: Any = getattr(keras, "Layer", None)
    model_cls: Any = getattr(keras, "Model", None)
    original: Any = vars(layer).get("__call__") if isinstance(layer, type) else None
    if original is None or not isinstance(model_cls, type):
        yield
        return

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, model_cls) and (args or "inputs" in kwargs):
            try:
                _note_model_call(self, args[0] if args else kwargs["inputs"])
            except PROBE_ERRORS:  # never break the user's call
                pass
        return original(self, *args, **kwargs)

    layer.__call__ = call
    try:
        yield
    finally:
        layer.__call__ = original
