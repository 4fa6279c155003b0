"""Save the models tests/capture/test_savedmodel.py renders: python make_savedmodels.py DIR."""

import sys

import keras
import tensorflow as tf

out = sys.argv[1]


class Counter(tf.Module):
    def __init__(self):
        super().__init__()
        self.total = tf.Variable(0.0, name="total")
        self.scale = tf.Module()
        self.scale.w = tf.Variable(2.0, name="w")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        for v in x:  # a while loop with an if inside
            if v > 0:
                self.total.assign_add(v * self.scale.w)
        return self.total

    @tf.function
    def twice(self, x):  # traced for two signatures before saving
        return x * 2.0


counter = Counter()
counter.twice(tf.constant(1.0))
counter.twice(tf.constant([1.0, 2.0]))
for folder in ("counter", "counter_again"):  # saved twice: the drawings must not differ
    tf.saved_model.save(counter, f"{out}/{folder}",
                        signatures={"serving_default": counter.__call__})
tf.saved_model.save(counter, f"{out}/counter_debug",  # with the source lines of its ops
                    signatures={"serving_default": counter.__call__},
                    options=tf.saved_model.SaveOptions(save_debug_info=True))

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu",
                                                                name="hidden"),
                          keras.layers.Dense(1, name="out")], name="regressor")
model.save(f"{out}/regressor.keras")
model.export(f"{out}/regressor_export", verbose=False)
