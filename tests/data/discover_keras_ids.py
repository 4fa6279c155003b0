"""The TF text generation tutorial in small: a subclassed model fit on int64 character ids, a
generator model without call(), and a Keras model only ever called by the file."""

import keras
import numpy as np
import tensorflow as tf

VOCAB = 12


class TextModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.embedding = keras.layers.Embedding(VOCAB, 4)
        self.gru = keras.layers.GRU(4, return_sequences=True)
        self.dense = keras.layers.Dense(VOCAB)

    def call(self, inputs, training=False):
        return self.dense(self.gru(self.embedding(inputs), training=training))


class OneStep(keras.Model):
    """No call(): only a tf.function method, as the tutorial's OneStep."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    @tf.function
    def generate_one_step(self, inputs):
        return tf.argmax(self.model(inputs)[:, -1, :], axis=-1)


class Pair(keras.Model):
    """Called with a tuple of two int64 tensors, as the Transformer tutorial's model."""

    def __init__(self):
        super().__init__()
        self.embedding = keras.layers.Embedding(VOCAB, 4)

    def call(self, inputs):
        context, x = inputs
        return tf.reduce_mean(self.embedding(context), axis=1) + tf.reduce_mean(
            self.embedding(x), axis=1)


ids = np.arange(4 * 9).reshape(4, 9) % VOCAB
dataset = tf.data.Dataset.from_tensor_slices((ids[:, :-1], ids[:, 1:])).batch(2)
model = TextModel()
model.compile(optimizer="sgd",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(dataset, epochs=1, verbose=0)

one_step = OneStep(model)
one_step.generate_one_step(tf.constant([[1, 2, 3]], tf.int64))

pair = Pair()
pair((tf.constant([[1, 2]], tf.int64), tf.constant([[3, 4, 5]], tf.int64)))
