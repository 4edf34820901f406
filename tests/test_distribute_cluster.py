"""Tests for tfv1_mnist.distribute.cluster: TF_CONFIG, who writes, and a start that never hangs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from tfv1_mnist.distribute import cluster, launcher
from tfv1_mnist.errors import ConfigError


def _config(workers, index=0, task_type="worker", chief=None):
    c = {"worker": workers}
    if chief:
        c["chief"] = chief
    return json.dumps({"cluster": c, "task": {"type": task_type, "index": index}})


def test_parses_tf_config_and_finds_the_chief():
    spec = cluster.ClusterSpec.from_tf_config(_config(["a:1", "b:2"], index=1))
    assert spec.task == cluster.Task("worker", 1, "b:2")
    assert spec.peers == (cluster.Task("worker", 0, "a:1"),)
    assert not spec.is_chief
    assert cluster.ClusterSpec.from_tf_config(_config(["a:1", "b:2"], index=0)).is_chief
    with_chief = cluster.ClusterSpec.from_tf_config(_config(["a:1"], index=0, chief=["c:3"]))
    assert not with_chief.is_chief
    assert [t.name for t in with_chief.tasks] == ["chief 0 (c:3)", "worker 0 (a:1)"]
    assert cluster.ClusterSpec.from_tf_config(with_chief.to_tf_config()) == with_chief


@pytest.mark.parametrize("text, message", [
    ("{not json", "TF_CONFIG is not JSON"),
    ('{"cluster": {}}', "needs a 'cluster' and a 'task'"),
    (json.dumps({"cluster": {"ps": ["a:1"]}, "task": {"type": "ps", "index": 0}}), "job 'ps' is not supported"),
    (json.dumps({"cluster": {"worker": ["a"]}, "task": {"type": "worker", "index": 0}}), "host:port"),
    (_config(["a:1"], index=2), "task.index 2 is outside the 1 worker"),
    (_config(["a:1"], task_type="chief"), "task.type 'chief' is not a job"),
])
def test_bad_tf_config_says_what_is_wrong(text, message):
    with pytest.raises(ConfigError, match=message):
        cluster.ClusterSpec.from_tf_config(text)


def test_unset_tf_config_is_a_usage_error():
    with pytest.raises(ConfigError, match="needs TF_CONFIG"):
        cluster.ClusterSpec.from_env({})


def test_only_the_chief_writes_to_the_output_folder(tmp_path):
    chief = cluster.ClusterSpec.from_tf_config(_config(["a:1", "b:2"], index=0))
    other = cluster.ClusterSpec.from_tf_config(_config(["a:1", "b:2"], index=1))
    with cluster.write_dir(tmp_path, chief) as d:
        assert d == tmp_path
    with cluster.write_dir(tmp_path, None) as d:
        assert d == tmp_path
    with cluster.write_dir(tmp_path, other) as d:
        assert d != tmp_path and d.is_dir()
        (d / "metrics.json").write_text("{}")
    assert not d.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_killed_workers_temporary_folder_is_removed_by_the_next_worker(tmp_path, monkeypatch):
    """A worker killed mid-run cannot remove its folder; the next one removes folders of dead pids only."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = tmp_path / f"tfv1-mnist-worker1-{gone.stdout.strip()}-abc_123"
    alive = tmp_path / f"tfv1-mnist-worker1-{os.getppid()}-def_456"  # a live process other than this one
    other = tmp_path / "tfv1-mnist-notes"
    for folder in (dead, alive, other):
        (folder / "checkpoints").mkdir(parents=True)
    spec = cluster.ClusterSpec.from_tf_config(_config(["a:1", "b:2"], index=1))
    with cluster.write_dir(tmp_path / "out", spec) as d:
        assert d.parent == tmp_path and f"-{os.getpid()}-" in d.name
    assert not dead.exists() and alive.is_dir() and other.is_dir() and not d.exists()


def test_watchdog_names_a_peer_that_never_starts():
    ports = launcher.free_ports(2)
    spec = cluster.ClusterSpec.from_tf_config(_config([f"127.0.0.1:{p}" for p in ports], index=0))
    start = time.monotonic()
    with pytest.raises(cluster.ClusterError, match=rf"worker 0 \(127.0.0.1:{ports[0]}\): the cluster did not form "
                                                   rf"within 1 s: worker 1 \(127.0.0.1:{ports[1]}\) never answered"):
        cluster.wait_for_peers(spec, timeout=1.0)
    assert time.monotonic() - start < 5


def test_watchdog_sees_a_listening_peer_and_is_seen():
    ports = launcher.free_ports(2)
    addresses = [f"127.0.0.1:{p}" for p in ports]
    peer = socket.create_server(("127.0.0.1", ports[1]))
    try:
        spec = cluster.ClusterSpec.from_tf_config(_config(addresses, index=0))
        assert cluster.wait_for_peers(spec, timeout=5.0) < 5.0
    finally:
        peer.close()


def test_watchdog_names_a_taken_port():
    ports = launcher.free_ports(2)
    holder = socket.create_server(("", ports[0]))
    try:
        spec = cluster.ClusterSpec.from_tf_config(_config([f"127.0.0.1:{p}" for p in ports], index=0))
        with pytest.raises(cluster.ClusterError, match=f"cannot listen on port {ports[0]}"):
            cluster.wait_for_peers(spec, timeout=1.0)
    finally:
        holder.close()


def test_hard_deadline_ends_a_blocked_process_that_ignores_sigterm():
    code = textwrap.dedent("""
        import signal, time
        from tfv1_mnist.distribute import cluster
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with cluster.hard_deadline(0.5, "worker 0: stuck forming the cluster"):
            time.sleep(60)
    """)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert time.monotonic() - start < 20
    assert proc.returncode == -signal.SIGKILL
    assert proc.stderr.strip() == "tfv1-mnist: error: worker 0: stuck forming the cluster"


def test_peer_failure_names_the_task_in_the_message():
    spec = cluster.ClusterSpec.from_tf_config(_config(["127.0.0.1:1", "127.0.0.1:2"], index=0))
    err = RuntimeError("Collective ops is aborted by: ... /job:worker/replica:0/task:1 is unavailable\nmore")
    text = str(cluster.peer_failure(err, spec))
    assert "lost worker 1 (127.0.0.1:2) during training" in text
    assert "more" not in text
