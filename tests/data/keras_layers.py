"""A Sequential generator after TensorFlow's DCGAN tutorial (about 100 ops): drawn by layer."""

import keras
import numpy as np

keras.utils.set_random_seed(0)
generator = keras.Sequential([
    keras.Input((8,)),
    keras.layers.Dense(4 * 4 * 8, use_bias=False),
    keras.layers.BatchNormalization(),
    keras.layers.LeakyReLU(),
    keras.layers.Reshape((4, 4, 8)),
    keras.layers.Conv2DTranspose(8, 3, padding="same", use_bias=False),
    keras.layers.BatchNormalization(),
    keras.layers.LeakyReLU(),
    keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same", use_bias=False),
    keras.layers.BatchNormalization(),
    keras.layers.LeakyReLU(),
    keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh"),
])
generator(np.zeros((2, 8), np.float32), training=False)
