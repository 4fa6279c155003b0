"""Pitfalls found by running other people's code: a redefined function never called, and a
variable-creation failure that the file itself caught."""

import tensorflow as tf


@tf.function
def step(x):
    return x * 2  # redefined below before anyone called it: needs --call "step@8(...)"


@tf.function
def step(x):  # noqa: F811
    return x - 3


step(tf.constant(1.0))


@tf.function
def make(x):
    v = tf.Variable(1.0)  # created again on the second trace: the article's pitfall
    return v + x


try:
    make(1.0)
except ValueError:
    print("the file caught the error and went on")
