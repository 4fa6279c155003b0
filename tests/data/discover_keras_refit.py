"""keras-io's guide pattern: `model` is bound to a new model and fit again; the first model's
fit() step function stays drawable as model.train_function@LINE."""

import keras
import numpy as np

x = np.random.default_rng(0).random((8, 3)).astype("float32")
y = x.sum(axis=1, keepdims=True)

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, y, epochs=1, batch_size=4, verbose=0)

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=1, batch_size=4, verbose=0)
model.predict(x, verbose=0)
