"""The classification head of TF 1.15's canned estimators: labels, loss, predictions, metrics, spec.

TF 1.15's ``tensorflow_estimator/python/estimator/canned/head.py``
(``_MultiClassHeadWithSoftmaxCrossEntropyLoss``, and the logistic head for
``n_classes=2``), for dense integer or vocabulary labels:

* labels ``[batch]`` or ``[batch, 1]``: integers in ``[0, n_classes)``, or
  strings of ``label_vocabulary``;
* loss: softmax (sigmoid for 2 classes) cross-entropy per example, reduced by
  ``loss_reduction`` (the v1 classifiers' default is ``SUM``);
* predictions: ``logits``, ``probabilities``, ``class_ids`` (int64
  [batch, 1]), ``classes`` (string [batch, 1]), ``all_class_ids``,
  ``all_classes`` (and ``logistic`` for 2 classes);
* evaluation metrics: ``accuracy`` and ``average_loss`` (the Estimator adds
  ``loss`` and ``global_step``); for 2 classes also ``precision``, ``recall``,
  ``prediction/mean``, ``label/mean``, ``accuracy_baseline``, ``auc`` and
  ``auc_precision_recall``.

Pattern: one small object per head, called by the canned model functions.
"""

from __future__ import annotations

import functools

from tfv1_mnist.legacy.estimator.spec import EstimatorSpec, ModeKeys

__all__ = ["ClassificationHead"]


class ClassificationHead:
    """Turns logits into TF 1.15's canned classifier `EstimatorSpec`.

    Args:
      n_classes: number of classes, > 1.
      weight_column: a feature key whose values weigh each example, or None.
      label_vocabulary: the class names (strings), or None for integer labels.
      loss_reduction: a ``tf.compat.v1.losses.Reduction`` value (not ``NONE``).

    Raises:
      ValueError: TF 1.15's messages for a bad ``n_classes`` or vocabulary.
    """

    def __init__(self, n_classes, weight_column=None, label_vocabulary=None, loss_reduction="weighted_sum"):
        if n_classes is None or n_classes < 2:
            raise ValueError("n_classes must be > 1: {}".format(n_classes))
        if label_vocabulary is not None:
            if not isinstance(label_vocabulary, (list, tuple)):
                raise ValueError("label_vocabulary should be a list or a tuple. Given type: {}"
                                 .format(type(label_vocabulary)))
            if len(label_vocabulary) != n_classes:
                raise ValueError("label_vocabulary length should be equal to n_classes: {} vs {}"
                                 .format(len(label_vocabulary), n_classes))
        if loss_reduction in (None, "none"):
            raise ValueError("Invalid loss_reduction: {}".format(loss_reduction))
        self.n_classes = n_classes
        self.logits_dimension = 1 if n_classes == 2 else n_classes
        self._weight_column = weight_column
        self._vocabulary = None if label_vocabulary is None else list(label_vocabulary)
        self._reduction = loss_reduction

    def _label_ids(self, labels):
        """int64 [batch, 1] class ids of ``labels``."""
        import tensorflow as tf

        labels = tf.reshape(labels, [-1, 1])
        if self._vocabulary is None:
            if not labels.dtype.is_integer:
                raise ValueError("Labels dtype should be integer. Instead got {}.".format(labels.dtype))
            return tf.cast(labels, tf.int64)
        if labels.dtype != tf.string:
            raise ValueError("Labels dtype should be string if there is a vocabulary. Instead got {}"
                             .format(labels.dtype))
        table = tf.compat.v1.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(self._vocabulary, list(range(self.n_classes)), value_dtype=tf.int64),
            default_value=-1)
        return table.lookup(labels)

    def _weights(self, features):
        import tensorflow as tf

        if self._weight_column is None:
            return 1.0
        return tf.reshape(tf.cast(features[self._weight_column], tf.float32), [-1, 1])

    def predictions(self, logits) -> dict:
        """TF 1.15's prediction dict for ``logits`` (float32 [batch, logits_dimension])."""
        import tensorflow as tf

        out = {"logits": logits}
        if self.n_classes == 2:
            out["logistic"] = tf.sigmoid(logits)
            two = tf.concat([tf.zeros_like(logits), logits], axis=1)
            out["probabilities"] = tf.nn.softmax(two)
            class_ids = tf.cast(tf.greater(logits, 0.0), tf.int64)
        else:
            out["probabilities"] = tf.nn.softmax(logits)
            class_ids = tf.expand_dims(tf.argmax(logits, axis=-1), axis=-1)
        batch = tf.shape(logits)[0]
        all_ids = tf.tile(tf.expand_dims(tf.range(self.n_classes), 0), [batch, 1])
        out["class_ids"] = class_ids
        out["all_class_ids"] = all_ids
        if self._vocabulary is None:
            out["classes"] = tf.strings.as_string(class_ids)
            out["all_classes"] = tf.strings.as_string(all_ids)
        else:
            vocabulary = tf.constant(self._vocabulary)
            out["classes"] = tf.gather(vocabulary, class_ids)
            out["all_classes"] = tf.gather(vocabulary, all_ids)
        return out

    def _unreduced_loss(self, label_ids, logits):
        import tensorflow as tf

        if self.n_classes == 2:
            return tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(label_ids, tf.float32), logits=logits)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.squeeze(label_ids, axis=1), logits=logits)
        return tf.expand_dims(loss, axis=-1)

    @staticmethod
    def _binary_metrics(label_ids, predictions, weights) -> dict:
        """The logistic head's further metrics (TF 1.15's ``_BinaryLogisticHeadWithSigmoidCrossEntropyLoss``)."""
        import tensorflow as tf

        v1 = tf.compat.v1
        labels = tf.cast(label_ids, tf.float32)
        logistic, class_ids = predictions["logistic"], predictions["class_ids"]
        label_mean = v1.metrics.mean(labels, weights=weights)
        baseline = tuple(tf.maximum(x, 1.0 - x) for x in label_mean)  # accuracy of always guessing the majority
        auc = functools.partial(v1.metrics.auc, labels, logistic, weights=weights,
                                summation_method="careful_interpolation")
        return {
            "precision": v1.metrics.precision(label_ids, class_ids, weights=weights),
            "recall": v1.metrics.recall(label_ids, class_ids, weights=weights),
            "prediction/mean": v1.metrics.mean(logistic, weights=weights),
            "label/mean": label_mean,
            "accuracy_baseline": baseline,
            "auc": auc(curve="ROC"),
            "auc_precision_recall": auc(curve="PR"),
        }

    def create_estimator_spec(self, features, mode, logits, labels=None, optimizer=None) -> EstimatorSpec:
        """The `EstimatorSpec` of ``mode``: predictions, or the loss and its train op / metrics.

        Args:
          features: dict of feature tensors (for ``weight_column``).
          mode: a `ModeKeys` value.
          logits: float32 [batch, logits_dimension].
          labels: [batch] or [batch, 1] labels (TRAIN, EVAL).
          optimizer: a ``tf.compat.v1.train.Optimizer`` (TRAIN).
        """
        import tensorflow as tf

        v1 = tf.compat.v1
        predictions = self.predictions(logits)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        label_ids = self._label_ids(labels)
        weights = self._weights(features)
        unreduced = self._unreduced_loss(label_ids, logits)
        loss = v1.losses.compute_weighted_loss(unreduced, weights=weights, reduction=self._reduction)
        if mode == ModeKeys.EVAL:
            metrics = {
                "accuracy": v1.metrics.accuracy(label_ids, predictions["class_ids"], weights=weights),
                "average_loss": v1.metrics.mean(unreduced, weights=weights),
            }
            if self.n_classes == 2:
                metrics.update(self._binary_metrics(label_ids, predictions, weights))
            return EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics, predictions=predictions)
        update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        with tf.control_dependencies(update_ops):
            train_op = optimizer.minimize(loss, global_step=v1.train.get_global_step())
        return EstimatorSpec(mode, loss=loss, train_op=train_op, predictions=predictions)
