"""A functional discriminator built of small Sequential blocks (as TF's pix2pix builds it),
beside an unrelated Sequential, and a step writing a tf.summary; synthetic data."""

import tempfile

import keras
import tensorflow as tf

keras.utils.set_random_seed(0)


def block(filters):
    return keras.Sequential([keras.layers.Conv2D(filters, 3, strides=2, padding="same"),
                             keras.layers.BatchNormalization(), keras.layers.LeakyReLU()])


image = keras.Input((32, 32, 3), name="image")
x = block(8)(image)
x = block(16)(x)
x = block(32)(x)
x = keras.layers.ZeroPadding2D()(x)
x = keras.layers.Conv2D(32, 3)(x)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.LeakyReLU()(x)
x = keras.layers.ZeroPadding2D()(x)
discriminator = keras.Model(image, keras.layers.Conv2D(1, 3)(x))
generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8)])
discriminator(tf.zeros([1, 32, 32, 3]))
generator(tf.zeros([1, 4]))

writer = tf.summary.create_file_writer(tempfile.mkdtemp())


@tf.function
def log_loss(x):
    with writer.as_default():
        tf.summary.scalar("disc_loss", tf.reduce_sum(x), step=1)
    return x * 2.0


log_loss(tf.ones([3]))


@tf.function
def many_carried(x):
    values = [x + float(i) for i in range(20)]
    i = tf.constant(0)
    while i < 3:  # a while loop carrying 21 values: its cond uses one
        values = [v * 2.0 for v in values]
        i += 1
    return tf.add_n(values)


many_carried(tf.ones([2]))
