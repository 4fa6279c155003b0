"""A retrace made by tf.saved_model.save, not by a call of the file's."""

import tempfile

import tensorflow as tf


class Doubler(tf.Module):
    def __init__(self):
        self.v = tf.Variable(2.0)

    @tf.function
    def __call__(self, x):
        return x * self.v


doubler = Doubler()
doubler(tf.constant(1.0))
with tempfile.TemporaryDirectory() as folder:
    tf.saved_model.save(doubler, folder)
