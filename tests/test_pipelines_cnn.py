"""Tests for tfv1_mnist.pipelines.cnn's distributed runs: mirrored on 2 logical CPUs, 2 workers on
localhost, a worker killed mid-run, and a worker whose peer never starts.

Each trains a few hundred examples of the embedded sample; each multi-process test is bounded in time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from tfv1_mnist import cli, datasets, workdir  # noqa: E402
from tfv1_mnist.distribute import launcher  # noqa: E402


@pytest.fixture(scope="module")
def small_npz(tmp_path_factory):
    """The sample's first 320 training and 100 test digits (10 steps of 32)."""
    data = datasets.load("sample")
    path = tmp_path_factory.mktemp("data") / "small.npz"
    datasets.write_npz(path, x_train=data.x_train[:320], y_train=data.y_train[:320],
                       x_test=data.x_test[:100], y_test=data.y_test[:100])
    return path


def _metrics(out):
    return json.loads((out / "metrics.json").read_text())


def _tf_config(ports, index):
    return json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


@pytest.mark.slow
def test_mirrored_run_matches_one_device_and_resumes_on_one(small_npz, tmp_path):
    common = ["-q", "cnn", "--data", str(small_npz), "--seed", "3"]
    mirrored, single = tmp_path / "mirrored", tmp_path / "single"
    assert cli.main(common + ["--epochs", "1", "--strategy", "mirrored", "--replicas", "2",
                              "--out", str(mirrored)]) == 0
    assert cli.main(common + ["--epochs", "1", "--out", str(single)]) == 0
    m, s = _metrics(mirrored), _metrics(single)
    assert m["provenance"]["strategy"] == "mirrored" and m["provenance"]["replicas"] == 2
    assert "strategy" not in s["provenance"]
    np.testing.assert_allclose(m["history"]["loss"], s["history"]["loss"], rtol=1e-5)
    np.testing.assert_allclose(m["history"]["val_loss"], s["history"]["val_loss"], rtol=1e-5)
    # The checkpoint holds one copy of each variable: a 2-replica run resumes on one device.
    assert cli.main(common + ["--epochs", "2", "--resume", "--out", str(mirrored)]) == 0
    resumed = _metrics(mirrored)
    assert len(resumed["history"]["loss"]) == 2 and resumed["provenance"]["resumed"] is True
    assert resumed["history"]["loss"][0] == m["history"]["loss"][0]


@pytest.mark.slow
def test_two_workers_on_localhost(small_npz, tmp_path, capsys):
    out = tmp_path / "run"
    start = time.monotonic()
    rc = cli.main(["cnn", "--data", str(small_npz), "--epochs", "1", "--seed", "3", "--strategy",
                   "multi-worker", "--workers", "2", "--deadline", "300", "--out", str(out)])
    assert rc == 0
    assert time.monotonic() - start < 300
    text = capsys.readouterr().out
    assert "[worker 0] " in text and "[worker 1] " in text
    metrics = _metrics(out)
    assert metrics["provenance"]["strategy"] == "multi-worker"
    assert metrics["provenance"]["replicas"] == 2
    assert metrics["steps_per_epoch"] == 10 and len(metrics["history"]["loss"]) == 1
    # Beside the outputs, only the run folder's own record of them (workdir.MANIFEST_NAME).
    assert sorted(p.name for p in out.iterdir()) == [workdir.MANIFEST_NAME, "checkpoints", "history.png",
                                                    "metrics.json", "model.keras", "saved_model", "tensorboard"]


def _start_worker(small_npz, out, ports, index, epochs):
    env = {**os.environ, "TF_CONFIG": _tf_config(ports, index), "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen(
        [sys.executable, "-m", "tfv1_mnist", "cnn", "--data", str(small_npz), "--epochs", str(epochs),
         "--strategy", "multi-worker", "--cluster-timeout", "60", "--out", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


@pytest.mark.slow
def test_a_worker_killed_mid_run_ends_its_peer_naming_it(small_npz, tmp_path):
    ports = launcher.free_ports(2)
    out = tmp_path / "run"
    workers = [_start_worker(small_npz, out, ports, i, epochs=200) for i in range(2)]
    try:
        for line in workers[1].stdout:  # kill worker 1 once training is under way
            if line.startswith("Epoch 3/"):
                break
        else:
            pytest.fail("worker 1 ended before its third epoch")
        os.killpg(workers[1].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        text, _ = workers[0].communicate(timeout=120)
        assert time.monotonic() - killed_at < 120
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGKILL)
            w.wait()
    assert workers[0].returncode == 1, text[-3000:]
    assert f"lost worker 1 (127.0.0.1:{ports[1]}) during training" in text, text[-3000:]
    assert not (out / "metrics.json").exists() and not (out / "saved_model").exists()


def test_a_worker_whose_peer_never_starts_exits_naming_it(small_npz, tmp_path, monkeypatch, capsys):
    ports = launcher.free_ports(2)
    monkeypatch.setenv("TF_CONFIG", _tf_config(ports, 0))
    start = time.monotonic()
    rc = cli.main(["cnn", "--data", str(small_npz), "--epochs", "1", "--strategy", "multi-worker",
                   "--cluster-timeout", "2", "--out", str(tmp_path / "run")])
    assert rc == 1
    assert time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert f"the cluster did not form within 2 s: worker 1 (127.0.0.1:{ports[1]}) never answered" in err
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_multi_worker_without_tf_config_or_launcher_is_a_usage_error(small_npz, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert cli.main(["cnn", "--data", str(small_npz), "--strategy", "multi-worker", "--out",
                     str(tmp_path / "run")]) == 2
    assert "needs TF_CONFIG" in capsys.readouterr().err


def test_workers_without_multi_worker_is_a_usage_error(small_npz, tmp_path, capsys):
    assert cli.main(["cnn", "--data", str(small_npz), "--workers", "2", "--out", str(tmp_path / "run")]) == 2
    assert "pass --strategy multi-worker with it" in capsys.readouterr().err
