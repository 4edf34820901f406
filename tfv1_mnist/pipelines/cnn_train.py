"""The CNN job in the process that trains it: the strategy, training, and every output.

``pipelines.cnn`` decides where the job runs; this module is what runs there
(``train``), and the only part of the pipeline that imports TensorFlow, so a
command whose job runs in a child process never loads it itself.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import shutil
from typing import Any

import tensorflow as tf

from tfv1_mnist import determinism, distribute, plots
from tfv1_mnist.cnn import export, steps, v2
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.distribute import cluster
from tfv1_mnist.outputs import provenance, write_json
from tfv1_mnist.summaries import ScalarWriter
from tfv1_mnist.workdir import unstaged

__all__ = ["train"]

_log = logging.getLogger("tfv1_mnist.pipelines.cnn")


def train(config: CNNConfig, data: Any, workdir: pathlib.Path, *, strategy: distribute.StrategySpec,
          resume: bool, progress: bool) -> dict:
    """Trains in this process and writes every output; returns the metrics written to ``metrics.json``.

    The strategy is made first, before any other TensorFlow call.
    """
    tf_strategy = distribute.make_strategy(strategy)  # before any other TensorFlow call
    cluster_spec = cluster.ClusterSpec.from_env() if strategy.kind == "multi-worker" else None
    with distribute.write_dir(workdir, cluster_spec) as target:
        target.mkdir(parents=True, exist_ok=True)
        _log.info("training the CNN on %s (%d examples) for %d epochs into %s", data.name,
                  len(data.x_train), config.epochs, unstaged(str(target)))
        try:
            model, history = v2.train_and_evaluate(config, data, workdir, resume=resume, progress=progress,
                                                   strategy=tf_strategy, write_dir=target)
        except tf.errors.OpError as err:
            if cluster_spec is None:
                raise
            raise cluster.peer_failure(err, cluster_spec) from err
        metrics = _write_outputs(config, data, model, history, target, resume=resume, strategy=tf_strategy)
    return metrics


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
