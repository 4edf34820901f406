"""TF1's ``DataSet``: the arrays, their conversion, and the ``next_batch`` cursor, seeded as TF1 seeded it.

Pattern: TF 1.x's ``contrib/learn/python/learn/datasets/mnist.py`` readers
(``extract_images``, ``extract_labels``, ``dense_to_one_hot``) and its
``DataSet`` class, seeded as TF1 seeded it (``input_data.seeds``); the batch
order itself is ``batching.EpochCursor``.  ``tfv1_mnist.input_data`` builds
``Datasets`` of these.
"""

from __future__ import annotations

import logging

import numpy as np

from tfv1_mnist import datasets
from tfv1_mnist.batching import EpochCursor
from tfv1_mnist.input_data.seeds import private_rng, tf1_numpy_seed

__all__ = ["DataSet", "dense_to_one_hot", "extract_images", "extract_labels", "image_dtype", "convert_images",
           "UNIT_SCALE"]

_log = logging.getLogger("tfv1_mnist.input_data")

# 1/255 rounded to float32: what ``float32_array * (1.0 / 255.0)`` multiplied by.
UNIT_SCALE = np.float32(1.0 / 255.0)


# --------------------------------------------------------------------------
# Conversions


def image_dtype(dtype) -> np.dtype:
    """numpy dtype of a TF or numpy dtype; TypeError unless uint8 or float32."""
    if hasattr(dtype, "as_numpy_dtype"):  # a tf.DType
        dtype = getattr(dtype, "base_dtype", dtype)
        label = repr(dtype)
        try:
            np_dtype = np.dtype(dtype.as_numpy_dtype)
        except TypeError:
            np_dtype = None
    else:
        try:
            np_dtype = np.dtype(dtype)
            label = f"tf.{np_dtype.name}"
        except TypeError:
            np_dtype, label = None, repr(dtype)
    if np_dtype not in (np.dtype(np.uint8), np.dtype(np.float32)):
        raise TypeError(f"Invalid image dtype {label}, expected uint8 or float32")
    return np_dtype


def convert_images(images: np.ndarray, dtype: np.dtype, reshape: bool) -> np.ndarray:
    """TF1's image conversion: flatten, then scale float32 by multiplication."""
    if reshape:
        if images.ndim == 4:
            if images.shape[3] != 1:
                raise AssertionError(f"images.shape: {images.shape}; reshape=True needs depth 1")
        elif images.ndim != 3:
            raise AssertionError(f"images.shape: {images.shape}; expected [N, rows, cols, 1]")
        images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
    if dtype == np.float32:
        images = _to_unit_float32(images)
    return images


# Rows are converted in blocks of about this many values (512 KiB of float32),
# so that each block is scaled while it is still in the CPU cache.
_BLOCK_VALUES = 1 << 17


def _to_unit_float32(images: np.ndarray) -> np.ndarray:
    """``images.astype(float32) * float32(1/255)``, value for value, in one allocation.

    Cast and multiply go block by block (each block scaled while in cache),
    which is faster than two passes over the whole array.
    """
    out = np.empty(images.shape, dtype=np.float32)
    n = images.shape[0] if images.ndim else 0
    if n == 0 or images.size < _BLOCK_VALUES:
        _scale_into(out, images)
        return out
    src = images.reshape(n, -1)
    dst = out.reshape(n, -1)
    rows = max(1, _BLOCK_VALUES // src.shape[1])
    for start in range(0, n, rows):
        _scale_into(dst[start:start + rows], src[start:start + rows])
    return out


def _scale_into(out: np.ndarray, values: np.ndarray) -> None:
    """``out[...] = values.astype(float32) * float32(1/255)`` (float32 ``out``, uint8 ``values``, same shape)."""
    np.copyto(out, values, casting="unsafe")
    np.multiply(out, UNIT_SCALE, out=out)


def dense_to_one_hot(labels_dense: np.ndarray, num_classes: int) -> np.ndarray:
    """Converts class labels from scalars to one-hot vectors (TF1's function).

    Args:
      labels_dense: int - [N] class indices.
      num_classes: number of classes.

    Returns:
      float64 - [N, num_classes].
    """
    num_labels = labels_dense.shape[0]
    index_offset = np.arange(num_labels) * num_classes
    labels_one_hot = np.zeros((num_labels, num_classes))
    labels_one_hot.flat[index_offset + labels_dense.ravel()] = 1
    return labels_one_hot


def extract_images(f) -> np.ndarray:
    """Extracts the images into a 4D uint8 numpy array [index, y, x, depth].

    Args:
      f: a binary file object of an IDX image file, gzipped (as TF1 required)
        or raw.

    Returns:
      uint8 - [N, rows, cols, 1].

    Raises:
      ValueError: if the bytestream does not start with 2051
        (``Invalid magic number %d in MNIST image file: %s``); a
        `tfv1_mnist.errors.DataError`, which is a ValueError, for a truncated
        or corrupt file.
    """
    name = getattr(f, "name", "<stream>")
    print("Extracting", name)
    data = datasets.read_idx(f, name=str(name), kind="images")
    return data.reshape(data.shape + (1,))


def extract_labels(f, one_hot: bool = False, num_classes: int = 10) -> np.ndarray:
    """Extracts the labels into a 1D uint8 numpy array [index].

    Args:
      f: a binary file object of an IDX label file, gzipped or raw.
      one_hot: return one-hot float64 labels.
      num_classes: number of classes for the one-hot encoding.

    Returns:
      uint8 - [N], or float64 - [N, num_classes] if ``one_hot``.

    Raises:
      ValueError: if the bytestream does not start with 2049
        (``Invalid magic number %d in MNIST label file: %s``), or the file is
        truncated or corrupt (`tfv1_mnist.errors.DataError`).
    """
    name = getattr(f, "name", "<stream>")
    print("Extracting", name)
    labels = datasets.read_idx(f, name=str(name), kind="labels")
    if one_hot:
        return dense_to_one_hot(labels, num_classes)
    return labels


# --------------------------------------------------------------------------
# DataSet


class DataSet:
    """Images and labels with TF1's ``next_batch`` (TF1's ``DataSet``).

    Args:
      images: uint8 - [N, rows, cols, 1] (or [N, rows, cols]); with
        ``reshape=False`` and uint8 any shape whose first axis is N.
      labels: [N] class indices or [N, C] one-hot labels; kept as given.
      fake_data: a stand-in of 10000 examples whose ``next_batch(fake_data=True)``
        returns constant batches.
      one_hot: for ``fake_data``: the fake labels are one-hot.
      dtype: ``tf.float32``/``np.float32`` (scale to [0, 1]) or
        ``tf.uint8``/``np.uint8`` (leave as is).
      reshape: flatten images to [N, rows * cols].
      seed: TF1's seed: ``numpy.random.seed`` is called with it (or with the
        graph-level seed when None, else with None).
      rng: instead of the global RNG, shuffle with this
        ``numpy.random.RandomState`` (or an int seed for one); the global RNG is
        then neither seeded nor used.  Not in TF1.

    Raises:
      TypeError: ``dtype`` is neither uint8 nor float32.
      AssertionError: image and label counts differ (as TF1's assert did).
    """

    def __init__(
        self,
        images,
        labels,
        fake_data: bool = False,
        one_hot: bool = False,
        dtype=np.float32,
        reshape: bool = True,
        seed: int | None = None,
        *,
        rng=None,
        _converted: bool = False,
    ):
        self._rng = private_rng(seed, rng)
        if self._rng is None:
            np.random.seed(tf1_numpy_seed(seed))
            self._rng = np.random
        np_dtype = image_dtype(dtype)
        self.one_hot = one_hot
        self._cursor: EpochCursor | None = None
        self._view_order = None
        self._view_cache = None
        if fake_data:
            self._num_examples = 10000
        else:
            images = np.asarray(images)
            labels = np.asarray(labels)
            if images.shape[0] != labels.shape[0]:
                raise AssertionError(f"images.shape: {images.shape} labels.shape: {labels.shape}")
            self._num_examples = int(images.shape[0])
            if not _converted:
                images = convert_images(images, np_dtype, reshape)
            self._cursor = EpochCursor(self._num_examples, rng=self._rng)
        self._images = images
        self._labels = labels

    @property
    def images(self):
        """The images, in the current (shuffled) order, as TF1 kept them.

        float32 in [0, 1] (or uint8) - [N, rows * cols], or [N, rows, cols, 1]
        without ``reshape``; a list for a fake set.
        """
        return self._current(self._images, 0)

    @property
    def labels(self):
        """The labels, in the same order as ``images``: as given, e.g. uint8 - [N] or float64 - [N, 10] one-hot."""
        return self._current(self._labels, 1)

    @property
    def num_examples(self) -> int:
        """Number of examples (10000 for a fake set)."""
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        """Epochs finished; counted lazily, when a batch first crosses the end."""
        return self._cursor.epochs_completed if self._cursor is not None else 0

    def _current(self, array, which: int):
        # TF1 permuted its arrays at every shuffle; here they stay in file order
        # and are permuted on access, once per shuffle (cached).
        if self._cursor is None or not isinstance(array, np.ndarray):
            return array
        order = self._cursor.order
        if self._view_order is None or not np.array_equal(order, self._view_order):
            self._view_order = order.copy()
            identity = bool(np.array_equal(order, np.arange(order.shape[0])))
            self._view_cache = None if identity else {}
        if self._view_cache is None:
            return array
        if which not in self._view_cache:
            self._view_cache[which] = np.take(array, self._view_order, axis=0)
        return self._view_cache[which]

    def next_batch(self, batch_size: int, fake_data: bool = False, shuffle: bool = True):
        """Returns the next ``batch_size`` examples from this data set.

        Args:
          batch_size: number of examples.
          fake_data: return ``batch_size`` copies of a fake image (``[1] * 784``)
            and label (``[1] + [0] * 9`` if ``one_hot``, else ``0``), as lists.
          shuffle: shuffle at the first epoch and at each epoch boundary.

        Returns:
          ``(images, labels)``: images [batch_size, ...] in this set's dtype,
          labels [batch_size] or [batch_size, C].
        """
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return [fake_image for _ in range(batch_size)], [fake_label for _ in range(batch_size)]
        idx = self._cursor.next(batch_size, shuffle=shuffle)
        return np.take(self._images, idx, axis=0), np.take(self._labels, idx, axis=0)

    def __repr__(self) -> str:
        return f"DataSet(num_examples={self._num_examples}, epochs_completed={self.epochs_completed})"
