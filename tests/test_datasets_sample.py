"""Tests for tfv1_mnist.datasets.sample: the embedded sample and the script that makes it."""

from __future__ import annotations

import hashlib
import re

import numpy as np
from datasets_fixtures import REPO  # noqa: F401 (fixtures)

from tfv1_mnist import datasets


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
