"""A GAN trained with Keras fit() and a custom train_step: two unnamed Sequential models, two
Adam optimizers, after TensorFlow's DCGAN tutorial and keras-io's "DCGAN overriding train_step".
fit() traces `gan.train_function`, which runs this train_step; tfgraphviz draws the step."""

import keras
import numpy as np
import tensorflow as tf

keras.utils.set_random_seed(0)
LATENT = 8

generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(4 * 4), keras.layers.Reshape((4, 4, 1))])
discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1)])


class GAN(keras.Model):
    def __init__(self, generator, discriminator):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        noise = tf.random.normal([batch_size, LATENT])
        with tf.GradientTape() as d_tape:
            fake_images = self.generator(noise, training=True)
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            d_loss = (self.loss_fn(tf.ones_like(real_logits), real_logits)
                      + self.loss_fn(tf.zeros_like(fake_logits), fake_logits))
        d_grads = d_tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_weights))
        with tf.GradientTape() as g_tape:
            fake_logits = self.discriminator(self.generator(noise, training=True), training=True)
            g_loss = self.loss_fn(tf.ones_like(fake_logits), fake_logits)
        g_grads = g_tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


gan = GAN(generator, discriminator)
gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
images = np.random.default_rng(0).random((8, 4, 4, 1), dtype=np.float32)
gan.fit(images, batch_size=4, epochs=1, verbose=0)
