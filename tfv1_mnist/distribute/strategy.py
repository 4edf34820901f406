"""Which ``tf.distribute.Strategy`` a run trains under, and the devices it needs.

Pattern: TensorFlow's distributed-training guide, as one small factory.
``StrategySpec`` is the frozen description the command line fills
(``--strategy``, ``--replicas``, ``--workers``, ``--cluster-timeout``);
``make_strategy(spec)`` turns it into a strategy in the *current* process:

* ``default``: ``tf.distribute.get_strategy()``, one device, the same bits as
  a loop that never mentions a strategy;
* ``mirrored``: ``MirroredStrategy`` over N GPUs, or, without a GPU, over N
  logical CPU devices split from the one physical CPU
  (``configure_devices``), so a mirrored run can be tried and tested anywhere;
* ``multi-worker``: ``MultiWorkerMirroredStrategy`` on the cluster of
  ``TF_CONFIG``, made by ``cluster.connect`` (which never hangs).

Logical devices are fixed when TensorFlow initialises its runtime, so a
mirrored run belongs in a fresh process (``determinism.run_isolated``) whose
first TensorFlow call is ``make_strategy``.
"""

from __future__ import annotations

import dataclasses
import logging

from tfv1_mnist.distribute import cluster
from tfv1_mnist.errors import ConfigError

__all__ = ["KINDS", "StrategySpec", "configure_devices", "make_strategy"]

_log = logging.getLogger(__name__)

#: The values of ``--strategy``.
KINDS = ("default", "mirrored", "multi-worker")


@dataclasses.dataclass(frozen=True)
class StrategySpec:
    """How a run is distributed.

    Attributes:
      kind: one of ``KINDS``.
      replicas: devices of a ``mirrored`` run (GPUs, or logical CPUs without
        a GPU); ignored otherwise.
      workers: processes a ``multi-worker`` run starts on this machine
        (the launcher), or None when the user started each worker with its
        own ``TF_CONFIG``.
      cluster_timeout: seconds a worker waits for its peers before it gives
        up naming the missing ones.
    """

    kind: str = "default"
    replicas: int = 2
    workers: int | None = None
    cluster_timeout: float = 60.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ConfigError(f"--strategy must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if int(self.replicas) < 1:
            raise ConfigError(f"--replicas must be >= 1, got {self.replicas}")
        if self.workers is not None:
            if self.kind != "multi-worker":
                raise ConfigError("--workers starts local worker processes of a multi-worker run; "
                                  "pass --strategy multi-worker with it")
            if int(self.workers) < 1:
                raise ConfigError(f"--workers must be >= 1, got {self.workers}")
        if not float(self.cluster_timeout) > 0:
            raise ConfigError(f"--cluster-timeout must be > 0 seconds, got {self.cluster_timeout}")

    @property
    def needs_fresh_process(self) -> bool:
        """Whether the strategy's devices must be set before TensorFlow starts (``mirrored``)."""
        return self.kind == "mirrored"


def configure_devices(replicas: int) -> list[str]:
    """The devices of a mirrored run, splitting the CPU when there is no GPU.

    Must run before TensorFlow initialises its runtime (before any op or
    ``list_logical_devices``) unless the split is already the one asked for.

    Args:
      replicas: how many devices.

    Returns:
      The device names, e.g. ``["/gpu:0", "/gpu:1"]`` or ``["/cpu:0", "/cpu:1"]``.

    Raises:
      ConfigError: more replicas than GPUs, or the CPU can no longer be split
        because TensorFlow has already started in this process.
    """
    import tensorflow as tf

    replicas = int(replicas)
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if replicas > len(gpus):
            raise ConfigError(f"--replicas {replicas} asks for more GPUs than this machine has ({len(gpus)}); "
                              f"pass --replicas {len(gpus)} or fewer")
        return [f"/gpu:{i}" for i in range(replicas)]
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == replicas:
        return [f"/cpu:{i}" for i in range(replicas)]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)])
    except RuntimeError as err:
        raise ConfigError(f"cannot split the CPU into {replicas} logical devices: TensorFlow has already "
                          f"started in this process ({err}); run the mirrored job in a fresh process "
                          "(determinism.run_isolated)") from None
    _log.info("no GPU: split the CPU into %d logical devices", replicas)
    return [f"/cpu:{i}" for i in range(replicas)]


def make_strategy(spec: StrategySpec):
    """The strategy ``spec`` describes, in this process.

    Args:
      spec: a ``StrategySpec``.

    Returns:
      A ``tf.distribute.Strategy``.

    Raises:
      ConfigError: see ``configure_devices``; for ``multi-worker``, a bad
        ``TF_CONFIG`` (``cluster.ClusterSpec.from_env``).
      cluster.ClusterError: a peer did not join within ``spec.cluster_timeout``.
    """
    import tensorflow as tf

    if spec.kind == "default":
        return tf.distribute.get_strategy()
    if spec.kind == "mirrored":
        devices = configure_devices(spec.replicas)
        return tf.distribute.MirroredStrategy(devices)
    return cluster.connect(cluster.ClusterSpec.from_env(), timeout=spec.cluster_timeout)
