"""A tf.function calling another: at depth 1 the callee's body is a scope of its own, whose
drill-down page holds the body without the op that calls it."""

import tensorflow as tf


@tf.function
def inner(x):
    for _ in range(3):
        x = tf.sin(x) * 2.0 + 1.0
    return x


@tf.function
def outer(x):
    return inner(x) + 1.0


outer(tf.ones([2]))
