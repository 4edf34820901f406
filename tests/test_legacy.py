"""Tests of run-legacy: unmodified TF1-era scripts run in a child process.

Every child imports TensorFlow (seconds each), so the scripts are started
together once per module and each test checks one of the results.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tfv1_mnist import cli, datasets, input_data, legacy
from tfv1_mnist.legacy import bootstrap, common, runner, shim
from tfv1_mnist.errors import ConfigError, DataError

REPO = pathlib.Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "tests" / "legacy_scripts"
SEED_SCRIPT = REPO / "scripts" / "legacy" / "seed_softmax.py"
TIMEOUT = 240  # a blocking plt.show() would hit this instead of hanging the suite


def _tiny_idx_folder(folder: pathlib.Path, n_train: int) -> None:
    rng = np.random.RandomState(0)
    y_train = (np.arange(n_train) % 10).astype(np.uint8)
    x_train = rng.randint(0, 256, size=(n_train, 28, 28)).astype(np.uint8)
    y_test = (np.arange(20) % 10).astype(np.uint8)
    x_test = rng.randint(0, 256, size=(20, 28, 28)).astype(np.uint8)
    datasets.write_idx_folder(
        folder, datasets.Mnist(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, name="t")
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Starts every child at once; returns name -> (exit status, stdout, stderr, cwd)."""
    base = tmp_path_factory.mktemp("legacy")
    cache = base / "empty-cache"
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if k != input_data.DATA_ENV}
    env.update({datasets.CACHE_ENV: str(cache), "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "TkAgg"})
    with_folder = base / "with-folder"
    _tiny_idx_folder(with_folder / "MNIST_data", 5100)
    commands = {
        # python -m tfv1_mnist.legacy; no MNIST_data/ there and an empty cache: the sample
        "probe": ([sys.executable, "-m", "tfv1_mnist.legacy", str(SCRIPTS / "probe.py"), "a b", "--flag"], base),
        # the folder the script names holds the files: they are read (TF1's Extracting lines)
        "probe_folder": ([sys.executable, "-m", "tfv1_mnist.legacy", str(SCRIPTS / "probe.py")], with_folder),
        # the seed program, unmodified, through the CLI with --data (overrides the folder)
        "seed": ([sys.executable, "-m", "tfv1_mnist", "run-legacy", "--data", "sample", str(SEED_SCRIPT)],
                 with_folder),
        "contrib": ([sys.executable, "-m", "tfv1_mnist", "run-legacy", str(SCRIPTS / "uses_contrib.py")], base),
        "feed_fake": ([sys.executable, "-m", "tfv1_mnist", "-q", "run-legacy", str(SCRIPTS / "fully_connected_feed.py"),
                       "--fake_data", "--max_steps", "20", "--input_data_dir", "unused", "--log_dir",
                       str(base / "logs")], base),
    }
    procs = {
        name: (subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), cwd)
        for name, (cmd, cwd) in commands.items()
    }
    results = {}
    for name, (proc, cwd) in procs.items():
        out, err = proc.communicate(timeout=TIMEOUT)
        results[name] = (proc.returncode, out, err, cwd)
    return results


def _probe(result) -> dict:
    code, out, err, _ = result
    lines = [line for line in out.splitlines() if line.startswith("PROBE ")]
    assert lines, f"no PROBE line (exit {code}); stderr:\n{err[-3000:]}"
    return json.loads(lines[0][len("PROBE "):])


@pytest.mark.slow
def test_script_sees_tf1_and_runs_as_main(runs):
    code, out, err, cwd = runs["probe"]
    facts = _probe(runs["probe"])
    assert code == 3  # the script's exit status passes through
    assert "to stderr" in err
    assert facts["argv"] == [str(SCRIPTS / "probe.py"), "a b", "--flag"]
    assert facts["name"] == "__main__" and facts["file"] == "probe.py"
    assert facts["path0"] == str(SCRIPTS)
    assert facts["cwd"] == str(cwd)
    assert facts["tf_name"] == "tensorflow" and facts["has_placeholder"] and facts["has_contrib"]
    assert facts["executing_eagerly"] is False  # v2 behaviour disabled in the child
    assert facts["same_module"] and facts["helper_has_placeholder"]
    assert facts["backend"].lower() == "agg"  # plt.show() returned: it did not block
    assert "tensorflow.contrib.factorization (at " in facts["contrib_import_error"]
    assert "probe.py, line 35) has no counterpart" in facts["contrib_import_error"]
    assert "scikit-learn" in facts["contrib_import_error"]  # what replaces it
    assert facts["fake_label"] == [1] + [0] * 9 and facts["fake_pixels"] == 784


@pytest.mark.slow
def test_without_data_the_sample_is_used_and_said(runs):
    _, _, err, _ = runs["probe"]
    facts = _probe(runs["probe"])
    assert (facts["train"], facts["validation"], facts["test"]) == (3667, 333, 1000)
    assert facts["validation_shape"] == [333, 784]
    assert "no MNIST files there" in err and "never the network" in err
    assert "validation_size=333" in err
    assert err.count("using validation_size=333") == 1  # one warning line
    assert 0 < facts["batch_sum"] < 100 * 784


@pytest.mark.slow
def test_folder_named_by_the_script_is_read_when_it_holds_files(runs):
    code, out, _, cwd = runs["probe_folder"]
    facts = _probe(runs["probe_folder"])
    assert code == 3
    assert (facts["train"], facts["validation"], facts["test"]) == (100, 5000, 20)  # TF1's default, not scaled
    assert "Extracting MNIST_data/train-images-idx3-ubyte.gz" in out
    assert out.count("Extracting ") == 4


@pytest.mark.slow
def test_seed_program_runs_unmodified_on_the_sample(runs):
    code, out, err, _ = runs["seed"]
    assert code == 0, err[-3000:]
    accuracy = [line for line in out.splitlines() if line.startswith("Accuracy:")]
    # The seed is unseeded, and its naive loss sometimes turns NaN (then about 0.1): only the range is fixed.
    assert accuracy and 0.0 <= float(accuracy[0].split()[1]) <= 1.0
    assert "Extracting" not in out  # --data sample overrides the script's MNIST_data/ folder


@pytest.mark.slow
def test_tf_contrib_fails_with_a_message_naming_the_symbol(runs):
    code, out, err, _ = runs["contrib"]
    assert code == 1
    assert "unreachable" not in out
    assert "tf.contrib.factorization.KMeans (at " in err and "uses_contrib.py, line 7" in err
    assert "LegacySymbolError" in err


@pytest.mark.slow
def test_tutorial_fully_connected_feed_with_fake_data(runs):
    # imports the tutorial's `mnist` graph builder, writes summaries and a checkpoint
    code, out, err, cwd = runs["feed_fake"]
    assert code == 0, err[-3000:]
    assert "Step 0: loss =" in out
    assert out.count("Num examples: 10000") == 3  # train, validation, test: num_examples of fake sets
    assert "run-legacy:" not in err  # -q: no info lines
    logs = sorted(p.name for p in (cwd / "logs").iterdir())
    assert "model.ckpt-19.index" in logs and any(name.startswith("events.out.tfevents") for name in logs)


def test_missing_script_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["run-legacy", str(tmp_path / "nope.py")]) == 2
    assert "nope.py: no such script" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        legacy.run(tmp_path / "nope.py")


def test_missing_data_path_is_a_data_error(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print('never runs')\n")
    with pytest.raises(DataError, match="no-such.npz"):
        legacy.run(script, data=tmp_path / "no-such.npz")


def test_data_env_var_is_the_one_input_data_reads():
    env = runner.child_environment({}, data="x.npz", log_level=20, show_deprecations=False)
    assert env[input_data.DATA_ENV] == env["TFV1_MNIST_DATA"] == "x.npz"


def test_only_the_script_and_its_neighbours_count_as_legacy_code(tmp_path):
    hook = shim.LegacyImport(lambda *a, **k: None, object(), str(tmp_path))
    assert hook._is_legacy({"__name__": "__main__"})
    assert hook._is_legacy({"__name__": "helper", "__file__": str(tmp_path / "helper.py")})
    assert not hook._is_legacy({"__name__": "keras", "__file__": str(pathlib.Path(np.__file__))})
    assert not hook._is_legacy({"__name__": "x", "__file__": str(tmp_path.parent / "elsewhere.py")})
    assert not hook._is_legacy(None)


@pytest.fixture
def child_env(monkeypatch):
    """The environment `runner.run` would give the child (no child is started)."""
    seen = {}
    real_run = subprocess.run

    def fake_run(command, *args, **kwargs):
        if command[:2] != [sys.executable, "-c"] or "tfv1_mnist.legacy.bootstrap" not in command[2]:
            return real_run(command, *args, **kwargs)  # someone else's subprocess
        seen.update(kwargs["env"])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(runner.subprocess, "run", fake_run)
    return seen


def test_a_log_level_without_a_name_reaches_the_child(tmp_path, monkeypatch, child_env):
    import logging

    script = tmp_path / "s.py"
    script.write_text("")
    seen = child_env
    assert legacy.run(script, log_level=15) == 0
    monkeypatch.setenv(common.LOG_LEVEL_ENV, seen[common.LOG_LEVEL_ENV])
    logger = logging.getLogger("tfv1_mnist")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        bootstrap.configure_child_logging()  # what the child does first
        assert logger.level == 15
    finally:
        logger.handlers[:], logger.propagate = saved[0], saved[2]
        logger.setLevel(saved[1])


def test_the_parent_keeps_keras_3_and_only_the_child_gets_keras_2(tmp_path, monkeypatch, child_env):
    import tensorflow as tf

    script = tmp_path / "s.py"
    script.write_text("")
    seen = child_env
    monkeypatch.delenv(runner.LEGACY_KERAS_ENV, raising=False)
    assert legacy.run(script, show_deprecations=True) == 0
    assert seen[runner.LEGACY_KERAS_ENV] == "1" and seen[common.WARNINGS_ENV] == "1"
    assert runner.LEGACY_KERAS_ENV not in os.environ
    assert tf.keras.layers.Dense.__module__.startswith("keras.")  # Keras 3 here
    assert "tf_keras" not in sys.modules


def test_the_legacy_package_imports_no_tensorflow_and_no_commands():
    code = (
        "import sys, tfv1_mnist.legacy as l, tfv1_mnist.legacy.estimator, tfv1_mnist.legacy.contrib, "
        "tfv1_mnist.legacy.command; "
        "assert 'tensorflow' not in sys.modules and 'tfv1_mnist.commands' not in sys.modules, sorted(sys.modules); "
        "print(hasattr(l, 'main'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # the stand-alone entry point is tfv1_mnist.legacy.command.main


def test_contrib_names_without_counterpart_say_where_and_what_replaces_them(monkeypatch):
    from tfv1_mnist.legacy.contrib import ContribTree, contrib_message
    from tfv1_mnist.legacy.data import legacy_input_data

    message = contrib_message("tf.contrib.rnn.LSTMBlockCell", "train.py, line 9")
    assert message.startswith("tf.contrib.rnn.LSTMBlockCell (at train.py, line 9) has no counterpart")
    assert "tf.nn.rnn_cell.LSTMCell" in message
    assert "TensorFlow Decision Forests" in contrib_message("tensorflow.contrib.boosted_trees", "")
    input_module = legacy_input_data()
    tree = ContribTree(input_module)
    for name in [n for n in sys.modules if n.startswith("tensorflow.contrib")]:
        monkeypatch.delitem(sys.modules, name)
    try:
        root = tree.root()
        with pytest.raises(legacy.LegacySymbolError, match=r"tf\.contrib\.factorization \(at .*test_legacy\.py, line"):
            root.factorization
        with pytest.raises(legacy.LegacyImportError, match="tensorflow.contrib.tensor_forest .*has no counterpart"):
            tree.find_spec("tensorflow.contrib.tensor_forest")
        assert tree.module("tensorflow.contrib.learn.python.learn.datasets.mnist") is input_module
        assert root.learn.datasets.mnist is input_module
        assert tree.find_spec("tensorflow.contrib_other") is None  # not a contrib module
    finally:
        for name in [n for n in sys.modules if n.startswith("tensorflow.contrib")]:
            del sys.modules[name]


def test_legacy_input_data_never_downloads(tmp_path, monkeypatch):
    from tfv1_mnist.datasets import fetch
    from tfv1_mnist.legacy.data import legacy_input_data, load_dataset

    def no_fetch(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("run-legacy must never download")

    monkeypatch.setattr(fetch, "fetch", no_fetch)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "empty-cache"))
    monkeypatch.delenv(input_data.DATA_ENV, raising=False)
    module = legacy_input_data()
    assert module.read_data_sets(str(tmp_path / "MNIST_data")).test.num_examples == 1000  # the sample
    assert module.DataSet is input_data.DataSet
    monkeypatch.chdir(tmp_path)
    assert load_dataset("mnist").train.num_examples == 3667
    with pytest.raises(ValueError, match="Name of dataset is not found: cifar"):
        load_dataset("cifar")
    with pytest.raises(legacy.LegacySymbolError, match="scikit-learn"):
        load_dataset("iris")


def test_keras_load_data_reads_keras_file_then_the_sample_never_the_network(tmp_path, monkeypatch):
    from tfv1_mnist.legacy.data import keras_mnist_load_data

    monkeypatch.delenv(input_data.DATA_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "empty-cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (x_train, y_train), (x_test, y_test) = keras_mnist_load_data()
    assert x_train.shape == (4000, 28, 28) and x_train.dtype == np.uint8  # the sample
    assert y_test.shape == (1000,) and y_test.dtype == np.uint8
    rng = np.random.RandomState(0)
    arrays = dict(x_train=rng.randint(0, 256, (30, 28, 28)).astype(np.uint8), y_train=np.arange(30, dtype=np.uint8) % 10,
                  x_test=rng.randint(0, 256, (10, 28, 28)).astype(np.uint8), y_test=np.arange(10, dtype=np.uint8))
    datasets.write_npz(tmp_path / "keras" / "datasets" / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, _) = keras_mnist_load_data()  # Keras' own file, as Keras reads it
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    assert x_test.shape == (10, 28, 28)
    monkeypatch.setenv(input_data.DATA_ENV, "sample")
    assert keras_mnist_load_data()[0][0].shape == (4000, 28, 28)  # --data wins


@pytest.mark.parametrize("flags, shown", [((), "0"), (("-v",), "1")])
def test_deprecation_warnings_are_kept_only_with_v(tmp_path, child_env, flags, shown):
    script = tmp_path / "s.py"
    script.write_text("")
    assert cli.main([*flags, "run-legacy", str(script)]) == 0
    assert child_env[common.WARNINGS_ENV] == shown


def test_the_parent_does_not_import_tensorflow(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("")
    code = (
        "import sys, subprocess\n"
        "from tfv1_mnist import cli\n"
        "subprocess.run = lambda command, **kw: subprocess.CompletedProcess(command, 0)\n"
        f"assert cli.main(['run-legacy', {str(script)!r}]) == 0\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
