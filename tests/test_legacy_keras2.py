"""Keras 2.2-era and canned-estimator TF1 scripts, unmodified, through ``tfv1-mnist run-legacy`` on the sample.

``keras22_np_utils_mlp``: ``keras.utils.np_utils``, ``keras.objectives``,
``RMSprop(lr=, decay=)``, ``set_session``/``get_session``, Keras 1 keywords
and ``Sequential.fit`` in a TF1 graph.  ``tf_keras_imports_fit``: the
``tensorflow.keras`` / ``tensorflow.python.keras`` import paths and
``Adam(lr=, decay=)``.  ``estimator_dnn_classifier``:
``tf.estimator.DNNClassifier`` and ``LinearClassifier`` on ``numeric_column``
features.  ``contrib_learn_dnn``: ``tf.contrib.learn.DNNClassifier``,
``SKCompat``, ``RunConfig``.  Each prints ``Accuracy: X``; the children start together, once.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

from tfv1_mnist import datasets, input_data
from tfv1_mnist.legacy import runner
from tfv1_mnist.legacy.common import LegacyImportError, LegacySymbolError
from tfv1_mnist.legacy.estimator.canned import get_optimizer_instance
from tfv1_mnist.legacy.estimator.head import ClassificationHead
from tfv1_mnist.legacy.keras2 import KerasTree, names

SCRIPTS = pathlib.Path(__file__).resolve().parent / "legacy_scripts"
TIMEOUT = 480

NAMES = ("keras22_np_utils_mlp", "tf_keras_imports_fit", "estimator_dnn_classifier", "contrib_learn_dnn")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """name -> (exit status, stdout, stderr, working folder)."""
    base = tmp_path_factory.mktemp("keras2")
    cache = base / "empty-cache"
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (input_data.DATA_ENV, runner.LEGACY_KERAS_ENV)}
    env.update({datasets.CACHE_ENV: str(cache), "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(base / "keras")})
    procs = {}
    for name in NAMES:
        folder = base / name
        folder.mkdir()
        args = [str(SCRIPTS / f"{name}.py")] + ([str(folder / "model")] if name.startswith("estimator") else [])
        procs[name] = (subprocess.Popen([sys.executable, "-m", "tfv1_mnist", "run-legacy", "--data", "sample", *args],
                                        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True), folder)
    results = {}
    for name, (proc, folder) in procs.items():
        out, err = proc.communicate(timeout=TIMEOUT)
        results[name] = (proc.returncode, out, err, folder)
    return results


def _line(result, prefix: str) -> str:
    code, out, err, _ = result
    assert code == 0, err[-4000:]
    found = [line for line in out.splitlines() if line.startswith(prefix)]
    assert found, out[-2000:]
    return found[-1][len(prefix):]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_script_runs_unmodified_and_learns(runs, name):
    assert float(_line(runs[name], "Accuracy: ")) > 0.8


@pytest.mark.slow
def test_keras_2_2_optimizer_keeps_lr_and_decays_it_as_keras_2_2(runs):
    line = _line(runs["keras22_np_utils_mlp"], "OPTIMIZER ")
    name, lr, iterations, decayed = re.match(r"(\w+) lr=([0-9.]+) iterations=(\d+) decayed=([0-9.]+)", line).groups()
    assert name == "RMSprop" and float(lr) == pytest.approx(0.002)
    steps = 2 * -(-3667 // 64)  # two epochs of the sample's 3667 training images, batches of 64
    assert int(iterations) == steps
    assert float(decayed) == pytest.approx(0.002 / (1 + 1e-4 * steps), rel=1e-4)  # Keras 2.2.4's lr schedule


@pytest.mark.slow
def test_keras_2_2_fit_history_predict_and_keywords(runs):
    result = runs["keras22_np_utils_mlp"]
    assert _line(result, "PREDICT ") == "(10, 10) True"
    assert _line(result, "HISTORY ") == "['acc', 'loss', 'val_acc', 'val_loss']"
    assert _line(result, "HIDDEN ") == "(5, 128) True"
    err = result[2]
    assert "`units` instead of `output_dim`" in err and "`rate` instead of `p`" in err
    assert "`inputs` instead of `input`" in err
    assert "is deprecated" not in err


@pytest.mark.slow
def test_a_keras_name_without_counterpart_is_a_legacy_symbol_error_naming_it(runs):
    line = _line(runs["keras22_np_utils_mlp"], "MISSING ")
    assert line.startswith("LegacySymbolError: keras.utils.multi_gpu_model has no counterpart")
    assert "tf.distribute.MirroredStrategy" in line


@pytest.mark.slow
def test_canned_estimators_keep_tf1_keys_and_variable_names(runs):
    result = runs["estimator_dnn_classifier"]
    assert _line(result, "METRICS ") == "['accuracy', 'average_loss', 'global_step', 'loss']"
    keys, dtype, _ = _line(result, "PREDICTIONS ").rsplit(" ", 2)
    assert keys == "['all_class_ids', 'all_classes', 'class_ids', 'classes', 'logits', 'probabilities']"
    assert dtype == "int64"
    variables = set(_line(result, "VARIABLES ").split())
    assert {"dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_0/bias", "dnn/logits/kernel",
            "dnn/hiddenlayer_0/kernel/Adagrad"} <= variables
    assert float(_line(result, "LINEAR accuracy ")) > 0.8
    assert "model.ckpt-300.index" in os.listdir(result[3] / "model")


@pytest.mark.slow
def test_tf_keras_import_paths_give_legacy_optimizers_and_one_session(runs):
    result = runs["tf_keras_imports_fit"]
    assert _line(result, "OPTIMIZER ") == "tf_keras.src.optimizers.legacy.adam Adam 0.0020"
    assert _line(result, "SESSION ") == "True"
    assert "argument is deprecated" not in result[2]


@pytest.mark.slow
def test_contrib_learn_wrappers_keep_its_keys_and_variable_names(runs):
    result = runs["contrib_learn_dnn"]
    assert _line(result, "SCORE ") == "['accuracy', 'global_step', 'loss']"
    assert _line(result, "PREDICT ") == "['classes', 'logits', 'probabilities'] (1000,)"
    assert _line(result, "CLASSES ") == "4 int"
    assert set(_line(result, "VARIABLES ").split()) >= {"dnn/hiddenlayer_0/weights", "dnn/hiddenlayer_0/biases"}
    assert float(_line(result, "AGREE ")) < 1e-6  # score's accuracy is that of predict's classes


def test_head_refuses_what_tf_1_15_refused():
    with pytest.raises(ValueError, match="n_classes must be > 1: 1"):
        ClassificationHead(1)
    with pytest.raises(ValueError, match="label_vocabulary length should be equal to n_classes: 2 vs 3"):
        ClassificationHead(3, label_vocabulary=["a", "b"])
    assert ClassificationHead(2).logits_dimension == 1 and ClassificationHead(10).logits_dimension == 10


def test_canned_optimizer_names_and_defaults():
    import tensorflow as tf

    adagrad = get_optimizer_instance("Adagrad", 0.05)
    assert isinstance(adagrad, tf.compat.v1.train.AdagradOptimizer) and adagrad._learning_rate == 0.05
    assert isinstance(get_optimizer_instance("Ftrl", 0.2), tf.compat.v1.train.FtrlOptimizer)
    with pytest.raises(ValueError, match="Unsupported optimizer name: Adamax"):
        get_optimizer_instance("Adamax", 0.1)
    with pytest.raises(ValueError, match="not an Optimizer instance"):
        get_optimizer_instance(lambda: object(), 0.1)


def test_keras_roots_and_missing_modules_are_named_without_building_keras():
    tree = KerasTree(on_first_use=lambda: pytest.fail("no module may be built"))
    assert tree.root_of("keras.utils.np_utils") == "keras"
    assert tree.root_of("tensorflow.python.keras.layers") == "tensorflow.python.keras"
    assert tree.root_of("kerasx") is None and tree.root_of("tensorflow.nn") is None
    with pytest.raises(LegacyImportError, match="keras.wrappers.scikit_learn has no counterpart.*scikeras"):
        tree.import_module("keras.wrappers.scikit_learn", ("KerasClassifier",))
    with pytest.raises(LegacySymbolError, match="keras.wrappers has no counterpart"):
        tree.module("keras.wrappers", attribute=True)
    assert tree.is_module("layers.core") and tree.is_module("objectives") and not tree.is_module("layers.Dense")
    assert names.MISSING_NAMES["utils"]["multi_gpu_model"] == "tf.distribute.MirroredStrategy"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["DNNClassifier", "LinearClassifier"])
def test_binary_canned_classifier_sums_its_loss_and_reports_the_logistic_heads_metrics(tmp_path, name):
    import numpy as np
    import tensorflow as tf

    from tfv1_mnist.legacy import estimator

    rng = np.random.RandomState(0)
    x = rng.randn(200, 4).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int32)
    columns = [tf.compat.v1.feature_column.numeric_column("x", shape=[4])]
    extra = {"hidden_units": [8]} if name == "DNNClassifier" else {}
    classifier = getattr(estimator, name)(feature_columns=columns, model_dir=str(tmp_path),
                                          config=estimator.RunConfig(tf_random_seed=0), **extra)
    classifier.train(estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=20, num_epochs=None, shuffle=True),
                     steps=100)
    metrics = classifier.evaluate(estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=50, shuffle=False))
    assert set(metrics) == {"accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "average_loss",
                            "global_step", "label/mean", "loss", "precision", "prediction/mean", "recall"}
    assert metrics["accuracy"] > 0.9 and metrics["global_step"] == 100
    assert metrics["label/mean"] == pytest.approx(y.mean()) and metrics["accuracy_baseline"] == pytest.approx(
        max(y.mean(), 1 - y.mean()))
    assert metrics["loss"] == pytest.approx(50 * metrics["average_loss"], rel=1e-4)  # v1 default: SUM over the batch
    first = next(classifier.predict(estimator.inputs.numpy_input_fn({"x": x[:1]}, shuffle=False)))
    assert first["probabilities"][1] == pytest.approx(first["logistic"][0], rel=1e-5)
    assert first["classes"][0] == str(first["class_ids"][0]).encode()
