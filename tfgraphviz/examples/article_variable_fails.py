"""Step 2 of the article: decorate the eager function; the tf.Variable in it breaks tracing.

`print` runs only while TensorFlow traces the function; `tf.print` becomes a PrintV2 op.
TensorFlow traces twice (once to create variables, once without), and the second trace
fails: tf.function only supports tf.Variables created on the first call.
"""

import tensorflow as tf


@tf.function
def f():
    a = tf.constant([[10, 10], [11.0, 1.0]])
    x = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    b = tf.Variable(12.0)
    y = tf.matmul(a, x) + b
    print("PRINT: ", y)
    tf.print("TF-PRINT: ", y)
    return y
