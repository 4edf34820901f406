"""What ``Estimator.evaluate`` and ``predict`` produce besides the graph: stops, summaries, per-example outputs.

TF 1.15's ``_StopAfterNEvalsHook``, ``_write_dict_to_summary``,
``_extract_keys`` and ``_extract_batch_length``, with their messages.

Pattern: small helpers of one class, kept out of it so that it stays readable.
"""

from __future__ import annotations

import os

__all__ = ["StopAfterNEvals", "batch_length", "extract_keys", "write_eval_summary"]


class StopAfterNEvals:
    """Stops an evaluation after ``steps`` batches (TF1's ``_StopAfterNEvalsHook``)."""

    def __init__(self, steps: int):
        self._steps, self._done = steps, 0

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        self._done += 1
        if self._done >= self._steps:
            run_context.request_stop()

    def end(self, session):
        pass


def write_eval_summary(model_dir: str, results: dict, name) -> None:
    """Writes ``evaluate``'s scalars to ``model_dir/eval`` (``eval_<name>``) at their global step, as TF1."""
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    folder = os.path.join(model_dir, "eval" if not name else "eval_" + name)
    summary = v1.Summary()
    for key, value in sorted(results.items()):
        if key != "global_step" and np.ndim(value) == 0:
            summary.value.add(tag=key, simple_value=float(value))
    with tf.Graph().as_default():  # FileWriter needs graph mode
        writer = v1.summary.FileWriterCache.get(folder)
        writer.add_summary(summary, int(results["global_step"]))
        writer.flush()


def extract_keys(predictions, predict_keys):
    """The predictions named in ``predict_keys`` (all when it is empty).

    Raises:
      ValueError: ``predict_keys`` with non-dict predictions, or matching none of them.
    """
    if not predict_keys:
        return predictions
    if isinstance(predict_keys, str):
        predict_keys = [predict_keys]
    if not isinstance(predictions, dict):
        raise ValueError("predict_keys argument is not valid in case of non-dict predictions.")
    kept = {key: value for key, value in predictions.items() if key in predict_keys}
    if not kept:
        raise ValueError("Expected to run at least one output from {}, provided {}.".format(
            list(predictions), predict_keys))
    return kept


def batch_length(batch: dict) -> int:
    """The batch size shared by every array of ``batch`` (dict key -> numpy [batch, ...]).

    Raises:
      ValueError: the arrays' first dimensions differ.
    """
    length = None
    for key, value in batch.items():
        length = length or value.shape[0]
        if value.shape[0] != length:
            raise ValueError("Batch length of predictions should be same. {} has different batch length than "
                             "others.".format(key))
    return length
