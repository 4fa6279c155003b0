"""Two arguments changing shape together: each earns its hint."""

import tensorflow as tf


@tf.function
def step(x, y):
    return tf.reduce_sum(x) + tf.cast(tf.reduce_sum(y), tf.float32)


step(tf.ones([4, 3]), tf.ones([4], tf.int32))
step(tf.ones([2, 3]), tf.ones([2], tf.int32))  # the last batch is smaller
