"""Fix 3 of the article: pass the variable in; state updated inside is seen outside (1, 2, 3)."""

import tensorflow as tf


@tf.function
def f(x, y, b):
    y = tf.matmul(x, y) + b
    print("PRINT: ", y)
    tf.print("TF-PRINT: ", y)
    return y


b = tf.Variable(12.0)
f(tf.constant([[10, 10], [11.0, 1.0]]), tf.constant([[1.0, 0.0], [0.0, 1.0]]), b)


@tf.function
def count(counter):
    counter.assign_add(1)
    return counter.read_value()


counter = tf.Variable(0)
for _ in range(3):
    tf.print(count(counter))  # 1, 2, 3
