"""The project's CNN custom loop (``cnn.v2``), one epoch in a fresh process like its peers.

What ``cnn.v2.train_and_evaluate`` runs for an epoch (default strategy): a ``inputs.make_dataset``
pipeline and a ``StepRunner`` called ``train_epoch``-style about 20 times per
epoch, from the workload's initial weights and order.  The ``tf.function``
trace on a short epoch of the same shapes comes first and is timed apart
(``compile_seconds``); ``train_seconds`` is the epoch.

    python cnn_project.py WORKLOAD.npz [LOSSES.npy]
"""

import math
import time

import workload

workload.use_project()
import_start = time.perf_counter()
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfv1_mnist.cnn import inputs, steps as cnn_steps, v2 as cnn_v2  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


def train(w, _):
    x, y, order = w["x_train"], w["y_train"], w["order"]
    batch_size = int(w["batch_size"])
    init = [w[f"w{i}"] for i in range(8)]
    model = cnn_v2.CNN(init)
    optimizer = keras.optimizers.Adam(learning_rate=float(w["learning_rate"]))
    optimizer.build(model.ordered_variables)
    runner = cnn_steps.StepRunner(model, optimizer)
    x_t, y_t = tf.constant(x), tf.constant(y)
    steps = math.ceil(len(order) / batch_size)
    steps_per_call = max(1, math.ceil(steps / 20))
    saved = [v.numpy() for v in optimizer.variables]
    start = time.perf_counter()
    # Trace both call sizes of the epoch (full calls and the last, shorter one).
    warm = inputs.make_dataset(x_t, y_t, order[:batch_size * 2], batch_size)
    it = iter(warm)
    runner(it, 1)
    runner(it, 1)
    model.set_weights(init)
    for v, value in zip(optimizer.variables, saved):
        v.assign(value)
    compile_seconds = time.perf_counter() - start
    dataset = inputs.make_dataset(x_t, y_t, order, batch_size)
    start_cpu = time.process_time()
    stats = cnn_steps.train_epoch(runner, dataset, steps, steps_per_call=steps_per_call)
    return {"train_seconds": stats["seconds"], "train_cpu_seconds": time.process_time() - start_cpu,
            "compile_seconds": compile_seconds, "epoch_loss": stats["loss"],
            "epoch_accuracy": stats["accuracy"], "tensorflow": tf.__version__}, stats["step_loss"]


if __name__ == "__main__":
    workload.run(train, IMPORT_SECONDS)
