"""Softmax and cross-entropy numerics, each as a TensorFlow op and a numpy twin.

The seed's write-up explains three things: the softmax, why computing it
naively (``exp(x) / sum(exp(x))``) overflows, and the cross-entropy.  This
module holds both forms so that the failure can be shown and the fix used:

* ``softmax`` subtracts the row maximum first.  That is exact, because
  ``softmax(x) == softmax(x + a)`` for any constant ``a``, and it keeps every
  ``exp`` argument ``<= 0``, so nothing overflows.
* ``naive_softmax`` is ``exp(x) / sum(exp(x))``: ``exp(89)`` is already ``inf``
  in float32, so large logits give ``inf / inf = nan``.
* ``naive_cross_entropy`` is the seed's ``-reduce_sum(y * log(p))``: once a
  probability underflows to 0, ``log`` gives ``-inf`` and the loss becomes
  ``inf`` or ``nan`` (``0 * -inf``).  ``cross_entropy`` works from the logits
  through ``log_softmax`` and stays finite.

Pattern: one pure function per formula; TF functions work in graph and eager
mode (no variables, no Python control flow on tensor values), and each numpy
twin has the same name with an ``np_`` prefix and the same signature.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

__all__ = [
    "REDUCTIONS",
    "softmax",
    "naive_softmax",
    "log_softmax",
    "cross_entropy",
    "naive_cross_entropy",
    "correct_count",
    "accuracy",
    "model_loss",
    "np_softmax",
    "np_naive_softmax",
    "np_log_softmax",
    "np_cross_entropy",
    "np_naive_cross_entropy",
    "np_accuracy",
]

REDUCTIONS = ("sum", "mean", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")


def _reduce(per_example, reduction: str, xp):
    """Reduces per-example losses [N] with ``xp`` (``tf.math`` or ``numpy``)."""
    if reduction == "none":
        return per_example
    if xp is np:
        return np.sum(per_example) if reduction == "sum" else np.mean(per_example)
    return tf.reduce_sum(per_example) if reduction == "sum" else tf.reduce_mean(per_example)


# --------------------------------------------------------------------------- TF


def softmax(logits, axis: int = -1) -> tf.Tensor:
    """Numerically stable softmax: ``exp(x - max(x)) / sum(exp(x - max(x)))``.

    Args:
      logits: float tensor, any shape, e.g. float32 [batch_size, NUM_CLASSES].
      axis: the axis the probabilities sum to 1 along.

    Returns:
      Tensor of the same dtype and shape as ``logits``, rows summing to 1.
    """
    logits = tf.convert_to_tensor(logits)
    # The shift does not change the result, so it carries no gradient.
    shift = tf.stop_gradient(tf.reduce_max(logits, axis=axis, keepdims=True))
    exps = tf.exp(logits - shift)
    return exps / tf.reduce_sum(exps, axis=axis, keepdims=True)


def naive_softmax(logits, axis: int = -1) -> tf.Tensor:
    """Textbook softmax ``exp(x) / sum(exp(x))``, kept to show how it fails.

    Args:
      logits: float tensor, any shape.
      axis: the axis to normalise along.

    Returns:
      Tensor like ``logits``; ``nan`` where an ``exp`` overflowed to ``inf``
      (float32 logits above about 88.7), and ``nan``/0 where all underflowed.
    """
    exps = tf.exp(tf.convert_to_tensor(logits))
    return exps / tf.reduce_sum(exps, axis=axis, keepdims=True)


def log_softmax(logits, axis: int = -1) -> tf.Tensor:
    """Stable ``log(softmax(x))`` = ``(x - m) - log(sum(exp(x - m)))``, ``m = max(x)``.

    Args:
      logits: float tensor, any shape.
      axis: the class axis.

    Returns:
      Tensor like ``logits``, every entry finite when ``logits`` is.
    """
    logits = tf.convert_to_tensor(logits)
    shifted = logits - tf.stop_gradient(tf.reduce_max(logits, axis=axis, keepdims=True))
    return shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=axis, keepdims=True))


def cross_entropy(labels, logits, reduction: str = "sum") -> tf.Tensor:
    """Stable cross-entropy ``-sum(y * log_softmax(logits))`` over classes.

    Equals ``tf.nn.softmax_cross_entropy_with_logits`` (then reduced).

    Args:
      labels: float [N, K], one-hot rows or probability rows.
      logits: float [N, K], unnormalised scores.
      reduction: ``"sum"`` over the batch (the seed's), ``"mean"``, or
        ``"none"`` for the per-example losses [N].

    Returns:
      Scalar tensor (``sum``/``mean``) or [N] (``none``), dtype of ``logits``.
    """
    _check_reduction(reduction)
    logits = tf.convert_to_tensor(logits)
    labels = tf.cast(labels, logits.dtype)
    terms = labels * log_softmax(logits)
    if reduction == "sum":
        return -tf.reduce_sum(terms)
    return _reduce(-tf.reduce_sum(terms, axis=-1), reduction, tf)


def naive_cross_entropy(labels, probs, reduction: str = "sum") -> tf.Tensor:
    """The seed's loss, ``-reduce_sum(y * log(p))``, on probabilities.

    Args:
      labels: float [N, K], one-hot (or probability) rows.
      probs: float [N, K], softmax outputs.  A probability that underflowed
        to 0 makes ``log`` return ``-inf``, so the loss is ``inf`` (label 1)
        or ``nan`` (label 0, ``0 * -inf``).
      reduction: ``"sum"`` (the seed's), ``"mean"`` over examples, or ``"none"``.

    Returns:
      Scalar tensor (``sum``/``mean``) or [N] (``none``), dtype of ``probs``.
    """
    _check_reduction(reduction)
    probs = tf.convert_to_tensor(probs)
    labels = tf.cast(labels, probs.dtype)
    terms = labels * tf.math.log(probs)
    if reduction == "sum":
        # The seed's expression exactly: one reduce_sum over all elements,
        # so the round-off matches too.
        return -tf.reduce_sum(terms)
    return _reduce(-tf.reduce_sum(terms, axis=-1), reduction, tf)


def correct_count(labels, logits) -> tf.Tensor:
    """How many rows' arg-max matches the label: the one accuracy of every model here.

    The seed compared ``argmax(y, 1)`` with ``argmax(y_, 1)``.  Unlike TF1's
    ``in_top_k``, which counts a row of NaN logits as wrong, ``tf.argmax`` lets
    such a row predict class 0; every model and twin counts the same way.

    Args:
      labels: one-hot float [N, K], or integer class ids [N].
      logits: float [N, K] scores or probabilities (only the arg-max matters).

    Returns:
      int32 scalar in [0, N].
    """
    logits = tf.convert_to_tensor(logits)
    labels = tf.convert_to_tensor(labels)
    if labels.shape.rank == 2:
        labels = tf.argmax(labels, axis=-1, output_type=tf.int32)
    predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
    correct = tf.equal(predicted, tf.cast(labels, tf.int32))
    return tf.reduce_sum(tf.cast(correct, tf.int32))


def accuracy(labels, logits) -> tf.Tensor:
    """Fraction of rows whose arg-max matches the label (``correct_count`` / N).

    Args:
      labels: one-hot float [N, K], or integer class ids [N].
      logits: float [N, K] scores or probabilities (only the arg-max matters).

    Returns:
      float32 scalar in [0, 1] (NaN for N = 0).  Rows of ``nan`` predict class 0,
      as ``tf.argmax`` did in the seed.
    """
    count = correct_count(labels, logits)
    rows = tf.shape(tf.convert_to_tensor(logits))[0]
    return tf.cast(count, tf.float32) / tf.cast(rows, tf.float32)


LOSSES = ("naive", "stable")


def model_loss(labels, logits, kind: str = "naive", reduction: str = "sum") -> tf.Tensor:
    """The softmax regression's training loss, shared by the v1 and v2 trainers.

    Args:
      labels: float [N, K], one-hot.
      logits: float [N, K].
      kind: ``"naive"`` is the seed's ``-reduce_sum(y * log(tf.nn.softmax(logits)))``
        (``tf.nn.softmax`` is the op the seed called); ``"stable"`` is
        ``cross_entropy(labels, logits)``.
      reduction: ``"sum"`` (the seed's) or ``"mean"`` over the batch.

    Returns:
      float scalar tensor.

    The naive form must call ``tf.nn.softmax`` itself, not ``softmax`` above:
    when only ``log`` consumes it (the seed's second ``Session.run``, which
    fetched the loss alone), Grappler rewrites ``log(tf.nn.softmax(x))`` into
    the stable ``LogSoftmax``, so the seed's *recorded* loss stays finite a step
    longer than its training step.  Keeping the op keeps that behaviour.
    """
    if kind == "naive":
        return naive_cross_entropy(labels, tf.nn.softmax(logits), reduction=reduction)
    if kind == "stable":
        return cross_entropy(labels, logits, reduction=reduction)
    raise ValueError(f"kind must be one of {', '.join(LOSSES)}, got {kind!r}")


# ------------------------------------------------------------------------ numpy


def np_softmax(logits, axis: int = -1) -> np.ndarray:
    """numpy twin of ``softmax``: float array in, same dtype and shape out."""
    logits = np.asarray(logits)
    exps = np.exp(logits - np.max(logits, axis=axis, keepdims=True))
    return exps / np.sum(exps, axis=axis, keepdims=True)


def np_naive_softmax(logits, axis: int = -1) -> np.ndarray:
    """numpy twin of ``naive_softmax`` (overflow gives ``nan``, silently)."""
    with np.errstate(over="ignore", invalid="ignore"):
        exps = np.exp(np.asarray(logits))
        return exps / np.sum(exps, axis=axis, keepdims=True)


def np_log_softmax(logits, axis: int = -1) -> np.ndarray:
    """numpy twin of ``log_softmax``."""
    logits = np.asarray(logits)
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def np_cross_entropy(labels, logits, reduction: str = "sum"):
    """numpy twin of ``cross_entropy``: labels [N, K], logits [N, K]."""
    _check_reduction(reduction)
    logits = np.asarray(logits)
    labels = np.asarray(labels).astype(logits.dtype)
    per_example = -np.sum(labels * np_log_softmax(logits), axis=-1)
    return _reduce(per_example, reduction, np)


def np_naive_cross_entropy(labels, probs, reduction: str = "sum"):
    """numpy twin of ``naive_cross_entropy``: labels [N, K], probs [N, K]."""
    _check_reduction(reduction)
    probs = np.asarray(probs)
    labels = np.asarray(labels).astype(probs.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_example = -np.sum(labels * np.log(probs), axis=-1)
    return _reduce(per_example, reduction, np)


def np_accuracy(labels, logits) -> float:
    """numpy twin of ``accuracy``: labels one-hot [N, K] or int [N]; a float."""
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = np.argmax(labels, axis=-1)
    # np.argmax returns the first nan's index; tf.argmax treats nan rows as 0.
    predicted = np.argmax(np.where(np.isnan(logits), -np.inf, logits), axis=-1)
    return float(np.mean(predicted == labels))
