"""Hostile to the render pipeline: odd function names, a closed stdout, a lingering
non-daemon thread, and tracing that calls sys.exit() or raises GeneratorExit."""

import sys
import threading
import time

import tensorflow as tf


@tf.function
def manifest():
    return tf.constant(1.0)


@tf.function
def exits():
    sys.exit(0)


@tf.function
def generator_exit():
    raise GeneratorExit("closed")


def _const(value):
    return tf.function(lambda: tf.constant(value))


# names that break naive file naming: reserved, empty, dots, very long, colliding, escapes
for _i, _name in enumerate([".", "..", "", "f" * 300, "a b", "a_b", "f.0",
                            "\x1b[31mred\x1b[0m", "Manifest"]):
    globals()[_name] = _const(float(_i))


@tf.function
def f(x):
    return x + 1


f(tf.constant(1.0))
f(tf.constant([1.0, 2.0]))  # two ConcreteFunctions: f.0 and f.1, and a function named "f.0"

threading.Thread(target=time.sleep, args=(3600,)).start()  # non-daemon, never ends in time
sys.stdout.close()
