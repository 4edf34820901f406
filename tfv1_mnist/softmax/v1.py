"""The seed's TF1 softmax regression: placeholders, a Session, gradient descent.

The seed trains ``y = softmax(x W + b)`` with ``-reduce_sum(y_ * log(y))`` and
``GradientDescentOptimizer(0.01)``, 1000 steps of ``next_batch(100)``,
recording after every step the loss of that batch *after* the update (a second
``Session.run``).

Pattern: TF 1.x ``fully_connected_feed.py``; the builders are in
``softmax.graph`` (TF1's ``mnist.py``).  Each runner builds its own
``tf.Graph`` and closes its ``tf.compat.v1.Session``:

* ``train`` keeps the training set in the graph (``softmax.resident``) and
  runs ``steps_per_run`` steps per ``Session.run`` in a TF1 ``while_loop``:
  each iteration gathers its batch, updates, then re-reads the loss under a
  control dependency on the update, what the seed's second ``Session.run``
  measured.  With ``config.xla`` the steps are one call of ``softmax.fast``'s
  loop instead (float32 round-off from the seed).  ``driver.drive`` runs the chunks.
* ``train_on_schedule``: ``train`` behind the contract (``IMPLEMENTATION``).
* ``train_feed``: the seed's loop as written, two fed ``Session.run`` per
  step; the reference ``train`` is checked against.

``v2`` is the TF2 twin.  Nothing here flips a process-wide switch, so v1 and
v2 code share a process.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import time
import types
from typing import Callable

import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import data as softmax_data
from tfv1_mnist.softmax import driver, initial as softmax_initial, resident
from tfv1_mnist.softmax.data import IMAGE_PIXELS
from tfv1_mnist.softmax.driver import SoftmaxResult
from tfv1_mnist.softmax.graph import (
    ROWS_PER_RUN,
    build_loop,
    build_xla_loop,
    evaluation,
    fill_feed_dict,
    get_variables,
    inference,
    loss,
    model_variables,
    placeholder_inputs,
    session_config,
    training,
)

__all__ = [
    "train",
    "train_on_schedule",
    "train_on_schedule_xla",
    "train_feed",
    "IMPLEMENTATION",
    "IMPLEMENTATION_XLA",
]


# ----------------------------------------------------------------------- helpers


def _evaluate(sess, correct, images_pl, labels_pl, data_set, variables):
    """Runs the test accuracy and fetches ``variables`` in one ``Session.run``.

    Returns:
      (accuracy float, NaN for an empty set; then the variables' values).
    """
    n = data_set.images.shape[0]
    if n == 0:
        return (float("nan"), *sess.run(list(variables)))
    count, *values = sess.run([correct, *variables],
                              {images_pl: data_set.images, labels_pl: data_set.labels})
    return (float(count) / n, *values)


# ----------------------------------------------------------------------- runners


def train(config: SoftmaxConfig, data, *, batches=None, initial=None,
          workdir: str | os.PathLike | None = None, progress: bool = False, steps_per_run: int | None = None,
          step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None) -> SoftmaxResult:
    """Trains the seed's softmax regression in graph mode, ``steps_per_run`` steps a run.

    Same per-step losses as ``train_feed`` (the seed's loop) for the same
    initial values and batches; the runs go through ``driver.drive``.

    Args:
      config: the ``SoftmaxConfig``.
      data: a ``datasets.Mnist`` (uint8; ``data.prepare`` holds out TF1's validation
        split), or ``input_data.Datasets``: ``.train``/``.test`` with ``.images``
        float32 [N, 784] and one-hot ``.labels`` [N, 10].
      batches: int64 [steps, batch_size] row indices into the training images;
        None: TF1's ``next_batch`` order (``data.default_batches``).
      initial: (W float32 [784, 10], b float32 [10]); None: drawn per
        ``config.init`` and ``config.seed`` (``initial.initial_values``).
      workdir: if given, a ``tf.compat.v1.train.Saver`` checkpoint goes to
        ``workdir/checkpoint/``.
      progress: show progress (``progress.progress_bar``: a bar on a terminal).
      steps_per_run: steps per ``Session.run``; None: ``ROWS_PER_RUN`` examples' worth.
      step_callback: ``step_callback(step, loss, weights, biases)`` after every step
        (the seed printed W every step); one step per ``Session.run``.

    Returns:
      A ``SoftmaxResult``; ``train_seconds`` covers the training runs.

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
      ConfigError: ``data``, ``batches`` or ``initial`` have the wrong shape.
    """
    data = softmax_data.as_datasets(data, seed=config.seed)
    train_set, test_set = data.train, data.test
    batches = softmax_data.check_batches(batches, config, train_set.images.shape[0])
    initial = None if initial is None else softmax_initial.check_initial(initial)
    default = config.steps if config.xla else max(1, ROWS_PER_RUN // config.batch_size)  # XLA: one run
    steps_per_run = driver.chunk_size(steps_per_run, step_callback, default=default)
    train_images = resident.pack(train_set.images)
    with softmax_initial.seeded_graph(config).as_default() as graph:
        g = _build_graph(config, train_images.dtype, initial)
        saver = tf.compat.v1.train.Saver([g.weights, g.biases]) if workdir is not None else None
        graph.finalize()
        with tf.compat.v1.Session(graph=graph, config=session_config()) as sess:
            sess.run(g.upload, {g.upload_images: train_images, g.labels_pl: train_set.labels})
            no_test = {g.images_pl: test_set.images[:0], g.labels_pl: test_set.labels[:0]}
            compile_seconds = _warm_up(sess, g, config, batches[:steps_per_run], no_test)
            run_chunk, ran = _chunk_runner(sess, g, test_set, no_test)
            driven = driver.drive(config, batches, run_chunk, steps_per_run=steps_per_run,
                                  progress=progress, step_callback=step_callback)
            if saver is not None:
                path = pathlib.Path(workdir) / "checkpoint"
                path.mkdir(parents=True, exist_ok=True)
                saver.save(sess, str(path / "model.ckpt"), global_step=config.steps)
    n_test = test_set.images.shape[0]
    return SoftmaxResult(
        loss=driven.losses, weights=ran["w"], biases=ran["b"],
        test_accuracy=float(ran["count"]) / n_test if n_test else float("nan"),
        nan_steps=driven.nan_steps, train_seconds=driven.train_seconds, config=config,
        train_cpu_seconds=driven.train_cpu_seconds, compile_seconds=compile_seconds)


def _chunk_runner(sess, g: types.SimpleNamespace, test_set, no_test: dict):
    """``train``'s "run k steps" for ``driver.drive``, and the dict its last run fills.

    Each run fetches its steps' losses, W and b; the last one also feeds the
    test set, so ``ran["count"]`` is its count of right answers.
    """
    test = {g.images_pl: test_set.images, g.labels_pl: test_set.labels}
    ran = {}

    def run_chunk(chunk, last):
        got, ran["count"], ran["w"], ran["b"] = sess.run(
            g.fetches, {g.batch_indices: chunk, **(test if last else no_test)})
        return got, lambda: (ran["w"], ran["b"])

    return run_chunk, ran


def _warm_up(sess, g: types.SimpleNamespace, config: SoftmaxConfig, first_rows: np.ndarray,
             no_test: dict) -> float:
    """Runs the step graph on zero steps; returns XLA's compile time (0 without ``config.xla``).

    The session optimises the step graph and builds its executor here (and XLA
    compiles the fast path's loop for the runs' table shape, ``first_rows``),
    so that ``train_seconds`` measures the runs alone.
    """
    warm_up = ({g.batch_indices: first_rows, g.num_steps: 0} if config.xla
               else {g.batch_indices: first_rows[:0]})
    start = time.perf_counter()
    sess.run(g.fetches, {**warm_up, **no_test})
    return time.perf_counter() - start if config.xla else 0.0


def _build_graph(config: SoftmaxConfig, images_dtype, initial) -> types.SimpleNamespace:
    """Builds ``train``'s graph in the default graph; returns its tensors by name.

    The placeholders carry the test set in the training runs, and the labels
    of the training set in the upload run.  The training set is resident in
    the graph: uploaded once (``upload``), gathered by index; its images as
    bytes when they are ``input_data``'s (``resident.pack``).  ``fetches`` are
    each run's losses, then, after its last step, the test set's count of right
    answers and the values of W and b.
    """
    images_pl, labels_pl = placeholder_inputs()
    weights, biases = get_variables(config.init, initial)
    upload_images = tf.compat.v1.placeholder(images_dtype, [None, IMAGE_PIXELS], name="upload_images")
    data_images = tf.compat.v1.Variable(upload_images, trainable=False, collections=[], name="train_images")
    data_labels = tf.compat.v1.Variable(labels_pl, trainable=False, collections=[], name="train_labels")
    learning_rate = tf.constant(config.learning_rate, tf.float32, name="learning_rate")
    num_steps = None
    if config.xla:
        batch_indices, num_steps, step_losses = build_xla_loop(config, data_images, data_labels, weights, biases)
    else:
        batch_indices, step_losses = build_loop(config, data_images, data_labels, learning_rate)
    with tf.control_dependencies([step_losses]):
        correct = evaluation(inference(images_pl), labels_pl)
        weights_after, biases_after = weights.read_value(), biases.read_value()
    upload = tf.group(tf.compat.v1.variables_initializer([weights, biases]),
                      data_images.initializer, data_labels.initializer)
    return types.SimpleNamespace(
        images_pl=images_pl, labels_pl=labels_pl, weights=weights, biases=biases,
        upload_images=upload_images, upload=upload, batch_indices=batch_indices, num_steps=num_steps,
        fetches=[step_losses, correct, weights_after, biases_after])


def train_on_schedule(config: SoftmaxConfig, data, schedule: contract.Schedule,
                      initial) -> contract.TrainResult:
    """``train`` behind the contract: ``train(config, data, schedule, initial) -> TrainResult``.

    ``data`` is a ``datasets.Mnist``, ``initial`` is ``[W, b]``; the config takes
    the schedule's steps and batch size (``driver.train_on_schedule``).
    """
    return driver.train_on_schedule(train, config, data, schedule, initial)


def train_on_schedule_xla(config: SoftmaxConfig, data, schedule: contract.Schedule,
                          initial) -> contract.TrainResult:
    """``train_on_schedule`` on the fast path (``config.xla`` set): ``IMPLEMENTATION_XLA``."""
    return driver.train_on_schedule(train, dataclasses.replace(config, xla=True), data, schedule,
                                    initial)


def train_feed(config: SoftmaxConfig, data, *, batches=None, initial=None,
               progress: bool = False) -> SoftmaxResult:
    """The seed's loop as written: two fed ``Session.run`` calls per step.

    Per step: ``sess.run(train_op, feed)``, then ``sess.run(loss, feed)`` on the
    same feed, so the recorded loss is the batch's loss after the update.  The
    reference ``train`` is checked against, and the baseline of the speed
    benchmark.

    Args:
      config, data, batches, initial, progress: as in ``train``.  With
        ``batches`` given, batch ``i`` is ``data.train.images[batches[i]]``;
        ``batches="next_batch"`` calls ``data.train.next_batch`` instead, as
        the seed did.

    Returns:
      A ``SoftmaxResult``.

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
    """
    data = softmax_data.as_datasets(data, seed=config.seed)
    train_set = data.train
    use_next_batch = isinstance(batches, str) and batches == "next_batch"
    if not use_next_batch:
        batches = softmax_data.check_batches(batches, config, train_set.images.shape[0])
    with softmax_initial.seeded_graph(config).as_default() as graph:
        images_pl, labels_pl = placeholder_inputs()
        logits = inference(images_pl, init=config.init, initial=initial)
        loss_op = loss(logits, labels_pl, config)
        train_op = training(loss_op, config.learning_rate)
        correct = evaluation(logits, labels_pl)
        weights, biases = model_variables(graph)
        init = tf.compat.v1.global_variables_initializer()
        graph.finalize()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            # Warm both runs up on an empty batch (a zero update), as ``train`` does.
            empty = {images_pl: train_set.images[:0], labels_pl: train_set.labels[:0]}
            sess.run(train_op, empty)
            sess.run(loss_op, empty)

            def run_chunk(steps, last):
                # One step a call: ``steps`` is [[step]], the step's number.
                step = int(steps[0, 0])
                feed = fill_feed_dict(train_set, images_pl, labels_pl, config.batch_size,
                                      index=None if use_next_batch else batches[step])
                sess.run(train_op, feed_dict=feed)
                got = np.array([sess.run(loss_op, feed_dict=feed)], dtype=np.float32)
                return got, lambda: tuple(sess.run([weights, biases]))

            driven = driver.drive(config, np.arange(config.steps)[:, None], run_chunk,
                                  steps_per_run=1, progress=progress)
            test_accuracy, final_w, final_b = _evaluate(
                sess, correct, images_pl, labels_pl, data.test, (weights, biases))
    return SoftmaxResult(
        loss=driven.losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=driven.nan_steps, train_seconds=driven.train_seconds, config=config,
        train_cpu_seconds=driven.train_cpu_seconds)


IMPLEMENTATION = contract.Implementation(
    model="softmax", name="v1", train=train_on_schedule, native_train=train,
    summary="TF1 graph: placeholders, a Session, GradientDescentOptimizer; "
            "the steps of a run in one TF1 while_loop",
    note="the seed's own program, the reference: the loss of each step is re-read after its update "
         "(the seed's second Session.run)")

IMPLEMENTATION_XLA = contract.Implementation(
    model="softmax", name="v1_xla", train=train_on_schedule_xla,
    summary="the fast path: v1's graph and Session, the steps in one XLA-compiled "
            "functional While (softmax.fast)",
    note="XLA fuses the elementwise ops and chooses its own reduction order, so the step losses "
         "differ from the seed's graph by float32 round-off, which the raw sum-loss amplifies "
         "over the steps")
