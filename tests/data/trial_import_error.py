"""A file whose import fails with a multi-line message whose first line is the cause."""

import tensorflow as tf


@tf.function(input_signature=(tf.TensorSpec([None], tf.int32),))
def g(x):
    return x


g(tf.constant([[1, 2], [3, 4]]))
