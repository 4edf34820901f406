"""Tests for tfv1_mnist.datasets.load, the embedded sample and the cache folder."""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import pathlib
import re
import struct
import zipfile

import numpy as np
import pytest
from datasets_fixtures import REPO, assert_same as _assert_same, idx_bytes as _idx_bytes, idx_dir, tiny  # noqa: F401

from tfv1_mnist import datasets
from tfv1_mnist.datasets import idx, npz, records
from tfv1_mnist.errors import DataError


def test_load_refuses_a_single_idx_file(idx_dir):
    with pytest.raises(DataError, match="is one IDX file; pass the folder"):
        datasets.load(idx_dir / "train-images-idx3-ubyte.gz")


# ---------------------------------------------------------------- sample and load()


def test_sample_is_stratified_real_digits_and_documented():
    path = datasets.sample_path()
    assert path.is_file() and path.parent.name == "_data" and path.parent.parent.name == "tfv1_mnist"
    data = datasets.read_npz(path)
    assert data.name == "sample"
    assert (data.num_train, data.num_test) == (4000, 1000)
    for key in datasets.NPZ_KEYS:
        assert getattr(data, key).dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(data.y_train, minlength=10), [400] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test, minlength=10), [100] * 10)
    # Shuffled (the source is sorted by label), and real digits (mostly dark, some ink).
    assert len(set(data.y_train[:20].tolist())) > 3
    ink = (data.x_train > 128).mean()
    assert 0.05 < ink < 0.3
    readme = (REPO / "data" / "README.md").read_text()
    recorded = re.search(r"sha256 \| `([0-9a-f]{64})`", readme)
    assert recorded, "data/README.md must record the sample's sha256"
    assert data.sha256 == recorded.group(1) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_make_sample_split_is_stratified_and_seeded():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sample_data", REPO / "scripts" / "make_sample_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 500)
    images = np.arange(5000 * 784, dtype=np.int64).reshape(5000, 28, 28).astype(np.uint8)
    a, b = mod.split(images, labels), mod.split(images, labels)
    np.testing.assert_array_equal(a["y_train"], b["y_train"])
    np.testing.assert_array_equal(np.bincount(a["y_train"]), [400] * 10)
    np.testing.assert_array_equal(np.bincount(a["y_test"]), [100] * 10)
    assert not np.array_equal(a["y_train"], np.sort(a["y_train"]))


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "c"))
    assert datasets.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TFV1_MNIST_CACHE")
    assert datasets.cache_dir() == pathlib.Path.home() / ".cache" / "tfv1_mnist"


def test_load_default_falls_back_to_sample_then_uses_cache(monkeypatch, tmp_path, tiny, caplog):
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "cache"))
    with caplog.at_level(logging.INFO, logger="tfv1_mnist.datasets"):
        data = datasets.load()
    assert data.name == "sample" and data.num_train == 4000
    assert "embedded sample" in caplog.text
    datasets.write_idx_folder(tmp_path / "cache", tiny)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tfv1_mnist.datasets"):
        data = datasets.load(None)
    assert data.num_train == 200 and "IDX" in caplog.text
    datasets.write_npz(tmp_path / "cache" / "mnist.npz", **tiny.arrays())
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tfv1_mnist.datasets"):
        data = datasets.load()
    assert data.path.endswith("mnist.npz") and "mnist.npz" in caplog.text


def test_load_specs(tmp_path, tiny, idx_dir):
    assert datasets.load("sample").name == "sample"
    assert datasets.load(" Sample ").num_test == 1000
    npz = datasets.write_npz(tmp_path / "t.npz", **tiny.arrays())
    _assert_same(tiny, datasets.load(npz))
    _assert_same(tiny, datasets.load(str(idx_dir)))
    holder = tmp_path / "holder"
    datasets.write_npz(holder / "mnist.npz", **tiny.arrays())
    _assert_same(tiny, datasets.load(holder))
    with pytest.raises(DataError, match="no such file or folder.*tfv1-mnist fetch"):
        datasets.load(tmp_path / "missing.npz")
