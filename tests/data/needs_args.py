import tensorflow as tf


@tf.function
def scale(x, factor=2.0):
    return x * factor


@tf.function
def constant():
    return tf.constant(1.0)
