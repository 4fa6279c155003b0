"""A function loaded with tf.saved_model.load: its ConcreteFunctions were traced by the
program that saved them (here, two shapes), not by this one."""

import tempfile

import tensorflow as tf


class Doubler(tf.Module):
    @tf.function
    def __call__(self, x):
        return x * 2.0


doubler = Doubler()
doubler(tf.constant(1.0))
doubler(tf.constant([1.0, 2.0]))
with tempfile.TemporaryDirectory() as folder:
    tf.saved_model.save(doubler, folder)
    loaded = tf.saved_model.load(folder)
loaded(tf.constant(3.0))
