"""Tests for tfv1_mnist.datasets.load, the one way every command names data."""

from __future__ import annotations

import logging

import pytest
from datasets_fixtures import assert_same as _assert_same, idx_dir, tiny  # noqa: F401 (fixtures)

from tfv1_mnist import datasets
from tfv1_mnist.errors import DataError


def test_load_refuses_a_single_idx_file(idx_dir):
    with pytest.raises(DataError, match="is one IDX file; pass the folder"):
        datasets.load(idx_dir / "train-images-idx3-ubyte.gz")


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
