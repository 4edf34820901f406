"""Tests for tfv1_mnist.distribute.launcher, with dummy worker commands (no TensorFlow)."""

from __future__ import annotations

import io
import json
import sys
import textwrap
import time

import pytest

from tfv1_mnist.distribute import launcher

# A worker that reads its index from TF_CONFIG and then does what argv[1] says for it.
WORKER = textwrap.dedent("""
    import json, os, signal, sys, time
    config = json.loads(os.environ["TF_CONFIG"])
    index = config["task"]["index"]
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as a waiting MultiWorkerMirroredStrategy does
    action = json.loads(sys.argv[1])[index]
    print(f"up with {len(config['cluster']['worker'])} workers", flush=True)
    if action == "ok":
        print("done")
    elif action == "fail":
        print("tfv1-mnist: error: something broke", flush=True)
        sys.exit(3)
    elif action == "hang":
        time.sleep(600)
""")


def _argv(*actions):
    return [sys.executable, "-c", WORKER, json.dumps(list(actions))]


def test_free_ports_are_distinct():
    ports = launcher.free_ports(4)
    assert len(set(ports)) == 4 and all(p > 0 for p in ports)


def test_local_tf_configs_name_one_cluster():
    configs = [json.loads(c) for c in launcher.local_tf_configs(3)]
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    workers = configs[0]["cluster"]["worker"]
    assert all(c["cluster"]["worker"] == workers for c in configs)
    assert all(w.startswith("127.0.0.1:") for w in workers)


def test_launch_prefixes_each_workers_lines():
    sink = io.StringIO()
    exits = launcher.launch(_argv("ok", "ok"), workers=2, deadline=60, sink=sink)
    assert [e.returncode for e in exits] == [0, 0]
    lines = sink.getvalue().splitlines()
    for i in range(2):
        assert f"[worker {i}] up with 2 workers" in lines
        assert f"[worker {i}] done" in lines


def test_a_failed_worker_gets_the_others_killed_and_is_named():
    sink = io.StringIO()
    start = time.monotonic()
    with pytest.raises(launcher.WorkerFailed, match=r"worker 1 failed \(exit status 3: tfv1-mnist: error: "
                                                    r"something broke\); killed worker\(s\) 0") as info:
        launcher.launch(_argv("hang", "fail"), workers=2, deadline=120, sink=sink)
    assert time.monotonic() - start < 30
    by_index = {e.index: e for e in info.value.exits}
    assert by_index[0].killed and by_index[0].returncode == -9  # SIGTERM is ignored: SIGKILL
    assert by_index[1].returncode == 3 and not by_index[1].killed


def test_the_deadline_kills_every_worker():
    start = time.monotonic()
    with pytest.raises(launcher.WorkerFailed, match=r"worker\(s\) 0, 1 still running after the 2 s deadline"):
        launcher.launch(_argv("hang", "hang"), workers=2, deadline=2, sink=io.StringIO())
    assert time.monotonic() - start < 20


def test_worker_exit_says_why():
    e = launcher.WorkerExit(1, -9, True, ("x",))
    assert e.why == "killed by SIGKILL"
    e = launcher.WorkerExit(0, 1, False, ("step 3", "tfv1-mnist: error: lost worker 1", ""))
    assert e.why == "exit status 1: tfv1-mnist: error: lost worker 1"
