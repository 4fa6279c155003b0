"""Step 0 of the article: a TensorFlow 1.x-style graph, built by hand with tf.Graph."""

import tensorflow as tf

g = tf.Graph()
with g.as_default():
    a = tf.constant([[10, 10], [11.0, 1.0]])
    x = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    b = tf.Variable(12.0)
    y = tf.matmul(a, x) + b
    init_op = tf.compat.v1.global_variables_initializer()
