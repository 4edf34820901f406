"""The project's own softmax trainer, run in a fresh process like its peers.

``TRAINER`` is ``module:function`` with ``softmax.v1.train``'s signature
(``train(config, datasets, batches=, initial=)`` returning a
``SoftmaxResult``), e.g. ``tfv1_mnist.softmax.v1:train``; ``--xla`` sets ``config.xla`` (the fast
path; its compile is ``compile_seconds``).  Its ``train_seconds``
is the training steps; ``total_seconds`` the whole call (graph building,
session, data upload, any compile, evaluation); ``import_seconds`` the
TensorFlow import before it.

    python softmax_project.py TRAINER [--xla] WORKLOAD.npz [LOSSES.npy]
"""

import importlib
import time
import types

import workload

workload.use_project()
import_start = time.perf_counter()
import tensorflow as tf  # noqa: E402,F401

from tfv1_mnist.config import SoftmaxConfig  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


def train(w, own):
    trainer_name = next(a for a in own if ":" in a)
    module_name, function = trainer_name.split(":")
    trainer = getattr(importlib.import_module(module_name), function)
    split = lambda images, labels: types.SimpleNamespace(images=images, labels=labels)  # noqa: E731
    datasets = types.SimpleNamespace(train=split(w["x_train"], w["y_train"]),
                                     test=split(w["x_test"], w["y_test"]))
    batches = w["batches"]
    config = SoftmaxConfig(steps=batches.shape[0], batch_size=batches.shape[1],
                           learning_rate=float(w["learning_rate"]), seed=0, xla="--xla" in own)
    start = time.perf_counter()
    result = trainer(config, datasets, batches=batches, initial=(w["weights"], w["biases"]))
    return {"train_seconds": result.train_seconds, "train_cpu_seconds": result.train_cpu_seconds,
            "total_seconds": time.perf_counter() - start,
            "compile_seconds": getattr(result, "compile_seconds", None),
            "test_accuracy": result.test_accuracy, "nan_steps": int(result.nan_steps),
            "tensorflow": tf.__version__}, result.loss


if __name__ == "__main__":
    workload.run(train, IMPORT_SECONDS)
