"""A Python for (unrolled) beside a tensor for (a While), a Python if, an assert, a break."""

import tensorflow as tf


@tf.function
def unrolled(x):
    for _ in range(3):
        x = x * 2.0
    return x


@tf.function
def looped(x, n):
    for _ in tf.range(n):
        x = x * 2.0
    return x


@tf.function
def until(values, limit):
    total = tf.constant(0.0)
    for v in values:
        if total > limit:
            break
        total += v
    return total


@tf.function(experimental_autograph_options=tf.autograph.experimental.Feature.ASSERT_STATEMENTS)
def checked(x, verbose=False):
    assert tf.reduce_all(x > 0.0)
    if verbose:
        x = x + 1.0
    else:
        x = x - 1.0
    return x


unrolled(tf.constant(1.0))
looped(tf.constant(1.0), tf.constant(3))
until(tf.constant([1.0, 2.0, 3.0]), tf.constant(2.0))
checked(tf.constant([1.0]))
