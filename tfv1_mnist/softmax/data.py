"""The softmax regressor's data: TF1's ``Datasets`` from a ``datasets.Mnist``, and its batch order.

``v1`` and ``v2`` both see the same floats and the same batches through here:
``prepare`` (uint8 images to TF1's float32 ``Datasets`` with TF1's validation
split), ``default_batches`` (TF1's ``next_batch`` order from ``config.seed``)
and the checks of both.
"""

from __future__ import annotations

import numpy as np

from tfv1_mnist import batching, contract, datasets, input_data, ops
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError

__all__ = [
    "NUM_CLASSES",
    "IMAGE_PIXELS",
    "prepare",
    "as_datasets",
    "check_datasets",
    "default_batches",
    "schedule",
    "check_batches",
    "predict_proba",
]

NUM_CLASSES = 10
IMAGE_PIXELS = 28 * 28


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


def predict_proba(weights: np.ndarray, biases: np.ndarray, images: np.ndarray) -> np.ndarray:
    """Class probabilities of the trained regressor on uint8 images, in NumPy.

    Pixels are scaled as TF1's ``input_data`` did (float32 times 1/255).

    Args:
      weights: float32 [784, 10]; biases: float32 [10].
      images: uint8 [N, 28, 28].

    Returns:
      float32 [N, 10]; rows are NaN where the weights are.
    """
    x = images.reshape(len(images), -1).astype(np.float32) * np.float32(1.0 / 255.0)
    logits = x @ np.asarray(weights, np.float32) + np.asarray(biases, np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        return ops.np_softmax(logits, axis=1).astype(np.float32)
