"""User strings that must not break DOT or put active content into SVG."""

import tensorflow as tf

PAYLOAD = '</text><script>alert(1)</script><a href="javascript:alert(2)">x</a> & \\N \\G "q" \x07'


@tf.function
def evil(x):
    print(PAYLOAD)
    s = tf.constant(PAYLOAD)
    tf.print(s)
    y = tf.identity(x, name="a>b>c")
    with tf.name_scope("s>x"):
        z = tf.add(y, 1.0, name="z>w")
    return z, s


evil(tf.constant(1.0))
