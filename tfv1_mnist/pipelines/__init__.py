"""The jobs the commands run: train a model, write its outputs, reproduce the seed.

Pattern: Flax's ``train_and_evaluate(config, workdir)`` one level up.  A command
module parses flags, loads the data and prints; every model's pipeline has one
shape, ``train_and_evaluate(config, data, workdir, *, strategy=None) -> Run``
(``job``): the data comes in as a ``datasets.Mnist``, the pipeline trains
through the model packages and writes metrics, figures, TensorBoard events and
checkpoints under one folder.

* ``job``: ``Run``, and ``Job``/``run_job``, the one place a job leaves this process;
* ``softmax``, ``cnn``: the two models' pipelines;
* ``reproduce`` (with ``reproduce_plan`` and ``reproduce_report``): the seed's
  programs, the comparison and the report.
"""

__all__ = ["cnn", "job", "reproduce", "reproduce_plan", "reproduce_report", "softmax"]
