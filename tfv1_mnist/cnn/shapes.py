"""The seed's CNN in numbers: its layers' shapes, and the checks that weights and data fit them.

Architecture (the seed's, 10,000 parameters)::

    conv 3x3x28 + ReLU (VALID) -> max-pool 2 -> conv 4x4x10 + ReLU -> max-pool 2
    -> flatten (250) -> dense 20 + ReLU -> dense 10 (logits)

``v1`` (the TF1 graph twin), ``v2`` (the TF2 custom loop) and
``keras_reference`` (the seed's ``fit``) take their shapes and their checks
from here, and nothing from one another.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

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
    "check_weights",
    "as_image_batch",
    "check_data",
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


def check_weights(weights: Sequence[np.ndarray]) -> None:
    """Raises ConfigError unless ``weights`` are 8 arrays of ``WEIGHT_SHAPES``, in order."""
    shapes = tuple(tuple(np.shape(w)) for w in weights)
    if shapes != WEIGHT_SHAPES:
        raise ConfigError(
            f"CNN weights must be 8 arrays with shapes {WEIGHT_SHAPES} (Keras Sequential "
            f"order), got {shapes}"
        )


def as_image_batch(x: np.ndarray, what: str) -> np.ndarray:
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
    x_train = as_image_batch(data.x_train, "x_train")
    x_test = as_image_batch(data.x_test, "x_test")
    y_train, y_test = np.asarray(data.y_train), np.asarray(data.y_test)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test) or len(x_train) == 0:
        raise DataError(
            f"data set {getattr(data, 'name', '?')!r}: images and labels differ in length "
            f"or the training set is empty ({len(x_train)}/{len(y_train)}, "
            f"{len(x_test)}/{len(y_test)})")
    return x_train, y_train, x_test, y_test
