"""What the softmax regressor's twins share: its sizes, its data, its start, its reports.

``v1`` (the TF1 graph) and ``v2`` (the ``tf.Module``) import everything they
have in common from here, so that both see the same floats, start from the
same weights, accept the same inputs, and report, warn and fail alike:

* the model's sizes and variable scope, and the preprocessing ``prepare``
  (uint8 ``datasets.Mnist`` to ``input_data.Datasets`` with TF1's validation
  split);
* the initial values (``initial_values``: TF1's seeded ``random_normal``) and
  the batch order (``default_batches``: TF1's ``next_batch``), both drawn from
  ``config.seed`` alone;
* ``train_on_schedule``, a twin's ``train`` behind the contract;
* ``SoftmaxResult``, the input checks, the non-finite-loss watch
  (``NanWatch``, ``NonFiniteLossError``), the progress bar and the TensorBoard
  writer.

Pattern: Sonnet 2's shared ``utils`` module of a model family: plain functions
and small classes, no TensorFlow state kept between calls.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import pathlib
from typing import Callable

import numpy as np
import tensorflow as tf

from tfv1_mnist import batching, contract, datasets, input_data
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError, Tfv1MnistError
from tfv1_mnist.progress import progress_bar
from tfv1_mnist.summaries import ScalarWriter

__all__ = [
    "NUM_CLASSES",
    "IMAGE_PIXELS",
    "SCOPE",
    "WEIGHTS_SEED",
    "BIASES_SEED",
    "NonFiniteLossError",
    "SoftmaxResult",
    "prepare",
    "as_datasets",
    "initializers",
    "seeded_graph",
    "initial_values",
    "initial_weights",
    "default_batches",
    "schedule",
    "check_initial",
    "check_datasets",
    "check_batches",
    "train_on_schedule",
    "NanWatch",
    "progbar",
    "progbar_update",
    "write_tensorboard",
]

_log = logging.getLogger(__name__)

NUM_CLASSES = 10
IMAGE_PIXELS = 28 * 28
#: The variable scope of the model: its variables are ``softmax_linear/weights``
#: and ``softmax_linear/biases`` (v1's graph variables, v2's module variables).
SCOPE = "softmax_linear"

#: Op-level seeds of the two initializers.  With the graph-level seed set to
#: ``config.seed`` they make the initial values depend on the seed alone, not on
#: how many ops were built before them, so ``initial_values`` matches ``v1.train``.
WEIGHTS_SEED = 1
BIASES_SEED = 2


class NonFiniteLossError(Tfv1MnistError):
    """A step's loss was NaN or infinite and ``stop_on_nan`` was set.

    Attributes:
      step: 0-based index of the first non-finite step.
      value: that step's loss (``nan`` or ``inf``).
      losses: float32 [step + 1], the losses up to and including it.
    """

    def __init__(self, message: str, step: int, value: float, losses: np.ndarray):
        super().__init__(message)
        self.step = step
        self.value = value
        self.losses = losses


@dataclasses.dataclass(frozen=True)
class SoftmaxResult:
    """What a softmax trainer returns (``v1.train``, ``v1.train_feed``, ``v2.train``).

    Attributes:
      loss: float32 [steps], the loss of each step's batch after its update.
      weights: float32 [784, 10], the trained W.
      biases: float32 [10], the trained b.
      test_accuracy: fraction of the test set classified right.
      nan_steps: how many entries of ``loss`` are not finite.
      train_seconds: wall time of the training steps (graph building, data
        upload, the session's first optimisation of the step graph, and the
        test evaluation excluded; ``v1.train`` counts the test set inside its
        last training run, well under 1% of the time).
      config: the ``SoftmaxConfig`` trained with.
      train_cpu_seconds: process CPU time of the training steps (all threads),
        which a busy machine disturbs less than ``train_seconds``.
      compile_seconds: with ``config.xla``, the wall time of compiling the
        step loop (``softmax.fast``), before the training steps; 0 otherwise.
    """

    loss: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    test_accuracy: float
    nan_steps: int
    train_seconds: float
    config: SoftmaxConfig
    train_cpu_seconds: float = float("nan")
    compile_seconds: float = 0.0

    @property
    def examples_per_second(self) -> float:
        """Training examples per second of ``train_seconds``: ``steps * batch_size / train_seconds``."""
        return self.config.steps * self.config.batch_size / max(self.train_seconds, 1e-12)


# --------------------------------------------------------------------------- data


def prepare(data: datasets.Mnist, *, seed: int | None = None) -> input_data.Datasets:
    """The model's preprocessing: TF1's ``Datasets`` with TF1's validation split.

    The first ``batching.tf1_validation_size(data.num_train)`` training images
    are held out (5000 of 60000, 333 of the sample's 4000), as TF1's
    ``read_data_sets`` did.

    Args:
      data: uint8 images [N, 28, 28] and labels [N].
      seed: seeds the private ``numpy.random.RandomState`` behind
        ``next_batch`` (numpy's global RNG is left alone); the floats do not
        depend on it.

    Returns:
      ``input_data.Datasets``: ``.train``, ``.validation``, ``.test`` with
      images float32 [n, 784] in [0, 1] and one-hot labels float64 [n, 10].
    """
    return input_data.from_mnist(
        data, one_hot=True, validation_size=batching.tf1_validation_size(data.num_train),
        rng=np.random.RandomState(seed))


def as_datasets(data, seed: int | None = None):
    """``data`` as TF1 ``Datasets``: a ``datasets.Mnist`` goes through ``prepare``; others pass as they are."""
    if isinstance(data, datasets.Mnist):
        data = prepare(data, seed=seed)
    check_datasets(data)
    return data


# ------------------------------------------------------------------ initial values


def initializers(init: str, initial=None):
    """The initializers of W and b: given values, zeros, or the seed's ``random_normal``.

    Args:
      init: ``"normal"`` (mean 0, stddev 1, seeded by the default graph's seed
        when it has one) or ``"zeros"``.
      initial: optional (W float32 [784, 10], b float32 [10]); wins over ``init``.

    Returns:
      (weights initializer, biases initializer), ``tf.compat.v1`` initializers.

    Raises:
      ConfigError: ``init`` is neither, or ``initial`` has the wrong shapes.
    """
    if initial is not None:
        weights, biases = check_initial(initial)
        return tf.compat.v1.constant_initializer(weights), tf.compat.v1.constant_initializer(biases)
    if init == "zeros":
        return tf.compat.v1.zeros_initializer(), tf.compat.v1.zeros_initializer()
    if init != "normal":
        raise ConfigError(f"init must be 'normal' or 'zeros', got {init!r}: fix --init")
    seeded = tf.compat.v1.get_default_graph().seed is not None
    # The seed's tf.random_normal(shape): mean 0, stddev 1.
    return (
        tf.compat.v1.random_normal_initializer(0.0, 1.0, seed=WEIGHTS_SEED if seeded else None),
        tf.compat.v1.random_normal_initializer(0.0, 1.0, seed=BIASES_SEED if seeded else None),
    )


def seeded_graph(config: SoftmaxConfig) -> tf.Graph:
    """A new ``tf.Graph`` whose graph-level seed is ``config.seed`` (unseeded when None)."""
    graph = tf.Graph()
    if config.seed is not None:
        graph.seed = config.seed
    return graph


def initial_values(config: SoftmaxConfig) -> tuple[np.ndarray, np.ndarray]:
    """The initial (W, b) that ``v1.train(config, ...)`` draws, and ``v2.train`` starts from.

    Identical to ``v1.train``'s draw when ``config.seed`` is set (the graph-level
    seed plus fixed op seeds); a fresh random draw when it is None.

    Returns:
      weights float32 [784, 10], biases float32 [10].
    """
    with seeded_graph(config).as_default() as graph:
        w_init, b_init = initializers(config.init)
        values = (w_init([IMAGE_PIXELS, NUM_CLASSES], tf.float32), b_init([NUM_CLASSES], tf.float32))
        with tf.compat.v1.Session(graph=graph) as sess:
            return tuple(sess.run(values))


def initial_weights(config: SoftmaxConfig) -> list[np.ndarray]:
    """``initial_values`` as the contract's list in canonical order: ``[W, b]``."""
    return list(initial_values(config))


# ---------------------------------------------------------------------- schedule


def default_batches(config: SoftmaxConfig, num_examples: int) -> np.ndarray:
    """TF1 ``next_batch`` order for ``config``: int64 [steps, batch_size] row indices.

    ``np.random.RandomState(config.seed)`` reproduces what the seed saw after
    ``read_data_sets(..., seed=config.seed)``; unseeded when the seed is None.

    Raises:
      ConfigError: ``config.batch_size`` is larger than ``num_examples``.
    """
    if config.batch_size > num_examples:
        raise ConfigError(
            f"--batch-size {config.batch_size} is larger than the training set "
            f"({num_examples} examples): pass a smaller --batch-size")
    return batching.tf1_batch_indices(
        num_examples, config.batch_size, config.steps, np.random.RandomState(config.seed))


def schedule(config: SoftmaxConfig, data: datasets.Mnist) -> contract.Schedule:
    """The contract's schedule: ``default_batches`` over the training set left after ``prepare``'s split.

    Raises:
      ConfigError: ``config.batch_size`` is larger than that training set.
    """
    n = data.num_train - batching.tf1_validation_size(data.num_train)
    return contract.Schedule.from_table(default_batches(config, n))


def train_on_schedule(train: Callable[..., "SoftmaxResult"], config: SoftmaxConfig, data,
                      schedule_: contract.Schedule, initial) -> contract.TrainResult:
    """Runs a twin's ``train`` behind the contract; each twin's ``train_on_schedule`` is this.

    Args:
      train: ``v1.train`` or ``v2.train``.
      config: the ``SoftmaxConfig``; its ``steps`` and ``batch_size`` become the
        schedule's.
      data: a ``datasets.Mnist`` (uint8), preprocessed by ``prepare``.
      schedule_: the batch order, rows of the training set after the split
        (``schedule``); every epoch must fill whole batches.
      initial: ``[W float32 [784, 10], b float32 [10]]``, the canonical order.

    Returns:
      ``contract.TrainResult``: weights ``(W, b)``, the loss of every step after
      its update, the test accuracy; ``native`` is the ``SoftmaxResult``.

    Raises:
      ConfigError: the schedule is empty, or an epoch ends in a short batch.
    """
    table = schedule_.table()
    if table.shape[0] < 1:
        raise ConfigError("the schedule has no steps: a softmax run needs at least one")
    if (config.steps, config.batch_size) != table.shape:
        config = dataclasses.replace(config, steps=table.shape[0], batch_size=table.shape[1])
    result = train(config, data, batches=table, initial=initial)
    return contract.TrainResult(
        weights=(result.weights, result.biases), step_loss=result.loss,
        loss_timing=contract.LOSS_AFTER_UPDATE, test_accuracy=result.test_accuracy,
        train_seconds=result.train_seconds, native=result)


# ------------------------------------------------------------------------ checks


def check_initial(initial) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) as float32 arrays; ConfigError unless they are [784, 10] and [10]."""
    weights, biases = (np.asarray(v, dtype=np.float32) for v in initial)
    if weights.shape != (IMAGE_PIXELS, NUM_CLASSES) or biases.shape != (NUM_CLASSES,):
        raise ConfigError(
            f"initial values must be W [{IMAGE_PIXELS}, {NUM_CLASSES}] and b [{NUM_CLASSES}], "
            f"got {weights.shape} and {biases.shape}")
    return weights, biases


def check_datasets(data) -> None:
    """ConfigError unless ``data.train`` and ``data.test`` hold images [N, 784] and one-hot labels [N, 10]."""
    for name in ("train", "test"):
        data_set = getattr(data, name)
        images, labels = np.shape(data_set.images), np.shape(data_set.labels)
        if len(images) != 2 or images[1] != IMAGE_PIXELS or labels != (images[0], NUM_CLASSES):
            raise ConfigError(
                f"datasets.{name} must hold images [N, {IMAGE_PIXELS}] and one-hot labels "
                f"[N, {NUM_CLASSES}], got {list(images)} and {list(labels)}: build it with "
                "input_data.from_mnist(mnist, one_hot=True) (reshape=True, the default), "
                "or pass the datasets.Mnist itself")


def check_batches(batches, config: SoftmaxConfig, num_examples: int) -> np.ndarray:
    """``batches`` as int64 [steps, batch_size] (``default_batches`` when None); ConfigError if they do not fit."""
    if batches is None:
        return default_batches(config, num_examples)
    batches = np.asarray(batches, dtype=np.int64)
    if batches.shape != (config.steps, config.batch_size):
        raise ConfigError(
            f"batches must be [steps, batch_size] = [{config.steps}, {config.batch_size}], "
            f"got {list(batches.shape)}")
    if batches.size and (batches.min() < 0 or batches.max() >= num_examples):
        raise ConfigError(f"batch indices must lie in [0, {num_examples}), the training set")
    return batches


# ------------------------------------------------------------- non-finite losses


def _non_finite_message(step: int, value: float, config: SoftmaxConfig) -> str:
    """The one log line (and error text) for the first non-finite loss."""
    if config.loss == "naive":
        reason = ("a softmax probability underflowed to 0 inside log() of the seed's loss "
                  "-reduce_sum(y * log(softmax(logits)))")
        fix = "use --loss stable (cross-entropy through log-softmax)"
    else:
        reason = "the logits overflowed: training diverged"
        fix = "lower --learning-rate or use --reduction mean"
    then = ("Stopped (--stop-on-nan)" if config.stop_on_nan else
            "Training continues, as the seed's did, unless --stop-on-nan is given")
    return f"step {step} (counting from 0): loss is {value}, not finite: {reason}; fix: {fix}. {then}"


class NanWatch:
    """Counts non-finite losses, logs the first once, raises if asked to stop.

    Args:
      config: its ``loss`` and ``stop_on_nan`` shape the message and the reaction.
    """

    def __init__(self, config: SoftmaxConfig):
        self.config = config
        self.count = 0
        self.first: int | None = None

    def update(self, start: int, losses: np.ndarray, so_far: Callable[[], np.ndarray]) -> None:
        """Looks at the losses of steps ``start, start + 1, ...``.

        Args:
          start: the step of ``losses[0]``.
          losses: float32 [k], new steps' losses.
          so_far: returns float32 [steps], every loss recorded so far (for the error).

        Raises:
          NonFiniteLossError: a loss is not finite and ``config.stop_on_nan``.
        """
        bad = ~np.isfinite(losses)
        if not bad.any():
            return
        self.count += int(bad.sum())
        if self.first is None:
            self.first = start + int(np.argmax(bad))
            value = float(losses[self.first - start])
            message = _non_finite_message(self.first, value, self.config)
            if self.config.stop_on_nan:  # the error carries the message, printed once
                raise NonFiniteLossError(message, step=self.first, value=value,
                                         losses=so_far()[: self.first + 1])
            _log.warning(message)


# ----------------------------------------------------------------------- reports


def progbar(steps: int, progress: bool):
    """``progress.progress_bar`` over ``steps`` steps (a bar on a terminal), or None when ``progress`` is off."""
    if not progress:
        return None
    return progress_bar(steps, unit_name="step")


def progbar_update(bar, done: int, losses: np.ndarray) -> None:
    """Moves ``bar`` (None: nothing) to ``done`` steps, showing the last of ``losses`` (float32 [k]) if finite."""
    if bar is None:
        return
    last = float(losses[-1]) if losses.size else float("nan")
    bar.update(done, values=[("loss", last)] if math.isfinite(last) else None)


def write_tensorboard(workdir, losses: np.ndarray) -> None:
    """Writes ``losses`` (float32 [steps]) as the ``loss`` scalar to ``workdir/tensorboard/``."""
    with ScalarWriter(pathlib.Path(workdir) / "tensorboard") as writer:
        for step, value in enumerate(losses):
            writer.scalar("loss", float(value), step)
