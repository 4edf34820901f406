"""Conformance tests of the CNN's registered implementations (``tfv1_mnist.cnn``).

Pattern: Sonnet 2's cross-cutting tests: every entry of ``cnn.IMPLEMENTATIONS``
runs the same ``contract`` checks, started alike by ``cnn.MODEL``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tfv1_mnist import cnn, contract, datasets  # noqa: E402
from tfv1_mnist.cnn import results as cnn_results  # noqa: E402
from tfv1_mnist.cnn import shapes  # noqa: E402

NAMES = [impl.name for impl in cnn.IMPLEMENTATIONS]


@pytest.fixture(scope="module")
def runs():
    """Every implementation, one epoch on the sample's first 256 training and 200 test digits."""
    data = datasets.load("sample")
    data = dataclasses.replace(data, x_train=data.x_train[:256], y_train=data.y_train[:256],
                               x_test=data.x_test[:200], y_test=data.y_test[:200])
    config = dataclasses.replace(cnn.MODEL.config, epochs=1)
    schedule = cnn.MODEL.schedule(config, data)
    initial = cnn.MODEL.initial_weights(config)
    results = {impl.name: impl.train(config, data, schedule, initial) for impl in cnn.IMPLEMENTATIONS}
    return schedule, results


def test_model_spec_describes_the_registered_implementations():
    assert cnn.MODEL.name == "cnn" and cnn.MODEL.reference == NAMES[0] == "v2"
    assert NAMES == ["v2", "keras", "v1", "mirrored"]
    assert all(impl.model == "cnn" and impl.summary for impl in cnn.IMPLEMENTATIONS)
    assert all(impl.note for impl in cnn.IMPLEMENTATIONS[1:])
    assert cnn.MODEL.weight_names == shapes.WEIGHT_NAMES
    assert cnn.MODEL.tolerance == 1e-2
    assert cnn.MODEL.config.epochs == 2 and cnn.MODEL.config.seed == 0  # compare's defaults
    assert cnn.MODEL.curve_steps == 300
    assert all(len(note) == 3 for note in cnn.MODEL.notes)
    weights = cnn.MODEL.initial_weights(cnn.MODEL.config)
    assert [w.shape for w in weights] == list(shapes.WEIGHT_SHAPES)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_train_returns_the_contracts_result(runs, name):
    schedule, results = runs
    result = results[name]
    assert isinstance(result, contract.TrainResult)
    assert tuple(w.shape for w in result.weights) == shapes.WEIGHT_SHAPES
    assert all(w.dtype == np.float32 for w in result.weights)
    assert result.step_loss.shape == (schedule.num_steps,) == (8,)
    assert result.nan_steps == 0
    assert result.loss_timing == contract.LOSS_BEFORE_UPDATE
    assert 0.0 <= result.test_accuracy <= 1.0
    assert result.test_accuracy == result.history["val_accuracy"][-1]
    assert set(result.history) == set(cnn_results.EPOCH_KEYS)
    assert all(len(v) == 1 for v in result.history.values())
    assert result.train_seconds > 0
    assert result.native is not None


@pytest.mark.slow
def test_keras_fit_and_the_v2_loop_end_in_bit_identical_weights(runs):
    _, results = runs
    for a, b in zip(results["keras"].weights, results["v2"].weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_v1_twin_stays_within_the_models_tolerance(runs):
    _, results = runs
    v1, v2 = results["v1"].step_loss, results["v2"].step_loss
    assert v1[0] == v2[0]  # the same start: a bit-identical first forward pass
    rel = np.abs(v1.astype(np.float64) - v2) / np.abs(v2)
    assert rel.max() <= cnn.MODEL.tolerance


@pytest.mark.slow
def test_a_schedule_of_another_config_is_refused(runs):
    from tfv1_mnist.errors import ConfigError

    schedule, _ = runs
    config = dataclasses.replace(cnn.MODEL.config, batch_size=64)
    for impl in cnn.IMPLEMENTATIONS:
        with pytest.raises(ConfigError, match="draw the schedule from the same config"):
            impl.train(config, datasets.load("sample"), schedule, cnn.MODEL.initial_weights(config))
