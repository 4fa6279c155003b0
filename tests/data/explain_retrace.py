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


@tf.function
def summed(parts):
    return tf.add_n(parts)


summed([tf.constant(1.0), tf.constant(2.0)])
summed([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)])  # a new structure


class Settings:
    def __init__(self, factor):
        self.factor = factor


@tf.function
def configured(x, settings):
    return x * settings.factor


configured(tf.constant(1.0), Settings(2.0))
configured(tf.constant(1.0), Settings(3.0))  # another Python object
