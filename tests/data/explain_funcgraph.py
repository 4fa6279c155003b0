"""A FuncGraph drawn as a tf.Graph: `.graph` of a ConcreteFunction tf.function traced."""

import tensorflow as tf


@tf.function
def double_strings(a):
    return a + a


graph = double_strings.get_concrete_function(tf.constant("a")).graph
