"""The CNN's seeded start: initial weights and each epoch's order, from an explicit seed.

Randomness is explicit: the initial weights come from ``initial_weights(seed)``
(NumPy, Glorot-uniform kernels, zero biases) and each epoch's order from
``epoch_indices(n, seed, epoch)``.  No TensorFlow random op is used, so the
code runs unchanged with or without op determinism, and every implementation
starts from the same weights and sees the same batches.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tfv1_mnist import contract
from tfv1_mnist.cnn.shapes import WEIGHT_SHAPES
from tfv1_mnist.errors import ConfigError

__all__ = [
    "initial_weights",
    "epoch_indices",
    "draw_run_seed",
    "schedule",
    "check_batches",
    "schedule_batches",
]


def _fan_in_out(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def initial_weights(seed: int) -> list[np.ndarray]:
    """Draws the initial weights the way Keras does, from an explicit seed.

    Kernels are Glorot-uniform (``U(-l, l)``, ``l = sqrt(6 / (fan_in + fan_out))``),
    biases are zero.  NumPy's PCG64, seeded with ``(seed, layer)``, draws them, so
    they are the same on every platform and need no TensorFlow random op.

    Args:
      seed: a non-negative int.

    Returns:
      8 float32 arrays with shapes ``WEIGHT_SHAPES`` (Keras Sequential order).

    Raises:
      ConfigError: ``seed`` is None or negative.
    """
    if seed is None or int(seed) < 0:
        raise ConfigError(f"initial_weights needs a non-negative int seed, got {seed!r}")
    weights = []
    for i, shape in enumerate(WEIGHT_SHAPES):
        if i % 2:  # bias
            weights.append(np.zeros(shape, np.float32))
            continue
        fan_in, fan_out = _fan_in_out(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        rng = np.random.default_rng([int(seed), 0x5EED, i // 2])
        weights.append(rng.uniform(-limit, limit, size=shape).astype(np.float32))
    return weights


def epoch_indices(num_examples: int, seed: int, epoch: int) -> np.ndarray:
    """The training order of one epoch, derived from ``(seed, epoch)`` only.

    Args:
      num_examples: training set size N.
      seed: a non-negative int (the run's seed).
      epoch: 0-based epoch number.

    Returns:
      int64 [N], a permutation of ``range(N)``; batches are its consecutive
      ``batch_size`` slices, the last one partial (as Keras does).
    """
    rng = np.random.default_rng([int(seed), 0xBA7C, int(epoch)])
    return rng.permutation(int(num_examples)).astype(np.int64)


def draw_run_seed() -> int:
    """A fresh seed in [0, 2**31) for an unseeded run (``v2``, ``keras_reference``)."""
    return int(np.random.SeedSequence().entropy % (2**31))


def schedule(config: Any, data: Any) -> contract.Schedule:
    """The CNN's ``ModelSpec.schedule``: ``config.epochs`` orders ``epoch_indices(N, seed, e)``.

    Args:
      config: a seeded ``CNNConfig``.
      data: a ``datasets.Mnist`` (only ``num_train`` is read).

    Returns:
      A ``contract.Schedule`` of ``config.batch_size`` batches.
    """
    return contract.Schedule(tuple(epoch_indices(data.num_train, config.seed, e)
                                   for e in range(config.epochs)), config.batch_size)


def check_batches(batches, num_examples: int, epochs: int) -> list[np.ndarray] | None:
    """Checks given training orders, one per epoch, before any epoch trains.

    Args:
      batches: a sequence of int [M] row indices into the training set, at
        least ``epochs`` of them, each non-empty; or None.
      num_examples: training set size N.
      epochs: how many epochs will train.

    Returns:
      The first ``epochs`` orders as int64 [M] arrays, or None for None.

    Raises:
      ConfigError: too few orders, or one that is not a non-empty 1-D array of
        indices in [0, N).
    """
    if batches is None:
        return None
    if len(batches) < epochs:
        raise ConfigError(f"batches holds {len(batches)} epochs but config.epochs is {epochs}")
    orders = []
    for epoch in range(epochs):
        order = np.asarray(batches[epoch], dtype=np.int64)
        if order.ndim != 1 or order.size == 0:
            raise ConfigError(
                f"batches[{epoch}] must be a non-empty 1-D index array, got shape {order.shape}")
        if order.min() < 0 or order.max() >= num_examples:
            raise ConfigError(
                f"batches[{epoch}] holds indices outside the training set (0..{num_examples - 1})")
        orders.append(order)
    return orders


def schedule_batches(config: Any, data: Any, sched: contract.Schedule) -> list[np.ndarray]:
    """A contract schedule as the ``batches`` argument of a ``train_and_evaluate``.

    Args:
      config: the ``CNNConfig``; its ``epochs`` and ``batch_size`` must be the schedule's.
      data: the data set the schedule indexes (only ``x_train``'s length is read).
      sched: a ``contract.Schedule``.

    Returns:
      ``list(sched.epochs)``: one int64 [M] order per epoch.

    Raises:
      ConfigError: the schedule has another batch size or number of epochs than
        ``config``, or indexes rows outside the training set.
    """
    if sched.batch_size != config.batch_size or len(sched.epochs) != config.epochs:
        raise ConfigError(
            f"the schedule has {len(sched.epochs)} epoch(s) of batch {sched.batch_size} but the "
            f"config asks for {config.epochs} of batch {config.batch_size}: draw the schedule "
            "from the same config")
    sched.check(len(data.x_train))
    return list(sched.epochs)
