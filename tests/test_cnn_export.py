"""Tests for tfv1_mnist.cnn.export: the SavedModel's two signatures, model.keras, load_exported."""

from __future__ import annotations

import pytest

tf = pytest.importorskip("tensorflow")

import numpy as np  # noqa: E402

from tfv1_mnist import datasets  # noqa: E402
from tfv1_mnist.cnn import export, v2  # noqa: E402
from tfv1_mnist.config import CNNConfig  # noqa: E402
from tfv1_mnist.errors import DataError  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model after one short run (1 epoch, batch 20) on the tiny arrays, and the data."""
    import conftest

    data = datasets.Mnist(**conftest.tiny_arrays.__wrapped__(), name="tiny", path="", sha256="")
    model, history = v2.train_and_evaluate(
        CNNConfig(epochs=1, batch_size=20, seed=7), data, tmp_path_factory.mktemp("run"),
        progress=False)
    return model, history, data, None


def test_export_round_trip(trained, tmp_path):
    import keras

    model, _, data, _ = trained
    paths = export.export(model, tmp_path)
    x = data.x_test[:12]
    expected = v2.predict_proba(model, x)

    loaded = tf.saved_model.load(paths["saved_model"])
    assert set(loaded.signatures) == {"serving_default", "serving_uint8"}
    for images in (x, x[..., None]):
        got_u8 = loaded.signatures["serving_uint8"](images=tf.constant(images))["probabilities"]
        np.testing.assert_allclose(got_u8, expected, rtol=1e-5, atol=1e-6)
        got_f = loaded.signatures["serving_default"](
            images=tf.constant(images.astype(np.float32) / 255.0))["probabilities"]
        np.testing.assert_allclose(got_f, expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError):
        loaded.signatures["serving_uint8"](images=tf.zeros([2, 27, 28], tf.uint8))

    exported = export.load_exported(tmp_path)  # the run folder works as well as saved_model/
    np.testing.assert_allclose(exported.predict_proba(x), expected, rtol=1e-5, atol=1e-6)

    keras_model = keras.models.load_model(paths["keras"])
    for a, b in zip(keras_model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(keras_model.predict(x[..., None].astype(np.float32), verbose=0),
                               expected, rtol=1e-4, atol=1e-5)


def test_load_exported_names_the_folder(tmp_path):
    with pytest.raises(DataError, match=str(tmp_path)):
        export.load_exported(tmp_path)

def test_export_prints_no_renamed_input_notice(trained, tmp_path, caplog, capfd):
    import logging

    absl_logger = logging.getLogger("absl")
    filters, tf_level = list(absl_logger.filters), logging.getLogger("tensorflow").level
    caplog.set_level(logging.INFO)  # as `tfv1-mnist cnn` logs, without -q
    caplog.set_level(logging.INFO, logger="absl")
    capfd.readouterr()
    export.export(trained[0], tmp_path)
    err = capfd.readouterr().err
    assert "unsupported characters" not in caplog.text + err
    # The filter lives for the save only: afterwards the same notice gets through.
    assert absl_logger.filters == filters and logging.getLogger("tensorflow").level == tf_level
    caplog.set_level(logging.INFO, logger="absl")  # absl resets its own level during a save
    absl_logger.info("Function `f` contains input name(s) resource with unsupported characters "
                     "which will be renamed to r in the SavedModel.")
    assert "unsupported characters" in caplog.text
