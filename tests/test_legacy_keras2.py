"""Keras 2.2-era and canned-estimator TF1 scripts, unmodified, through ``tfv1-mnist run-legacy`` on the sample.

``keras22_np_utils_mlp``: ``keras.utils.np_utils``, ``keras.objectives``,
``RMSprop(lr=, decay=)``, ``set_session``/``get_session``, Keras 1 keywords
and ``Sequential.fit`` in a TF1 graph.  ``estimator_dnn_classifier``:
``tf.estimator.DNNClassifier`` and ``LinearClassifier`` on ``numeric_column``
features.  Each prints ``Accuracy: X``; the children start together, once.
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

SCRIPTS = pathlib.Path(__file__).resolve().parent / "legacy_scripts"
TIMEOUT = 480

pytestmark = pytest.mark.slow

NAMES = ("keras22_np_utils_mlp", "estimator_dnn_classifier")


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


@pytest.mark.parametrize("name", NAMES)
def test_script_runs_unmodified_and_learns(runs, name):
    assert float(_line(runs[name], "Accuracy: ")) > 0.8


def test_keras_2_2_optimizer_keeps_lr_and_decays_it_as_keras_2_2(runs):
    line = _line(runs["keras22_np_utils_mlp"], "OPTIMIZER ")
    name, lr, iterations, decayed = re.match(r"(\w+) lr=([0-9.]+) iterations=(\d+) decayed=([0-9.]+)", line).groups()
    assert name == "RMSprop" and float(lr) == pytest.approx(0.002)
    steps = 2 * -(-3667 // 64)  # two epochs of the sample's 3667 training images, batches of 64
    assert int(iterations) == steps
    assert float(decayed) == pytest.approx(0.002 / (1 + 1e-4 * steps), rel=1e-4)  # Keras 2.2.4's lr schedule


def test_keras_2_2_fit_history_predict_and_keywords(runs):
    result = runs["keras22_np_utils_mlp"]
    assert _line(result, "PREDICT ") == "(10, 10) True"
    assert _line(result, "HISTORY ") == "['acc', 'loss', 'val_acc', 'val_loss']"
    err = result[2]
    assert "`units` instead of `output_dim`" in err and "`rate` instead of `p`" in err
    assert "is deprecated" not in err


def test_a_keras_name_without_counterpart_is_a_legacy_symbol_error_naming_it(runs):
    line = _line(runs["keras22_np_utils_mlp"], "MISSING ")
    assert line.startswith("LegacySymbolError: keras.utils.multi_gpu_model has no counterpart")
    assert "tf.distribute.MirroredStrategy" in line


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
