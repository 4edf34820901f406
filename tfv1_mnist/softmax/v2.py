"""The seed's softmax regression in TF2: a ``tf.Module``, ``GradientTape``, ``tf.function``.

The TF2 twin of ``v1``, with the same runner names (``train``,
``train_on_schedule``, ``IMPLEMENTATION``) and result; what both share is in
``data``, ``initial`` and ``driver`` (the loop around "run k steps").  From the same initial values and the same
batches its per-step losses match v1's to float32 round-off: the same ops
compute the logits and the loss (``ops.model_loss``), and the update is the same
plain gradient descent, ``w.assign_sub(learning_rate * grad)``, which is what
TF1's ``ApplyGradientDescent`` kernel computes.

Pattern: Flax's ``examples/mnist`` ``train.py`` / Sonnet 2.  ``SoftmaxRegression``
is a ``tf.Module`` that creates its variables once; ``train_step`` is one
update of the model on one batch, returning that batch's loss after the update
(the seed's meaning); ``train`` runs ``steps_per_run`` of them in one
``tf.function`` call (a ``tf.range`` loop over batch indices into the resident
training set), or with ``config.xla`` in one call of ``softmax.fast``'s
XLA-compiled loop (the same program as ``v1``'s fast path), ``train_on_schedule`` is ``train`` behind the one contract of
every trainer (``tfv1_mnist.contract``), and ``evaluate`` measures a data set.
"""

from __future__ import annotations

import os
import pathlib
import time
from typing import Callable

import numpy as np
import tensorflow as tf

from tfv1_mnist import contract, ops
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import data as softmax_data
from tfv1_mnist.softmax import driver, fast, resident
from tfv1_mnist.softmax import initial as softmax_initial
from tfv1_mnist.softmax.driver import SoftmaxResult

__all__ = [
    "SoftmaxRegression",
    "train_step",
    "evaluate",
    "train",
    "train_on_schedule",
    "IMPLEMENTATION",
]


class SoftmaxRegression(tf.Module):
    """``logits = images @ weights + biases``, the seed's model.

    Args:
      initial: (weights float32 [784, 10], biases float32 [10]) to start from.
      name: the module name; the variables are ``<name>/weights`` and
        ``<name>/biases``, as in ``v1``.
    """

    def __init__(self, initial, name: str = softmax_initial.SCOPE):
        super().__init__(name=name)
        weights, biases = softmax_initial.check_initial(initial)
        with self.name_scope:
            self.weights = tf.Variable(weights, name="weights")
            self.biases = tf.Variable(biases, name="biases")

    def __call__(self, images):
        """Computes the logits.

        Args:
          images: float32 - [batch_size, 784].

        Returns:
          logits: float32 - [batch_size, 10].
        """
        return tf.matmul(images, self.weights) + self.biases


def train_step(model: SoftmaxRegression, images, labels, config: SoftmaxConfig):
    """One step of plain gradient descent; returns the batch's loss after it.

    Args:
      model: the ``SoftmaxRegression``, updated in place.
      images: float32 - [batch_size, 784].
      labels: float32 - [batch_size, 10], one-hot.
      config: its ``loss``, ``reduction`` and ``learning_rate`` are used.

    Returns:
      float32 scalar: ``loss(model(images), labels)`` after the update, the loss
      the seed's second ``Session.run`` recorded.
    """
    variables = (model.weights, model.biases)
    with tf.GradientTape() as tape:
        loss = ops.model_loss(labels, model(images), kind=config.loss, reduction=config.reduction)
    grads = tape.gradient(loss, variables)
    learning_rate = tf.constant(config.learning_rate, tf.float32)
    for var, grad in zip(variables, grads):
        var.assign_sub(learning_rate * grad)
    return ops.model_loss(labels, model(images), kind=config.loss, reduction=config.reduction)


def evaluate(model: SoftmaxRegression, images, labels) -> dict:
    """Measures ``model`` on a data set.

    Args:
      model: the ``SoftmaxRegression``.
      images: float32 [N, 784].
      labels: one-hot [N, 10].

    Returns:
      ``{"accuracy": float, "num_examples": int}``; accuracy is NaN when N is 0.
    """
    n = int(np.shape(images)[0])
    if n == 0:
        return {"accuracy": float("nan"), "num_examples": 0}
    logits = model(tf.convert_to_tensor(images, tf.float32))
    # Counted as an integer, as v1.evaluation does, so both report the same float.
    correct = ops.correct_count(labels, logits)
    return {"accuracy": int(correct) / n, "num_examples": n}


def _make_runner(model: SoftmaxRegression, images: tf.Tensor, labels: tf.Tensor,
                 config: SoftmaxConfig) -> Callable:
    """A ``tf.function`` running one step per row of an index table."""

    @tf.function(input_signature=[tf.TensorSpec([None, config.batch_size], tf.int64)])
    def run_steps(batch_indices):
        # batch_indices: int64 [K, batch_size].  Returns float32 [K'] losses,
        # K' < K only when stopping at a non-finite loss.
        losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        last = tf.constant(0.0)
        for i in tf.range(tf.shape(batch_indices)[0]):
            if config.stop_on_nan:
                if not tf.math.is_finite(last):
                    break
            index = batch_indices[i]
            last = train_step(model, resident.unpack(tf.gather(images, index)),
                              tf.gather(labels, index), config)
            losses = losses.write(i, last)
        return losses.stack()

    return run_steps


def _make_xla_runner(model: SoftmaxRegression, images: tf.Tensor, labels: tf.Tensor,
                     config: SoftmaxConfig) -> Callable:
    """The fast path's runner: ``fast.make_steps(config)`` on the model's variables.

    The returned ``run_steps(batch_indices, num_steps=None)`` trains on the
    first ``num_steps`` rows (all by default; 0 only compiles the loop for the
    table's shape), assigns the new W and b, and returns float32 [K'] losses.
    """
    steps = fast.make_steps(config)

    def run_steps(batch_indices, num_steps=None):
        if num_steps is None:
            num_steps = batch_indices.shape[0]
        losses, done, weights, biases = steps(
            batch_indices, tf.constant(num_steps, tf.int32), model.weights.read_value(),
            model.biases.read_value(), images, labels)
        model.weights.assign(weights)
        model.biases.assign(biases)
        return losses[:int(done)]

    return run_steps


def train(config: SoftmaxConfig, data, *, batches=None, initial=None,
          workdir: str | os.PathLike | None = None, progress: bool = False, steps_per_run: int | None = None,
          step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None) -> SoftmaxResult:
    """Trains the seed's softmax regression in TF2, ``steps_per_run`` steps per call.

    Same signature and result as ``v1.train``; the arguments that differ:

    Args:
      initial: (W float32 [784, 10], b float32 [10]); None draws them as
        ``initial.initial_values(config)`` does, so v1 and v2 start alike.
      workdir: if given, writes a ``tf.train.Checkpoint`` (through a
        ``CheckpointManager``) to ``workdir/checkpoint/``.
      steps_per_run: steps per ``tf.function`` call; None: 100, or all of
        them with ``config.xla`` (its loop compiles once per table shape).

    Returns:
      A ``SoftmaxResult``.

    Raises:
      NonFiniteLossError, ConfigError: as ``v1.train``.
    """
    data = softmax_data.as_datasets(data, seed=config.seed)
    train_set = data.train
    batches = softmax_data.check_batches(batches, config, train_set.images.shape[0])
    initial = softmax_initial.initial_values(config) if initial is None else softmax_initial.check_initial(initial)
    # The fast path's loop compiles once per table shape: all steps in one call.
    steps_per_run = driver.chunk_size(steps_per_run, step_callback,
                                      default=config.steps if config.xla else 100)

    model = SoftmaxRegression(initial)
    # The training images as bytes when they are input_data's (resident.pack).
    images = tf.constant(resident.pack(train_set.images))
    labels = tf.constant(np.asarray(train_set.labels, dtype=np.float32))
    # Trace and optimise the step function on zero steps (with config.xla: compile
    # it for the runs' table shape), so that train_seconds measures the steps
    # alone (as v1.train does).
    start = time.perf_counter()
    if config.xla:
        run_steps = _make_xla_runner(model, images, labels, config)
        run_steps(tf.constant(batches[:steps_per_run]), num_steps=0)
    else:
        run_steps = _make_runner(model, images, labels, config)
        run_steps(tf.zeros([0, config.batch_size], tf.int64))
    compile_seconds = time.perf_counter() - start if config.xla else 0.0

    def run_chunk(chunk, last):
        got = run_steps(tf.constant(chunk)).numpy()
        return got, lambda: (model.weights.numpy(), model.biases.numpy())

    driven = driver.drive(config, batches, run_chunk, steps_per_run=steps_per_run,
                          progress=progress, step_callback=step_callback)
    test_accuracy = evaluate(model, data.test.images, data.test.labels)["accuracy"]
    if workdir is not None:
        manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model),
                                             str(pathlib.Path(workdir) / "checkpoint"), max_to_keep=1)
        manager.save(checkpoint_number=config.steps)
    return SoftmaxResult(
        loss=driven.losses, weights=model.weights.numpy(), biases=model.biases.numpy(),
        test_accuracy=test_accuracy, nan_steps=driven.nan_steps, train_seconds=driven.train_seconds,
        config=config, train_cpu_seconds=driven.train_cpu_seconds, compile_seconds=compile_seconds)


def train_on_schedule(config: SoftmaxConfig, data, schedule: contract.Schedule,
                      initial) -> contract.TrainResult:
    """``train`` behind the contract: ``train(config, data, schedule, initial) -> TrainResult``.

    ``data`` is a ``datasets.Mnist``, ``initial`` is ``[W, b]``; the config takes
    the schedule's steps and batch size (``driver.train_on_schedule``).
    """
    return driver.train_on_schedule(train, config, data, schedule, initial)


IMPLEMENTATION = contract.Implementation(
    model="softmax", name="v2", train=train_on_schedule, native_train=train,
    summary="TF2: a tf.Module, GradientTape and tf.function, the steps of a call in a tf.range loop",
    note="the update is w.assign_sub(learning_rate * grad), the arithmetic of TF1's "
         "ApplyGradientDescent kernel, on the same ops.model_loss; bit-identical to v1 on CPU")
