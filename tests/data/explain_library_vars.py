"""tf.Variables created inside library code on a later trace: a second Keras optimizer makes
its slots when `train_step` is traced for it."""

import tensorflow as tf

opt1 = tf.keras.optimizers.Adam(learning_rate=1e-2)
opt2 = tf.keras.optimizers.Adam(learning_rate=1e-3)


@tf.function
def train_step(w, x, y, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(w * x - y))
    gradients = tape.gradient(loss, [w])
    optimizer.apply_gradients(zip(gradients, [w]))


w = tf.Variable(2.0)
x = tf.constant([-1.0])
y = tf.constant([2.0])
train_step(w, x, y, opt1)
try:
    train_step(w, x, y, opt2)
except ValueError:
    pass
