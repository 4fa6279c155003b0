"""A function compiled with XLA beside one that is not."""

import tensorflow as tf


@tf.function(jit_compile=True)
def fast(x):
    return tf.sin(x) * 2.0


@tf.function
def plain(x):
    return tf.cos(x)


fast(tf.ones([3]))
plain(tf.ones([3]))
