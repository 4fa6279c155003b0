import tensorflow as tf


@tf.function
def f(x):
    return x

value = 1 / 0
