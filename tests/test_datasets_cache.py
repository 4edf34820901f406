"""Tests for tfv1_mnist.datasets.cache: the cache folder."""

from __future__ import annotations

import pathlib

from tfv1_mnist import datasets


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "c"))
    assert datasets.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TFV1_MNIST_CACHE")
    assert datasets.cache_dir() == pathlib.Path.home() / ".cache" / "tfv1_mnist"
