"""Notebook style: names reused, so earlier tf.functions are shadowed by later ones."""

import tensorflow as tf


@tf.function
def f(x):
    return x + 1.0


f(tf.constant(1.0))


@tf.function
def f(x):
    while tf.reduce_sum(x) > 1.0:
        x = x / 2.0
    return x


f(tf.constant([5.0, 3.0]))

square = tf.function(lambda x: x * x)
square(tf.constant(3.0))
square = tf.function(lambda x: x * x * x)
tf.function(lambda: tf.constant(5.0))()


@tf.function
def f():
    return tf.constant(7.0)
