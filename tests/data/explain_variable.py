"""The tf.Variable pitfall twice: in a method and in a plain function."""

import tensorflow as tf


class Counter:
    def __init__(self):
        self.count = None

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def step(self, x):
        self.count = tf.Variable(0.0)
        self.count.assign_add(x)
        return self.count.read_value()


counter = Counter()


@tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
def affine(x):
    weights = tf.Variable(tf.ones([2]))
    return x * weights


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def first_of(x):
    if x.shape[0] is None:
        raise ValueError("first_of needs a known length")
    return x[0]
