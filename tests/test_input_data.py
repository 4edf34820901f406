"""Tests of tfv1_mnist.input_data against TF 1.x's semantics.

The reference is an independent re-implementation of TF 1.15's
``contrib/learn/python/learn/datasets/mnist.py`` DataSet (below, written
literally: arrays permuted in place, numpy's global RNG), fed with the same
files; every comparison is exact.
"""

from __future__ import annotations

import gzip
import io
import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfv1_mnist import datasets, input_data
from tfv1_mnist.datasets import fetch as fetch_module
from tfv1_mnist.errors import ConfigError, DataError, FetchError
from tf1_reference import Tf1DataSet

MAXINT32 = 2**31 - 1


def tf1_read(arrays, validation_size, numpy_seed, one_hot=False, dtype=np.float32):
    """TF1's read_data_sets on in-memory arrays (images as [N, 28, 28, 1])."""
    x_train = arrays["x_train"][..., None]
    y_train = input_data.dense_to_one_hot(arrays["y_train"], 10) if one_hot else arrays["y_train"]
    x_test = arrays["x_test"][..., None]
    y_test = input_data.dense_to_one_hot(arrays["y_test"], 10) if one_hot else arrays["y_test"]
    v = validation_size
    train = Tf1DataSet(x_train[v:], y_train[v:], dtype=dtype, numpy_seed=numpy_seed)
    validation = Tf1DataSet(x_train[:v], y_train[:v], dtype=dtype, numpy_seed=numpy_seed)
    test = Tf1DataSet(x_test, y_test, dtype=dtype, numpy_seed=numpy_seed)
    return train, validation, test


# --------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def npz_path(tmp_path, tiny_arrays):
    path = tmp_path / "tiny.npz"
    datasets.write_npz(path, **tiny_arrays)
    return path


@pytest.fixture
def idx_dir(tmp_path, tiny_arrays):
    folder = tmp_path / "MNIST_data"
    datasets.write_idx_folder(folder, datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256=""))
    return folder


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv(datasets.CACHE_ENV, str(cache))
    monkeypatch.delenv(input_data.DATA_ENV, raising=False)
    return cache


@pytest.fixture(autouse=True)
def _no_data_env(monkeypatch):
    monkeypatch.delenv(input_data.DATA_ENV, raising=False)


def _drain(ds, batch_sizes):
    return [ds.next_batch(b) for b in batch_sizes]


# --------------------------------------------------------------------------
# Images and labels


def test_float32_images_are_a_float32_multiply_not_a_divide():
    pixels = np.arange(256, dtype=np.uint8).reshape(256, 1, 1, 1)
    ds = input_data.DataSet(pixels, np.zeros(256, np.uint8), rng=0)
    expected = pixels.reshape(256, 1).astype(np.float32) * np.float32(1.0 / 255.0)
    assert ds.images.dtype == np.float32
    np.testing.assert_array_equal(ds.images, expected)
    divided = (pixels.reshape(256, 1) / np.float32(255.0)).astype(np.float32)
    assert int((ds.images != divided).sum()) == 126  # why the multiply matters


def test_uint8_images_are_unscaled_and_other_dtypes_raise(tiny_arrays):
    x = tiny_arrays["x_train"][..., None]
    ds = input_data.DataSet(x, tiny_arrays["y_train"], dtype=np.uint8, rng=0)
    assert ds.images.dtype == np.uint8
    np.testing.assert_array_equal(ds.images, tiny_arrays["x_train"].reshape(200, 784))
    with pytest.raises(TypeError, match=r"^Invalid image dtype tf.float64, expected uint8 or float32$"):
        input_data.DataSet(x, tiny_arrays["y_train"], dtype=np.float64, rng=0)
    with pytest.raises(TypeError, match="Invalid image dtype tf.int32"):
        input_data.read_data_sets("sample", dtype="int32")


def test_reshape_false_keeps_tf1_shape(npz_path):
    d = input_data.read_data_sets(str(npz_path), reshape=False, validation_size=20, rng=1)
    assert d.train.images.shape == (180, 28, 28, 1)
    assert d.test.images.shape == (50, 28, 28, 1)


def test_one_hot_labels_are_float64_and_match_dense_to_one_hot(npz_path, tiny_arrays):
    d = input_data.read_data_sets(str(npz_path), one_hot=True, validation_size=20, rng=1)
    assert d.test.labels.dtype == np.float64 and d.test.labels.shape == (50, 10)
    np.testing.assert_array_equal(d.test.labels, input_data.dense_to_one_hot(tiny_arrays["y_test"], 10))
    np.testing.assert_array_equal(d.test.labels.argmax(1), tiny_arrays["y_test"])
    np.testing.assert_array_equal(d.test.labels.sum(1), np.ones(50))


def test_validation_is_the_first_examples_in_file_order(npz_path, tiny_arrays):
    d = input_data.read_data_sets(str(npz_path), validation_size=30, dtype=np.uint8, rng=1)
    assert (d.train.num_examples, d.validation.num_examples, d.test.num_examples) == (170, 30, 50)
    np.testing.assert_array_equal(d.validation.images, tiny_arrays["x_train"][:30].reshape(30, 784))
    np.testing.assert_array_equal(d.validation.labels, tiny_arrays["y_train"][:30])
    np.testing.assert_array_equal(d.train.labels, tiny_arrays["y_train"][30:])


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("reshape", [True, False])
def test_images_converted_while_reading_equal_tf1s(tmp_path, tiny_arrays, compress, reshape):
    path = datasets.write_npz(tmp_path / "d.npz", **tiny_arrays, compress=compress)
    d = input_data.read_data_sets(str(path), one_hot=True, reshape=reshape, validation_size=30, rng=1)
    shape = (-1, 784) if reshape else (-1, 28, 28, 1)

    def tf1(x):  # TF1's float32 conversion
        return x.reshape(shape).astype(np.float32) * np.float32(1.0 / 255.0)

    for ds, x in ((d.validation, tiny_arrays["x_train"][:30]), (d.test, tiny_arrays["x_test"])):
        assert ds.images.dtype == np.float32
        np.testing.assert_array_equal(ds.images, tf1(x))
    train = np.sort(d.train.images.reshape(170, -1), axis=0)  # shuffled by rng=1; compare as sets of rows
    expected = np.sort(tf1(tiny_arrays["x_train"][30:]).reshape(170, -1), axis=0)
    np.testing.assert_array_equal(train, expected)
    u8 = input_data.read_data_sets(str(path), dtype=np.uint8, validation_size=30, rng=1)
    np.testing.assert_array_equal(u8.test.images, tiny_arrays["x_test"].reshape(50, 784))


@pytest.mark.parametrize("size", [-1, 201])
def test_validation_size_out_of_range_is_tf1_value_error(npz_path, size):
    with pytest.raises(ValueError) as err:
        input_data.read_data_sets(str(npz_path), validation_size=size)
    assert str(err.value) == f"Validation size should be between 0 and 200. Received: {size}."


def test_extract_images_and_labels_keep_tf1_messages(idx_dir, tiny_arrays, capsys):
    with open(idx_dir / "train-images-idx3-ubyte.gz", "rb") as f:
        images = input_data.extract_images(f)
    assert images.shape == (200, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[..., 0], tiny_arrays["x_train"])
    with open(idx_dir / "train-labels-idx1-ubyte.gz", "rb") as f:
        labels = input_data.extract_labels(f, one_hot=True)
    assert labels.shape == (200, 10) and labels.dtype == np.float64
    assert capsys.readouterr().out.splitlines() == [
        f"Extracting {idx_dir / 'train-images-idx3-ubyte.gz'}",
        f"Extracting {idx_dir / 'train-labels-idx1-ubyte.gz'}",
    ]
    with open(idx_dir / "train-labels-idx1-ubyte.gz", "rb") as f:
        with pytest.raises(ValueError, match=r"Invalid magic number 2049 in MNIST image file: .*train-labels"):
            input_data.extract_images(f)
    bad = io.BytesIO(gzip.compress(b"\x00\x00\x08\x04" + b"\x00" * 8))
    bad.name = "bogus.gz"
    with pytest.raises(ValueError, match="Invalid magic number 2052 in MNIST label file: bogus.gz"):
        input_data.extract_labels(bad)


# --------------------------------------------------------------------------
# next_batch


def _record(ds, sizes):
    """Runs next_batch over ``sizes``; returns (batches, epochs_completed, labels) per step."""
    out = []
    for b in sizes:
        x, y = ds.next_batch(b)
        epochs = ds.epochs_completed if hasattr(ds, "epochs_completed") else ds._epochs_completed
        labels = ds.labels if hasattr(ds, "epochs_completed") else ds._labels
        out.append((x, y, epochs, np.array(labels)))
    return out


def test_next_batch_matches_tf1_across_epoch_boundaries(npz_path, tiny_arrays):
    # Both use numpy's global RNG, so each runs to completion before the other.
    seed = 42
    sizes = [64] * 7 + [150, 150, 1, 149, 7] * 3
    ours = input_data.read_data_sets(str(npz_path), one_hot=True, validation_size=50, seed=seed)
    got = _record(ours.train, sizes)
    ref_train, _, _ = tf1_read(tiny_arrays, 50, seed, one_hot=True)
    want = _record(ref_train, sizes)
    for b, (x, y, epochs, labels), (rx, ry, repochs, rlabels) in zip(sizes, got, want):
        assert x.shape == (b, 784)  # tail + head: always full size
        np.testing.assert_array_equal(x, rx)
        np.testing.assert_array_equal(y, ry)
        assert epochs == repochs
        np.testing.assert_array_equal(labels, rlabels)  # kept in TF1's current shuffled order
    # lazy: 2 batches of 64 fill 128 of 150 examples, the third crosses the end
    assert [g[2] for g in got[:3]] == [0, 0, 1]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 40),
    sizes=st.lists(st.integers(0, 90), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
    shuffle=st.booleans(),
)
def test_next_batch_equals_tf1_for_any_sizes(n, sizes, seed, shuffle):
    # odd cases included: empty sets, batches of 0, batches larger than the set
    images = np.arange(n * 4, dtype=np.uint8).reshape(n, 2, 2, 1)
    labels = np.arange(n, dtype=np.uint8)
    ours = input_data.DataSet(images, labels, dtype=np.uint8, rng=np.random.RandomState(seed))
    got = [(ours.next_batch(b, shuffle=shuffle)[1], ours.epochs_completed) for b in sizes]
    ref = Tf1DataSet(images, labels, dtype=np.uint8, numpy_seed=seed)
    want = [(ref.next_batch(b, shuffle=shuffle)[1], ref._epochs_completed) for b in sizes]
    for (g, ge), (w, we) in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert ge == we


def test_epochs_completed_counts_lazily(tiny_arrays):
    x, y = tiny_arrays["x_train"][:100, ..., None], tiny_arrays["y_train"][:100]
    ds = input_data.DataSet(x, y, rng=np.random.RandomState(0))
    counts = []
    for _ in range(3):
        ds.next_batch(50)
        counts.append(ds.epochs_completed)
    assert counts == [0, 0, 1]  # the epoch is counted when the next batch crosses the end


def test_shuffle_false_is_file_order(tiny_arrays):
    ds = input_data.DataSet(tiny_arrays["x_train"][..., None], tiny_arrays["y_train"], rng=0)
    _, y1 = ds.next_batch(150, shuffle=False)
    _, y2 = ds.next_batch(100, shuffle=False)
    np.testing.assert_array_equal(y1, tiny_arrays["y_train"][:150])
    np.testing.assert_array_equal(y2, np.concatenate([tiny_arrays["y_train"][150:], tiny_arrays["y_train"][:50]]))


def test_empty_validation_set_gives_empty_batches(npz_path):
    d = input_data.read_data_sets(str(npz_path), validation_size=0, rng=0)
    x, y = d.validation.next_batch(10)
    assert x.shape == (0, 784) and y.shape == (0,)
    assert d.validation.epochs_completed == 1


def test_fake_data():
    d = input_data.read_data_sets("unused", fake_data=True, one_hot=True)
    assert d.train.num_examples == 10000
    images, labels = d.train.next_batch(3, fake_data=True)
    assert images == [[1] * 784] * 3
    assert labels == [[1] + [0] * 9] * 3
    d = input_data.read_data_sets("unused", fake_data=True)
    assert d.validation.next_batch(2, fake_data=True)[1] == [0, 0]


# --------------------------------------------------------------------------
# Seeding


@pytest.mark.parametrize("seed", [0, 7, 2**31 + 5])
def test_seeded_order_equals_tf1_with_global_rng(idx_dir, tiny_arrays, seed, capsys):
    def run(train, validation):
        # interleaved train/validation batches share the global RNG, as in TF1
        return [(train.next_batch(b)[1], validation.next_batch(b)[1]) for b in [32, 32, 100, 5]]

    ours = input_data.read_data_sets(str(idx_dir), validation_size=40, seed=seed)
    got = run(ours.train, ours.validation)
    ref_train, ref_val, _ = tf1_read(tiny_arrays, 40, seed % MAXINT32)
    want = run(ref_train, ref_val)
    for (a, b), (c, d) in zip(got, want):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert capsys.readouterr().out.count("Extracting ") == 4


def test_seed_touches_the_global_rng_as_tf1_did(npz_path):
    input_data.read_data_sets(str(npz_path), validation_size=10, seed=5)
    after = np.random.random()
    np.random.seed(5)
    assert after == np.random.random()


def test_private_rng_reproduces_tf1_and_leaves_global_rng_alone(npz_path, tiny_arrays):
    np.random.seed(123)
    state = np.random.get_state()
    ours = input_data.read_data_sets(str(npz_path), validation_size=40, rng=np.random.RandomState(9))
    got = [ours.train.next_batch(b)[1] for b in [64, 64, 64, 3]]
    assert all(np.array_equal(a, b) for a, b in zip(state, np.random.get_state()))
    ref_train, _, _ = tf1_read(tiny_arrays, 40, 9)
    for b, g in zip([64, 64, 64, 3], got):
        np.testing.assert_array_equal(g, ref_train.next_batch(b)[1])


def test_seed_and_rng_together_are_refused(npz_path):
    with pytest.raises(ValueError, match="not both"):
        input_data.read_data_sets(str(npz_path), validation_size=10, seed=1, rng=1)
    with pytest.raises(ValueError, match="not both"):
        input_data.read_data_sets("unused", fake_data=True, seed=1, rng=1)
    with pytest.raises(ValueError, match="not both"):
        input_data.DataSet(np.zeros((3, 28, 28, 1), np.uint8), np.zeros(3, np.uint8), seed=1, rng=1)


def test_graph_and_eager_seeds_are_honoured_without_side_effects(npz_path, tiny_arrays):
    tf = pytest.importorskip("tensorflow")
    with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(77)
        ours = input_data.read_data_sets(str(npz_path), validation_size=40)
        got = ours.train.next_batch(70)[1]
        ref_train, _, _ = tf1_read(tiny_arrays, 40, 77)
        np.testing.assert_array_equal(got, ref_train.next_batch(70)[1])
        # seed given and graph seed 0: get_seed's (0, 0) guard does not apply
        assert input_data.seeds.tf1_numpy_seed(3) == 3
    with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(0)
        assert input_data.seeds.tf1_numpy_seed(0) == MAXINT32  # get_seed avoids (0, 0)
    try:
        tf.random.set_seed(31)
        expected = tf.random.uniform([4]).numpy()
        tf.random.set_seed(31)
        ours = input_data.read_data_sets(str(npz_path), validation_size=40)
        # reading the eager seed did not advance TF's op-seed counter
        np.testing.assert_array_equal(tf.random.uniform([4]).numpy(), expected)
        got = ours.train.next_batch(70)[1]
        ref_train, _, _ = tf1_read(tiny_arrays, 40, 31)
        np.testing.assert_array_equal(got, ref_train.next_batch(70)[1])
    finally:
        tf.random.set_seed(None)


def test_tf_dtypes_are_accepted(npz_path):
    tf = pytest.importorskip("tensorflow")
    d = input_data.read_data_sets(str(npz_path), dtype=tf.uint8, validation_size=10, rng=0)
    assert d.train.images.dtype == np.uint8
    with pytest.raises(TypeError, match=r"Invalid image dtype tf.float16, expected uint8 or float32"):
        input_data.read_data_sets(str(npz_path), dtype=tf.float16, validation_size=10, rng=0)


# --------------------------------------------------------------------------
# Where data comes from


def test_npz_path_folder_with_npz_and_idx_folder_agree(tmp_path, npz_path, idx_dir, tiny_arrays):
    folder = tmp_path / "with_npz"
    folder.mkdir()
    datasets.write_npz(folder / "mnist.npz", **tiny_arrays)
    reads = [lambda p=p: input_data.read_data_sets(str(p), one_hot=True, validation_size=20, rng=3)
             for p in (npz_path, folder, idx_dir)]
    want = reads[0]()
    want = [(s.images, s.labels, s.next_batch(30)[1]) for s in want]
    for read in reads[1:]:
        got = [(s.images, s.labels, s.next_batch(30)[1]) for s in read()]
        for g, w in zip(got, want):
            for a, b in zip(g, w):
                np.testing.assert_array_equal(a, b)


def test_from_mnist_equals_read_data_sets(npz_path, tiny_arrays):
    mnist = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    a = input_data.from_mnist(mnist, one_hot=True, validation_size=25, rng=np.random.RandomState(4))
    b = input_data.read_data_sets(str(npz_path), one_hot=True, validation_size=25, rng=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.images, y.images)
        np.testing.assert_array_equal(x.next_batch(60)[0], y.next_batch(60)[0])


def test_sample_scales_the_default_validation_size_with_a_warning(empty_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="tfv1_mnist.input_data"):
        d = input_data.read_data_sets(None, rng=0)
    assert (d.train.num_examples, d.validation.num_examples, d.test.num_examples) == (3667, 333, 1000)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "validation_size=333" in warnings[0].getMessage()
    d = input_data.from_mnist(datasets.load("sample"), rng=0)
    assert d.validation.num_examples == 333


def test_explicit_validation_size_on_the_sample_keeps_tf1_error():
    with pytest.raises(ValueError, match=r"^Validation size should be between 0 and 4000\. Received: 5000\.$"):
        input_data.read_data_sets("sample", validation_size=5000)
    d = input_data.read_data_sets("sample", validation_size=1000, rng=0)
    assert d.validation.num_examples == 1000


def test_env_var_sends_every_call_to_one_data_set(monkeypatch, tmp_path, npz_path):
    monkeypatch.setenv(input_data.DATA_ENV, str(npz_path))
    d = input_data.read_data_sets(str(tmp_path / "MNIST_data"), validation_size=10, rng=0)
    assert d.train.num_examples + d.validation.num_examples == 200
    assert not (tmp_path / "MNIST_data").exists()  # nothing was downloaded


def test_missing_folder_tries_to_fetch_like_tf1(monkeypatch, tmp_path, tiny_arrays):
    calls = []

    def fetch(dest, fmt="npz", *, urls=None, **kwargs):
        calls.append((str(dest), fmt, urls))
        datasets.write_idx_folder(dest, datasets.Mnist(**tiny_arrays, name="t", path="", sha256=""))

    monkeypatch.setattr(fetch_module, "fetch", fetch)
    target = tmp_path / "MNIST_data"
    d = input_data.read_data_sets(str(target), validation_size=10, rng=0)
    assert calls == [(str(target), "idx", None)]
    input_data.read_data_sets(str(tmp_path / "other"), validation_size=10, rng=0, source_url="http://127.0.0.1:9/m/")
    assert calls[1] == (str(tmp_path / "other"), "idx", ["http://127.0.0.1:9/m/"])
    assert d.test.num_examples == 50


def test_offline_fetch_error_passes_through(monkeypatch, tmp_path):
    def fetch(dest, fmt="npz", **kwargs):
        raise FetchError("offline: put train-images-idx3-ubyte.gz ... into " + str(dest))

    monkeypatch.setattr(fetch_module, "fetch", fetch)
    with pytest.raises(FetchError, match="offline: put"):
        input_data.read_data_sets(str(tmp_path / "nowhere"))


def test_legacy_mode_falls_back_to_cache_then_sample_without_network(monkeypatch, tmp_path, empty_cache, caplog):
    def fetch(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("run-legacy must never download")

    monkeypatch.setattr(fetch_module, "fetch", fetch)
    with caplog.at_level(logging.INFO, logger="tfv1_mnist"):
        d = input_data.read_data_sets(str(tmp_path / "MNIST_data"), one_hot=True, rng=0, if_missing="local")
    assert d.train.num_examples == 3667  # the sample, default validation scaled
    assert any("no MNIST files there" in r.getMessage() for r in caplog.records)


def test_legacy_mode_prefers_the_cache_to_the_sample(monkeypatch, tmp_path, empty_cache, tiny_arrays):
    datasets.write_npz(empty_cache / "mnist.npz", **tiny_arrays)
    d = input_data.read_data_sets(str(tmp_path / "MNIST_data"), rng=0, if_missing="local")
    # the cached set (200 training examples), default validation scaled as for any redirect
    assert (d.train.num_examples, d.validation.num_examples, d.test.num_examples) == (184, 16, 50)


def test_if_missing_must_be_download_or_local(tmp_path):
    with pytest.raises(ConfigError, match="if_missing='offline'; use one of download, local"):
        input_data.read_data_sets(str(tmp_path), if_missing="offline")


def test_one_idx_file_as_train_dir_says_to_pass_its_folder(idx_dir):
    with pytest.raises(DataError, match="is one IDX file; pass the folder that holds all four"):
        input_data.read_data_sets(str(idx_dir / "train-images-idx3-ubyte.gz"))


def test_missing_npz_path_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="nothere.npz"):
        input_data.read_data_sets(str(tmp_path / "nothere.npz"))
