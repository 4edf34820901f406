"""The ``tfv1-mnist cnn`` job: train the v2 CNN, then write its metrics, figures, TensorBoard and export.

Pattern: Flax's ``train_and_evaluate(config, workdir)`` one level up.  ``run``
takes a ``CNNConfig`` and a loaded ``datasets.Mnist``, trains through
``tfv1_mnist.cnn.v2`` (checkpoints in ``OUT/checkpoints``), and writes
``OUT/metrics.json``, ``OUT/history.png``, ``OUT/tensorboard/``,
``OUT/saved_model/`` and ``OUT/model.keras``.  ``train_job`` is the same with
plain arguments (a config dict and the ``--data`` spec, loaded in the job), so
that ``determinism.run_seeded`` can run it in a spawned process.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import shutil
from typing import Any

from tfv1_mnist import datasets, determinism, plots
from tfv1_mnist.cnn import export, v2
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.outputs import provenance, write_json
from tfv1_mnist.summaries import ScalarWriter

__all__ = ["run", "train_job"]

_log = logging.getLogger(__name__)


def run(config: CNNConfig, data: Any, out: str | pathlib.Path, *, resume: bool = False,
        progress: bool = True) -> dict:
    """Trains, evaluates and writes every output of ``tfv1-mnist cnn``.

    Args:
      config: the ``CNNConfig``.
      data: a ``datasets.Mnist`` (uint8 arrays).
      out: the output folder (created if missing).
      resume: continue from ``out/checkpoints``.
      progress: show a Progbar per epoch.

    Returns:
      dict with ``test_accuracy``, ``test_loss`` and ``out``.
    """
    out_dir = pathlib.Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    _log.info("training the CNN on %s (%d examples) for %d epochs into %s", data.name,
              len(data.x_train), config.epochs, out_dir)
    model, history = v2.train_and_evaluate(config, data, out_dir, resume=resume, progress=progress)
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
                                 op_determinism=determinism.is_enabled()),
    }
    plots.plot_history(history, out_dir / "history.png")
    _write_tensorboard(history, out_dir / "tensorboard")
    export.export(model, out_dir)
    write_json(out_dir / "metrics.json", metrics)
    return {"test_accuracy": test["accuracy"], "test_loss": test["loss"], "out": str(out_dir)}


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


def train_job(config: dict, data_spec: str | None, out: str, resume: bool, progress: bool) -> dict:
    """``run`` with plain arguments, for ``determinism.run_seeded`` (a spawned process).

    Args:
      config: ``dataclasses.asdict(CNNConfig)``.
      data_spec: ``--data`` (``datasets.load``'s argument).
      out: the output folder.
      resume: continue from ``out/checkpoints``.
      progress: show a Progbar per epoch.

    Returns:
      ``run``'s dict.
    """
    return run(CNNConfig(**config), datasets.load(data_spec), out, resume=resume,
               progress=progress)
