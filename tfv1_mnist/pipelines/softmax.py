"""The softmax job: train the seed's regressor, write its metrics, figure, checkpoint and events.

Pattern: Flax's ``train_and_evaluate(config, workdir)``.  The data comes in as
a ``datasets.Mnist`` (the command loads it); ``train_and_evaluate`` prepares
it (``softmax.prepare``: TF1's validation split), trains through ``v1.train``
or ``v2.train`` (``TRAINERS``), and writes under ``workdir``:

* ``metrics.json``: the loss of every step (null where not finite), the test
  accuracy, the timings, the config and the provenance;
* ``loss.png``: the loss curve;
* ``checkpoint/`` and ``tensorboard/``: written by the trainer.  A previous
  run's event files are removed once this run has written its own, so a run
  that fails leaves the folder as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
from typing import Callable

import numpy as np

from tfv1_mnist import datasets, plots, softmax
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.outputs import provenance, write_json

__all__ = ["TRAINERS", "SoftmaxRun", "train_and_evaluate"]

_log = logging.getLogger(__name__)

#: The trainers ``--impl`` chooses from, by implementation name.
TRAINERS: dict[str, Callable[..., softmax.SoftmaxResult]] = {
    "v1": softmax.v1.train,
    "v2": softmax.v2.train,
}


@dataclasses.dataclass(frozen=True)
class SoftmaxRun:
    """What ``train_and_evaluate`` trained and wrote.

    Attributes:
      result: the trainer's ``SoftmaxResult``.
      metrics: the dict written to ``metrics_path``.
      metrics_path, loss_plot: ``workdir/metrics.json``, ``workdir/loss.png``.
      checkpoint_dir, tensorboard_dir: ``workdir/checkpoint``, ``workdir/tensorboard``.
    """

    result: softmax.SoftmaxResult
    metrics: dict
    metrics_path: pathlib.Path
    loss_plot: pathlib.Path
    checkpoint_dir: pathlib.Path
    tensorboard_dir: pathlib.Path


def train_and_evaluate(
    config: SoftmaxConfig,
    data: datasets.Mnist,
    workdir,
    *,
    impl: str = "v1",
    progress: bool = False,
    step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None,
) -> SoftmaxRun:
    """Trains the softmax regressor on ``data`` and writes its outputs under ``workdir``.

    Args:
      config: the ``SoftmaxConfig``.
      data: uint8 MNIST-shaped data (``datasets.load``).
      workdir: the output folder, created if missing.
      impl: a key of ``TRAINERS``: ``"v1"`` (graph, Session) or ``"v2"`` (TF2).
      progress: show a progress bar.
      step_callback: ``step_callback(step, loss, weights, biases)`` after every
        step (W float32 [784, 10], b float32 [10]).

    Returns:
      A ``SoftmaxRun``.

    Raises:
      ConfigError: ``impl`` is unknown, or ``config.batch_size`` is larger than
        the training set after the validation split.
      softmax.NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
    """
    if impl not in TRAINERS:
        raise ConfigError(f"impl must be one of {', '.join(TRAINERS)}, got {impl!r}: fix --impl")
    ds = softmax.prepare(data, seed=config.seed)
    if config.batch_size > ds.train.num_examples:
        raise ConfigError(
            f"--batch-size {config.batch_size} is larger than the training set of {data.name} "
            f"({ds.train.num_examples} examples after the validation split): pass a smaller one")
    out = pathlib.Path(workdir)
    out.mkdir(parents=True, exist_ok=True)
    old_events = _event_files(out / "tensorboard")
    _log.info("training the softmax regression (%s) on %s (%d training examples) into %s",
              impl, data.name, ds.train.num_examples, out)
    result = TRAINERS[impl](config, ds, workdir=out, progress=progress, step_callback=step_callback)
    for path in old_events:
        path.unlink(missing_ok=True)
    metrics = {
        "impl": impl,
        "test_accuracy": result.test_accuracy,
        "loss": result.loss,
        "nan_steps": result.nan_steps,
        "train_seconds": result.train_seconds,
        "examples_per_second": result.examples_per_second,
        "config": dataclasses.asdict(config),
        "provenance": provenance(dataset=data, seed=config.seed, command="softmax", impl=impl),
    }
    write_json(out / "metrics.json", metrics)
    title = f"softmax regression ({impl}, loss {config.loss}, {data.name})"
    plots.plot_loss(result.loss, out / "loss.png", title=title)
    return SoftmaxRun(result=result, metrics=metrics, metrics_path=out / "metrics.json",
                      loss_plot=out / "loss.png", checkpoint_dir=out / "checkpoint",
                      tensorboard_dir=out / "tensorboard")


def _event_files(folder: pathlib.Path) -> list[pathlib.Path]:
    """The TensorBoard event files in ``folder``; removed after training, so
    TensorBoard shows the latest run's only."""
    return sorted(folder.glob("events.out.tfevents.*")) if folder.is_dir() else []
