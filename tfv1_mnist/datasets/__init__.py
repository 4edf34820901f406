"""MNIST files to arrays: the data layer, and `load`, the one way every command names data.

Pattern: the data layer of the pipeline (files -> arrays -> batches -> model),
a package whose ``__init__`` is its public surface (explicit re-exports and
``__all__``, as Sonnet's).  Every reader returns plain uint8 numpy arrays in the Keras layout, gathered in
one frozen `Mnist` record that also says what the data is (name, path, sha256,
class names).  No reader knows about models, and nothing here imports
TensorFlow.

Readers never trust a file: sizes are checked against the header *before*
anything is allocated, gzip streams are inflated with a bound taken from the
header (so a gzip bomb is refused), ``.npz`` files are read with pickling off
and object arrays refused.  Anything wrong raises `tfv1_mnist.errors.DataError`
whose message names the file and says what to do.

Arrays returned by the readers are read-only (IDX arrays are views of the
decompressed bytes, which keeps loading copy-free); call ``.copy()`` before
modifying one in place.

Modules: `records` (the `Mnist` record, class names, checksums and
fingerprints), `npz` and `idx` (readers), `inflate` (bounded gunzip),
`writers` (IDX and npz written atomically), `sample` (the embedded
sample), `cache` (the cache folder, ``$TFV1_MNIST_CACHE``) and `fetch` (the
downloader; import it as ``tfv1_mnist.datasets.fetch``).  This package's
namespace presents the names callers use; the rest live in their modules.

One way to name data (`load`): a path to an ``.npz`` file, a folder of IDX
files (or one holding ``mnist.npz``), the word ``"sample"``, or None for the
full MNIST in the cache when it has been fetched, else the embedded sample.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib

from tfv1_mnist.datasets.cache import CACHE_ENV, cache_dir, fetch_hint
from tfv1_mnist.datasets.filekind import check_regular
from tfv1_mnist.datasets.idx import find_idx_files, idx_candidates, read_idx, read_idx_folder
from tfv1_mnist.datasets.npz import read_npz
from tfv1_mnist.datasets.records import (FASHION_CLASS_NAMES, FINGERPRINTS, IDX_FILES, MNIST_CLASS_NAMES,
                                         NPZ_KEYS, Mnist, data_fingerprint)
from tfv1_mnist.datasets.sample import sample_file, sample_path
from tfv1_mnist.datasets.writers import write_idx, write_idx_folder, write_npz
from tfv1_mnist.errors import DataError

__all__ = [
    "Mnist",
    "MNIST_CLASS_NAMES",
    "FASHION_CLASS_NAMES",
    "NPZ_KEYS",
    "IDX_FILES",
    "FINGERPRINTS",
    "CACHE_ENV",
    "load",
    "describe",
    "sample_path",
    "cache_dir",
    "read_npz",
    "write_npz",
    "read_idx",
    "write_idx",
    "read_idx_folder",
    "write_idx_folder",
    "find_idx_files",
    "idx_candidates",
    "data_fingerprint",
]

_log = logging.getLogger(__name__)


def load(spec: str | os.PathLike | None = None, *, announce: bool = True) -> Mnist:
    """Loads a data set named the one way every command names data.

    Args:
      spec: an ``.npz`` file (Keras layout), a folder of IDX files (or one
        holding ``mnist.npz``), the word ``"sample"``, or None: the full MNIST
        in `cache_dir` when it has been fetched (npz first, then IDX), else the
        embedded sample.
      announce: log which data set was used, in one line at INFO level (False:
        at DEBUG, for a process whose parent already said it).

    Returns:
      The `Mnist` record.

    Raises:
      DataError: the path does not exist or holds bad data.
    """
    level = logging.INFO if announce else logging.DEBUG
    if spec is None:
        cache = cache_dir()
        npz = cache / "mnist.npz"
        if npz.is_file():
            data = read_npz(npz)
            _log.log(level, "Using %s from the cache", describe(data))
            return data
        if find_idx_files(cache, missing_ok=True) is not None:
            data = read_idx_folder(cache)
            _log.log(level, "Using %s (IDX) from the cache", describe(data))
            return data
        data = _load_sample()
        _log.log(level, "Using %s; run `tfv1-mnist fetch` for the full MNIST", describe(data))
        return data
    if isinstance(spec, str) and spec.strip().lower() == "sample":
        data = _load_sample()
        _log.log(level, "Using %s", describe(data))
        return data
    path = pathlib.Path(spec).expanduser()
    check_regular(path)
    if path.is_dir():
        if find_idx_files(path, missing_ok=True) is None and (path / "mnist.npz").is_file():
            data = read_npz(path / "mnist.npz")
        else:
            data = read_idx_folder(path)
    elif path.is_file():
        data = _load_sample() if path.resolve() == sample_file().resolve() else read_npz(path)
    else:
        raise DataError(
            f"{path}: no such file or folder. --data takes an .npz file, a folder of IDX files, "
            f"or 'sample'; {fetch_hint()}"
        )
    _log.log(level, "Using %s", describe(data))
    return data


def describe(data: Mnist) -> str:
    """The data set in the words every log line uses: ``the embedded sample (4000 train / 1000 test digits)``."""
    sizes = f"({data.num_train} train / {data.num_test} test digits)"
    if data.name == "sample":
        return f"the embedded sample {sizes}"
    return f"{data.name} {sizes} from {data.path}"


def _load_sample() -> Mnist:
    data = read_npz(sample_file())
    return dataclasses.replace(data, name="sample")
