"""A Keras 3 model whose weights lie deep in nested layers: many share a display name."""

import keras
import tensorflow as tf


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(4)]
        self.norm = keras.layers.LayerNormalization()

    def call(self, x):
        for layer in self.inner:
            x = layer(x)
        return self.norm(x)


class Stack(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [Block() for _ in range(2)]

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class Holder:
    def __init__(self):
        self.parts = {"model": Stack(name="transformer")}


holder = Holder()


@tf.function
def forward(x):
    return holder.parts["model"](x)


forward(tf.ones([2, 4]))
