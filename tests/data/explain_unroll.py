"""Python loops unrolled while tracing: counted by iterations, not by one op kind's copies."""

import tensorflow as tf

weights = [tf.Variable(tf.ones([2]) * i) for i in range(6)]
target_weights = [tf.Variable(tf.zeros([2])) for _ in range(6)]


@tf.function
def update_target(tau):
    for (a, b) in zip(target_weights, weights):
        a.assign(b * tau + a * (1 - tau))


@tf.function
def soft_update(tau):
    for (a, b) in zip(target_weights[:3], weights[:3]):
        a.assign(b * tau + a * (1 - tau))


layers = [tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(4, activation="relu"),
          tf.keras.layers.Dense(2)]


@tf.function
def stack(x):
    for layer in layers:
        x = layer(x)
    return x


@tf.function
def skipping(x):
    for i in range(4):
        x = x * 2.0
        if i > 0:
            x = x + 1.0
    return x


update_target(tf.constant(0.01))
soft_update(tf.constant(0.01))
stack(tf.ones([1, 3]))
skipping(tf.constant(1.0))
