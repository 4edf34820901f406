"""Tests for tfv1_mnist.cnn.mirrored: the v2 loop on 2 logical CPUs, against the single-device v2."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tfv1_mnist import cnn, compare, contract, datasets  # noqa: E402
from tfv1_mnist.cnn import mirrored, v2  # noqa: E402
from tfv1_mnist.errors import ConfigError  # noqa: E402


@pytest.fixture(scope="module")
def small():
    """The sample's first 300 training and 100 test digits: 10 steps, the last one of 12."""
    data = datasets.load("sample")
    return dataclasses.replace(data, x_train=data.x_train[:300], y_train=data.y_train[:300],
                               x_test=data.x_test[:100], y_test=data.y_test[:100])


def test_it_is_registered_with_the_cnn():
    assert mirrored.IMPLEMENTATION in cnn.IMPLEMENTATIONS
    assert "mirrored" in [i.name for i in compare.default_registry().implementations("cnn")]


def test_a_schedule_of_another_config_is_refused_before_a_child_starts(small):
    config = dataclasses.replace(cnn.MODEL.config, epochs=1)
    schedule = cnn.MODEL.schedule(config, small)
    with pytest.raises(ConfigError, match="draw the schedule from the same config"):
        mirrored.train_mirrored(dataclasses.replace(config, batch_size=64), small, schedule,
                                cnn.MODEL.initial_weights(config))


@pytest.mark.slow
def test_two_logical_cpus_train_like_one_device(small):
    config = dataclasses.replace(cnn.MODEL.config, epochs=1)
    schedule = cnn.MODEL.schedule(config, small)
    initial = cnn.MODEL.initial_weights(config)
    got = mirrored.train_mirrored(config, small, schedule, initial)
    ref = v2.train_on_schedule(config, small, schedule, initial)
    assert got.native["replicas"] == 2
    assert [d.rsplit("/", 1)[-1] for d in got.native["devices"]] == ["device:CPU:0", "device:CPU:1"]
    assert got.step_loss.shape == ref.step_loss.shape == (10,)
    np.testing.assert_allclose(got.step_loss, ref.step_loss, rtol=1e-5)
    for a, b in zip(got.weights, ref.weights):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.slow
def test_a_mirrored_step_is_two_half_batches_summed_on_one_device(small):
    """The only difference from one device is the order of the sum: bit for bit."""
    import keras
    import tensorflow as tf

    config = dataclasses.replace(cnn.MODEL.config, epochs=1)
    rows = cnn.MODEL.schedule(config, small).epochs[0][:32]
    initial = cnn.MODEL.initial_weights(config)
    got = mirrored.train_mirrored(config, small, contract.Schedule(epochs=(rows,), batch_size=32), initial)

    model = v2.CNN(initial)
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
    optimizer.build(model.ordered_variables)
    x, y = tf.constant(small.x_train[rows]), tf.constant(small.y_train[rows])
    grads, loss = None, 0.0
    for part in (slice(0, 16), slice(16, 32)):
        with tf.GradientTape() as tape:
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.cast(y[part], tf.int32), logits=model(x[part]))
            part_loss = tf.nn.compute_average_loss(losses, global_batch_size=32)
        g = tape.gradient(part_loss, model.ordered_variables)
        grads = g if grads is None else [a + b for a, b in zip(grads, g)]
        loss += float(part_loss)
    optimizer.apply_gradients(zip(grads, model.ordered_variables))
    for a, b in zip(got.weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert got.step_loss[0] == pytest.approx(loss, rel=1e-6)


@pytest.mark.slow
def test_the_comparison_calls_the_gap_round_off(small):
    result = compare.run_in_child(small, model="cnn", seed=0, settings={"epochs": 1},
                                  implementations={"cnn": ["mirrored"]})
    e = result["models"]["cnn"]["variants"]["default"]
    assert set(e["verdict"]) == {"mirrored"}
    assert e["verdict"]["mirrored"] in ("round-off", "amplified round-off")
    assert e["max_rel_early_step_loss_diff"]["mirrored"] <= compare.EARLY_REL
    assert e["nonfinite_mismatch_steps"]["mirrored"] == 0
    explained = [d for d in result["differences"] if d["between"] == "cnn: mirrored vs v2"]
    assert [d["source"] for d in explained] == ["round-off"]
    assert "all-reduce" in explained[0]["detail"]
