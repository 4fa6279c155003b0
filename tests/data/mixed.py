"""One function fails to trace, the others are fine."""

import tensorflow as tf


@tf.function
def broken():
    v = tf.Variable(1.0)
    return v + 1


@tf.function
def fine():
    return tf.constant(2.0) * 3.0


class Model(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(3.0)

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def apply(self, x):
        return self.w * x


net = Model()
