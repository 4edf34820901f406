"""Tests of what the softmax twins share: softmax.data (preprocessing, schedule), softmax.initial, softmax.driver (the result)."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from tfv1_mnist import batching, contract, datasets, input_data
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.softmax import data as softmax_data
from tfv1_mnist.softmax import driver, initial


@pytest.fixture(scope="module")
def sample() -> datasets.Mnist:
    return datasets.load("sample")


def test_prepare_gives_the_floats_of_from_mnist_with_tf1s_split(sample):
    state = np.random.get_state()
    got = softmax_data.prepare(sample, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), state))  # global RNG untouched
    want = input_data.from_mnist(sample, one_hot=True, validation_size=batching.tf1_validation_size(4000),
                                 rng=np.random.RandomState(0))
    assert (got.train.num_examples, got.validation.num_examples, got.test.num_examples) == (3667, 333, 1000)
    for name in ("train", "validation", "test"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.images.dtype == np.float32 and a.images.shape[1:] == (784,)
        assert a.labels.shape[1:] == (10,)
        np.testing.assert_array_equal(a.images, b.images)
        np.testing.assert_array_equal(a.labels, b.labels)
    # The seed only drives next_batch: the same next_batch order as TF1's for that seed.
    np.testing.assert_array_equal(got.train.next_batch(5)[1], want.train.next_batch(5)[1])


def test_as_datasets_prepares_mnist_and_checks_the_rest(sample):
    ds = softmax_data.as_datasets(sample)
    assert ds.train.num_examples == 3667
    assert softmax_data.as_datasets(ds) is ds
    with pytest.raises(ConfigError, match="or pass the datasets.Mnist itself"):
        softmax_data.as_datasets(ds._replace(test=types.SimpleNamespace(
            images=ds.test.images.reshape(-1, 28, 28), labels=ds.test.labels)))


def test_examples_per_second_is_derived():
    config = SoftmaxConfig(steps=10, batch_size=20)
    result = driver.SoftmaxResult(loss=np.zeros(10, np.float32), weights=np.zeros((784, 10), np.float32),
                                  biases=np.zeros(10, np.float32), test_accuracy=0.5, nan_steps=0,
                                  train_seconds=2.0, config=config)
    assert result.examples_per_second == 100.0
    assert "examples_per_second" not in {f.name for f in dataclasses.fields(driver.SoftmaxResult)}
    assert dataclasses.replace(result, train_seconds=4.0).examples_per_second == 50.0


def test_schedule_is_tf1s_next_batch_order_after_the_split(sample):
    config = SoftmaxConfig(steps=7, batch_size=50, seed=3)
    schedule = softmax_data.schedule(config, sample)
    assert isinstance(schedule, contract.Schedule)
    assert schedule.num_steps == 7 and schedule.batch_size == 50
    np.testing.assert_array_equal(
        schedule.table(), batching.tf1_batch_indices(3667, 50, 7, np.random.RandomState(3)))
    np.testing.assert_array_equal(schedule.table(), softmax_data.default_batches(config, 3667))
    with pytest.raises(ConfigError, match="--batch-size 4000 is larger than the training set"):
        softmax_data.schedule(SoftmaxConfig(batch_size=4000), sample)


def test_train_on_schedule_takes_the_schedules_steps_and_batch_size():
    seen = {}

    def fake_train(config, data, *, batches, initial):
        seen.update(config=config, data=data, batches=batches, initial=initial)
        return driver.SoftmaxResult(
            loss=np.arange(config.steps, dtype=np.float32), weights=np.ones((784, 10), np.float32),
            biases=np.zeros(10, np.float32), test_accuracy=0.25, nan_steps=0, train_seconds=1.5,
            config=config)

    config = SoftmaxConfig(steps=1000, batch_size=100, seed=1, loss="stable")
    table = np.arange(12).reshape(4, 3)
    result = driver.train_on_schedule(fake_train, config, "data", contract.Schedule.from_table(table), ["w", "b"])
    assert seen["config"] == dataclasses.replace(config, steps=4, batch_size=3)
    np.testing.assert_array_equal(seen["batches"], table)
    assert (seen["data"], seen["initial"]) == ("data", ["w", "b"])
    assert isinstance(result, contract.TrainResult)
    assert [w.shape for w in result.weights] == [(784, 10), (10,)]
    np.testing.assert_array_equal(result.step_loss, np.arange(4, dtype=np.float32))
    assert result.loss_timing == contract.LOSS_AFTER_UPDATE
    assert (result.test_accuracy, result.train_seconds) == (0.25, 1.5)
    assert result.native.config is seen["config"]
    with pytest.raises(ConfigError, match="no steps"):
        driver.train_on_schedule(fake_train, config, "data", contract.Schedule(epochs=(), batch_size=3), [])


def test_initial_weights_are_initial_values_in_canonical_order():
    config = SoftmaxConfig(seed=4)
    w, b = initial.initial_weights(config)
    want_w, want_b = initial.initial_values(config)
    np.testing.assert_array_equal(w, want_w)
    np.testing.assert_array_equal(b, want_b)
    assert w.shape == (784, 10) and b.shape == (10,)


def test_predict_proba_scales_like_input_data():
    rng = np.random.RandomState(0)
    w = rng.randn(784, 10).astype(np.float32)
    b = rng.randn(10).astype(np.float32)
    x = rng.randint(0, 256, (5, 28, 28)).astype(np.uint8)
    p = softmax_data.predict_proba(w, b, x)
    logits = (x.reshape(5, -1).astype(np.float32) * np.float32(1 / 255)) @ w + b
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-5)
    assert p.dtype == np.float32
    p_nan = softmax_data.predict_proba(np.full((784, 10), np.nan, np.float32), b, x)
    assert np.isnan(p_nan).all()
