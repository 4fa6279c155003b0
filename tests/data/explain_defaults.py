"""A method whose parameters all have defaults: tfgraphviz traces it once more, with none."""

import tensorflow as tf


class Sampler:
    @tf.function
    def sample(self, eps=None):
        if eps is None:
            eps = tf.random.normal(shape=(2, 3))
        return eps * 2.0


model = Sampler()
model.sample(tf.ones([2, 3]))
model.sample(tf.ones([2, 3], tf.float64))


@tf.function
def scale(x, factor=None):
    return x * 2.0 if factor is None else x * tf.cast(factor, x.dtype)


scale(tf.ones([2]), tf.constant(2.0))
scale(tf.ones([2]), tf.constant(2.0, tf.float64))
scale(tf.ones([2]), None)


@tf.function
def never_called(n=3):
    return tf.range(n)
