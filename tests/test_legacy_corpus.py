"""TF1-era scripts of each API family, unmodified, through ``tfv1-mnist run-legacy`` on the embedded sample.

One short script per family (``tests/legacy_scripts/``): tf.layers, contrib.rnn,
rnn_cell + dynamic_rnn, contrib.layers, slim, Estimator, load_dataset,
tf.keras' load_data, a /gpu:1 pin, contrib.eager, and a TF1 test module under tf.test.main.
Each prints ``Accuracy: X``; all children start together, once.
"""

from __future__ import annotations

import os
import pathlib

import pytest

from legacy_children import accuracy as _accuracy, run_all

SCRIPTS = pathlib.Path(__file__).resolve().parent / "legacy_scripts"
TIMEOUT = 480  # ten children share the cores

pytestmark = pytest.mark.slow

TRAINING_SCRIPTS = (
    "layers_cnn", "contrib_rnn_lstm", "rnn_cell_dynamic", "contrib_layers_mlp", "slim_arg_scope",
    "estimator_cnn", "load_dataset_softmax", "keras_load_data", "gpu_pin", "eager_softmax",
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """name -> (exit status, stdout, stderr, working folder)."""
    base = tmp_path_factory.mktemp("corpus")
    commands = {name: [str(SCRIPTS / f"{name}.py")] for name in TRAINING_SCRIPTS}
    commands["estimator_cnn"].append(str(base / "estimator_model"))
    commands["tf1_test_module"] = [str(SCRIPTS / "tf1_test_module.py")]
    return run_all(commands, base, TIMEOUT)


@pytest.mark.parametrize("name", TRAINING_SCRIPTS)
def test_script_runs_unmodified_and_learns(corpus, name):
    assert _accuracy(corpus[name]) >= 0.5


def test_deprecation_warnings_are_hidden_and_data_is_local(corpus):
    for name in TRAINING_SCRIPTS:  # (unittest's runner resets warning filters: not the test module)
        err = corpus[name][2]
        assert "is deprecated" not in err, (name, err[-3000:])
    _, _, err, _ = corpus["keras_load_data"]
    assert "mnist.load_data(): no " in err and "never the network" in err


def test_keras_in_the_child_is_keras_2(corpus):
    _, out, _, _ = corpus["keras_load_data"]
    (line,) = [line for line in out.splitlines() if line.startswith("KERAS ")]
    dense_module, standalone_version, shape = line.split(" ", 3)[1:]
    assert dense_module.startswith("tf_keras.") and standalone_version.startswith("2.")
    assert shape == "(28, 28)"


def test_contrib_layers_and_slim_keep_tf1_names(corpus):
    assert "REGULARIZERS 2" in corpus["contrib_layers_mlp"][1]
    assert "VARIABLES conv1/weights conv1/biases fc3/weights fc3/biases fc4/weights fc4/biases" in \
        corpus["slim_arg_scope"][1]


def test_gpu_pin_runs_with_soft_placement_said_once(corpus):
    _, _, err, _ = corpus["gpu_pin"]
    assert err.count("sessions use soft device placement") == 1


def test_estimator_writes_its_model_dir_and_predicts(corpus):
    _, out, _, folder = corpus["estimator_cnn"]
    assert "PREDICTED 5 ['classes', 'probabilities']" in out
    model_dir = folder.parent / "estimator_model"
    names = set(os.listdir(model_dir))
    assert {"graph.pbtxt", "checkpoint", "model.ckpt-60.index", "eval"} <= names
    assert "'global_step': np.int64(60)" in out


def test_tf1_test_module_passes_under_tf_test_main(corpus):
    code, out, err, _ = corpus["tf1_test_module"]
    assert code == 0, err[-3000:]
    assert "Ran 5 tests" in err and "OK (skipped=1)" in err  # the phantom test_session is skipped by TF


def test_contrib_eager_trains_eagerly(corpus):
    assert "EAGER True 2" in corpus["eager_softmax"][1]  # eager on; gradients for W and b
