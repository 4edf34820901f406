"""What the CNN's three implementations share: shapes, initial weights, orders, checks, inputs.

Pattern: a subpackage's ``common`` module (``STYLE.md``).  ``v1`` (the TF1
graph twin), ``v2`` (the TF2 custom loop) and ``keras_reference`` (the seed's
``fit``) import their constants, their seeded randomness, their argument checks
and their preprocessing from here, and nothing from one another, so every
implementation starts from the same weights, sees the same batches and the same
floats.

Architecture (the seed's, 10,000 parameters)::

    conv 3x3x28 + ReLU (VALID) -> max-pool 2 -> conv 4x4x10 + ReLU -> max-pool 2
    -> flatten (250) -> dense 20 + ReLU -> dense 10 (logits)

Randomness is explicit: the initial weights come from ``initial_weights(seed)``
(NumPy, Glorot-uniform kernels, zero biases) and each epoch's order from
``epoch_indices(n, seed, epoch)``.  No TensorFlow random op is used, so the
code runs unchanged with or without op determinism.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.errors import ConfigError, DataError

__all__ = [
    "IMAGE_SIZE",
    "NUM_CLASSES",
    "LAYER_NAMES",
    "WEIGHT_SHAPES",
    "WEIGHT_NAMES",
    "NUM_PARAMS",
    "LAYER_MACS",
    "TRAIN_FLOPS_PER_EXAMPLE",
    "KERAS_ADAM",
    "HISTORY_KEYS",
    "EPOCH_KEYS",
    "initial_weights",
    "epoch_indices",
    "draw_run_seed",
    "schedule",
    "check_weights",
    "check_images",
    "check_data",
    "check_batches",
    "schedule_batches",
    "empty_history",
    "train_result",
    "scale_images",
    "as_nhwc",
    "prepare_images",
    "make_dataset",
]

IMAGE_SIZE = 28
NUM_CLASSES = 10

#: The layers, in order; each holds a kernel and a bias.
LAYER_NAMES = ("conv1", "conv2", "dense1", "dense2")

#: Shapes of the weights, in Keras ``Sequential.get_weights()`` order (the canonical order).
WEIGHT_SHAPES: tuple[tuple[int, ...], ...] = (
    (3, 3, 1, 28), (28,),      # conv1: kernel HWIO, bias
    (4, 4, 28, 10), (10,),     # conv2
    (250, 20), (20,),          # dense1 (flattened 5x5x10, NHWC order as Keras' Flatten)
    (20, NUM_CLASSES), (NUM_CLASSES,),  # dense2 (logits)
)

#: Names of ``WEIGHT_SHAPES``' arrays: ``conv1/kernel``, ``conv1/bias``, ...
WEIGHT_NAMES: tuple[str, ...] = tuple(f"{layer}/{kind}" for layer in LAYER_NAMES
                                      for kind in ("kernel", "bias"))

NUM_PARAMS = int(sum(np.prod(s) for s in WEIGHT_SHAPES))  # 10,000


#: Multiply-adds of each layer's forward pass, per example (output size x kernel
#: size); each of its backward products (input and weight gradients) costs the same.
LAYER_MACS: dict[str, int] = {
    "conv1": 26 * 26 * 28 * (3 * 3 * 1),
    "conv2": 10 * 10 * 10 * (4 * 4 * 28),
    "dense1": 250 * 20,
    "dense2": 20 * 10,
}

#: About 3.7 MFLOP per training example: the multiply-adds x2 for FLOPs, x3 for
#: the forward and the two backward products (the first conv's input gradient is
#: not needed, but it is small).
TRAIN_FLOPS_PER_EXAMPLE = 3 * 2 * float(sum(LAYER_MACS.values()))

#: ``tf.compat.v1.train.AdamOptimizer`` arguments equal to ``keras.optimizers.Adam()``'s defaults.
KERAS_ADAM = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}

#: The lists of a training history, the same for every implementation: one value
#: per epoch for the first five (``EPOCH_KEYS``), one per step for ``step_loss``.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "step_loss")
EPOCH_KEYS = HISTORY_KEYS[:5]


def empty_history() -> dict[str, list]:
    """A history with every ``HISTORY_KEYS`` list empty."""
    return {k: [] for k in HISTORY_KEYS}


# --------------------------------------------------------------------------- seeded randomness


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


# --------------------------------------------------------------------------- checks


def check_weights(weights: Sequence[np.ndarray]) -> None:
    """Raises ConfigError unless ``weights`` are 8 arrays of ``WEIGHT_SHAPES``, in order."""
    shapes = tuple(tuple(np.shape(w)) for w in weights)
    if shapes != WEIGHT_SHAPES:
        raise ConfigError(
            f"CNN weights must be 8 arrays with shapes {WEIGHT_SHAPES} (Keras Sequential "
            f"order), got {shapes}"
        )


def check_images(x: np.ndarray, what: str) -> np.ndarray:
    """``x`` as images [N,28,28] (a trailing channel of 1 is dropped).

    Raises:
      DataError: ``x`` is not [N,28,28] or [N,28,28,1]; the message names ``what``.
    """
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError(f"{what} must be images [N,28,28], got shape {x.shape}")
    return x


def check_data(data) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checks a data set's arrays before training on it.

    Args:
      data: a ``datasets.Mnist`` (or anything with its ``x_train``, ``y_train``,
        ``x_test``, ``y_test``).

    Returns:
      ``(x_train [N,28,28], y_train [N], x_test [M,28,28], y_test [M])`` as
      numpy arrays of the dtypes given (uint8 for MNIST).

    Raises:
      DataError: images not [N,28,28(,1)], labels and images of different
        lengths, or an empty training set.
    """
    x_train = check_images(data.x_train, "x_train")
    x_test = check_images(data.x_test, "x_test")
    y_train, y_test = np.asarray(data.y_train), np.asarray(data.y_test)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test) or len(x_train) == 0:
        raise DataError(
            f"data set {getattr(data, 'name', '?')!r}: images and labels differ in length "
            f"or the training set is empty ({len(x_train)}/{len(y_train)}, "
            f"{len(x_test)}/{len(y_test)})")
    return x_train, y_train, x_test, y_test


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


def train_result(weights: Sequence[np.ndarray], history: dict, native: Any) -> contract.TrainResult:
    """The ``contract.TrainResult`` of one CNN run, from its ``train_and_evaluate`` history.

    Args:
      weights: the 8 trained float32 arrays, in Keras order.
      history: the run's ``HISTORY_KEYS`` lists (every step's loss is taken
        before its update, as Keras' ``train_step`` does).
      native: the implementation's own result (a ``v2.CNN``, a Keras model, the v1 weights).

    Returns:
      A ``contract.TrainResult``: the last epoch's ``val_accuracy`` is the test
      accuracy, the sum of ``epoch_seconds`` the training time.
    """
    return contract.TrainResult(
        weights=weights, step_loss=history["step_loss"], loss_timing=contract.LOSS_BEFORE_UPDATE,
        test_accuracy=history["val_accuracy"][-1], train_seconds=float(sum(history["epoch_seconds"])),
        history={k: history[k] for k in EPOCH_KEYS}, native=native)


# --------------------------------------------------------------------------- inputs


def scale_images(images: tf.Tensor, normalize: bool) -> tf.Tensor:
    """Casts pixels to float32 and, with ``normalize``, divides by 255.

    Args:
      images: uint8 or float [..., 28, 28(, 1)] pixels in 0..255.
      normalize: divide by 255 (``x / 255``, exactly what ``prepare_images`` does
        to its NumPy input) or keep raw 0..255 values (the seed).

    Returns:
      float32 tensor of the same shape.
    """
    x = tf.cast(images, tf.float32)
    return x / 255.0 if normalize else x


def as_nhwc(images: tf.Tensor) -> tf.Tensor:
    """Reshapes [N,28,28] or [N,28,28,1] to [N,28,28,1] (same dtype)."""
    return tf.reshape(images, [-1, IMAGE_SIZE, IMAGE_SIZE, 1])


def prepare_images(x: np.ndarray, normalize: bool) -> np.ndarray:
    """The seed's Keras input: float32 [N,28,28,1], raw 0..255 or (``normalize``) ``x / 255``.

    Args:
      x: uint8 [N,28,28] images.
      normalize: divide by 255 (bit-identical to ``scale_images``).

    Returns:
      float32 [N,28,28,1].
    """
    x = np.asarray(x).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1).astype(np.float32)
    return x / np.float32(255.0) if normalize else x


def make_dataset(x: np.ndarray | tf.Tensor, y: np.ndarray | tf.Tensor, indices: np.ndarray,
                 batch_size: int) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of one epoch's batches, in the given order.

    The order is passed in (``epoch_indices`` reshuffles every epoch from
    ``(seed, epoch)``), so the pipeline itself holds no random state.

    Args:
      x: images [N, ...]: uint8 [N,28,28] in ``v2``; ``keras_reference`` passes
        its float32 [N,28,28,1].
      y: labels [N]: uint8 in ``v2``, int64 in ``keras_reference``.
      indices: int64 [M] order of the epoch (M <= N).
      batch_size: examples per batch; the last batch may be smaller.

    Returns:
      A dataset of ``(images [B, ...], labels [B])`` of ``x``'s and ``y``'s
      dtypes, prefetched.
    """
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y)
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(indices, np.int64)).batch(batch_size)
    ds = ds.map(lambda idx: (tf.gather(x, idx), tf.gather(y, idx)),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
