"""Tests of tfv1_mnist.softmax.fast: the XLA-compiled step loop both twins run with ``config.xla``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tfv1_mnist import datasets, softmax
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import v1, v2


@pytest.fixture(scope="module")
def sample():
    return softmax.prepare(datasets.load("sample"), seed=0)


def test_v1_and_v2_fast_paths_run_the_same_program_and_stay_within_round_off(sample):
    config = SoftmaxConfig(steps=40, batch_size=100, seed=0)
    fast = dataclasses.replace(config, xla=True)
    faithful = v1.train(config, sample)
    one, two = v1.train(fast, sample), v2.train(fast, sample)
    np.testing.assert_array_equal(one.loss, two.loss)
    np.testing.assert_array_equal(one.weights, two.weights)
    np.testing.assert_allclose(one.loss, faithful.loss, rtol=1e-5)
    np.testing.assert_allclose(one.weights, faithful.weights, rtol=1e-4, atol=1e-5)
    assert one.test_accuracy == two.test_accuracy
    assert one.compile_seconds > 0 and two.compile_seconds > 0
    assert faithful.compile_seconds == 0


@pytest.mark.slow
def test_chunks_and_callbacks_give_the_same_losses(sample):
    config = SoftmaxConfig(steps=6, batch_size=50, seed=1, xla=True)
    whole = v1.train(config, sample)
    seen = []
    stepped = v2.train(config, sample, step_callback=lambda step, loss, w, b: seen.append(step))
    np.testing.assert_array_equal(whole.loss, stepped.loss)
    assert seen == list(range(6))
    chunked = v1.train(config, sample, steps_per_run=4)  # a full run and a shorter one
    np.testing.assert_array_equal(whole.loss, chunked.loss)


@pytest.mark.slow
def test_nan_appears_where_the_faithful_path_has_it_and_stop_on_nan_stops_there(tiny_arrays):
    data = datasets.Mnist(name="tiny", **tiny_arrays)
    config = SoftmaxConfig(steps=12, batch_size=20, learning_rate=100.0, seed=3)
    faithful = v1.train(config, data)
    fast = v1.train(dataclasses.replace(config, xla=True), data)
    assert faithful.nan_steps >= 1
    np.testing.assert_array_equal(np.isfinite(fast.loss), np.isfinite(faithful.loss))
    first = int(np.argmax(~np.isfinite(faithful.loss)))
    with pytest.raises(softmax.NonFiniteLossError) as exc:
        v2.train(dataclasses.replace(config, xla=True, stop_on_nan=True), data)
    assert exc.value.step == first
