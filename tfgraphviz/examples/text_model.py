"""A Keras text model fed int64 token ids, trained with fit(), after TensorFlow's text
generation tutorial (an embedding, a sequence layer, logits per token; a 1-D convolution
stands in for its GRU to keep the example small): the drawings use the int64 ids fit() fed,
not a float32 guess."""

import keras
import numpy as np

keras.utils.set_random_seed(0)
VOCAB, SEQ = 32, 6


class TextModel(keras.Model):
    def __init__(self, vocab_size, embedding_dim, units):
        super().__init__()
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim)
        self.conv = keras.layers.Conv1D(units, 3, padding="causal", activation="relu")
        self.dense = keras.layers.Dense(vocab_size)

    def call(self, inputs, training=False):
        x = self.embedding(inputs, training=training)
        x = self.conv(x, training=training)
        return self.dense(x, training=training)


model = TextModel(VOCAB, 8, 16)
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
ids = np.random.default_rng(0).integers(0, VOCAB, (8, SEQ + 1), dtype=np.int64)
model.fit(ids[:, :-1], ids[:, 1:], batch_size=4, epochs=1, verbose=0)
