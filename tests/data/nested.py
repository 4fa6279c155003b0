"""`outer` calls `inner`: tracing outer traces inner again, with another signature."""

import tensorflow as tf


@tf.function
def inner(x):
    return x * 2.0


@tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
def outer(x):
    return inner(x) + 1.0


inner(tf.constant(1.0))
