"""Shared fixtures and helpers of the tests of `tfv1_mnist.datasets`."""

from __future__ import annotations

import pathlib
import struct

import numpy as np
import pytest

from tfv1_mnist import datasets

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tiny_arrays) -> datasets.Mnist:
    return datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")


@pytest.fixture
def idx_dir(tmp_path, tiny) -> pathlib.Path:
    return datasets.write_idx_folder(tmp_path / "idx", tiny)


def idx_bytes(array: np.ndarray, magic: int | None = None, dims=None) -> bytes:
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    dims = dims if dims is not None else array.shape
    return struct.pack(f">I{len(dims)}I", magic, *dims) + array.tobytes()


def assert_same(a: datasets.Mnist, b: datasets.Mnist) -> None:
    for key in datasets.NPZ_KEYS:
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype == np.uint8, key
        np.testing.assert_array_equal(x, y, err_msg=key)
