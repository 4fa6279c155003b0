"""keras-io's custom train_step pattern: a subclassed model trained with fit() at import."""

import keras
import numpy as np
import tensorflow as tf


class CustomModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


model = CustomModel()
model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), batch_size=4, epochs=1,
          verbose=0)
model.evaluate(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
