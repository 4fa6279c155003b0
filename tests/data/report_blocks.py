"""Four identical name scopes (folded ×4 at depth 1) and a head with a tf.cond, for report.html."""

import tensorflow as tf

weights = [tf.Variable(tf.ones([8, 8]), name=f"w{i}") for i in range(4)]


@tf.function(input_signature=[tf.TensorSpec([2, 8], tf.float32)])
def blocks(x):
    for i in range(4):
        with tf.name_scope(f"block{i}"):
            x = tf.nn.relu(x @ weights[i] + 1.0)
    with tf.name_scope("head"):
        y = tf.reduce_sum(x)
        if y > 0.0:
            y = y * 2.0
        else:
            y = y - 1.0
    return y
