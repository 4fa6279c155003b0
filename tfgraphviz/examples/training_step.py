"""A Keras training step and a loop over a tf.data pipeline, as tf.function builds them."""

import keras
import tensorflow as tf

keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((4,), name="x"), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1)], name="regressor")
optimizer = keras.optimizers.SGD(0.1)
loss_fn = keras.losses.MeanSquaredError()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))  # stateful: ordered
    return loss


dataset = tf.data.Dataset.range(8).map(lambda v: v * 2)


@tf.function
def dataset_sum():
    total = tf.constant(0, tf.int64)
    for value in dataset:  # a tf.data loop: a ReduceDataset op with its reduce function
        total += value
    return total


train_step(tf.ones([2, 4]), tf.ones([2, 1]))
