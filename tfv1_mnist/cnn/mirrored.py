"""The v2 custom loop under ``MirroredStrategy`` on two devices, as a registered implementation.

Pattern: a ``contract.Implementation`` whose trainer runs ``v2.train_on_schedule``
in its own spawned process (``determinism.run_isolated``).  Logical devices are
fixed when TensorFlow starts, and the comparison's process has started it with
one CPU device; the child splits its CPU into ``REPLICAS`` logical devices (or
takes that many GPUs) before anything else, then trains from the same initial
weights on the same global batches as the single-device reference.  The
comparison's switches travel along: oneDNN's setting (an environment variable,
set before TensorFlow is imported there), op determinism (with the config's
seed) and TF32.

What it shows: each global batch of 32 is two partial sums of 16 rows, added
by the all-reduce, where one device sums 32 rows in one kernel; the same
formula in another order, so round-off, which raw 0-255 pixels amplify over
the steps.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Sequence

import numpy as np

from tfv1_mnist import contract, determinism
from tfv1_mnist.cnn import seeded, v2
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.distribute import StrategySpec, make_strategy

__all__ = ["REPLICAS", "train_mirrored", "IMPLEMENTATION"]

#: Replicas of the registered implementation.
REPLICAS = 2
_ENV_KEYS = ("TF_ENABLE_ONEDNN_OPTS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _train_in_child(config: CNNConfig, data: Any, schedule: contract.Schedule, initial: Sequence[np.ndarray],
                    replicas: int, tf32: bool) -> contract.TrainResult:
    strategy = make_strategy(StrategySpec("mirrored", replicas=replicas))  # before any other TF call
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(tf32)
    result = v2.train_on_schedule(config, data, schedule, initial, strategy=strategy)
    # The trained CNN (mirrored variables) stays in the child; what ran comes back instead.
    native = {"strategy": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync),
              "devices": list(strategy.extended.worker_devices)}
    return dataclasses.replace(result, native=native)


def train_mirrored(config: CNNConfig, data: Any, schedule: contract.Schedule,
                   initial: Sequence[np.ndarray], *, replicas: int = REPLICAS) -> contract.TrainResult:
    """``contract.Trainer``: ``v2.train_on_schedule`` under ``MirroredStrategy``, in a child process.

    Args:
      config, data, schedule, initial: as every trainer (``contract``).
      replicas: devices to mirror over (logical CPUs without a GPU).

    Returns:
      The ``contract.TrainResult``; its ``native`` is ``{"strategy", "replicas",
      "devices"}`` (the trained model stays in the child).

    Raises:
      ConfigError: the schedule is not ``config``'s (checked here, before the child starts).
    """
    import tensorflow as tf

    seeded.schedule_batches(config, data, schedule)

    env = {k: os.environ[k] for k in _ENV_KEYS if k in os.environ}
    seed = (config.seed or 0) if determinism.is_enabled() else None
    tf32 = bool(tf.config.experimental.tensor_float_32_execution_enabled())
    return determinism.run_isolated(seed, _train_in_child, config, data, schedule, list(initial), replicas, tf32,
                                    env=env)


IMPLEMENTATION = contract.Implementation(
    model="cnn", name="mirrored", train=train_mirrored,
    summary=f"the v2 custom loop under tf.distribute.MirroredStrategy, {REPLICAS} replicas "
            "(logical CPUs without a GPU), in its own process",
    note=f"each global batch of 32 is split into {REPLICAS} slices of 16; their gradients are summed by "
         "the all-reduce and applied once, where one device sums 32 rows in one kernel: the same formula "
         "in another order: round-off, which raw 0-255 pixels can amplify over many steps")
