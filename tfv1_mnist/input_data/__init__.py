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

import numpy as np

from tfv1_mnist import datasets
from tfv1_mnist.batching import TF1_TRAIN, TF1_VALIDATION, tf1_validation_size
from tfv1_mnist.errors import ConfigError, DataError
from tfv1_mnist.input_data.dataset import (
    DataSet,
    convert_images,
    dense_to_one_hot,
    extract_images,
    extract_labels,
    image_dtype,
)
from tfv1_mnist.input_data.seeds import private_rng

__all__ = [
    "DEFAULT_SOURCE_URL",
    "DATA_ENV",
    "DATA_ORIGIN_ENV",
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

#: Environment variable naming who set ``DATA_ENV`` when it was not the user (run-legacy
#: sets it to ``--data`` when it passes its flag on), so log lines say where the data came from.
DATA_ORIGIN_ENV = "TFV1_MNIST_DATA_ORIGIN"


def data_env_origin() -> str:
    """Who chose the data that ``DATA_ENV`` names, for log lines: ``--data`` or ``$TFV1_MNIST_DATA``."""
    return os.environ.get(DATA_ORIGIN_ENV, "").strip() or f"${DATA_ENV}"

#: TF1's ``base.Datasets``.
Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])

# ``read_data_sets(if_missing=...)``: what a folder without MNIST files means.
_IF_MISSING = ("download", "local")


class _DefaultValidationSize(int):
    """``5000``, but distinguishable from an explicit ``validation_size=5000``."""

    def __repr__(self) -> str:
        return str(int(self))


_DEFAULT_VALIDATION = _DefaultValidationSize(TF1_VALIDATION)


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
    np_dtype = image_dtype(dtype)
    validation_size = _validation_size_for(int(x_train.shape[0]), validation_size, scale, what)
    if not 0 <= validation_size <= len(x_train):
        raise ValueError(
            "Validation size should be between 0 and {}. Received: {}.".format(len(x_train), validation_size)
        )
    if not reshape and x_train.ndim == 3:  # TF1's images were [N, rows, cols, 1]
        x_train, x_test = x_train[..., None], x_test[..., None]
    x_train = convert_images(x_train, np_dtype, reshape)
    x_test = convert_images(x_test, np_dtype, reshape)
    if one_hot:
        y_train, y_test = dense_to_one_hot(y_train, 10), dense_to_one_hot(y_test, 10)
    # TF1's three DataSets shared numpy's global RNG: share one private RNG.
    rng = private_rng(seed, rng)
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


def _resolve(train_dir, source_url, if_missing="download") -> tuple[datasets.Mnist, bool]:
    """The data a ``read_data_sets(train_dir)`` call reads, and whether it was redirected."""
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        data = datasets.load(env, announce=False)
        _log.info("read_data_sets(%r): using %s, as %s says", train_dir, datasets.describe(data), data_env_origin())
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
    if if_missing == "local":
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


# over 60 lines: TF1's signature and its documented arguments, kept as TF1 had them; the body is short.
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
    if_missing: str = "download",
) -> Datasets:
    """Reads MNIST into ``Datasets(train, validation, test)``, as TF1 did.

    Args:
      train_dir: a folder of the four IDX files (TF1's names, gzipped or not,
        or ``train-images.idx3-ubyte``), a folder holding ``mnist.npz``, an
        ``.npz`` path, ``"sample"``, or None (the full MNIST in the cache if
        fetched, else the embedded sample).  When the folder holds no MNIST
        files they are downloaded into it, as TF1 did (with
        ``if_missing="local"``, as under ``run-legacy``: the cache or the
        sample is read instead, never the network).
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
      if_missing: ``"download"`` (TF1's behaviour) or ``"local"``: a folder
        without MNIST files reads the cache, else the embedded sample, and
        says so in one log line.  Not in TF1.

    Returns:
      ``Datasets(train, validation, test)``.

    Raises:
      ValueError: ``validation_size`` outside ``[0, N]``
        (``Validation size should be between 0 and N. Received: V.``).
      TypeError: ``dtype`` is neither uint8 nor float32.
      tfv1_mnist.errors.ConfigError: ``if_missing`` is neither "download" nor "local".
      tfv1_mnist.errors.DataError: bad or missing files (FetchError when the
        download fails, e.g. offline; its message says where to put the files).
    """
    if if_missing not in _IF_MISSING:
        raise ConfigError(f"read_data_sets: if_missing={if_missing!r}; use one of {', '.join(_IF_MISSING)}")
    if fake_data:

        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed, rng=shared)

        shared = private_rng(seed, rng)
        return Datasets(train=fake(), validation=fake(), test=fake())

    if not source_url:  # empty string check, as TF1
        source_url = DEFAULT_SOURCE_URL
    data, redirected = _resolve(train_dir, source_url, if_missing)
    where = f"{data.path or data.name}"
    return _build(
        data.x_train, data.y_train, data.x_test, data.y_test,
        one_hot=one_hot, dtype=dtype, reshape=reshape, validation_size=validation_size,
        seed=seed, rng=rng, scale=redirected or data.name == "sample",
        what="the embedded sample" if data.name == "sample" else where,
    )


def load_mnist(train_dir: str = "MNIST-data", *, if_missing: str = "download") -> Datasets:
    """``read_data_sets(train_dir)`` with TF1's defaults (``if_missing`` as there; not in TF1)."""
    return read_data_sets(train_dir, if_missing=if_missing)
