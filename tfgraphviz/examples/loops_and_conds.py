"""AutoGraph at work: tensor loops and ifs become While/If ops; Python loops unroll."""

import tensorflow as tf


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def sum_of_abs(values):
    total = tf.constant(0.0)
    for v in values:  # a tensor: AutoGraph builds a While op
        if v > 0:  # a tensor condition: an If op with two branch bodies
            total += v
        else:
            total -= v
    return total


@tf.function
def power(x, n):
    result = tf.ones_like(x)
    for _ in range(n):  # n is a Python int: the loop is unrolled while tracing
        result = result * x
    return result


@tf.function
def collatz_steps(n):
    steps = tf.constant(0)
    while n != 1:  # a tensor condition: While, with an If inside its body
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@tf.function
def norm(x):
    return tf.sqrt(tf.reduce_sum(x * x))


@tf.function
def normalize(x):
    return x / norm(x)  # a tf.function calling another: a PartitionedCall with a body


power(tf.constant(2.0), 3)  # two input signatures, two ConcreteFunctions
power(tf.constant(2.0), 5)
collatz_steps(tf.constant(6))
normalize(tf.constant([3.0, 4.0]))
