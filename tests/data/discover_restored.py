"""A tiny tf.Module saved to a temporary folder and loaded back at import."""

import tempfile

import tensorflow as tf


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(2.0)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def apply(self, x):
        return self.w * x + 1.0

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        return self.apply(x) * 2.0


folder = tempfile.mkdtemp(prefix="tfgraphviz-test-")
tf.saved_model.save(Scale(), folder)
loaded = tf.saved_model.load(folder)
print(loaded.apply(tf.constant([1.0, 2.0])).numpy())


class Unused(tf.Module):
    @tf.function
    def run(self, x):
        return x + 1.0


_ = Unused().run  # an instance gone before anything traced its method: nothing to draw
