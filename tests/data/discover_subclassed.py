"""Subclassed Keras models: one built by a call, one never built, neither trained."""

import keras
import tensorflow as tf


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return tf.nn.relu(self.dense(x))

    def train_step(self, data):
        return {}


net = Net()
net(tf.ones([1, 3]))
unbuilt = Net()
