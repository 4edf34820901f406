"""The ``tfv1-mnist cnn`` command as a user runs it, one epoch: the whole process, not just the loop.

Writes the workload's images as a Keras-layout ``.npz`` (its first 1,000 as the
test set the command validates on), then runs ``python -m tfv1_mnist -q cnn
--epochs 1 --seed 0`` in a fresh process and times it from launch to exit
(``process_seconds``: start-up, imports, data loading, tracing, the epoch,
evaluation and export).  ``train_seconds`` is the epoch as ``metrics.json``
records it.  The command draws its own batch order from ``--seed``, so its
losses are not compared step by step.

    python cnn_command.py WORKLOAD.npz [LOSSES.npy]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import workload

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def train(w, _):
    with tempfile.TemporaryDirectory(prefix="bench-cnn-command-") as tmp:
        data = os.path.join(tmp, "data.npz")
        x, y = w["x_train"], w["y_train"]
        np.savez(data, x_train=x, y_train=y, x_test=x[:1000], y_test=y[:1000])
        out = os.path.join(tmp, "out")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "tfv1_mnist", "-q", "cnn", "--data", data, "--epochs", "1",
                               "--seed", "0", "--out", out], env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"tfv1-mnist cnn failed: {done.stderr.strip()[-500:]}")
        with open(os.path.join(out, "metrics.json")) as f:
            metrics = json.load(f)
    return {"process_seconds": seconds, "train_seconds": metrics["epoch_seconds"][0],
            "total_seconds": seconds, "epoch_loss": metrics["history"]["loss"][0]}, None


if __name__ == "__main__":
    workload.run(train)
