"""Retraces whose wording and hints depend on the arguments' kinds and dtypes."""

import tensorflow as tf


@tf.function
def steps(num_steps):
    tf.print(num_steps)
    return num_steps


steps(10)
steps(20)  # a new Python value
steps(tf.constant(3))  # then an int32 tensor


@tf.function
def double(a):
    return a + a


double(tf.constant(1))
double(tf.constant(1.1))
double(tf.constant("a"))  # strings cannot be cast to numbers


@tf.function
def add(a, b):
    return a + b


add(tf.ones([2, 2]), tf.ones([2, 2]))
v = tf.Variable(1.0)
add(v, 1.0)  # a tf.Variable, and b a Python value: two changes


class Apple:
    pass


@tf.function
def flavor(fruit):
    return tf.constant(1)


apple = Apple()
flavor(apple)
flavor(Apple())  # another object


@tf.function
def ragged_sum(x):
    return tf.reduce_sum(x)


ragged_sum(tf.constant([1, 2]))
ragged_sum(tf.ragged.constant([[1], [2, 3]]))
