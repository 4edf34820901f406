"""Training on several devices and several machines with ``tf.distribute``.

Pattern: TensorFlow's distributed-training guides, as five small rooms that
the CNN's custom loop and the ``tfv1-mnist cnn`` job use; none of them knows a
model.

* ``strategy``: ``StrategySpec`` (``--strategy``, ``--replicas``, ``--workers``)
  and ``make_strategy``; logical CPU devices when there is no GPU;
* ``batches``: ``distribute_batches``, an epoch's global batches split across
  the replicas in their exact single-device order;
* ``cluster``: ``TF_CONFIG`` (``ClusterSpec``), who writes (``write_dir``), and
  ``connect``, which forms a multi-worker cluster in bounded time or names the
  missing task (``ClusterError``);
* ``launcher``: ``launch`` starts N local workers on 127.0.0.1, prefixes their
  output, and kills them all when one fails or the deadline passes;
* ``worker``: the command line each launched worker runs.
"""

from __future__ import annotations

from tfv1_mnist.distribute.batches import distribute_batches, replica_sizes
from tfv1_mnist.distribute.cluster import ClusterError, ClusterSpec, Task, connect, write_dir
from tfv1_mnist.distribute.launcher import WorkerExit, WorkerFailed, launch
from tfv1_mnist.distribute.strategy import KINDS, StrategySpec, configure_devices, make_strategy

__all__ = [
    "KINDS",
    "StrategySpec",
    "configure_devices",
    "make_strategy",
    "distribute_batches",
    "replica_sizes",
    "ClusterError",
    "ClusterSpec",
    "Task",
    "connect",
    "write_dir",
    "WorkerExit",
    "WorkerFailed",
    "launch",
]
