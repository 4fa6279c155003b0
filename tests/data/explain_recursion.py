"""A tf.function calling itself: with a Python value (each level traces a new graph) and with
a tensor (tracing never ends: every level fails the same way)."""

import tensorflow as tf


@tf.function
def countdown(n):
    if n > 0:
        print("tracing", n)
        return countdown(n - 1)
    return 1


countdown(3)


@tf.function
def endless(n):
    if n > 0:
        return endless(n - 1)
    return 1


try:
    endless(tf.constant(2))
except Exception:  # RecursionError while tracing
    pass
