"""Fix 1 of the article (discouraged): keep the variable in a global, create it only once."""

import tensorflow as tf

b = None


@tf.function
def f():
    a = tf.constant([[10, 10], [11.0, 1.0]])
    x = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    global b
    if b is None:
        b = tf.Variable(12.0)
    y = tf.matmul(a, x) + b
    print("PRINT: ", y)
    tf.print("TF-PRINT: ", y)
    return y


f()
