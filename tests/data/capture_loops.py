"""AutoGraph loops: a range for with its index, a nested structure as loop variable."""

import tensorflow as tf


@tf.function
def running(xs):
    total = tf.constant(0.0)
    pair = (tf.constant(0.0), tf.constant(1.0))
    for i in tf.range(tf.shape(xs)[0]):
        total += xs[i]
        pair = (pair[1], pair[0] + xs[i])
    return total, pair


running(tf.constant([1.0, 2.0, 3.0]))


@tf.function
def choose(x):
    if x > 0:  # both variables first set in the branches; `both` holds two tensors
        sign = 1.0
        both = (x, -x)
    else:
        sign = -1.0
        both = (-x, x)
    return sign * both[0] + both[1]


choose(tf.constant(2.0))


@tf.function
def slope(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        if x > 0:  # its gradient makes the If op output intermediates too
            y = x * x
        else:
            y = -x
    return tape.gradient(y, x)


slope(tf.constant(3.0))
