"""A 2-layer Transformer encoder (Keras MultiHeadAttention + feed forward + LayerNorm):
a forward pass and an Adam training step on tiny random data, run once at import."""

import keras
import tensorflow as tf

keras.utils.set_random_seed(0)
SEQ, DIM, HEADS, FF, CLASSES = 8, 32, 4, 64, 5


def encoder_layer(x, index):
    attention = keras.layers.MultiHeadAttention(HEADS, DIM // HEADS, name=f"attention_{index}")
    x = keras.layers.LayerNormalization(name=f"norm_a_{index}")(x + attention(x, x))
    hidden = keras.layers.Dense(FF, activation="relu", name=f"ff_in_{index}")(x)
    hidden = keras.layers.Dense(DIM, name=f"ff_out_{index}")(hidden)
    return keras.layers.LayerNormalization(name=f"norm_b_{index}")(x + hidden)


tokens = keras.Input((SEQ, DIM), name="tokens")
x = tokens
for i in range(2):
    x = encoder_layer(x, i)
logits = keras.layers.Dense(CLASSES, name="classifier")(keras.layers.GlobalAveragePooling1D()(x))
model = keras.Model(tokens, logits, name="encoder")
optimizer = keras.optimizers.Adam(1e-3)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function
def predict(tokens):
    return model(tokens, training=False)


@tf.function
def train_step(tokens, labels):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(tokens, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


data = tf.random.stateless_normal([2, SEQ, DIM], seed=(0, 0))
predict(data)
train_step(data, tf.constant([1, 3]))
