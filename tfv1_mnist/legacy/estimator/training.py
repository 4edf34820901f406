"""``tf.estimator.train_and_evaluate`` with ``TrainSpec``/``EvalSpec``, run in sequence on one machine.

TF 1.15's local ``train_and_evaluate`` trains to ``TrainSpec.max_steps`` and
evaluates after checkpoints at most every ``throttle_secs``, and once more at
the end.  Here training runs to ``max_steps`` and the evaluation runs once,
at the end, so the returned metrics are those of the final checkpoint, as in
TF1.  ``exporters`` are not supported.

Pattern: TF1's value types and function, reduced to the sequential case.
"""

from __future__ import annotations

import collections

from tfv1_mnist.legacy.common import LegacyUnsupportedError

__all__ = ["EvalSpec", "TrainSpec", "train_and_evaluate"]


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks"])):
    """What to train on: ``input_fn``, ``max_steps`` (None: until the input ends), ``hooks``."""

    def __new__(cls, input_fn, max_steps=None, hooks=None):
        if not callable(input_fn):
            raise TypeError("`input_fn` must be callable, given: {}".format(input_fn))
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: {}".format(max_steps))
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()))


class EvalSpec(collections.namedtuple(
        "EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters", "start_delay_secs", "throttle_secs"])):
    """What to evaluate on (TF1's fields; ``start_delay_secs``/``throttle_secs`` are accepted, unused)."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if not callable(input_fn):
            raise TypeError("`input_fn` must be callable, given: {}".format(input_fn))
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: {}".format(steps))
        if exporters:
            raise LegacyUnsupportedError(
                "EvalSpec(exporters=...) is outside run-legacy's tf.estimator subset; remove it and export "
                "the checkpoint with tf.saved_model yourself")
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), None, start_delay_secs,
                               throttle_secs)


def train_and_evaluate(estimator, train_spec: TrainSpec, eval_spec: EvalSpec):
    """Trains ``estimator`` to ``train_spec.max_steps``, then evaluates it once.

    Returns:
      ``(metrics, [])``: `Estimator.evaluate`'s dict, and no export results
      (TF 1.15 returns the same pair).

    Raises:
      TypeError: the specs are not `TrainSpec` / `EvalSpec`.
    """
    if not isinstance(train_spec, TrainSpec):
        raise TypeError("`train_spec` must have type `tf.estimator.TrainSpec`. Got: {}".format(type(train_spec)))
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError("`eval_spec` must have type `tf.estimator.EvalSpec`. Got: {}".format(type(eval_spec)))
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=train_spec.max_steps)
    metrics = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks),
                                 name=eval_spec.name)
    return metrics, []
