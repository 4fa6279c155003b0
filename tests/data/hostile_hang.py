"""Never finishes importing: a training loop at module level."""

import tensorflow as tf


@tf.function
def step():
    return tf.constant(1.0)


while True:
    pass
