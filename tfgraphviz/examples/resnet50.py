"""Keras ResNet50 (weights=None, 224x224 inputs, batch 2): a forward pass (~1.8k ops) and an
Adam training step (~14.5k ops). `predict` runs once at import; `train_step` is only traced
(running it would make TensorFlow optimize the 14.5k-op graph for seconds, drawing it does not
need that)."""

import keras
import tensorflow as tf

keras.utils.set_random_seed(0)
model = keras.applications.ResNet50(weights=None, input_shape=(224, 224, 3), classes=1000)
optimizer = keras.optimizers.Adam(1e-3)
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=False)


@tf.function(input_signature=[tf.TensorSpec([2, 224, 224, 3], tf.float32)])
def predict(images):
    return model(images, training=False)


@tf.function(input_signature=[tf.TensorSpec([2, 224, 224, 3], tf.float32),
                              tf.TensorSpec([2, 1000], tf.float32)])
def train_step(images, labels):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(images, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


images = tf.random.stateless_uniform([2, 224, 224, 3], seed=(0, 0))
labels = tf.one_hot([3, 7], 1000)
predict(images)
train_step.get_concrete_function()
