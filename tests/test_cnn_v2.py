"""Tests for tfv1_mnist.cnn.v2: the module, parameter count, training, evaluation, resume."""

from __future__ import annotations

import math

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from tfv1_mnist.cnn import results, seeded, shapes, v2  # noqa: E402
from tfv1_mnist.cnn import steps as cnn_steps  # noqa: E402
from tfv1_mnist.config import CNNConfig  # noqa: E402
from tfv1_mnist.errors import ConfigError, DataError  # noqa: E402


def make_data(arrays: dict):
    """A ``datasets.Mnist`` from the tiny arrays."""
    from tfv1_mnist import datasets

    return datasets.Mnist(**arrays, name="tiny", path="", sha256="")


@pytest.fixture
def tiny(tiny_arrays):
    return make_data(tiny_arrays)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short run (1 epoch, batch 20)."""
    import conftest

    data = make_data(conftest.tiny_arrays.__wrapped__())
    workdir = tmp_path_factory.mktemp("run")
    model, history = v2.train_and_evaluate(
        CNNConfig(epochs=1, batch_size=20, seed=7), data, workdir, progress=False)
    return model, history, data, workdir


def test_parameter_count_is_the_seeds():
    model = v2.CNN(seed=0)
    assert model.num_params == 10_000
    assert shapes.NUM_PARAMS == 10_000
    assert [tuple(w.shape) for w in model.get_weights()] == list(shapes.WEIGHT_SHAPES)


def test_variables_are_named_by_layer():
    names = [v.name for v in v2.CNN(seed=0).ordered_variables]
    assert names[0].startswith("cnn/conv1/weights") and names[1].startswith("cnn/conv1/biases")
    assert names[-1].startswith("cnn/dense2/biases")


def test_logits_shape_accepts_both_layouts_and_dtypes(tiny):
    model = v2.CNN(seed=0)
    x = tiny.x_train[:5]
    logits = model(tf.constant(x))
    assert logits.shape == (5, 10) and logits.dtype == tf.float32
    np.testing.assert_allclose(model(tf.constant(x[..., None].astype(np.float32))), logits,
                               rtol=1e-6, atol=1e-6)


def test_normalize_scales_inputs_inside_the_model(tiny):
    weights = seeded.initial_weights(0)
    raw = v2.CNN(weights, normalize=False)
    scaled = v2.CNN(weights, normalize=True)
    x = tiny.x_train[:4]
    np.testing.assert_allclose(scaled(tf.constant(x)),
                               raw(tf.constant(x.astype(np.float32) / 255.0)), rtol=1e-5, atol=1e-6)


def test_set_weights_rejects_wrong_shapes():
    model = v2.CNN(seed=0)
    with pytest.raises(ConfigError, match="Keras Sequential order"):
        model.set_weights(model.get_weights()[::-1])


def test_train_step_lowers_the_loss_on_a_fixed_batch(tiny):
    import keras

    model = v2.CNN(seed=0, normalize=True)
    opt = keras.optimizers.Adam(0.01)
    opt.build(model.ordered_variables)
    images, labels = tf.constant(tiny.x_train[:32]), tf.constant(tiny.y_train[:32])
    first, _ = cnn_steps.train_step(model, opt, images, labels)
    for _ in range(10):
        last, correct = cnn_steps.train_step(model, opt, images, labels)
    assert float(last) < 0.7 * float(first)
    assert 0 <= int(correct) <= 32


def test_evaluate_matches_a_direct_computation(tiny):
    model = v2.CNN(seed=1, normalize=True)
    res = v2.evaluate(model, tiny.x_test, tiny.y_test, batch_size=7)
    logits = model(tf.constant(tiny.x_test)).numpy()
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    expected_loss = -logp[np.arange(len(logp)), tiny.y_test].mean()
    np.testing.assert_allclose(res["loss"], expected_loss, rtol=1e-5)
    assert res["accuracy"] == pytest.approx(np.mean(logits.argmax(1) == tiny.y_test))
    proba = v2.predict_proba(model, tiny.x_test, batch_size=9)
    assert proba.shape == (50, 10) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)


def test_evaluate_rejects_wrong_image_shape():
    with pytest.raises(DataError, match=r"\[N,28,28\]"):
        v2.evaluate(v2.CNN(seed=0), np.zeros((3, 784), np.uint8), np.zeros(3, np.uint8))
    with pytest.raises(DataError, match=r"y must be labels \[3\], one per image, got shape \(2,\)"):
        v2.evaluate(v2.CNN(seed=0), np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))


def test_train_and_evaluate_one_epoch(trained):
    model, history, data, workdir = trained
    steps = math.ceil(len(data.x_train) / 20)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"):
        assert len(history[key]) == 1, key
    assert len(history["step_loss"]) == steps
    assert all(np.isfinite(history["step_loss"]))
    # The epoch loss is the example-weighted mean of the step losses.
    assert history["loss"][0] == pytest.approx(np.mean(history["step_loss"]), rel=1e-6)
    assert history["val_accuracy"][0] > 0.3  # tiny data is learnable; chance is 0.1
    assert history["val_accuracy"][0] == pytest.approx(
        v2.evaluate(model, data.x_test, data.y_test)["accuracy"])
    assert (workdir / "checkpoints" / "checkpoint").is_file()


def test_given_batches_and_weights_are_used(tiny):
    order = [np.arange(200)[::-1].astype(np.int64)]
    init = seeded.initial_weights(5)
    cfg = CNNConfig(epochs=1, batch_size=50, seed=0)
    m1, h1 = v2.train_and_evaluate(cfg, tiny, initial_weights=init, batches=order,
                                       progress=False)
    m2, h2 = v2.train_and_evaluate(CNNConfig(epochs=1, batch_size=50, seed=99), tiny,
                                       initial_weights=init, batches=order, progress=False)
    np.testing.assert_allclose(h1["step_loss"], h2["step_loss"], rtol=1e-6)
    assert len(h1["step_loss"]) == 4
    with pytest.raises(ConfigError, match="batches"):
        v2.train_and_evaluate(CNNConfig(epochs=2, seed=0), tiny, batches=order, progress=False)


def test_bad_given_batches_raise_before_training(tiny, tmp_path):
    cfg = CNNConfig(epochs=2, batch_size=50, seed=0)
    good = np.arange(200)
    for bad, message in ((np.array([0, 200]), r"batches\[1\] holds indices outside the training set"),
                         (np.zeros(0, np.int64), r"batches\[1\] must be a non-empty 1-D"),
                         (np.zeros((2, 2), np.int64), r"non-empty 1-D index array, got shape \(2, 2\)")):
        with pytest.raises(ConfigError, match=message):
            v2.train_and_evaluate(cfg, tiny, tmp_path, batches=[good, bad], progress=False)
        assert not (tmp_path / "checkpoints").exists()  # epoch 1 did not run


def test_resume_equals_uninterrupted(tiny, tmp_path):
    cfg2 = CNNConfig(epochs=2, batch_size=25, seed=11, normalize=True)
    straight, h_straight = v2.train_and_evaluate(cfg2, tiny, tmp_path / "a", progress=False)
    # "Killed" after epoch 1, then resumed to epoch 2.
    v2.train_and_evaluate(CNNConfig(epochs=1, batch_size=25, seed=11, normalize=True), tiny,
                              tmp_path / "b", progress=False)
    resumed, h_resumed = v2.train_and_evaluate(cfg2, tiny, tmp_path / "b", resume=True,
                                                   progress=False)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "step_loss"):
        np.testing.assert_allclose(h_resumed[key], h_straight[key], rtol=1e-7, atol=0, err_msg=key)


def test_resume_refuses_other_settings(tiny, tmp_path):
    v2.train_and_evaluate(CNNConfig(epochs=1, batch_size=50, seed=1), tiny, tmp_path,
                              progress=False)
    with pytest.raises(ConfigError, match="batch_size"):
        v2.train_and_evaluate(CNNConfig(epochs=2, batch_size=40, seed=1), tiny, tmp_path,
                                  resume=True, progress=False)


def test_unseeded_resume_keeps_the_drawn_order(tiny, tmp_path):
    first, _ = v2.train_and_evaluate(CNNConfig(epochs=1, batch_size=100), tiny, tmp_path,
                                         progress=False)
    model, history = v2.train_and_evaluate(CNNConfig(epochs=2, batch_size=100), tiny,
                                               tmp_path, resume=True, progress=False)
    assert model.seed == first.seed
    assert len(history["loss"]) == 2 and len(history["step_loss"]) == 4
    # The same start and orders as an uninterrupted run seeded with the drawn seed.
    _, straight = v2.train_and_evaluate(CNNConfig(epochs=2, batch_size=100, seed=first.seed),
                                            tiny, progress=False)
    np.testing.assert_allclose(history["step_loss"], straight["step_loss"], rtol=1e-7, atol=0)


def test_train_step_in_tf_function_matches_eager(tiny):
    import keras

    images, labels = tf.constant(tiny.x_train[:16]), tf.constant(tiny.y_train[:16])
    results = []
    for step in (cnn_steps.train_step, cnn_steps.train_step.python_function):  # graph, then eager
        model = v2.CNN(seed=2, normalize=True)
        opt = keras.optimizers.Adam(0.001)
        opt.build(model.ordered_variables)
        losses = [float(step(model, opt, images, labels)[0]) for _ in range(2)]
        results.append((losses, model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
