"""run-legacy's child is as quiet as the other commands, and says where its data came from."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from tfv1_mnist import console, input_data
from tfv1_mnist.legacy import runner

#: TensorFlow's C++ start-up lines that reach stderr before absl's logging is set up.
NOISE = ("Could not find cuda drivers", "absl::InitializeLog", "failed call to cuInit", "cpu_feature_guard",
         "oneDNN custom operations")

_SCRIPT = """\
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
mnist = input_data.read_data_sets("MNIST_data", one_hot=True)
with tf.Session() as sess:
    print("RESULT", sess.run(tf.constant(2.0) * 3.0), mnist.test.num_examples)
"""


def _run_legacy(tmp_path, env_data: str | None, argv: list[str]) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT)
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", input_data.DATA_ENV, input_data.DATA_ORIGIN_ENV)}
    if env_data is not None:
        env[input_data.DATA_ENV] = env_data
    return subprocess.run([sys.executable, "-m", "tfv1_mnist", "run-legacy", *argv, str(script)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def flag_run(tmp_path_factory):
    return _run_legacy(tmp_path_factory.mktemp("flag"), None, ["--data", "sample"])


def test_the_child_prints_none_of_tensorflows_start_up_lines(flag_run):
    assert flag_run.returncode == 0, flag_run.stderr[-3000:]
    assert "RESULT 6.0 1000" in flag_run.stdout
    for line in NOISE:
        assert line not in flag_run.stderr, flag_run.stderr
    assert not any(console.TF_NOISE.match(line) for line in flag_run.stderr.splitlines())


def test_a_data_flag_is_named_as_the_flag(flag_run):
    assert "as --data says" in flag_run.stderr
    assert "$" + input_data.DATA_ENV not in flag_run.stderr


@pytest.mark.parametrize("origin, said", [(None, "as $TFV1_MNIST_DATA says"), ("--data", "as --data says")])
def test_the_log_line_names_who_chose_the_data(origin, said, monkeypatch, caplog):
    monkeypatch.setenv(input_data.DATA_ENV, "sample")
    if origin is None:
        monkeypatch.delenv(input_data.DATA_ORIGIN_ENV, raising=False)
    else:
        monkeypatch.setenv(input_data.DATA_ORIGIN_ENV, origin)
    with caplog.at_level(logging.INFO, logger="tfv1_mnist"):
        input_data.read_data_sets("MNIST_data", one_hot=True, validation_size=0)
    lines = [r.getMessage() for r in caplog.records if "read_data_sets('MNIST_data')" in r.getMessage()]
    assert lines == [f"read_data_sets('MNIST_data'): using the embedded sample (4000 train / 1000 test digits), "
                     f"{said}"]


def test_only_the_data_flag_marks_the_childs_data_as_the_flags():
    base = {input_data.DATA_ORIGIN_ENV: "stale"}
    with_flag = runner.child_environment(base, data="sample", log_level=logging.INFO, show_deprecations=False)
    without = runner.child_environment(base, data=None, log_level=logging.INFO, show_deprecations=False)
    assert with_flag[input_data.DATA_ORIGIN_ENV] == "--data" and with_flag[input_data.DATA_ENV] == "sample"
    assert input_data.DATA_ORIGIN_ENV not in without


def test_the_data_is_named_once(flag_run):
    assert flag_run.stderr.count("the embedded sample (4000 train / 1000 test digits)") == 1, flag_run.stderr
