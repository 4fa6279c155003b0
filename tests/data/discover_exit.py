"""Functions that end the program while being traced: sys.exit(), GeneratorExit."""

import sys

import tensorflow as tf


@tf.function
def quits():
    sys.exit(3)


@tf.function
def generator_exit():
    raise GeneratorExit()


@tf.function
def fine():
    return tf.constant(1.0)


def stop(code):
    sys.exit(code)


@tf.function
def takes(x):
    return x + 1.0


@tf.function
def exits_on(code):
    sys.exit(code)
