"""A drop-in replacement for TF 1.x's MNIST ``input_data`` module.

TF1-era scripts start with ``from tensorflow.examples.tutorials.mnist import
input_data``; that module (a wrapper of
``tensorflow/contrib/learn/python/learn/datasets/mnist.py``) is gone from
TensorFlow 2.  This module has its public API and its behaviour, value for
value: ``read_data_sets`` -> ``Datasets(train, validation, test)`` of
``DataSet`` objects whose ``next_batch`` returns the same batches, in the same
order, for the same seed.  ``tfv1-mnist run-legacy`` makes the old import
paths resolve here.

Pattern: TF1's own module (readers ``extract_images``/``extract_labels``, a
``DataSet`` with a ``next_batch`` cursor, ``read_data_sets`` gluing them),
standing on ``tfv1_mnist.datasets`` for file parsing and on
``tfv1_mnist.batching.EpochCursor`` for the batch order.

What it reproduces exactly:

* float32 images are ``uint8 * float32(1/255)`` computed in float32 (a
  multiply, not a divide), uint8 images are left unscaled, any other dtype
  raises ``TypeError('Invalid image dtype ...')``; ``reshape=True`` gives
  [N, 784], else [N, 28, 28, 1];
* one-hot labels are float64 [N, 10];
* validation is the *first* ``validation_size`` training examples;
* ``next_batch`` shuffles at the start of the first epoch, joins the tail of
  an epoch to the head of the next, and counts ``epochs_completed`` lazily;
* seeding: every ``DataSet`` constructor calls ``numpy.random.seed`` as TF1
  did (``seed``, else the graph-level or eager global seed, else ``None``:
  fresh entropy) and shuffles with numpy's *global* RNG.  Pass ``rng=`` (a
  ``numpy.random.RandomState``) to leave the global RNG alone; a
  ``RandomState(S)`` gives exactly TF1's order for ``seed=S``.

What it adds: ``train_dir`` may also be a folder holding ``mnist.npz`` or an
``.npz`` path; ``$TFV1_MNIST_DATA`` sends every call to one data set;
``from_mnist`` builds the same ``Datasets`` from a ``datasets.Mnist``; and on
the embedded sample (4000 training digits) the *default* validation size is
scaled to TF1's ratio, 5000/60000 of the training set.
"""

from __future__ import annotations

import collections
import logging
import os
import pathlib
import sys

import numpy as np

from tfv1_mnist import datasets
from tfv1_mnist.batching import TF1_TRAIN, TF1_VALIDATION, EpochCursor, tf1_validation_size
from tfv1_mnist.errors import DataError

__all__ = [
    "DEFAULT_SOURCE_URL",
    "DATA_ENV",
    "Datasets",
    "DataSet",
    "dense_to_one_hot",
    "extract_images",
    "extract_labels",
    "from_mnist",
    "load_mnist",
    "read_data_sets",
]

_log = logging.getLogger(__name__)

#: TF1's download location (``source_url`` default).
DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

#: Environment variable naming a data set (npz, IDX folder or "sample") that
#: every ``read_data_sets`` call reads, whatever folder it names.
DATA_ENV = "TFV1_MNIST_DATA"

#: TF1's ``base.Datasets``.
Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])

# tensorflow/python/framework/random_seed.py truncates seeds modulo this.
_MAXINT32 = 2**31 - 1

# 1/255 rounded to float32: what ``float32_array * (1.0 / 255.0)`` multiplied by.
_SCALE = np.float32(1.0 / 255.0)

# Set by run-legacy's bootstrap in its child process: a folder without MNIST
# files falls back to the cache, then the sample, and never downloads.
_legacy_mode = False


class _DefaultValidationSize(int):
    """``5000``, but distinguishable from an explicit ``validation_size=5000``."""

    def __repr__(self) -> str:
        return str(int(self))


_DEFAULT_VALIDATION = _DefaultValidationSize(TF1_VALIDATION)


# --------------------------------------------------------------------------
# Seeds, as tensorflow/python/framework/random_seed.py's get_seed computed them


def _global_seed() -> int | None:
    """The graph-level (graph mode) or global (eager) seed, read without side effects.

    ``tf.compat.v1.get_seed`` would advance the eager op-seed counter, so the
    seed is read directly.  If TensorFlow was never imported, no seed can have
    been set.
    """
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    try:
        if tf.executing_eagerly():
            from tensorflow.python.eager import context

            return context.global_seed()
        return tf.compat.v1.get_default_graph().seed
    except Exception:  # pragma: no cover - a partly imported or unusual TF
        _log.debug("could not read TensorFlow's global seed", exc_info=True)
        return None


def _tf1_numpy_seed(seed: int | None) -> int | None:
    """What TF1's ``DataSet`` passed to ``numpy.random.seed`` for ``seed``.

    TF1: ``seed1, seed2 = random_seed.get_seed(seed)``, then
    ``numpy.random.seed(seed1 if seed is None else seed2)``.  ``seed1`` is the
    graph-level seed (``DEFAULT_GRAPH_SEED`` only matters when an op seed is
    given, and then ``seed2`` is used); ``get_seed`` turns ``(0, 0)`` into
    ``(0, 2**31 - 1)``.
    """
    global_seed = _global_seed()
    if seed is None:
        return None if global_seed is None else global_seed % _MAXINT32
    op_seed = seed % _MAXINT32
    if global_seed is not None and global_seed % _MAXINT32 == 0 and op_seed == 0:
        return _MAXINT32  # get_seed avoids (0, 0)
    return op_seed


def _private_rng(seed: int | None, rng):
    """``rng`` as a private RNG (see `_as_rng`), or None when not given; refuses both ``seed`` and ``rng``."""
    if rng is None:
        return None
    if seed is not None:
        raise ValueError(
            "pass seed (TF1's seeding of the global numpy RNG) or rng (a private "
            "numpy.random.RandomState), not both"
        )
    return _as_rng(rng)


def _as_rng(rng):
    """A private RNG from ``rng``: a RandomState/Generator, or an int seed."""
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    if not hasattr(rng, "shuffle"):
        raise TypeError(
            f"rng must be a numpy.random.RandomState (or Generator, or an int seed), got {type(rng).__name__}"
        )
    return rng


# --------------------------------------------------------------------------
# Conversions


def _image_dtype(dtype) -> np.dtype:
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


def _convert_images(images: np.ndarray, dtype: np.dtype, reshape: bool) -> np.ndarray:
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
    np.multiply(out, _SCALE, out=out)


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


def _read32(bytestream) -> np.uint32:
    """Reads one big-endian uint32 (TF1's private helper)."""
    dt = np.dtype(np.uint32).newbyteorder(">")
    return np.frombuffer(bytestream.read(4), dtype=dt)[0]


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
        self._rng = _private_rng(seed, rng)
        if self._rng is None:
            np.random.seed(_tf1_numpy_seed(seed))
            self._rng = np.random
        np_dtype = _image_dtype(dtype)
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
                images = _convert_images(images, np_dtype, reshape)
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


# --------------------------------------------------------------------------
# Building Datasets


def _validation_size_for(num_train: int, validation_size, scale: bool, what: str) -> int:
    """TF1's validation size, scaled to TF1's ratio when ``scale`` and it is the default."""
    if scale and validation_size is _DEFAULT_VALIDATION and num_train < TF1_TRAIN:
        scaled = tf1_validation_size(num_train)
        _log.warning(
            "read_data_sets: %s has %d training examples; using validation_size=%d "
            "(TF1's default 5000 scaled to 5000/60000 of the training set)",
            what, num_train, scaled,
        )
        return scaled
    return validation_size


def _build(
    x_train, y_train, x_test, y_test, *, one_hot, dtype, reshape, validation_size, seed, rng, scale, what,
) -> Datasets:
    """Datasets from uint8 arrays [N, 28, 28] / [N], converting each array once."""
    np_dtype = _image_dtype(dtype)
    validation_size = _validation_size_for(int(x_train.shape[0]), validation_size, scale, what)
    if not 0 <= validation_size <= len(x_train):
        raise ValueError(
            "Validation size should be between 0 and {}. Received: {}.".format(len(x_train), validation_size)
        )
    if not reshape and x_train.ndim == 3:  # TF1's images were [N, rows, cols, 1]
        x_train, x_test = x_train[..., None], x_test[..., None]
    x_train = _convert_images(x_train, np_dtype, reshape)
    x_test = _convert_images(x_test, np_dtype, reshape)
    if one_hot:
        y_train, y_test = dense_to_one_hot(y_train, 10), dense_to_one_hot(y_test, 10)
    # TF1's three DataSets shared numpy's global RNG: share one private RNG.
    rng = _private_rng(seed, rng)
    options = dict(dtype=np_dtype, reshape=reshape, seed=seed, rng=rng, _converted=True)
    v = validation_size
    train = DataSet(x_train[v:], y_train[v:], **options)
    validation = DataSet(x_train[:v], y_train[:v], **options)
    test = DataSet(x_test, y_test, **options)
    return Datasets(train=train, validation=validation, test=test)


def from_mnist(
    mnist: datasets.Mnist,
    one_hot: bool = False,
    dtype=np.float32,
    reshape: bool = True,
    validation_size: int = _DEFAULT_VALIDATION,
    seed: int | None = None,
    rng=None,
) -> Datasets:
    """TF1's ``Datasets`` built from a `tfv1_mnist.datasets.Mnist`.

    Equivalent to ``read_data_sets`` on the same files.  On the embedded
    sample, the default ``validation_size`` is scaled to 5000/60000 of the
    training set (333 of 4000) with a warning; an explicit one is kept.

    Args:
      mnist: the data set (uint8 images [N, 28, 28], uint8 labels [N]).
      one_hot: labels as float64 [N, 10] one-hot vectors.
      dtype: ``np.float32``/``tf.float32`` (images scaled to [0, 1]) or uint8.
      reshape: images as [N, 784] instead of [N, 28, 28, 1].
      validation_size: the first examples of the training set to hold out.
      seed: TF1's seed (seeds numpy's global RNG, see `DataSet`).
      rng: a private ``numpy.random.RandomState`` shared by the three sets
        instead of the global RNG (exclusive with ``seed``).

    Returns:
      ``Datasets(train, validation, test)`` of `DataSet`.

    Raises:
      ValueError: ``validation_size`` outside ``[0, N]``, or both ``seed`` and ``rng``.
      TypeError: ``dtype`` is neither uint8 nor float32.
    """
    return _build(
        mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test,
        one_hot=one_hot, dtype=dtype, reshape=reshape, validation_size=validation_size,
        seed=seed, rng=rng, scale=mnist.name == "sample", what=f"the {mnist.name} data set",
    )


def _holds_mnist(folder: pathlib.Path) -> bool:
    return folder.is_dir() and (
        (folder / "mnist.npz").is_file() or datasets.find_idx_files(folder, missing_ok=True) is not None
    )


def _extracting(path: str) -> None:
    print("Extracting", path)  # TF1 printed one line per file


def _read_dir(train_dir: str) -> datasets.Mnist:
    folder = pathlib.Path(train_dir)
    if datasets.find_idx_files(folder, missing_ok=True) is not None:
        return datasets.read_idx_folder(train_dir, checksum=False, on_file=_extracting)
    return datasets.read_npz(folder / "mnist.npz", checksum=False)


def _fetch_into(train_dir: str, source_url: str) -> None:
    """Downloads the IDX files into ``train_dir``, as TF1's ``maybe_download`` did."""
    from tfv1_mnist.datasets import fetch

    _log.info("read_data_sets: %s holds no MNIST files; downloading them there", train_dir)
    # TF1's default source: the fetch module's default, which adds a mirror.
    urls = None if source_url == DEFAULT_SOURCE_URL else [source_url]
    fetch.fetch(train_dir, fmt="idx", urls=urls)


def _resolve(train_dir, source_url) -> tuple[datasets.Mnist, bool]:
    """The data a ``read_data_sets(train_dir)`` call reads, and whether it was redirected."""
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        data = datasets.load(env)
        _log.info("read_data_sets(%r): reading %s (%s) as $%s says", train_dir, data.name, data.path, DATA_ENV)
        return data, True
    if train_dir is None or os.fspath(train_dir) == "":
        return datasets.load(None), True
    train_dir = os.fspath(train_dir)
    if train_dir.strip().lower() == "sample":
        return datasets.load("sample"), False
    path = pathlib.Path(train_dir).expanduser()
    if path.is_file():
        return datasets.read_npz(path, checksum=False), False
    if _holds_mnist(path):
        return _read_dir(train_dir), False
    if _legacy_mode:
        data = datasets.load(None)
        _log.info(
            "read_data_sets(%r): no MNIST files there; reading %s from %s instead (never the network; "
            "pass --data PATH to choose)", train_dir, data.name, data.path,
        )
        return data, True
    if path.suffix == ".npz":
        raise DataError(f"{path}: file not found; pass an existing .npz, an IDX folder, or 'sample'")
    _fetch_into(train_dir, source_url)
    return _read_dir(train_dir), False


def read_data_sets(
    train_dir,
    fake_data: bool = False,
    one_hot: bool = False,
    dtype=np.float32,
    reshape: bool = True,
    validation_size: int = _DEFAULT_VALIDATION,
    seed: int | None = None,
    source_url: str = DEFAULT_SOURCE_URL,
    *,
    rng=None,
) -> Datasets:
    """Reads MNIST into ``Datasets(train, validation, test)``, as TF1 did.

    Args:
      train_dir: a folder of the four IDX files (TF1's names, gzipped or not,
        or ``train-images.idx3-ubyte``), a folder holding ``mnist.npz``, an
        ``.npz`` path, ``"sample"``, or None (the full MNIST in the cache if
        fetched, else the embedded sample).  When the folder holds no MNIST
        files they are downloaded into it, as TF1 did (under ``run-legacy``:
        the cache or the sample is read instead, never the network).
        ``$TFV1_MNIST_DATA`` overrides it.
      fake_data: return three fake `DataSet` (use ``next_batch(n, fake_data=True)``).
      one_hot: labels as float64 [N, 10] one-hot vectors.
      dtype: ``tf.float32``/``np.float32`` (images scaled to [0, 1]) or uint8.
      reshape: images [N, 784] instead of [N, 28, 28, 1].
      validation_size: the first ``validation_size`` training examples form
        the validation set.  On the embedded sample, or when the call is
        redirected (None, ``$TFV1_MNIST_DATA``, run-legacy), the *default* is
        scaled to 5000/60000 of the training set, with a warning.
      seed: TF1's seed; see `DataSet`.  Touches numpy's global RNG, as TF1 did.
      source_url: where to download from when files are missing.
      rng: a private ``numpy.random.RandomState`` (or int seed) used instead of
        the global RNG; exclusive with ``seed``.  Not in TF1.

    Returns:
      ``Datasets(train, validation, test)``.

    Raises:
      ValueError: ``validation_size`` outside ``[0, N]``
        (``Validation size should be between 0 and N. Received: V.``).
      TypeError: ``dtype`` is neither uint8 nor float32.
      tfv1_mnist.errors.DataError: bad or missing files (FetchError when the
        download fails, e.g. offline; its message says where to put the files).
    """
    if fake_data:

        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed, rng=shared)

        shared = _private_rng(seed, rng)
        return Datasets(train=fake(), validation=fake(), test=fake())

    if not source_url:  # empty string check, as TF1
        source_url = DEFAULT_SOURCE_URL
    data, redirected = _resolve(train_dir, source_url)
    where = f"{data.path or data.name}"
    return _build(
        data.x_train, data.y_train, data.x_test, data.y_test,
        one_hot=one_hot, dtype=dtype, reshape=reshape, validation_size=validation_size,
        seed=seed, rng=rng, scale=redirected or data.name == "sample",
        what="the embedded sample" if data.name == "sample" else where,
    )


def load_mnist(train_dir: str = "MNIST-data") -> Datasets:
    """``read_data_sets(train_dir)`` with TF1's defaults."""
    return read_data_sets(train_dir)
