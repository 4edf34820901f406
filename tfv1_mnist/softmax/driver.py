"""The loop both softmax twins drive, and what it reports: ``drive``, ``NanWatch``, ``SoftmaxResult``.

``v1`` (a ``Session.run`` of a TF1 while loop) and ``v2`` (a ``tf.function``)
differ only in how they run k steps.  ``drive`` does the rest alike: the
chunks of the batch table, the loss buffer, the non-finite-loss watch, the
progress bar, the per-step callback and the training clock.
``train_on_schedule`` puts a twin's ``train`` behind the contract.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Callable

import numpy as np

from tfv1_mnist import contract
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError, Tfv1MnistError
from tfv1_mnist.progress import progress_bar

__all__ = [
    "NonFiniteLossError",
    "SoftmaxResult",
    "Driven",
    "chunk_size",
    "drive",
    "NanWatch",
    "progbar",
    "progbar_update",
    "train_on_schedule",
]

_log = logging.getLogger(__name__)

#: ``run_chunk(rows, last)``: trains on ``rows`` (int64 [k, batch_size]) and
#: returns (float32 [k'] losses, a function returning (W, b)); ``last`` is
#: True for the run that ends training.
RunChunk = Callable[[np.ndarray, bool], "tuple[np.ndarray, Callable[[], tuple]]"]


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
        last training run).
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


@dataclasses.dataclass(frozen=True)
class Driven:
    """What ``drive`` measured.

    Attributes:
      losses: float32 [steps], each step's loss (NaN where a stopped run did not reach).
      nan_steps: how many losses were not finite.
      train_seconds, train_cpu_seconds: wall and process CPU time of the runs.
    """

    losses: np.ndarray
    nan_steps: int
    train_seconds: float
    train_cpu_seconds: float


def chunk_size(steps_per_run: int | None, step_callback, *, default: int) -> int:
    """Steps per run of a twin: 1 with a per-step callback, else ``steps_per_run`` or ``default``.

    Raises:
      ConfigError: the result is below 1.
    """
    if step_callback is not None:
        return 1
    steps_per_run = default if steps_per_run is None else steps_per_run
    if steps_per_run < 1:
        raise ConfigError(f"steps_per_run must be >= 1, got {steps_per_run}")
    return steps_per_run


def drive(config: SoftmaxConfig, batches: np.ndarray, run_chunk: RunChunk, *, steps_per_run: int,
          progress: bool = False,
          step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None) -> Driven:
    """Runs every step of ``batches``, ``steps_per_run`` at a time, through ``run_chunk``.

    Args:
      config: ``steps``, ``loss`` and ``stop_on_nan`` are used.
      batches: int64 [steps, batch_size] row indices.
      run_chunk: the twin's "run k steps" (``RunChunk``).
      steps_per_run: rows per ``run_chunk`` call (1 with ``step_callback``).
      progress: show progress (``progress.progress_bar``: a bar on a terminal).
      step_callback: ``step_callback(step, loss, W, b)`` after each call.

    Returns:
      A ``Driven``.

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
    """
    losses = np.full(config.steps, np.nan, dtype=np.float32)
    watch = NanWatch(config)
    bar = progbar(config.steps, progress)
    start, start_cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < config.steps:
        chunk = batches[done: done + steps_per_run]
        got, params = run_chunk(chunk, done + chunk.shape[0] >= config.steps)
        losses[done: done + got.shape[0]] = got
        watch.update(done, got, lambda: losses)
        done += got.shape[0]
        if step_callback is not None:
            step_callback(done - 1, float(got[-1]), *params())
        progbar_update(bar, done, got)
    return Driven(losses=losses, nan_steps=watch.count, train_seconds=time.perf_counter() - start,
                  train_cpu_seconds=time.process_time() - start_cpu)


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


def train_on_schedule(train: Callable[..., SoftmaxResult], config: SoftmaxConfig, data,
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
