"""Tests of what the CNN implementations share: cnn.shapes, cnn.seeded, cnn.inputs and cnn.results."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tfv1_mnist import contract, datasets  # noqa: E402
from tfv1_mnist.cnn import inputs, results, seeded, shapes  # noqa: E402
from tfv1_mnist.config import CNNConfig  # noqa: E402
from tfv1_mnist.errors import ConfigError, DataError  # noqa: E402


def test_weight_shapes_names_and_parameter_count():
    assert shapes.NUM_PARAMS == 10_000
    assert len(shapes.WEIGHT_NAMES) == len(shapes.WEIGHT_SHAPES) == 8
    assert shapes.WEIGHT_NAMES[:2] == ("conv1/kernel", "conv1/bias")
    assert shapes.WEIGHT_NAMES[-1] == "dense2/bias"


def test_train_flops_per_example_is_about_3_7_mflop():
    assert 3.6e6 < shapes.TRAIN_FLOPS_PER_EXAMPLE < 3.8e6


def test_initial_weights_are_glorot_uniform_and_zero_biases():
    w = seeded.initial_weights(3)
    for kernel, bias in zip(w[0::2], w[1::2]):
        fan_in, fan_out = seeded._fan_in_out(kernel.shape)
        limit = math.sqrt(6 / (fan_in + fan_out))
        assert kernel.dtype == np.float32
        assert np.abs(kernel).max() <= limit
        # A uniform draw fills the range: its std is limit/sqrt(3).
        np.testing.assert_allclose(kernel.std(), limit / math.sqrt(3), rtol=0.25)
        np.testing.assert_array_equal(bias, 0)
    again = seeded.initial_weights(3)
    other = seeded.initial_weights(4)
    for a, b in zip(w, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(w[0], other[0])


def test_initial_weights_rejects_no_seed():
    with pytest.raises(ConfigError, match="seed"):
        seeded.initial_weights(None)


def test_epoch_indices_is_a_permutation_per_seed_and_epoch():
    a = seeded.epoch_indices(100, 1, 0)
    assert a.dtype == np.int64
    np.testing.assert_array_equal(np.sort(a), np.arange(100))
    np.testing.assert_array_equal(a, seeded.epoch_indices(100, 1, 0))
    assert not np.array_equal(a, seeded.epoch_indices(100, 1, 1))
    assert not np.array_equal(a, seeded.epoch_indices(100, 2, 0))

def test_schedule_is_one_epoch_indices_order_per_epoch(tiny_arrays):
    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    config = CNNConfig(epochs=2, batch_size=32, seed=5)
    sched = seeded.schedule(config, data)
    assert isinstance(sched, contract.Schedule) and sched.batch_size == 32
    for epoch, order in enumerate(sched.epochs):
        np.testing.assert_array_equal(order, seeded.epoch_indices(200, 5, epoch))
    assert sched.steps_per_epoch == (7, 7)  # 6 full batches and one of 8
    batches = seeded.schedule_batches(config, data, sched)
    assert len(batches) == 2
    np.testing.assert_array_equal(batches[1], sched.epochs[1])


def test_schedule_batches_refuses_a_schedule_of_another_config(tiny_arrays):
    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    sched = seeded.schedule(CNNConfig(epochs=1, batch_size=32, seed=0), data)
    with pytest.raises(ConfigError, match="1 epoch\\(s\\) of batch 32 but the config asks for 2 of batch 32"):
        seeded.schedule_batches(CNNConfig(epochs=2, batch_size=32), data, sched)
    with pytest.raises(ConfigError, match="batch 50"):
        seeded.schedule_batches(CNNConfig(epochs=1, batch_size=50), data, sched)
    small = datasets.Mnist(**{**tiny_arrays, "x_train": tiny_arrays["x_train"][:100],
                              "y_train": tiny_arrays["y_train"][:100]}, name="small", path="", sha256="")
    with pytest.raises(ConfigError, match="another data set"):
        seeded.schedule_batches(CNNConfig(epochs=1, batch_size=32), small, sched)


def test_scale_images_and_prepare_images_agree_bit_for_bit(tiny_arrays):
    x = tiny_arrays["x_train"][:8]
    for normalize in (False, True):
        np.testing.assert_array_equal(inputs.prepare_images(x, normalize)[..., 0],
                                      inputs.scale_images(x, normalize).numpy())
    assert inputs.as_nhwc(inputs.scale_images(x, True)).shape == (8, 28, 28, 1)


def test_checks_name_what_is_wrong():
    with pytest.raises(ConfigError, match="Keras Sequential order"):
        shapes.check_weights(seeded.initial_weights(0)[::-1])
    with pytest.raises(DataError, match=r"x_test must be images \[N,28,28\], got shape \(3, 784\)"):
        shapes.as_image_batch(np.zeros((3, 784), np.uint8), "x_test")
    assert shapes.as_image_batch(np.zeros((3, 28, 28, 1), np.uint8), "x").shape == (3, 28, 28)
    assert seeded.check_batches(None, 10, 3) is None
    assert set(results.empty_history()) == set(results.HISTORY_KEYS)
