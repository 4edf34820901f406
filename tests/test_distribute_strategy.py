"""Tests for tfv1_mnist.distribute.strategy.

A logical CPU split is fixed when TensorFlow starts, so the mirrored checks run
in a fresh interpreter; this pytest process keeps its one CPU device.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tfv1_mnist.distribute import strategy
from tfv1_mnist.errors import ConfigError


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "parameter-server"}, "--strategy must be one of default, mirrored, multi-worker"),
    ({"kind": "mirrored", "replicas": 0}, "--replicas must be >= 1"),
    ({"kind": "mirrored", "workers": 2}, "pass --strategy multi-worker with it"),
    ({"kind": "multi-worker", "workers": 0}, "--workers must be >= 1"),
    ({"cluster_timeout": 0}, "--cluster-timeout must be > 0"),
])
def test_spec_rejects_impossible_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        strategy.StrategySpec(**kwargs)


def test_only_a_mirrored_run_needs_a_fresh_process():
    assert strategy.StrategySpec("mirrored").needs_fresh_process
    assert not strategy.StrategySpec("default").needs_fresh_process
    assert not strategy.StrategySpec("multi-worker", workers=2).needs_fresh_process


def test_default_strategy_is_tensorflows_default():
    import tensorflow as tf

    assert strategy.make_strategy(strategy.StrategySpec()) is tf.distribute.get_strategy()


def test_cpu_cannot_be_split_once_tensorflow_has_started():
    import tensorflow as tf

    tf.config.list_logical_devices("CPU")  # TensorFlow's runtime is up in this process
    with pytest.raises(ConfigError, match="cannot split the CPU into 3 logical devices.*fresh process"):
        strategy.configure_devices(3)


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_in_a_fresh_process():
    code = textwrap.dedent("""
        import json
        import tensorflow as tf
        from tfv1_mnist.distribute import strategy
        s = strategy.make_strategy(strategy.StrategySpec("mirrored", replicas=2))
        out = s.run(lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)
        values = [int(v) for v in s.experimental_local_results(out)]
        print(json.dumps({"replicas": s.num_replicas_in_sync, "ids": values,
                          "devices": list(s.extended.worker_devices)}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["replicas"] == 2 and got["ids"] == [0, 1]
    assert [d.rsplit("/", 1)[-1] for d in got["devices"]] == ["device:CPU:0", "device:CPU:1"]


def test_more_replicas_than_gpus_is_a_usage_error(monkeypatch):
    import tensorflow as tf

    gpus = [tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")]
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: gpus if kind == "GPU" else [])
    assert strategy.configure_devices(1) == ["/gpu:0"]
    with pytest.raises(ConfigError, match=r"--replicas 2 asks for more GPUs than this machine has \(1\)"):
        strategy.configure_devices(2)
