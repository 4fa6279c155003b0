"""Retraces by a Python value, a shape, a dtype, a structure; prints at trace time."""

import tensorflow as tf


@tf.function
def scale(x, factor, options=None):
    print("tracing scale", factor)
    y = x * factor
    print("  shape", y.shape)
    return y


scale(tf.constant(1.0), 1)
scale(tf.constant(1.0), 2)  # a new Python value: 1 -> 2
scale(tf.constant([1.0, 2.0]), 2)  # a new shape: [] -> [2]
scale(tf.constant([1, 2]), 2)  # a new dtype: float32 -> int32
scale(tf.constant([1, 2]), 2, options=(tf.constant(1), "fast"))  # a new structure


@tf.function
def late(x, make):
    if make:
        v = tf.Variable(1.0)
        return x + v
    return x


late(tf.constant(1.0), False)
try:
    late(tf.constant(1.0), True)  # a tf.Variable on a call after the first
except ValueError:
    pass


@tf.function
def broken(x):
    print("tracing broken")
    return x + tf.constant("text")  # fails while tracing: float32 + string


try:
    broken(tf.constant(1.0))
except Exception:  # noqa: BLE001 - the file goes on; tfgraphviz reports the failed trace
    pass


class Settings:
    pass


@tf.function
def configured(x, settings):
    return x * 2


configured(tf.constant(1.0), Settings())
configured(tf.constant(1.0), Settings())  # a new Python object (the first one is gone)
