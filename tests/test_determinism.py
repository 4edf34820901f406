"""Tests for tfv1_mnist.determinism.

Op determinism cannot be switched off once on, so every test that turns it on
does so in a child process; this pytest process must stay non-deterministic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tfv1_mnist import determinism
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import ConfigError

CHILD = textwrap.dedent("""
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    from tfv1_mnist import datasets, determinism
    from tfv1_mnist.cnn import v2 as cnn_v2
    from tfv1_mnist.config import CNNConfig

    arrays = dict(np.load(sys.argv[1]))
    data = datasets.Mnist(**arrays, name="tiny", path="", sha256="")
    determinism.enable(5)
    assert determinism.is_enabled()
    cfg = CNNConfig(epochs=1, batch_size=25, seed=5)
    _, h1 = cnn_v2.train_and_evaluate(cfg, data, progress=False)
    _, h2 = cnn_v2.train_and_evaluate(cfg, data, progress=False)
    # An unseeded run after the seeded ones, in the same deterministic process.
    _, h3 = cnn_v2.train_and_evaluate(CNNConfig(epochs=1, batch_size=25), data, progress=False)
    for h in (h1, h2, h3):
        del h["epoch_seconds"]
    print(json.dumps({"h1": h1, "h2": h2, "h3": h3}))
""")


@pytest.fixture
def tiny_npz(tiny_arrays, tmp_path):
    path = tmp_path / "tiny.npz"
    np.savez(path, **tiny_arrays)
    return path


@pytest.mark.slow
def test_seeded_runs_are_identical_and_unseeded_runs_still_work(tiny_npz):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tiny_npz)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["h1"] == out["h2"]  # bit-identical, not merely close
    assert len(out["h3"]["step_loss"]) == 8
    assert all(np.isfinite(out["h3"]["step_loss"]))
    assert out["h3"]["step_loss"] != out["h1"]["step_loss"]


def test_run_isolated_turns_determinism_on_only_in_the_child():
    child = determinism.run_isolated(3, determinism.probe)
    assert child["deterministic"] is True
    assert child["pid"] != os.getpid()
    assert determinism.is_enabled() is False


def test_run_isolated_reraises_the_jobs_error():
    # No seed: the child need not import TensorFlow, so this is quick.
    with pytest.raises(ConfigError, match="--epochs"):
        determinism.run_isolated(None, CNNConfig, epochs=0)


def test_run_seeded_without_a_seed_runs_here():
    assert determinism.run_seeded(None, determinism.probe)["pid"] == os.getpid()


def _read_env(name):
    return os.environ.get(name)


def test_run_isolated_sets_env_in_the_child_only():
    from tfv1_mnist import determinism

    name = "TFV1_MNIST_TEST_CHILD_ONLY"
    assert determinism.run_isolated(None, _read_env, name, env={name: "yes"}) == "yes"
    assert os.environ.get(name) is None


def test_run_isolated_kills_a_child_past_its_timeout():
    import subprocess
    import time as time_module

    from tfv1_mnist import determinism

    start = time_module.perf_counter()
    with pytest.raises(subprocess.TimeoutExpired):
        determinism.run_isolated(None, time_module.sleep, 30, timeout=1.0)
    assert time_module.perf_counter() - start < 20
