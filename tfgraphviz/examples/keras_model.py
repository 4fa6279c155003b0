"""A small Keras model, drawn directly and through a tf.Module serving signature."""

import keras
import tensorflow as tf

keras.utils.set_random_seed(0)
model = keras.Sequential(
    [keras.Input((4,), name="features"), keras.layers.Dense(8, activation="relu"),
     keras.layers.Dense(3)],
    name="classifier",
)


class Serving(tf.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def predict(self, features):
        return tf.nn.softmax(self.model(features))


serving = Serving(model)
