"""The embedded sample: 4000 train / 1000 test real MNIST digits, shipped as an npz.

Pattern: the package's one data file, located next to the code
(``tfv1_mnist/_data/mnist_sample.npz``, rebuilt by
``scripts/make_sample_data.py``); `tfv1_mnist.datasets.load` reads it.
"""

from __future__ import annotations

import pathlib

from tfv1_mnist.errors import DataError

__all__ = ["sample_path", "sample_file"]


def sample_path() -> pathlib.Path:
    """The embedded sample: 4000 train / 1000 test real MNIST digits (npz)."""
    return pathlib.Path(__file__).resolve().parents[1] / "_data" / "mnist_sample.npz"


def sample_file() -> pathlib.Path:
    """The embedded sample's path, checked to exist.

    Raises:
      DataError: the installed package lacks it.
    """
    path = sample_path()
    if not path.is_file():
        raise DataError(
            f"{path}: the embedded sample is missing from the installed package; "
            "reinstall tfv1_mnist or rebuild it with scripts/make_sample_data.py"
        )
    return path
