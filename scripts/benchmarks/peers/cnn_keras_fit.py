"""The seed's program: ``model.fit(x, y, batch_size=32)`` for one epoch, a peer of ``cnn.v2``.

The seed's Keras model (``keras_reference.build_model``) from the workload's
initial weights, fed the workload's order (the arrays permuted up front,
``shuffle=False``).  A ``fit`` on two batches traces the train function first,
timed apart (``compile_seconds``); then weights and optimizer state are reset
and one full epoch is timed (``train_seconds``).  Runs from the project's
interpreter.

    python cnn_keras_fit.py WORKLOAD.npz [LOSSES.npy]
"""

import time

import numpy as np

import workload

workload.use_project()
import_start = time.perf_counter()
import tensorflow as tf  # noqa: E402

from tfv1_mnist.cnn import inputs, keras_reference  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


def train(w, _):
    order, batch_size = w["order"], int(w["batch_size"])
    x = inputs.prepare_images(w["x_train"][order], normalize=False)
    y = w["y_train"][order].astype(np.int64)
    init = [w[f"w{i}"] for i in range(8)]
    model = keras_reference.build_model(float(w["learning_rate"]))
    model.set_weights(init)
    model.optimizer.build(model.trainable_variables)
    saved = [v.numpy() for v in model.optimizer.variables]
    start = time.perf_counter()
    model.fit(x[:batch_size * 2], y[:batch_size * 2], batch_size=batch_size, epochs=1,
              shuffle=False, verbose=0)
    model.set_weights(init)
    for v, value in zip(model.optimizer.variables, saved):
        v.assign(value)
    compile_seconds = time.perf_counter() - start
    with workload.Clock() as clock:
        history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return {**clock.record(), "compile_seconds": compile_seconds,
            "epoch_loss": float(history.history["loss"][-1]),
            "epoch_accuracy": float(history.history["accuracy"][-1]), "tensorflow": tf.__version__}, None


if __name__ == "__main__":
    workload.run(train, IMPORT_SECONDS)
