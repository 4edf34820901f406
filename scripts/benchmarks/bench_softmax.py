"""Softmax regression speed: the seed's own loop against ``softmax.v1.train`` and ``softmax.v2.train``.

The seed trained 1000 steps of ``next_batch(100)`` with two ``Session.run``
calls per step (the train op, then the loss), feeding numpy arrays.
``seed_loop`` below is that program, verbatim except that W and b start from
given values.  A fourth, ``softmax.v1.train, images as float32``, is the
ablation of ``softmax.resident``: the trainer with its training images kept
as floats instead of bytes.  All competitors start from the same initial
values and see the same batches: the seed's loop draws them with ``next_batch`` from a
``from_mnist(..., seed=S)`` data set, and the library's trainers get the
equivalent index table (``default_batches``), so the recorded per-step losses
must agree (``max_rel_loss_diff``).

Timing, interleaved repeats, medians:

* ``seconds`` / ``ratio``: the training steps.  For the seed, its ``for`` loop
  (``next_batch`` and two ``Session.run`` per step); for the trainers, their
  ``train_seconds``.  Each side first runs its step graph once on an empty
  batch (a zero update), so the session's one-off graph optimisation is not
  counted as a step on either side.  ``ratio`` is the seed's median over the
  competitor's; ``cpu_ratio`` the same for process CPU time.
* ``total_seconds`` / ``ratio_total`` / ``cpu_ratio_total``: each competitor's
  whole call (graph building, session, data upload, training, test evaluation).

Then the peers (``bench: softmax_peers`` records), each in a fresh process,
interleaved round by round (``rounds.py``): the project's trainers against a
hand-written NumPy loop (``peers/softmax_numpy.py``, from this interpreter,
with ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` removed from its process; once
on the float32 images and once, ``--bytes``, keeping them as bytes as the
project's trainers do), PyTorch and JAX's ``lax.scan`` (from ``BENCH_PEER_PYTHON``; skipped without
it).  ``ratio_train_seconds`` is a contender's median over
``softmax.v1.train``'s; ``BENCH_PEER_ROUNDS`` sets the rounds (default 7).

    python scripts/bench.py softmax                     # embedded sample
    BENCH_PEER_PYTHON=/work/peers-venv/bin/python python scripts/bench.py softmax
    python scripts/bench.py softmax --data /usr/share/datasets/fashion-mnist
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

SEED = 0


def seed_loop(mnist, steps: int, batch_size: int, initial, learning_rate: float = 0.01):
    """The seed's training loop (TF1 API, via ``tf.compat.v1``).

    Args:
      mnist: ``input_data.Datasets`` with one-hot labels, fresh (nothing drawn yet).
      steps, batch_size, learning_rate: the schedule.
      initial: (W float32 [784, 10], b float32 [10]); the seed drew them with
        ``tf.random_normal``.

    Returns:
      (losses float32 [steps], test accuracy, wall and CPU seconds of the
      training loop).
    """
    import tensorflow as tf

    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 784])
        W = tf.Variable(initial[0])
        b = tf.Variable(initial[1])
        y = tf.nn.softmax(tf.matmul(x, W) + b)
        y_ = tf.compat.v1.placeholder(tf.float32, [None, 10])
        cross_entropy = -tf.reduce_sum(y_ * tf.math.log(y))
        train_step = tf.compat.v1.train.GradientDescentOptimizer(learning_rate).minimize(cross_entropy)
        init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session() as sess:
            sess.run(init)
            # Not in the seed: both runs once on an empty batch (a zero update), the
            # warm-up the library's trainers do before their timed steps.
            empty = {x: mnist.train.images[:0], y_: mnist.train.labels[:0]}
            sess.run(train_step, feed_dict=empty)
            sess.run(cross_entropy, feed_dict=empty)
            losses = []
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(steps):
                batch_xs, batch_ys = mnist.train.next_batch(batch_size)
                sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})
                losses.append(sess.run(cross_entropy, feed_dict={x: batch_xs, y_: batch_ys}))
            loop_seconds = time.perf_counter() - start
            loop_cpu_seconds = time.process_time() - start_cpu
            correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
            accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))
            acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
    return np.asarray(losses, dtype=np.float32), float(acc), loop_seconds, loop_cpu_seconds


def run(args) -> Iterator[dict]:
    """Yields one record per competitor: seconds (median), ratio, loss agreement."""
    from benchmarks import rounds

    from tfv1_mnist import datasets, input_data, softmax
    from tfv1_mnist.config import SoftmaxConfig

    quick = bool(getattr(args, "quick", False))
    spec = getattr(args, "data", None) or "sample"
    data = datasets.load(spec)
    config = SoftmaxConfig(steps=100 if quick else 1000, batch_size=100, seed=SEED)
    repeats = 1 if quick else 5
    initial = softmax.initial_values(config)

    # TF1's validation share (5000 of 60000), without from_mnist's warning each time.
    validation_size = 5000 if data.x_train.shape[0] >= 60000 else round(data.x_train.shape[0] / 12)

    def fresh():
        return input_data.from_mnist(data, one_hot=True, validation_size=validation_size, seed=SEED)

    ds = fresh()
    batches = softmax.default_batches(config, ds.train.num_examples)
    competitors = {
        "seed_loop": lambda d: seed_loop(d, config.steps, config.batch_size, initial),
        "softmax.v1.train": lambda d: _as_tuple(softmax.v1.train(config, d, batches=batches, initial=initial)),
        "softmax.v2.train": lambda d: _as_tuple(softmax.v2.train(config, d, batches=batches, initial=initial)),
        # The ablation of softmax.resident: the training images kept as float32.
        "softmax.v1.train, images as float32": lambda d: _as_tuple(
            _floats_resident(softmax.v1.train, config, d, batches=batches, initial=initial)),
    }
    times: dict[str, list[float]] = {name: [] for name in competitors}
    loop_times: dict[str, list[float]] = {name: [] for name in competitors}
    loop_cpu: dict[str, list[float]] = {name: [] for name in competitors}
    cpu: dict[str, list[float]] = {name: [] for name in competitors}
    results = {}
    # One untimed warm-up each (imports, the process's first graph and tf.function).
    for name, fn in competitors.items():
        results[name] = fn(fresh())
    for _ in range(repeats):
        for name, fn in competitors.items():
            d = fresh()
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = fn(d)
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
            loop_times[name].append(results[name][2])
            loop_cpu[name].append(results[name][3])
    base_losses, base_acc = results["seed_loop"][:2]
    base_loop = statistics.median(loop_times["seed_loop"])
    base_total = statistics.median(times["seed_loop"])
    base_cpu = statistics.median(cpu["seed_loop"])
    for name in competitors:
        losses, acc = results[name][:2]
        loop = statistics.median(loop_times[name])
        total = statistics.median(times[name])
        yield {
            "bench": "softmax_train",
            "competitor": name,
            "data": data.name,
            "train_examples": int(ds.train.num_examples),
            "steps": config.steps,
            "batch_size": config.batch_size,
            "repeats": repeats,
            "seconds": loop,
            "seconds_all": loop_times[name],
            "seed_loop_seconds": base_loop,
            "ratio": base_loop / loop,
            "cpu_seconds": statistics.median(loop_cpu[name]),
            "cpu_ratio": statistics.median(loop_cpu["seed_loop"]) / statistics.median(loop_cpu[name]),
            "total_seconds": total,
            "seed_loop_total_seconds": base_total,
            "ratio_total": base_total / total,
            "total_cpu_seconds": statistics.median(cpu[name]),
            "cpu_ratio_total": base_cpu / statistics.median(cpu[name]),
            "max_abs_loss_diff": float(np.nanmax(np.abs(losses - base_losses))) if len(losses) else None,
            "max_rel_loss_diff": rounds.max_rel_diff(losses, base_losses),
            "test_accuracy": acc,
            "seed_loop_test_accuracy": base_acc,
        }
    if os.environ.get("BENCH_SOFTMAX_PEERS", "1") != "0":
        yield from run_peers(ds, batches, initial, config, data.name, quick)


def _write_workload(path, ds, batches, initial, config) -> None:
    """The peers' workload: the same arrays, batches and initial values as above."""
    np.savez(path, x_train=np.asarray(ds.train.images, np.float32),
             y_train=np.asarray(ds.train.labels, np.float32),
             x_test=np.asarray(ds.test.images, np.float32),
             y_test=np.asarray(ds.test.labels, np.float32),
             batches=np.asarray(batches, np.int64), weights=initial[0], biases=initial[1],
             learning_rate=np.float32(config.learning_rate))


def peer_contenders():
    """The project's trainers and their peers, each a fresh-process ``rounds.Contender``."""
    from benchmarks import rounds

    project = "softmax_project.py"
    return [
        rounds.local("softmax.v1.train", project, "tfv1_mnist.softmax.v1:train", project=True),
        rounds.local("softmax.v2.train", project, "tfv1_mnist.softmax.v2:train"),
        rounds.local("softmax.v1.train --xla", project, "tfv1_mnist.softmax.v1:train", "--xla"),
        rounds.local("softmax.v2.train --xla", project, "tfv1_mnist.softmax.v2:train", "--xla"),
        rounds.local("numpy_loop", "softmax_numpy.py", env_remove=rounds.OPENBLAS_OVERRIDES),
        rounds.local("numpy_loop --bytes", "softmax_numpy.py", "--bytes",
                     env_remove=rounds.OPENBLAS_OVERRIDES),
        rounds.peer("torch_eager", "softmax_torch.py"),
        rounds.peer("jax_scan", "softmax_jax.py"),
    ]


def run_peers(ds, batches, initial, config, data_name: str, quick: bool) -> Iterator[dict]:
    """Yields one ``softmax_peers`` record per contender (fresh processes, interleaved)."""
    import pathlib
    import tempfile

    from benchmarks import rounds

    contenders = peer_contenders()
    n_rounds = 1 if quick else int(os.environ.get("BENCH_PEER_ROUNDS", 7))
    with tempfile.TemporaryDirectory(prefix="bench-softmax-") as tmp:
        workload = pathlib.Path(tmp) / "softmax.npz"
        _write_workload(workload, ds, batches, initial, config)
        runs = rounds.run_rounds(contenders, workload, n_rounds)
    for summary in rounds.summarize(contenders, runs):
        yield {"bench": "softmax_peers", "data": data_name, "steps": config.steps,
               "batch_size": config.batch_size, "rounds": n_rounds, **summary,
               "load_avg": os.getloadavg()[0]}


def _floats_resident(train, *args, **kwargs):
    """``train`` with the training images kept as float32 (``softmax.resident.pack`` bypassed)."""
    from unittest import mock

    from tfv1_mnist.softmax import resident

    with mock.patch.object(resident, "pack", lambda images: np.asarray(images, np.float32)):
        return train(*args, **kwargs)


def _as_tuple(result):
    return result.loss, result.test_accuracy, result.train_seconds, result.train_cpu_seconds
