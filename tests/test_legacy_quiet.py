"""run-legacy's child is as quiet as the other commands, and says where its data came from."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tfv1_mnist import console, input_data

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


def test_the_environment_variable_is_named_when_it_chose(tmp_path):
    done = _run_legacy(tmp_path, "sample", [])
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"as ${input_data.DATA_ENV} says" in done.stderr
    assert "--data" not in done.stderr


def test_the_data_is_named_once(flag_run):
    assert flag_run.stderr.count("the embedded sample (4000 train / 1000 test digits)") == 1, flag_run.stderr
