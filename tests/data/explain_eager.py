"""A print in a tf.function called while tf.config.run_functions_eagerly(True) is in effect:
it runs at every such call, not only while tracing."""

import tensorflow as tf


@tf.function
def noisy(x):
    print("Calculating")
    return x + 1


tf.config.run_functions_eagerly(True)
noisy(tf.constant(1))
noisy(tf.constant(2))  # printed again: no tracing, the body ran
tf.config.run_functions_eagerly(False)
noisy(tf.constant(3))
