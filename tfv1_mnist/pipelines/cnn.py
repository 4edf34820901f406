"""The ``tfv1-mnist cnn`` job: train the v2 CNN, then write its metrics, figures, TensorBoard and export.

Pattern: Flax's ``train_and_evaluate(config, workdir)`` one level up.  ``run``
takes a ``CNNConfig`` and a loaded ``datasets.Mnist``, trains through
``tfv1_mnist.cnn.v2`` (checkpoints in ``OUT/checkpoints``), and writes
``OUT/metrics.json``, ``OUT/history.png``, ``OUT/tensorboard/``,
``OUT/saved_model/`` and ``OUT/model.keras``.  ``train_job`` is the same with
plain arguments (a config dict and the ``--data`` spec, loaded in the job), so
that ``determinism.run_seeded`` can run it in a spawned process.

Distributed (``tfv1_mnist.distribute``): ``start`` runs the job the way its
``StrategySpec`` needs.  A mirrored run always trains in a spawned process,
whose first TensorFlow call splits the CPU (or picks the GPUs).  A
multi-worker run trains in this process on the cluster of ``TF_CONFIG``, or,
with ``workers``, in that many local worker processes (``distribute.launch``).
Only the chief writes to ``OUT``; the others write the same files to a
temporary folder that is removed (``distribute.write_dir``).  A peer lost
mid-run is a ``ClusterError`` naming it, raised before any output but the
finished epochs' checkpoints is written.
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
from tfv1_mnist.cnn import export, v2
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.distribute import cluster, worker
from tfv1_mnist.outputs import provenance, write_json
from tfv1_mnist.summaries import ScalarWriter

__all__ = ["run", "train_job", "start"]

_log = logging.getLogger(__name__)


def run(config: CNNConfig, data: Any, out: str | pathlib.Path, *, resume: bool = False,
        progress: bool = True, strategy=None, cluster_spec: cluster.ClusterSpec | None = None) -> dict:
    """Trains, evaluates and writes every output of ``tfv1-mnist cnn``.

    Args:
      config: the ``CNNConfig``.
      data: a ``datasets.Mnist`` (uint8 arrays).
      out: the output folder (created if missing); with several workers, a
        folder on a filesystem all of them see.
      resume: continue from ``out/checkpoints``.
      progress: show a Progbar per epoch.
      strategy: the ``tf.distribute.Strategy`` to train under; None for the default.
      cluster_spec: this worker's cluster, for a multi-worker run; None otherwise.

    Returns:
      dict with ``test_accuracy``, ``test_loss`` and ``out``.

    Raises:
      cluster.ClusterError: a peer was lost during training.
    """
    out_dir = pathlib.Path(out)
    with distribute.write_dir(out_dir, cluster_spec) as target:
        target.mkdir(parents=True, exist_ok=True)
        _log.info("training the CNN on %s (%d examples) for %d epochs into %s", data.name,
                  len(data.x_train), config.epochs, target)
        try:
            model, history = v2.train_and_evaluate(config, data, out_dir, resume=resume, progress=progress,
                                                   strategy=strategy, write_dir=target)
        except tf.errors.OpError as err:
            if cluster_spec is None:
                raise
            raise cluster.peer_failure(err, cluster_spec) from err
        result = _write_outputs(config, data, model, history, target, resume=resume, strategy=strategy)
    return {**result, "out": str(out_dir)}


def _write_outputs(config: CNNConfig, data: Any, model: v2.CNN, history: dict, out_dir: pathlib.Path, *,
                   resume: bool, strategy) -> dict:
    """``metrics.json``, ``history.png``, TensorBoard and the export, in ``out_dir``."""
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
        "provenance": provenance(dataset=data, seed=config.seed, run_seed=model.run_seed,
                                 command="cnn", resumed=bool(resume),
                                 op_determinism=determinism.is_enabled(), **_distribution(strategy)),
    }
    plots.plot_history(history, out_dir / "history.png")
    _write_tensorboard(history, out_dir / "tensorboard")
    export.export(model, out_dir)
    write_json(out_dir / "metrics.json", metrics)
    return {"test_accuracy": test["accuracy"], "test_loss": test["loss"]}


def _distribution(strategy) -> dict:
    """``{"strategy": --strategy, "replicas": n}`` for a distributed run; nothing for the default."""
    if strategy is None or v2.is_default_strategy(strategy):
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


def train_job(config: dict, data_spec: str | None, out: str, resume: bool, progress: bool,
              strategy: dict | None = None, *, announce_data: bool = True) -> dict:
    """``run`` with plain arguments, for a spawned process or a launched worker.

    The strategy is made first, before any other TensorFlow call: a mirrored
    run splits the CPU, a multi-worker run joins its cluster (``TF_CONFIG``).
    A multi-worker process is the run's own, so a seeded one turns on op
    determinism here.

    Args:
      config: ``dataclasses.asdict(CNNConfig)``.
      data_spec: ``--data`` (``datasets.load``'s argument).
      out: the output folder.
      resume: continue from ``out/checkpoints``.
      progress: show a Progbar per epoch.
      strategy: ``dataclasses.asdict(distribute.StrategySpec)``, or None for the default.
      announce_data: log which data set was loaded (False: the caller already said it).

    Returns:
      ``run``'s dict.
    """
    spec = distribute.StrategySpec(**(strategy or {}))
    tf_strategy = distribute.make_strategy(spec)
    cluster_spec = None
    if spec.kind == "multi-worker":
        cluster_spec = cluster.ClusterSpec.from_env()
        if config.get("seed") is not None:
            determinism.enable(config["seed"])
    return run(CNNConfig(**config), datasets.load(data_spec, announce=announce_data), out, resume=resume,
               progress=progress, strategy=tf_strategy, cluster_spec=cluster_spec)


def start(config: CNNConfig, data_spec: str | None, out: str | pathlib.Path, *, resume: bool = False,
          progress: bool = True, strategy: distribute.StrategySpec | None = None,
          deadline: float = 3600.0) -> dict:
    """Runs ``train_job`` where ``strategy`` needs it: here, in a spawned process, or in local workers.

    Args:
      config, data_spec, out, resume, progress: as ``train_job``.
      strategy: the ``StrategySpec``; None for the default strategy.
      deadline: seconds a launched multi-worker run may take before every
        worker is killed.

    Returns:
      ``run``'s dict (for launched workers, read from the chief's ``metrics.json``).

    Raises:
      ConfigError: an impossible setting (also from a worker).
      distribute.WorkerFailed: a launched worker failed or the deadline passed.
      cluster.ClusterError: the cluster did not form, or lost a peer.
    """
    spec = strategy or distribute.StrategySpec()
    args = (dataclasses.asdict(config), data_spec, str(out), bool(resume), bool(progress),
            dataclasses.asdict(spec))
    if spec.kind == "mirrored":  # logical devices are fixed when TensorFlow starts
        return determinism.run_isolated(config.seed, train_job, *args)
    if spec.kind == "multi-worker" and spec.workers is not None:
        kwargs = dict(zip(("config", "data_spec", "out", "resume", "progress", "strategy"), args))
        distribute.launch(worker.argv(f"{__name__}:train_job", kwargs,
                                      log_level=logging.getLogger("tfv1_mnist").getEffectiveLevel()),
                          workers=spec.workers, deadline=deadline)
        metrics = json.loads((pathlib.Path(out) / "metrics.json").read_text())
        return {"test_accuracy": metrics["test_accuracy"], "test_loss": metrics["test_loss"], "out": str(out)}
    if spec.kind == "multi-worker":  # this process is the worker
        return train_job(*args)
    return determinism.run_seeded(config.seed, train_job, *args)
