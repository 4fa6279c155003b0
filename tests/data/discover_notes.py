"""Notebook style: a train_step defined, never called, then redefined and called; a class whose
tf.function method has no instance at module level; a tf.function never called."""

import tensorflow as tf


@tf.function
def train_step(x):
    features = x.shape.as_list()[-1]  # needs a known shape: TensorSpec(None) cannot trace it
    return tf.reduce_sum(x) / features


@tf.function
def train_step(x):  # noqa: F811
    features = x.shape.as_list()[-1]
    return tf.reduce_mean(x) * features


train_step(tf.ones([2, 3]))


class RandAugment:
    def __init__(self, num_layers=2):
        self.num_layers = num_layers

    @tf.function
    def distort(self, image):
        for _ in range(self.num_layers):
            image = tf.image.flip_left_right(image)
        return image


@tf.function
def unused(x):
    return tf.reduce_sum(x.shape.as_list()[-1] * x)
