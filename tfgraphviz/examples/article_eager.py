"""Step 1 of the article: the same computation as a plain, eager Python function.

No tf.function here, so `tfgraphviz render` finds nothing by itself. Ask for it by name,
`tfgraphviz render article_eager.py -f f`, to see what happens when TensorFlow traces it:
the tf.Variable created inside the body makes the second trace fail.
"""

import tensorflow as tf


def f():
    a = tf.constant([[10, 10], [11.0, 1.0]])
    x = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    b = tf.Variable(12.0)
    y = tf.matmul(a, x) + b
    return y


print(f().numpy())
