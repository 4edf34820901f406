"""The softmax job: train the seed's regressor, write its metrics, figure, checkpoint and events.

Pattern: Flax's ``train_and_evaluate(config, workdir)``.  The data comes in as
a ``datasets.Mnist`` (the command loads it); ``train_and_evaluate`` prepares
it (``softmax.prepare``: TF1's validation split), trains through the
``--impl`` implementation's trainer, looked up in the registry
(``softmax.IMPLEMENTATIONS``: ``v1.train`` or ``v2.train``), and writes under
``workdir``:

* ``metrics.json``: the loss of every step (null where not finite), the test
  accuracy, the timings, the config and the provenance;
* ``loss.png``: the loss curve;
* ``checkpoint/``: written by the trainer;
* ``tensorboard/``: the loss of every step.  A previous run's event files are
  removed once this run has written its own, so a run that fails leaves the
  folder as it was.

It runs in this process: the softmax's graph seeds need no op determinism.
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
from tfv1_mnist.pipelines.job import Run
from tfv1_mnist.summaries import ScalarWriter
from tfv1_mnist.workdir import unstaged

__all__ = ["FILES", "train_and_evaluate"]

_log = logging.getLogger(__name__)

#: What a run writes under its workdir.
FILES = ("metrics.json", "loss.png", "checkpoint/", "tensorboard/")

def _trainer(impl: str) -> Callable[..., softmax.SoftmaxResult]:
    """The ``native_train`` of the registered implementation ``impl`` (``softmax.IMPLEMENTATIONS``)."""
    trainers = {i.name: i.native_train for i in softmax.IMPLEMENTATIONS if i.native_train is not None}
    if impl not in trainers:
        raise ConfigError(f"impl must be one of {', '.join(trainers)}, got {impl!r}: fix --impl")
    return trainers[impl]


def train_and_evaluate(config: SoftmaxConfig, data: datasets.Mnist, workdir, *, strategy=None, impl: str = "v1",
                       progress: bool = False,
                       step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None) -> Run:
    """Trains the softmax regressor on ``data`` and writes its outputs under ``workdir``.

    Args:
      config: the ``SoftmaxConfig``.
      data: uint8 MNIST-shaped data (``datasets.load``).
      workdir: the output folder, created if missing.
      strategy: must be None: the softmax trains on one device.
      impl: ``"v1"`` (graph, Session) or ``"v2"`` (TF2): a registered
        implementation with a ``native_train``.
      progress: show a progress bar.
      step_callback: ``step_callback(step, loss, weights, biases)`` after every
        step (W float32 [784, 10], b float32 [10]).

    Returns:
      A ``job.Run`` whose ``result`` is the trainer's ``SoftmaxResult``.

    Raises:
      ConfigError: ``impl`` is unknown, a strategy is given, or
        ``config.batch_size`` is larger than the training set after the
        validation split.
      softmax.NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
    """
    train = _trainer(impl)
    if strategy is not None:
        raise ConfigError("the softmax regression trains on one device: drop the strategy")
    ds = softmax.prepare(data, seed=config.seed)
    if config.batch_size > ds.train.num_examples:
        raise ConfigError(
            f"--batch-size {config.batch_size} is larger than the training set of {data.name} "
            f"({ds.train.num_examples} examples after the validation split): pass a smaller one")
    out = pathlib.Path(workdir)
    out.mkdir(parents=True, exist_ok=True)
    old_events = _event_files(out / "tensorboard")
    _log.info("training the softmax regression (%s) on %s (%d training examples) into %s",
              impl, data.name, ds.train.num_examples, unstaged(str(out)))
    result = train(config, ds, workdir=out, progress=progress, step_callback=step_callback)
    _write_tensorboard(out / "tensorboard", result.loss)
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
    return Run(workdir=out, metrics=metrics, files=FILES, result=result)


def _write_tensorboard(folder: pathlib.Path, losses: np.ndarray) -> None:
    """Writes ``losses`` (float32 [steps]) as the ``loss`` scalar to ``folder``."""
    with ScalarWriter(folder) as writer:
        for step, value in enumerate(losses):
            writer.scalar("loss", float(value), step)


def _event_files(folder: pathlib.Path) -> list[pathlib.Path]:
    """The TensorBoard event files in ``folder``; removed after training, so
    TensorBoard shows the latest run's only."""
    return sorted(folder.glob("events.out.tfevents.*")) if folder.is_dir() else []
