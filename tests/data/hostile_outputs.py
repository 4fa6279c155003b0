"""Hostile to output naming: function names that look like other outputs' files and folders,
and name scopes whose drill-down page names collide when `/` becomes `.`."""

import tensorflow as tf


def _ops(x):
    """A few ops: enough for a scope to be drawn as a box with a page of its own."""
    return tf.nn.relu(tf.math.square(x) * 2.0 + 1.0)


@tf.function
def f(x):
    """Scopes `a.b/c` and `a/b.c`, `../...` and `.../..`: one page name each before the fix."""
    with tf.name_scope("a.b"):
        with tf.name_scope("c"):
            y = _ops(x)
        y = y + 1.0
    with tf.name_scope("a"):
        with tf.name_scope("b.c"):
            z = _ops(x)
        z = z - 1.0
    with tf.name_scope(".."):
        with tf.name_scope("..."):
            u = _ops(x)
        u = u * 3.0
    with tf.name_scope("..."):
        with tf.name_scope(".."):
            v = _ops(x)
        v = v / 3.0
    return y + z + u + v


def _const(value):
    def body():
        with tf.name_scope("block"):
            with tf.name_scope("inner"):
                return _ops(tf.constant([value]))
    return tf.function(body)


# function names that are other outputs' names: f's SVG, the report, f's page folder
for _i, _name in enumerate(["f.svg", "report.html", "f.scopes", "manifest.json"]):
    globals()[_name] = _const(float(_i))

f.get_concrete_function(tf.TensorSpec([None], tf.float32))
