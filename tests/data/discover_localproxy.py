"""A werkzeug-style LocalProxy at module level: every attribute access raises."""

import tensorflow as tf


class LocalProxy:
    def __getattribute__(self, name):
        raise RuntimeError("Working outside of application context.")

    def __getattr__(self, name):
        raise RuntimeError("Working outside of application context.")


request = LocalProxy()


@tf.function
def double():
    return tf.constant(2.0) * 2.0
