"""Tests of tfv1_mnist.softmax.v2: the tf.Module, the GradientTape step, and agreement
with the graph-mode trainer step by step."""

from __future__ import annotations

import collections
import logging

import numpy as np
import pytest
import tensorflow as tf

from tfv1_mnist import ops, softmax
from tfv1_mnist.softmax import v1 as softmax_v1
from tfv1_mnist.softmax import v2 as softmax_v2
from tfv1_mnist.config import SoftmaxConfig

_DataSet = collections.namedtuple("_DataSet", "images labels")
_Datasets = collections.namedtuple("_Datasets", "train validation test")


def _as_datasets(x_train, y_train, x_test, y_test, validation_size=0) -> _Datasets:
    """input_data.Datasets-like: float32 images [N, 784], float64 one-hot labels [N, 10]."""
    def split(x, y):
        images = x.reshape(len(x), 784).astype(np.float32) * np.float32(1.0 / 255.0)
        return _DataSet(images, np.eye(10)[y])
    train = split(x_train[validation_size:], y_train[validation_size:])
    validation = split(x_train[:validation_size], y_train[:validation_size])
    return _Datasets(train, validation, split(x_test, y_test))


@pytest.fixture
def tiny(tiny_arrays) -> _Datasets:
    return _as_datasets(**tiny_arrays)


@pytest.fixture(scope="module")
def real_data() -> _Datasets:
    """The embedded sample of real MNIST digits, as the softmax command loads it."""
    from tfv1_mnist import datasets, input_data

    mnist = datasets.load("sample")
    return input_data.from_mnist(mnist, one_hot=True, validation_size=333)


def test_module_variables_and_call():
    w = np.random.RandomState(0).randn(784, 10).astype(np.float32)
    b = np.arange(10, dtype=np.float32)
    model = softmax_v2.SoftmaxRegression((w, b))
    assert sorted(v.name for v in model.trainable_variables) == [
        "softmax_linear/biases:0", "softmax_linear/weights:0"]
    x = np.random.RandomState(1).rand(3, 784).astype(np.float32)
    np.testing.assert_allclose(model(x), x @ w + b, rtol=1e-5, atol=1e-4)


def test_train_step_is_plain_gradient_descent():
    rng = np.random.RandomState(2)
    w, b = rng.randn(784, 10).astype(np.float32), rng.randn(10).astype(np.float32)
    x = rng.rand(8, 784).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.randint(0, 10, 8)]
    config = SoftmaxConfig(loss="stable", learning_rate=0.1)
    model = softmax_v2.SoftmaxRegression((w, b))
    after = tf.function(softmax_v2.train_step)(model, x, y, config)
    # d loss / d logits = softmax(logits) - y for the summed cross-entropy.
    g = ops.np_softmax((x @ w + b).astype(np.float64)) - y
    np.testing.assert_allclose(model.weights.numpy(), w - 0.1 * (x.T @ g), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(model.biases.numpy(), b - 0.1 * g.sum(0), rtol=1e-4, atol=1e-4)
    new_logits = x @ model.weights.numpy() + model.biases.numpy()
    np.testing.assert_allclose(after, ops.np_cross_entropy(y, new_logits), rtol=1e-4)


def test_v1_and_v2_agree_step_by_step_on_real_digits(real_data):
    """The core of the v1/v2 comparison: 200 steps from the same start on the same batches."""
    config = SoftmaxConfig(steps=200, batch_size=100, seed=0)
    initial = softmax.initial_values(config)
    batches = softmax.default_batches(config, real_data.train.images.shape[0])
    v1 = softmax_v1.train(config, real_data, batches=batches, initial=initial)
    v2 = softmax_v2.train(config, real_data, batches=batches, initial=initial, steps_per_run=64)
    assert np.isfinite(v1.loss).all() and v1.nan_steps == v2.nan_steps == 0
    rel = np.abs(v2.loss - v1.loss) / np.abs(v1.loss)
    assert rel.max() <= 1e-5, f"step {int(rel.argmax())}: relative difference {rel.max():.3g}"
    np.testing.assert_allclose(v2.weights, v1.weights, rtol=1e-4, atol=1e-5)
    assert v2.test_accuracy == pytest.approx(v1.test_accuracy, abs=2e-3)
    assert v1.loss[-20:].mean() < 0.5 * v1.loss[:20].mean()  # it learns


def test_v2_draws_the_same_initial_values_as_v1(tiny):
    config = SoftmaxConfig(steps=5, batch_size=20, seed=9)
    v1 = softmax_v1.train(config, tiny)
    v2 = softmax_v2.train(config, tiny)
    np.testing.assert_allclose(v2.loss, v1.loss, rtol=1e-5)


def test_result_fields_and_learning(tiny):
    config = SoftmaxConfig(steps=50, batch_size=20, learning_rate=0.5, loss="stable",
                           reduction="mean", init="zeros", seed=1)
    result = softmax_v2.train(config, tiny, steps_per_run=16)
    assert isinstance(result, softmax.SoftmaxResult)
    assert result.loss.shape == (50,) and result.loss.dtype == np.float32
    assert result.weights.shape == (784, 10) and result.biases.shape == (10,)
    assert result.nan_steps == 0
    assert result.test_accuracy >= 0.9
    assert result.examples_per_second == pytest.approx(50 * 20 / result.train_seconds)


def test_nan_counted_and_stop_on_nan(tiny, caplog):
    config = SoftmaxConfig(steps=12, batch_size=20, learning_rate=100.0, seed=3)
    with caplog.at_level(logging.WARNING):
        result = softmax_v2.train(config, tiny, steps_per_run=5)
    v1 = softmax_v1.train(config, tiny)
    np.testing.assert_array_equal(np.isfinite(result.loss), np.isfinite(v1.loss))
    assert result.nan_steps == v1.nan_steps >= 1
    assert sum("not finite" in r.getMessage() for r in caplog.records) == 2  # once per trainer
    first = int(np.argmax(~np.isfinite(result.loss)))
    stop = SoftmaxConfig(steps=12, batch_size=20, learning_rate=100.0, seed=3, stop_on_nan=True)
    with pytest.raises(softmax.NonFiniteLossError, match="--loss stable") as exc:
        softmax_v2.train(stop, tiny, steps_per_run=50)
    assert exc.value.step == first
    assert exc.value.losses.shape == (first + 1,)


def test_checkpoint_and_callback(tiny, tmp_path):
    seen = []
    config = SoftmaxConfig(steps=3, batch_size=10, seed=4)
    result = softmax_v2.train(config, tiny, workdir=tmp_path, step_callback=lambda *a: seen.append(a))
    assert [s for s, *_ in seen] == [0, 1, 2]
    np.testing.assert_array_equal(seen[-1][2], result.weights)
    restored = softmax_v2.SoftmaxRegression((np.zeros((784, 10), np.float32), np.zeros(10, np.float32)))
    checkpoint = tf.train.Checkpoint(model=restored)
    latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoint"))
    assert latest and latest.endswith("ckpt-3")
    checkpoint.restore(latest).assert_consumed()
    np.testing.assert_array_equal(restored.weights.numpy(), result.weights)


def test_evaluate(tiny):
    w = np.zeros((784, 10), np.float32)
    b = np.eye(10, dtype=np.float32)[3]
    model = softmax_v2.SoftmaxRegression((w, b))
    out = softmax_v2.evaluate(model, tiny.test.images, tiny.test.labels)
    assert out == {"accuracy": pytest.approx(float(np.mean(tiny.test.labels.argmax(1) == 3))),
                   "num_examples": 50}
    assert np.isnan(softmax_v2.evaluate(model, tiny.test.images[:0], tiny.test.labels[:0])["accuracy"])


def test_labels_must_be_one_hot(tiny):
    from tfv1_mnist.errors import ConfigError

    images = tiny.test.images.reshape(-1, 28, 28)
    with pytest.raises(ConfigError, match="input_data.from_mnist"):
        softmax_v2.train(SoftmaxConfig(steps=2, batch_size=10), tiny._replace(test=_DataSet(images, tiny.test.labels)))
