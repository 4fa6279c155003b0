"""Retraces caused by a Python value, a shape and a dtype, and a function traced many times."""

import tensorflow as tf


@tf.function
def scale(x, factor):
    return x * factor


scale(tf.constant(1.0), 1)
scale(tf.constant(1.0), 2)  # a new Python value: 1 -> 2


@tf.function
def total(x):
    return tf.reduce_sum(x)


total(tf.constant(1.0))
total(tf.constant([1.0, 2.0]))  # a new shape: [] -> [2]
total(tf.constant([1, 2]))  # a new dtype: float32 -> int32


@tf.function
def offset(x, k):
    return x + k


for k in range(5):  # five Python values: five traces
    offset(tf.constant(0.0), k)
