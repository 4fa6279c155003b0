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
