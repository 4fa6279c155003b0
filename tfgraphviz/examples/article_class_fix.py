"""Fix 2 of the article (recommended): the variable is an attribute of an object."""

import tensorflow as tf


class F:
    def __init__(self):
        self._b = None

    @tf.function
    def __call__(self):
        a = tf.constant([[10, 10], [11.0, 1.0]])
        x = tf.constant([[1.0, 0.0], [0.0, 1.0]])
        if self._b is None:
            self._b = tf.Variable(12.0)
        y = tf.matmul(a, x) + self._b
        print("PRINT: ", y)
        tf.print("TF-PRINT: ", y)
        return y


f = F()
f()
