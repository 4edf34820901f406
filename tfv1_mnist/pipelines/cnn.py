"""The ``tfv1-mnist cnn`` job: train the v2 CNN, then write its metrics, figures, TensorBoard and export.

Pattern: Flax's ``train_and_evaluate(config, workdir)`` one level up.
``train_and_evaluate(config, data, workdir, *, strategy=None)`` takes a
``CNNConfig`` and a loaded ``datasets.Mnist``, trains through
``tfv1_mnist.cnn.v2`` (checkpoints in ``OUT/checkpoints``), and writes
``OUT/metrics.json``, ``OUT/history.png``, ``OUT/tensorboard/``,
``OUT/saved_model/`` and ``OUT/model.keras``.  It returns a ``job.Run``.

Where the training runs (``job.run_job``): a seeded run in a spawned process
with op determinism on; a mirrored run always in a spawned process, whose
first TensorFlow call splits the CPU (or picks the GPUs).  A multi-worker run
trains in this process on the cluster of ``TF_CONFIG``, or, with
``strategy.workers``, in that many local worker processes
(``distribute.launch``), the one place where the config and the data travel
as JSON (``worker_job``).  Only the chief writes to ``OUT``; the others write
the same files to a temporary folder that is removed
(``distribute.write_dir``).  A peer lost mid-run is a ``ClusterError`` naming
it, raised before any output but the finished epochs' checkpoints is written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
from typing import Any

from tfv1_mnist import datasets, distribute
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.distribute import worker
from tfv1_mnist.pipelines.job import Job, Run, run_job

__all__ = ["FILES", "train_and_evaluate", "worker_job"]

_log = logging.getLogger(__name__)

#: What a run writes under its workdir.
FILES = ("metrics.json", "history.png", "checkpoints/", "saved_model/", "model.keras", "tensorboard/")


def train_and_evaluate(config: CNNConfig, data: Any, workdir, *, strategy: distribute.StrategySpec | None = None,
                       resume: bool = False, progress: bool = True, deadline: float = 3600.0) -> Run:
    """Trains, evaluates and writes every output of ``tfv1-mnist cnn``, where ``strategy`` needs it.

    Args:
      config: the ``CNNConfig``.
      data: a ``datasets.Mnist`` (uint8 arrays).
      workdir: the output folder (created if missing); with several workers,
        a folder on a filesystem all of them see.
      strategy: the ``distribute.StrategySpec``; None for the default strategy.
      resume: continue from ``workdir/checkpoints``.
      progress: show a Progbar per epoch.
      deadline: seconds a launched multi-worker run may take before every
        worker is killed.

    Returns:
      A ``job.Run`` (``metrics`` as written to ``metrics.json``).

    Raises:
      ConfigError: an impossible setting (also from a worker).
      distribute.WorkerFailed: a launched worker failed or the deadline passed.
      cluster.ClusterError: the cluster did not form, or lost a peer.
    """
    spec = strategy or distribute.StrategySpec()
    workdir = pathlib.Path(workdir)
    if spec.kind == "multi-worker" and spec.workers is not None:
        return _launch_workers(config, data, workdir, spec, resume, progress, deadline)
    job = Job(_train, config, data, workdir, {"strategy": spec, "resume": bool(resume),
                                              "progress": bool(progress)})
    # Logical devices are fixed when TensorFlow starts; a multi-worker process is the run's own.
    return run_job(job, isolate=spec.kind == "mirrored", own_process=spec.kind == "multi-worker")


def _train(config: CNNConfig, data: Any, workdir: pathlib.Path, **options) -> Run:
    """The job, in the process that trains; TensorFlow is imported there, not where the job starts.

    A seeded or mirrored run starts in a spawned child, so the command's own
    process never needs TensorFlow (``cnn_train.train``).
    """
    from tfv1_mnist.pipelines import cnn_train

    return Run(workdir=workdir, metrics=cnn_train.train(config, data, workdir, **options), files=FILES)


def worker_job(config: dict, data: str, workdir: str, strategy: dict, resume: bool, progress: bool) -> None:
    """A launched worker's job: the multi-worker boundary, where arguments arrive as JSON.

    Args:
      config: ``dataclasses.asdict(CNNConfig)``.
      data: a ``datasets.load`` spec (the path the parent read, or an ``.npz`` it wrote).
      workdir, resume, progress: as ``train_and_evaluate``.
      strategy: ``dataclasses.asdict(distribute.StrategySpec)``.
    """
    job = Job(_train, CNNConfig(**config), datasets.load(data), pathlib.Path(workdir),
              {"strategy": distribute.StrategySpec(**strategy), "resume": resume, "progress": progress})
    run_job(job, own_process=True)


def _launch_workers(config: CNNConfig, data: Any, workdir: pathlib.Path, spec: distribute.StrategySpec,
                    resume: bool, progress: bool, deadline: float) -> Run:
    """Starts ``spec.workers`` local workers on ``worker_job``; the chief's ``metrics.json`` is the result."""
    data_spec = data.path
    if not data_spec:  # built in memory: the workers read it from a file
        workdir.mkdir(parents=True, exist_ok=True)
        data_spec = str(workdir / "data.npz")
        datasets.write_npz(data_spec, x_train=data.x_train, y_train=data.y_train,
                           x_test=data.x_test, y_test=data.y_test)
    kwargs = {"config": dataclasses.asdict(config), "data": data_spec, "workdir": str(workdir),
              "strategy": dataclasses.asdict(spec),
              "resume": bool(resume), "progress": bool(progress)}
    distribute.launch(worker.argv(f"{__name__}:worker_job", kwargs,
                                  log_level=logging.getLogger("tfv1_mnist").getEffectiveLevel()),
                      workers=spec.workers, deadline=deadline)
    # The workers' processes are gone: the chief's file is what they leave.
    return Run(workdir=workdir, metrics=json.loads((workdir / "metrics.json").read_text()), files=FILES)
