"""What every pipeline returns (``Run``), and the one place a training job leaves this process.

A pipeline's ``train_and_evaluate(config, data, workdir, *, strategy=None)``
returns a ``Run``: the metrics it wrote to ``workdir/metrics.json`` and the
names of the files and folders it wrote beside them.  When the job must run in
a process of its own (``--seed`` turns on op determinism, which a process
cannot turn off again; a mirrored strategy splits the CPU when TensorFlow
starts), the pipeline wraps it in a picklable ``Job`` and hands it to
``run_job``, which uses ``determinism.run_isolated``.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Callable, Mapping

from tfv1_mnist import determinism

__all__ = ["Run", "Job", "run_job"]


@dataclasses.dataclass(frozen=True)
class Run:
    """What a pipeline trained and wrote.

    Attributes:
      workdir: the output folder.
      metrics: the dict written to ``workdir/metrics.json``.
      files: what was written under ``workdir`` (folders end in ``/``), in
        the order the command lists them.
      result: the trainer's own result (``softmax.SoftmaxResult``) when it
        trained in this process and returns one; None otherwise.
    """

    workdir: pathlib.Path
    metrics: dict
    files: tuple[str, ...]
    result: Any = None

    @property
    def metrics_path(self) -> pathlib.Path:
        """``workdir/metrics.json``."""
        return self.workdir / "metrics.json"

    @property
    def test_accuracy(self) -> float:
        """The fraction of the test set classified right."""
        return float(self.metrics["test_accuracy"])

    def describe(self) -> str:
        """``wrote OUT/a, b, c/`` for the command's last lines."""
        first, *rest = self.files
        return f"wrote {self.workdir / first}" + "".join(f", {name}" for name in rest)


@dataclasses.dataclass(frozen=True)
class Job:
    """One training run as a value that pickles: ``train(config, data, workdir, **options)``.

    Attributes:
      train: a module-level function returning a ``Run``.
      config: its frozen config (``seed`` is read for ``--seed``).
      data: a ``datasets.Mnist``.
      workdir: the output folder.
      options: ``train``'s keyword arguments (picklable values).
    """

    train: Callable[..., Run]
    config: Any
    data: Any
    workdir: pathlib.Path
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __call__(self) -> Run:
        return self.train(self.config, self.data, self.workdir, **self.options)


def run_job(job: Job, *, isolate: bool = False, own_process: bool = False) -> Run:
    """Runs ``job`` where ``--seed`` and the strategy need it.

    Args:
      job: the ``Job``.
      isolate: always in a fresh spawned process (seeded there when the
        config has a seed).
      own_process: this process exists only for the job (a multi-worker
        worker): a seed turns op determinism on here.

    Returns:
      The job's ``Run``.
    """
    seed = getattr(job.config, "seed", None)
    if own_process:
        if seed is not None:
            determinism.enable(seed)
        return job()
    if isolate:
        return determinism.run_isolated(seed, job)
    return determinism.run_seeded(seed, job)
