"""Defs found by their code's first line: two classes with a `__call__` (the traced one is
not the last), and a function traced under another name (`tf.function(power)`)."""

import tensorflow as tf


class Model(tf.Module):
    def __init__(self):
        self.v = tf.Variable(0)
        self.counter = 0

    @tf.function
    def __call__(self):  # no op of its graph is made on one of its lines
        if self.counter == 0:
            with tf.init_scope():
                self.counter += 1
                self.v.assign_add(1)
        return self.v


m = Model()
m()


def power(x, y):
    result = tf.eye(2)
    for _ in range(y):
        result = tf.matmul(x, result)
    return result


power_as_graph = tf.function(power)
power_as_graph(tf.eye(2), 3)


class Count(tf.Module):
    def __init__(self):
        self.count = None

    @tf.function
    def __call__(self):
        if self.count is None:
            self.count = tf.Variable(0)
        return self.count.assign_add(1)


c = Count()
c()
