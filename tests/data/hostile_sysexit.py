"""Calls sys.exit() while being imported."""

import sys

import tensorflow as tf


@tf.function
def step():
    return tf.constant(1.0)


sys.exit(0)
