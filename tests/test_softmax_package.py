"""Tests of tfv1_mnist.softmax (the package): MODEL, IMPLEMENTATIONS and the contract runners."""

from __future__ import annotations

import numpy as np
import pytest

from tfv1_mnist import contract, datasets, softmax
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError


@pytest.fixture(scope="module")
def sample() -> datasets.Mnist:
    return datasets.load("sample")


def test_model_spec():
    spec = softmax.MODEL
    assert isinstance(spec, contract.ModelSpec)
    assert spec.name == "softmax" and spec.config == SoftmaxConfig(seed=0)
    assert spec.weight_names == ("weights", "biases") and spec.reference == "v1"
    assert [label for label, _ in spec.configs()] == ["naive", "stable"]
    assert [c.loss for _, c in spec.configs(steps=5)] == ["naive", "stable"]
    assert spec.tolerance == 1e-5
    assert [between for between, _, _ in spec.notes] == ["softmax naive vs stable"]
    assert [(i.model, i.name) for i in softmax.IMPLEMENTATIONS] == [
        ("softmax", "v1"), ("softmax", "v2"), ("softmax", "v1_xla")]
    assert [i.train for i in softmax.IMPLEMENTATIONS] == [softmax.v1.train_on_schedule,
                                                        softmax.v2.train_on_schedule,
                                                        softmax.v1.train_on_schedule_xla]
    assert spec.reference in {i.name for i in softmax.IMPLEMENTATIONS}


def test_the_twins_expose_the_same_runners_in_the_same_order():
    def runners(module):
        names = [n for n in module.__all__ if n in ("train", "train_on_schedule", "IMPLEMENTATION")]
        return names
    assert runners(softmax.v1) == runners(softmax.v2) == ["train", "train_on_schedule", "IMPLEMENTATION"]


@pytest.mark.parametrize("variant", ["naive", "stable"])
def test_every_implementation_follows_the_contract_and_v1_equals_v2(sample, variant):
    config = dict(softmax.MODEL.configs(steps=50))[variant]
    schedule = softmax.MODEL.schedule(config, sample)
    initial = softmax.MODEL.initial_weights(config)
    results = {}
    for impl in softmax.IMPLEMENTATIONS:
        result = impl.train(config, sample, schedule, initial)
        assert isinstance(result, contract.TrainResult)
        assert [w.shape for w in result.weights] == [(784, 10), (10,)]  # MODEL.weight_names order
        assert result.step_loss.shape == (schedule.num_steps,) == (50,)
        assert result.loss_timing == contract.LOSS_AFTER_UPDATE
        assert 0.0 < result.test_accuracy <= 1.0 and result.train_seconds > 0
        assert isinstance(result.native, softmax.SoftmaxResult)
        results[impl.name] = result
    v1, v2 = results["v1"], results["v2"]
    np.testing.assert_array_equal(v1.step_loss, v2.step_loss)
    for a, b in zip(v1.weights, v2.weights):
        np.testing.assert_array_equal(a, b)
    assert v1.test_accuracy == v2.test_accuracy
    # The fast path: the same training up to float32 round-off, never bit for bit promised.
    fast = results["v1_xla"]
    np.testing.assert_allclose(fast.step_loss, v1.step_loss, rtol=1e-5)
    assert fast.native.compile_seconds > 0 and v1.native.compile_seconds == 0
    # The contract runner is train() on the prepared data with the schedule's table.
    direct = softmax.v1.train(config, softmax.prepare(sample, seed=0), batches=schedule.table(), initial=initial)
    np.testing.assert_array_equal(direct.loss, v1.step_loss)


def test_a_batch_larger_than_the_training_set_is_a_config_error(sample):
    with pytest.raises(ConfigError, match="larger than the training set"):
        softmax.MODEL.schedule(SoftmaxConfig(batch_size=3668, seed=0), sample)
