"""Control dependencies of three origins: written by hand, added by TensorFlow's own code (the
assertion), and added automatically by tf.function to keep stateful ops in program order."""

import tensorflow as tf

v = tf.Variable(1.0)


@tf.function
def step(x):
    tf.debugging.assert_non_negative(x, message="x must be >= 0")  # TensorFlow's own edges
    log = tf.print("step input:", x)  # stateful: tf.function keeps it in program order
    with tf.control_dependencies([log]):  # written by the user
        y = tf.identity(x)
    v.assign(v * 2.0)  # stateful: ordered after the print automatically
    v.assign_add(y)  # and after the assign before it
    return v.read_value()


step(tf.constant(3.0))
