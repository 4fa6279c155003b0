"""A tf.function whose tensor loop, break and if live in a method it calls (as the Transformer
tutorial's ExportTranslator.__call__ calls Translator.__call__)."""

import tensorflow as tf


class Translator(tf.Module):
    def __call__(self, tokens, max_length):
        output = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(max_length):
            predicted = tokens[i] * 2.0
            output = output.write(i, predicted)
            if predicted > 10.0:
                break
        return output.stack()


def clip(x):
    if tf.reduce_sum(x) > 0.0:
        x = x - 1.0
    for _ in range(2):
        x = x * 0.5
    return x


class ExportTranslator(tf.Module):
    def __init__(self, translator):
        super().__init__()
        self.translator = translator

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, tokens):
        result = self.translator(tokens, tf.shape(tokens)[0])
        return clip(result)


translator = ExportTranslator(Translator())
translator(tf.constant([1.0, 2.0, 8.0, 3.0]))
