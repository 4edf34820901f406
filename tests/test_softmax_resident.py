"""Tests of tfv1_mnist.softmax.resident: the training set kept as bytes when its floats are bytes."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import tensorflow as tf

from tfv1_mnist import datasets, input_data, softmax
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import resident, v1, v2

_DataSet = collections.namedtuple("_DataSet", "images labels")
_Datasets = collections.namedtuple("_Datasets", "train validation test")


@pytest.fixture(scope="module")
def sample_train() -> np.ndarray:
    return softmax.prepare(datasets.load("sample"), seed=0).train.images


def _bits(a) -> np.ndarray:
    return np.asarray(a, np.float32).view(np.uint32)


def test_input_data_floats_pack_to_their_bytes_and_unpack_to_the_same_bits(sample_train):
    raw = datasets.load("sample").x_train.reshape(-1, 784)
    packed = resident.pack(sample_train)
    assert packed.dtype == np.uint8 and packed.shape == sample_train.shape
    # TF1's validation split holds out the first 333 rows; the rest are the bytes as read.
    np.testing.assert_array_equal(packed, raw[333:])
    unpacked = resident.unpack(tf.constant(packed[:100])).numpy()
    np.testing.assert_array_equal(_bits(unpacked), _bits(sample_train[:100]))
    # Every byte value, against input_data's own conversion.
    every = np.arange(256, dtype=np.uint8).reshape(1, 256)
    want = input_data.dataset.convert_images(every, np.float32, reshape=False)
    np.testing.assert_array_equal(_bits(resident.unpack(tf.constant(every))), _bits(want))
    assert resident.pack(want).dtype == np.uint8


@pytest.mark.parametrize("change", [
    "normalised", "minus_zero", "nan", "above_one", "negative", "last_block_off_by_one_ulp"])
def test_other_floats_are_kept_as_they_are(sample_train, change):
    images = np.repeat(sample_train, 2, axis=0)  # 7334 rows: several blocks
    if change == "normalised":
        images = (images - np.float32(0.1307)) / np.float32(0.3081)
    elif change == "minus_zero":
        images[-1, 0] = -0.0
    elif change == "nan":
        images[5, 5] = np.nan
    elif change == "above_one":
        images[100, 7] = np.float32(256.0 / 255.0)
    elif change == "negative":
        images[200, 9] = np.float32(-1.0 / 255.0)
    else:
        row = np.flatnonzero(images[-1])[0]
        images[-1, row] = np.nextafter(images[-1, row], np.float32(2.0))
    packed = resident.pack(images)
    assert packed.dtype == np.float32
    np.testing.assert_array_equal(_bits(packed), _bits(images))
    assert resident.unpack(tf.constant(packed[:3])).dtype == tf.float32


def test_empty_and_integer_input():
    assert resident.pack(np.zeros((0, 784), np.float32)).shape == (0, 784)
    # Integers are floats to the trainers, as the seed's feed converted them:
    # 1.0 is what input_data makes of the byte 255, and 2.0 is no byte's float.
    ones = resident.pack(np.ones((2, 784), np.int64))
    assert ones.dtype == np.uint8 and (ones == 255).all()
    np.testing.assert_array_equal(_bits(resident.unpack(tf.constant(ones))), _bits(np.ones((2, 784))))
    assert resident.pack(np.full((2, 784), 2, np.int64)).dtype == np.float32


@pytest.mark.parametrize("train", [v1.train, v2.train], ids=["v1", "v2"])
def test_floats_that_are_not_bytes_still_give_the_seeds_bits(tiny_arrays, train):
    def split(x, y):
        images = x.reshape(len(x), 784).astype(np.float32) * np.float32(1.0 / 255.0)
        # Normalised as many TF1 scripts did: no longer bytes, so kept as floats.
        return _DataSet((images - np.float32(0.1307)) / np.float32(0.3081), np.eye(10)[y])
    train_set = split(tiny_arrays["x_train"], tiny_arrays["y_train"])
    data = _Datasets(train_set, _DataSet(train_set.images[:0], train_set.labels[:0]),
                     split(tiny_arrays["x_test"], tiny_arrays["y_test"]))
    assert resident.pack(data.train.images).dtype == np.float32
    config = SoftmaxConfig(steps=30, batch_size=16, loss="stable", seed=3)
    batches = np.random.RandomState(4).randint(0, 200, size=(30, 16)).astype(np.int64)
    initial = softmax.initial_values(config)
    reference = v1.train_feed(config, data, batches=batches, initial=initial)
    got = train(config, data, batches=batches, initial=initial, steps_per_run=8)
    np.testing.assert_array_equal(got.loss, reference.loss)
    np.testing.assert_array_equal(got.weights, reference.weights)
