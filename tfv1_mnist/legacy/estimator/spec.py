"""``tf.estimator``'s value types, as in TF 1.15: `ModeKeys`, `EstimatorSpec`, `RunConfig`.

TF 1.15's ``tensorflow_estimator/python/estimator/{mode_keys,model_fn,run_config}.py``
define them; this keeps their fields, defaults and validation messages for
the arguments run-legacy's subset implements, and refuses the others by name.

Pattern: frozen value objects, validated when made.
"""

from __future__ import annotations

import collections
import dataclasses

from tfv1_mnist.legacy.common import LegacyUnsupportedError

__all__ = ["EstimatorSpec", "ModeKeys", "RunConfig"]


class ModeKeys:
    """The three modes a ``model_fn`` is called in (TF1's string values)."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_SPEC_FIELDS = ("mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
                "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks")


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _SPEC_FIELDS)):
    """What a ``model_fn`` returns (TF 1.15's fields and checks).

    Args:
      mode: a `ModeKeys` value.
      predictions: a tensor or a dict of tensors [batch_size, ...]; needed in PREDICT.
      loss: float scalar tensor; needed in TRAIN and EVAL.
      train_op: the training op; needed in TRAIN.
      eval_metric_ops: dict name -> ``(value_op, update_op)``, e.g. from
        ``tf.metrics.accuracy``; ``"loss"`` is reserved.
      export_outputs: accepted and ignored (no SavedModel export here).
      training_chief_hooks, training_hooks, evaluation_hooks, prediction_hooks:
        ``SessionRunHook`` lists for each mode.
      scaffold: a ``tf.train.Scaffold``, or None for the default.

    Raises:
      ValueError: a field the mode needs is missing (``Missing loss.``...), the
        loss is not a scalar, or a metric is not a ``(value, update)`` pair.
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None, scaffold=None,
                evaluation_hooks=None, prediction_hooks=None):
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError("mode={} unrecognized.".format(mode))
        if mode == ModeKeys.TRAIN and train_op is None:
            raise ValueError("Missing train_op.")
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL) and loss is None:
            raise ValueError("Missing loss.")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("Missing predictions.")
        if loss is not None and loss.shape.ndims not in (None, 0):
            raise ValueError("Loss must be scalar, given: {}".format(loss))
        for name, pair in (eval_metric_ops or {}).items():
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError(
                    "Values of eval_metric_ops must be (metric_value, update_op) tuples, given: {} for key: {}"
                    .format(pair, name))
        return super().__new__(
            cls, mode, predictions, loss, train_op, dict(eval_metric_ops or {}), export_outputs,
            tuple(training_chief_hooks or ()), tuple(training_hooks or ()), scaffold,
            tuple(evaluation_hooks or ()), tuple(prediction_hooks or ()))


_UNSUPPORTED_CONFIG = ("train_distribute", "eval_distribute", "device_fn", "experimental_distribute",
                       "experimental_max_worker_delay_secs", "session_creation_timeout_secs", "protocol")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """How an `Estimator` runs (TF 1.15's single-machine fields and defaults).

    Attributes:
      model_dir: where checkpoints, event files and the graph go.
      tf_random_seed: the graph-level seed of every graph the Estimator builds
        (and of ``numpy_input_fn``'s shuffle).
      save_summary_steps: summaries every N steps.
      save_checkpoints_steps, save_checkpoints_secs: at most one; when neither
        is given, every 600 seconds (TF1's default).
      session_config: a ``tf.compat.v1.ConfigProto`` for the sessions.
      keep_checkpoint_max: checkpoints kept.
      keep_checkpoint_every_n_hours: one checkpoint kept per N hours too.
      log_step_count_steps: loss and steps/sec logged every N steps.
    """

    model_dir: str | None = None
    tf_random_seed: int | None = None
    save_summary_steps: int = 100
    save_checkpoints_steps: int | None = None
    save_checkpoints_secs: int | None = None
    session_config: object = None
    keep_checkpoint_max: int = 5
    keep_checkpoint_every_n_hours: float = 10000
    log_step_count_steps: int = 100

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100, save_checkpoints_steps=None,
                 save_checkpoints_secs=None, session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100, **unsupported):
        for name in unsupported:
            what = "is a distribution setting" if name in _UNSUPPORTED_CONFIG else "is not a RunConfig argument"
            raise LegacyUnsupportedError(
                f"RunConfig({name}=...) {what} outside run-legacy's tf.estimator subset (one machine); remove it")
        if save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError("Can not specify both save_checkpoints_steps and save_checkpoints_secs.")
        if save_checkpoints_steps is None and save_checkpoints_secs is None:
            save_checkpoints_secs = 600
        values = dict(locals())
        for field in dataclasses.fields(self):
            object.__setattr__(self, field.name, values[field.name])

    def replace(self, **kwargs) -> "RunConfig":
        """A copy with ``kwargs`` changed (TF1's ``RunConfig.replace``)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if "save_checkpoints_steps" in kwargs and "save_checkpoints_secs" not in kwargs:
            values["save_checkpoints_secs"] = None
        if "save_checkpoints_secs" in kwargs and "save_checkpoints_steps" not in kwargs:
            values["save_checkpoints_steps"] = None
        values.update(kwargs)
        return RunConfig(**values)
