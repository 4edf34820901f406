"""Tests for tfv1_mnist.cnn.keras_reference: the seed's Keras program, and its match with v2."""

from __future__ import annotations

import types

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tfv1_mnist import datasets  # noqa: E402
from tfv1_mnist.cnn import inputs, keras_reference, seeded, shapes, v2  # noqa: E402
from tfv1_mnist.config import CNNConfig  # noqa: E402
from tfv1_mnist.errors import ConfigError  # noqa: E402


@pytest.fixture
def tiny(tiny_arrays):
    return datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")


def test_build_model_is_the_seeds_architecture():
    model = keras_reference.build_model()
    assert model.count_params() == 10_000
    assert [tuple(w.shape) for w in model.get_weights()] == list(shapes.WEIGHT_SHAPES)
    assert model.output_shape == (None, 10)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"]
    assert model.layers[-1].activation.__name__ == "softmax"


@pytest.mark.parametrize("normalize", [False, True])
def test_same_weights_give_the_same_probabilities(tiny, normalize):
    weights = seeded.initial_weights(2)
    model = keras_reference.build_model()
    model.set_weights(weights)
    x = tiny.x_test[:16]
    keras_p = model.predict(inputs.prepare_images(x, normalize), verbose=0)
    ours = v2.predict_proba(v2.CNN(weights, normalize=normalize), x)
    np.testing.assert_allclose(keras_p, ours, rtol=1e-4, atol=1e-6)


def test_prepare_images_matches_v2_scaling_bit_for_bit(tiny):
    x = tiny.x_train[:8]
    np.testing.assert_array_equal(
        inputs.prepare_images(x, True)[..., 0],
        inputs.scale_images(x, True).numpy())
    np.testing.assert_array_equal(inputs.prepare_images(x, False)[..., 0], x)


def test_fit_replays_v2s_start_and_order(tiny):
    cfg = CNNConfig(epochs=1, batch_size=32, seed=4, normalize=True)
    k_model, k_hist = keras_reference.train(cfg, tiny)
    v2_model, v2_hist = v2.train_and_evaluate(cfg, tiny, progress=False)
    assert len(k_hist["step_loss"]) == len(v2_hist["step_loss"]) == 7  # 6 full + 1 of 8
    np.testing.assert_allclose(k_hist["step_loss"], v2_hist["step_loss"], rtol=1e-5, atol=1e-6)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(k_hist[key], v2_hist[key], rtol=1e-4, atol=1e-5, err_msg=key)
    for a, b in zip(k_model.get_weights(), v2_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # The recovered per-step losses average (by batch size) to Keras' epoch loss.
    sizes = np.array([32] * 6 + [8])
    assert np.dot(k_hist["step_loss"], sizes) / 200 == pytest.approx(k_hist["loss"][0], rel=1e-5)


@pytest.mark.slow
def test_given_batches_are_followed(tiny):
    cfg = CNNConfig(epochs=1, batch_size=100, seed=0)
    order = [np.arange(200, dtype=np.int64)]
    init = seeded.initial_weights(1)
    _, h1 = keras_reference.train(cfg, tiny, initial_weights=init, batches=order)
    _, h2 = keras_reference.train(CNNConfig(epochs=1, batch_size=100, seed=9), tiny,
                                  initial_weights=init, batches=order)
    np.testing.assert_allclose(h1["step_loss"], h2["step_loss"], rtol=1e-6)
    with pytest.raises(ConfigError, match="batches"):
        keras_reference.train(CNNConfig(epochs=2, seed=0), tiny, batches=order)
    with pytest.raises(ConfigError, match=r"batches\[0\] holds indices outside the training set"):
        keras_reference.train(cfg, tiny, batches=[np.array([0, 200])])
    with pytest.raises(ConfigError, match="Keras Sequential order"):
        keras_reference.train(cfg, tiny, initial_weights=init[::-1], batches=order)


def test_bad_data_raises_data_error(tiny_arrays):
    from tfv1_mnist.errors import DataError

    # datasets.Mnist refuses such arrays itself, so a duck-typed stand-in carries them.
    data = types.SimpleNamespace(**dict(tiny_arrays, y_train=tiny_arrays["y_train"][:-1]),
                                 name="short")
    with pytest.raises(DataError, match="'short': images and labels differ in length"):
        keras_reference.train(CNNConfig(epochs=1, seed=0), data)
