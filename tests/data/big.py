"""A graph large enough that Graphviz needs more than a few milliseconds."""

import tensorflow as tf


@tf.function
def big(x):
    for i in range(300):  # a Python loop: unrolled into 300 ops
        x = tf.sin(x) + float(i)
    return x


big(tf.constant(1.0))
