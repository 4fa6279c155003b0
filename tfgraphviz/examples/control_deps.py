"""Control dependencies written by hand next to the ones tf.function adds automatically."""

import tensorflow as tf

v = tf.Variable(1.0)


@tf.function
def step(x):
    log = tf.print("step input:", x)  # stateful: tf.function keeps it in program order
    with tf.control_dependencies([log]):  # written by the user
        y = tf.identity(x)
    v.assign(v * 2.0)  # stateful: ordered after the print automatically
    v.assign_add(y)  # and after the assign before it
    return v.read_value()


step(tf.constant(3.0))
