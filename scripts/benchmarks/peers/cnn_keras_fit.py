"""The seed's program: ``model.fit(x, y, batch_size=32)`` for one epoch, a peer of ``cnn_v2``.

The seed's Keras model (``keras_reference.build_model``) from the workload's
initial weights, fed the workload's order (the arrays permuted up front,
``shuffle=False``).  A ``fit`` on two batches traces the train function first,
timed apart (``compile_seconds``); then weights and optimizer state are reset
and one full epoch is timed (``train_seconds``).  Runs from the project's
interpreter.

    python cnn_keras_fit.py WORKLOAD.npz [LOSSES.npy]
"""

import os
import sys
import time

import numpy as np

import workload

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
import_start = time.perf_counter()
import tensorflow as tf  # noqa: E402

from tfv1_mnist.cnn import inputs, keras_reference  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


def main():
    path, _ = workload.argv()
    w = workload.load(path)
    start_total = time.perf_counter()
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
    start, start_cpu = time.perf_counter(), time.process_time()
    history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    workload.emit({
        "train_seconds": seconds, "train_cpu_seconds": cpu, "compile_seconds": compile_seconds,
        "total_seconds": time.perf_counter() - start_total, "import_seconds": IMPORT_SECONDS,
        "epoch_loss": float(history.history["loss"][-1]),
        "epoch_accuracy": float(history.history["accuracy"][-1]), "tensorflow": tf.__version__,
    })


if __name__ == "__main__":
    main()
