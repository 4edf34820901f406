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
import shutil
from typing import Any

import tensorflow as tf

from tfv1_mnist import datasets, determinism, distribute, plots
from tfv1_mnist.cnn import export, steps, v2
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.distribute import cluster, worker
from tfv1_mnist.outputs import provenance, write_json
from tfv1_mnist.pipelines.job import Job, Run, run_job
from tfv1_mnist.summaries import ScalarWriter

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


def _train(config: CNNConfig, data: Any, workdir: pathlib.Path, *, strategy: distribute.StrategySpec,
           resume: bool, progress: bool) -> Run:
    """The job itself, in the process that trains: the strategy first, then training and outputs."""
    tf_strategy = distribute.make_strategy(strategy)  # before any other TensorFlow call
    cluster_spec = cluster.ClusterSpec.from_env() if strategy.kind == "multi-worker" else None
    with distribute.write_dir(workdir, cluster_spec) as target:
        target.mkdir(parents=True, exist_ok=True)
        _log.info("training the CNN on %s (%d examples) for %d epochs into %s", data.name,
                  len(data.x_train), config.epochs, target)
        try:
            model, history = v2.train_and_evaluate(config, data, workdir, resume=resume, progress=progress,
                                                   strategy=tf_strategy, write_dir=target)
        except tf.errors.OpError as err:
            if cluster_spec is None:
                raise
            raise cluster.peer_failure(err, cluster_spec) from err
        metrics = _write_outputs(config, data, model, history, target, resume=resume, strategy=tf_strategy)
    return Run(workdir=workdir, metrics=metrics, files=FILES)


def _write_outputs(config: CNNConfig, data: Any, model: v2.CNN, history: dict, out_dir: pathlib.Path, *,
                   resume: bool, strategy) -> dict:
    """``metrics.json``, ``history.png``, TensorBoard and the export, in ``out_dir``; returns the metrics."""
    # The last epoch's validation is the test set under the final weights (also
    # when a resumed run had nothing left to train), so it is not run again.
    test = {"loss": history["val_loss"][-1], "accuracy": history["val_accuracy"][-1]}
    epoch_seconds = list(history["epoch_seconds"])
    train_seconds = float(sum(epoch_seconds))
    n_epochs = len(epoch_seconds)
    metrics = {
        "history": {k: history[k] for k in ("loss", "accuracy", "val_loss", "val_accuracy")},
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "epoch_seconds": epoch_seconds,
        "train_seconds": train_seconds,
        "examples_per_second": (len(data.x_train) * n_epochs / train_seconds
                                if train_seconds > 0 else None),
        "params": model.num_params,
        "steps_per_epoch": -(-len(data.x_train) // config.batch_size),
        "config": dataclasses.asdict(config),
        "provenance": provenance(dataset=data, seed=config.seed, run_seed=model.seed,
                                 command="cnn", resumed=bool(resume),
                                 op_determinism=determinism.is_enabled(), **_distribution(strategy)),
    }
    plots.plot_history(history, out_dir / "history.png")
    _write_tensorboard(history, out_dir / "tensorboard")
    export.export(model, out_dir)
    write_json(out_dir / "metrics.json", metrics)
    return metrics


def _distribution(strategy) -> dict:
    """``{"strategy": --strategy, "replicas": n}`` for a distributed run; nothing for the default."""
    if strategy is None or steps.is_default_strategy(strategy):
        return {}
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        kind = "multi-worker"
    elif isinstance(strategy, tf.distribute.MirroredStrategy):
        kind = "mirrored"
    else:
        kind = type(strategy).__name__
    return {"strategy": kind, "replicas": int(strategy.num_replicas_in_sync)}


def _write_tensorboard(history: dict, tb_dir: pathlib.Path) -> None:
    """Epoch curves as ``epoch/<key>`` and every step's loss as ``step/loss``."""
    if tb_dir.exists():  # rewritten whole, so a resumed run shows each epoch once
        shutil.rmtree(tb_dir)
    with ScalarWriter(tb_dir) as tb:
        for epoch in range(len(history["epoch_seconds"])):
            for key in ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"):
                tb.scalar(f"epoch/{key}", history[key][epoch], step=epoch + 1)
        for step, value in enumerate(history["step_loss"], start=1):
            tb.scalar("step/loss", value, step=step)


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
