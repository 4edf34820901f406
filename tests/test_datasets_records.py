"""Tests for tfv1_mnist.datasets.records: the Mnist record and how data is recognised."""

from __future__ import annotations

import numpy as np
import pytest
from datasets_fixtures import tiny  # noqa: F401 (fixtures)

from tfv1_mnist import datasets
from tfv1_mnist.errors import DataError


# ---------------------------------------------------------------- Mnist record


def test_mnist_record_holds_keras_layout(tiny):
    assert tiny.num_train == 200 and tiny.num_test == 50
    assert tiny.class_names == tuple("0123456789")
    assert set(tiny.arrays()) == set(datasets.NPZ_KEYS)
    assert "train=200" in repr(tiny)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("x_train", np.zeros((200, 28, 28), np.float32), "dtype float32"),
        ("x_train", np.zeros((200, 784), np.uint8), r"shape \(200, 784\)"),
        ("y_train", np.zeros((199,), np.uint8), "200 train images but 199"),
        ("y_test", np.full((50,), 10, np.uint8), "label 10"),
        ("y_test", np.zeros((50, 10), np.uint8), "one-hot"),
    ],
)
def test_mnist_record_refuses_bad_arrays(tiny_arrays, key, value, message):
    tiny_arrays[key] = value
    with pytest.raises(DataError, match=message):
        datasets.Mnist(**tiny_arrays, name="tiny")


def test_data_is_recognised_by_its_test_set_in_any_format(tmp_path, tiny, monkeypatch):
    monkeypatch.setitem(datasets.FINGERPRINTS, "fashion-mnist", datasets.data_fingerprint(tiny.x_test, tiny.y_test))
    npz = datasets.read_npz(datasets.write_npz(tmp_path / "renamed.npz", **tiny.arrays()))
    assert npz.name == "fashion-mnist" and npz.class_names == datasets.FASHION_CLASS_NAMES
    folder = datasets.read_idx_folder(datasets.write_idx_folder(tmp_path / "f", tiny))
    assert folder.name == "fashion-mnist"
    assert datasets.read_npz(tmp_path / "renamed.npz", checksum=False).name == "renamed"
