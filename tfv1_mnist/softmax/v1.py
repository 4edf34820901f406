"""The seed's TF1 softmax regression: placeholders, a Session, gradient descent.

The seed trains ``y = softmax(x W + b)`` on MNIST with
``-reduce_sum(y_ * log(y))`` and ``GradientDescentOptimizer(0.01)``, for 1000
steps of ``next_batch(100)``, recording after every step the loss of that
step's batch (a second ``Session.run``, so the loss *after* the update).

Pattern: TF 1.x ``mnist.py`` / ``fully_connected_feed.py``.  The graph builders
``placeholder_inputs``, ``inference``, ``loss``, ``training`` and
``evaluation`` only build, and ``fill_feed_dict`` makes a feed; they live in
``softmax.graph`` (TF1's ``mnist.py``) with the TF1 while loop's builder, and
are re-exported here.  The runners, this module (TF1's
``fully_connected_feed.py``), use them, each in its own ``tf.Graph`` with a
``tf.compat.v1.Session`` it closes:

* ``train`` gives the seed's per-step losses about 3.5x faster per step
  (``scripts/benchmarks/bench_softmax.py``): the training set lives in the graph
  (a variable loaded once, its images as bytes when they are ``input_data``'s
  floats: ``softmax.resident``), and one ``Session.run`` runs ``steps_per_run`` steps
  in a TF1 ``while_loop``.  Each iteration gathers its batch by index, applies
  the update, and then, under an explicit control dependency on the update,
  re-reads the loss on the same batch, exactly what the seed's second
  ``Session.run`` measured.  The last run also counts the test set's right
  answers after its steps, so the evaluation needs no run (and no graph
  optimisation) of its own.  With ``config.xla`` the steps are instead one
  call of ``softmax.fast``'s XLA-compiled loop inside the same graph: the
  fast path, equal to the seed's losses up to float32 round-off.
* ``train_on_schedule`` is ``train`` behind the one contract of every trainer
  (``tfv1_mnist.contract``), registered as ``IMPLEMENTATION``.
* ``train_feed`` is the seed's loop as written: per step, ``Session.run`` of
  the train op, then of the loss, both fed from numpy.  It is the reference
  ``train`` is checked against.

``v2`` is the TF2 twin, with the same runner names; what both share (the data,
the initial values, the checks, the reports) is in ``common``.  Nothing here
calls ``disable_v2_behavior`` or flips another process-wide switch, so v1 and
v2 code share a process.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import time
from typing import Callable

import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.softmax import common, resident
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
from tfv1_mnist.softmax.common import (
    IMAGE_PIXELS,
    NUM_CLASSES,
    SCOPE,
    NonFiniteLossError,
    SoftmaxResult,
    default_batches,
    initial_values,
)

__all__ = [
    "NUM_CLASSES",
    "IMAGE_PIXELS",
    "SCOPE",
    "ROWS_PER_RUN",
    "NonFiniteLossError",
    "SoftmaxResult",
    "placeholder_inputs",
    "inference",
    "loss",
    "training",
    "evaluation",
    "fill_feed_dict",
    "initial_values",
    "default_batches",
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


def train(
    config: SoftmaxConfig,
    data,
    *,
    batches=None,
    initial=None,
    workdir: str | os.PathLike | None = None,
    progress: bool = False,
    steps_per_run: int | None = None,
    step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None,
) -> SoftmaxResult:
    """Trains the seed's softmax regression in graph mode, ``steps_per_run`` steps a run.

    Same per-step losses as ``train_feed`` (the seed's loop) for the same
    initial values and batches, in about a third of the time.

    Three kinds of ``Session.run``: one uploads the training set into
    variables and initialises the model; one runs the step graph on zero steps,
    so the session optimises it before the clock starts; then the training
    runs, each of which also evaluates the test set after its steps (an empty
    one but for the last run) and fetches W and b.

    Args:
      config: the ``SoftmaxConfig``.
      data: a ``datasets.Mnist`` (uint8; preprocessed by ``common.prepare``,
        TF1's validation split held out), or ``input_data.Datasets`` as TF1
        code builds them: ``.train`` and ``.test`` with ``.images`` float32
        [N, 784] and one-hot ``.labels`` [N, 10].
      batches: int64 [steps, batch_size] row indices into the training images
        (after the split); None draws TF1's ``next_batch`` order
        (``default_batches``).
      initial: (W float32 [784, 10], b float32 [10]) to start from; None draws
        them per ``config.init`` and ``config.seed`` (``initial_values``).
      workdir: if given, writes a ``tf.compat.v1.train.Saver`` checkpoint to
        ``workdir/checkpoint/`` and the loss scalar to ``workdir/tensorboard/``.
      progress: show progress (``progress.progress_bar``: a bar on a terminal).
      steps_per_run: steps per ``Session.run``; None: as many as gather
        ``ROWS_PER_RUN`` examples (250 steps of 100, about 78 MB of images).
      step_callback: if given, called after every step as
        ``step_callback(step, loss, weights, biases)`` (the seed printed W every
        step); runs one step per ``Session.run``.

    Returns:
      A ``SoftmaxResult``.  Its ``train_seconds`` covers the training runs,
      including the test evaluation at the end of the last one (a 1000-image
      sample adds well under 1%).

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
      ConfigError: ``data``, ``batches`` or ``initial`` have the wrong shape.
    """
    data = common.as_datasets(data, seed=config.seed)
    train_set, test_set = data.train, data.test
    num_examples = train_set.images.shape[0]
    batches = common.check_batches(batches, config, num_examples)
    if initial is not None:
        initial = common.check_initial(initial)
    if step_callback is not None:
        steps_per_run = 1
    elif steps_per_run is None:
        # The fast path compiles once per table shape: all steps in one run.
        steps_per_run = config.steps if config.xla else max(1, ROWS_PER_RUN // config.batch_size)
    if steps_per_run < 1:
        raise ConfigError(f"steps_per_run must be >= 1, got {steps_per_run}")
    train_images = resident.pack(train_set.images)

    with common.seeded_graph(config).as_default() as graph:
        # The placeholders carry the test set in the training runs, and the
        # labels of the training set in the upload run.
        images_pl, labels_pl = placeholder_inputs()
        weights, biases = get_variables(config.init, initial)
        # The training set, resident in the graph: uploaded once, gathered by
        # index; its images as bytes when they are input_data's (resident.pack).
        upload_images = tf.compat.v1.placeholder(
            train_images.dtype, [None, IMAGE_PIXELS], name="upload_images")
        data_images = tf.compat.v1.Variable(
            upload_images, trainable=False, collections=[], name="train_images")
        data_labels = tf.compat.v1.Variable(
            labels_pl, trainable=False, collections=[], name="train_labels")
        learning_rate = tf.constant(config.learning_rate, tf.float32, name="learning_rate")
        if config.xla:
            batch_indices, num_steps, step_losses = build_xla_loop(
                config, data_images, data_labels, weights, biases)
        else:
            batch_indices, step_losses = build_loop(config, data_images, data_labels, learning_rate)
        with tf.control_dependencies([step_losses]):
            # After the run's last step: the test set's count of right answers,
            # and the values of W and b.
            correct = evaluation(inference(images_pl), labels_pl)
            weights_after, biases_after = weights.read_value(), biases.read_value()
        upload = tf.group(
            tf.compat.v1.variables_initializer([weights, biases]),
            data_images.initializer, data_labels.initializer)
        saver = tf.compat.v1.train.Saver([weights, biases]) if workdir is not None else None
        graph.finalize()

        with tf.compat.v1.Session(graph=graph, config=session_config()) as sess:
            sess.run(upload, {upload_images: train_images, labels_pl: train_set.labels})
            fetches = [step_losses, correct, weights_after, biases_after]
            no_test = {images_pl: test_set.images[:0], labels_pl: test_set.labels[:0]}
            # A run of zero steps: the session optimises the step graph and builds
            # its executor here (and XLA compiles the fast path's loop for the
            # runs' table shape), so that train_seconds measures the runs alone.
            warm_up = ({batch_indices: batches[:steps_per_run], num_steps: 0} if config.xla
                       else {batch_indices: batches[:0]})
            start = time.perf_counter()
            sess.run(fetches, {**warm_up, **no_test})
            compile_seconds = time.perf_counter() - start if config.xla else 0.0
            losses = np.full(config.steps, np.nan, dtype=np.float32)
            watch = common.NanWatch(config)
            bar = common.progbar(config.steps, progress)
            start, start_cpu = time.perf_counter(), time.process_time()
            done = 0
            while done < config.steps:
                chunk = batches[done: done + steps_per_run]
                last_run = done + chunk.shape[0] >= config.steps
                test = ({images_pl: test_set.images, labels_pl: test_set.labels}
                        if last_run else no_test)
                got, count, final_w, final_b = sess.run(fetches, {batch_indices: chunk, **test})
                losses[done: done + got.shape[0]] = got
                watch.update(done, got, lambda: losses)
                done += got.shape[0]
                if step_callback is not None:
                    step_callback(done - 1, float(got[-1]), final_w, final_b)
                common.progbar_update(bar, done, got)
            train_seconds = time.perf_counter() - start
            train_cpu_seconds = time.process_time() - start_cpu
            n_test = test_set.images.shape[0]
            test_accuracy = float(count) / n_test if n_test else float("nan")
            if saver is not None:
                path = pathlib.Path(workdir) / "checkpoint"
                path.mkdir(parents=True, exist_ok=True)
                saver.save(sess, str(path / "model.ckpt"), global_step=config.steps)
    if workdir is not None:
        common.write_tensorboard(workdir, losses)
    return SoftmaxResult(
        loss=losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=watch.count, train_seconds=train_seconds, config=config,
        train_cpu_seconds=train_cpu_seconds, compile_seconds=compile_seconds)


def train_on_schedule(config: SoftmaxConfig, data, schedule: contract.Schedule,
                      initial) -> contract.TrainResult:
    """``train`` behind the contract: ``train(config, data, schedule, initial) -> TrainResult``.

    ``data`` is a ``datasets.Mnist``, ``initial`` is ``[W, b]``; the config takes
    the schedule's steps and batch size (``common.train_on_schedule``).
    """
    return common.train_on_schedule(train, config, data, schedule, initial)


def train_on_schedule_xla(config: SoftmaxConfig, data, schedule: contract.Schedule,
                          initial) -> contract.TrainResult:
    """``train_on_schedule`` on the fast path (``config.xla`` set): ``IMPLEMENTATION_XLA``."""
    return common.train_on_schedule(train, dataclasses.replace(config, xla=True), data, schedule,
                                    initial)


def train_feed(
    config: SoftmaxConfig,
    data,
    *,
    batches=None,
    initial=None,
    progress: bool = False,
) -> SoftmaxResult:
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
    data = common.as_datasets(data, seed=config.seed)
    train_set = data.train
    use_next_batch = isinstance(batches, str) and batches == "next_batch"
    if not use_next_batch:
        batches = common.check_batches(batches, config, train_set.images.shape[0])
    with common.seeded_graph(config).as_default() as graph:
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
            losses = np.full(config.steps, np.nan, dtype=np.float32)
            watch = common.NanWatch(config)
            bar = common.progbar(config.steps, progress)
            start, start_cpu = time.perf_counter(), time.process_time()
            for step in range(config.steps):
                feed = fill_feed_dict(
                    train_set, images_pl, labels_pl, config.batch_size,
                    index=None if use_next_batch else batches[step])
                sess.run(train_op, feed_dict=feed)
                losses[step] = sess.run(loss_op, feed_dict=feed)
                watch.update(step, losses[step: step + 1], lambda: losses)
                common.progbar_update(bar, step + 1, losses[step: step + 1])
            train_seconds = time.perf_counter() - start
            train_cpu_seconds = time.process_time() - start_cpu
            test_accuracy, final_w, final_b = _evaluate(
                sess, correct, images_pl, labels_pl, data.test, (weights, biases))
    return SoftmaxResult(
        loss=losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=watch.count, train_seconds=train_seconds, config=config,
        train_cpu_seconds=train_cpu_seconds)


IMPLEMENTATION = contract.Implementation(
    model="softmax", name="v1", train=train_on_schedule,
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
