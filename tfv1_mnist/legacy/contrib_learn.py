"""``tf.contrib.learn``'s MNIST-era classifier API, as thin wrappers over run-legacy's ``tf.estimator``.

(``tf.contrib.learn.RunConfig`` is the subset's `tfv1_mnist.legacy.estimator.RunConfig`.)

TF 1.15's ``tensorflow/contrib/learn/python/learn/estimators/dnn.py`` (and
``estimator.py``'s ``SKCompat``, ``run_config.py``), for dense numeric input:

* ``DNNClassifier(hidden_units, feature_columns, model_dir=None, n_classes=2,
  weight_column_name=None, optimizer=None, activation_fn=relu, dropout=None,
  config=None)``: ``dnn/hiddenlayer_<i>`` and ``dnn/logits`` layers with
  contrib.layers' variable names (``weights``, ``biases``), Adagrad with
  learning rate 0.05 when ``optimizer`` is None, the loss averaged over the
  batch; ``fit``, ``evaluate`` (``loss``, ``accuracy``, ``global_step``),
  ``predict_classes``, ``predict_proba``, ``predict`` taking ``x``/``y``
  arrays or an ``input_fn``;
* ``SKCompat(estimator)``: ``fit(x, y, batch_size=128, steps=...)``,
  ``score(x, y)``, ``predict(x)`` -> dict of arrays;
* ``infer_real_valued_columns_from_input(x)`` and contrib.layers'
  ``real_valued_column``: ``tf.feature_column.numeric_column``.

A features tensor (``x`` given as one array) is the feature ``""``, the key
``infer_real_valued_columns_from_input`` names, as in TF 1.15.

Pattern: thin wrappers that translate contrib.learn's calls into the Estimator subset's.
"""

from __future__ import annotations

import functools

import numpy as np

from tfv1_mnist.legacy.estimator.canned import DNN_LEARNING_RATE, dnn_logits, get_optimizer_instance
from tfv1_mnist.legacy.estimator.estimator import Estimator
from tfv1_mnist.legacy.estimator.head import ClassificationHead
from tfv1_mnist.legacy.estimator.numpy_io import numpy_input_fn
from tfv1_mnist.legacy.estimator.spec import EstimatorSpec, ModeKeys

__all__ = ["DNNClassifier", "SKCompat", "infer_real_valued_columns_from_input", "real_valued_column"]

_FIT_BATCH_SIZE = 32  # contrib.learn's batch size for fit(x, y) without batch_size


def real_valued_column(column_name, dimension=1, default_value=None, dtype=None, normalizer=None):
    """TF 1.15's ``tf.contrib.layers.real_valued_column``: a ``numeric_column`` of ``[dimension]`` values."""
    import tensorflow as tf

    return tf.compat.v1.feature_column.numeric_column(column_name, shape=(dimension,), default_value=default_value,
                                                      dtype=dtype or tf.float32, normalizer_fn=normalizer)


def infer_real_valued_columns_from_input(x):
    """TF 1.15's ``tf.contrib.learn.infer_real_valued_columns_from_input`` for an array ``x`` [N, ...]."""
    import tensorflow as tf

    x = np.asarray(x)
    return [tf.compat.v1.feature_column.numeric_column("", shape=x.shape[1:] or (1,), dtype=tf.float32)]


def _model_fn(features, labels, mode, head, hidden_units, feature_columns, optimizer, activation_fn, dropout):
    import tensorflow as tf

    if not isinstance(features, dict):
        features = {"": tf.cast(features, tf.float32)}
    logits = dnn_logits(features, mode, head, hidden_units, feature_columns, activation_fn, dropout,
                        names=("weights", "biases"))
    opt = get_optimizer_instance(optimizer or "Adagrad", DNN_LEARNING_RATE) if mode == ModeKeys.TRAIN else None
    spec = head.create_estimator_spec(features, mode, logits, labels, opt)
    if mode == ModeKeys.EVAL:  # contrib.learn reported accuracy (and loss), not average_loss
        return spec._replace(eval_metric_ops={"accuracy": spec.eval_metric_ops["accuracy"]})
    return EstimatorSpec(mode, predictions=spec.predictions) if mode == ModeKeys.PREDICT else spec


def _input_fn(x, y, input_fn, batch_size, train):
    if input_fn is not None:
        if x is not None or y is not None:
            raise ValueError("Either x or input_fn must be provided.")  # TF 1.15's check
        return input_fn
    if x is None:
        raise ValueError("Either x or input_fn must be provided.")
    if y is not None:
        y = np.asarray(y).astype(np.int64)
    x = np.asarray(x, np.float32) if not isinstance(x, dict) else x
    size = batch_size or (_FIT_BATCH_SIZE if train else len(x))
    return numpy_input_fn(x, y, batch_size=size, shuffle=train, num_epochs=None if train else 1)


class DNNClassifier(Estimator):
    """TF 1.15's ``tf.contrib.learn.DNNClassifier`` on run-legacy's Estimator (see the module docstring)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column_name=None,
                 optimizer=None, activation_fn=None, dropout=None, gradient_clip_norm=None,
                 enable_centered_bias=False, config=None, feature_engineering_fn=None,
                 embedding_lr_multipliers=None, input_layer_min_slice_size=None, label_keys=None):
        import tensorflow as tf

        from tfv1_mnist.legacy.common import LegacyUnsupportedError

        unsupported = dict(gradient_clip_norm=gradient_clip_norm, enable_centered_bias=enable_centered_bias,
                           feature_engineering_fn=feature_engineering_fn,
                           embedding_lr_multipliers=embedding_lr_multipliers)
        for name, value in unsupported.items():
            if value:
                raise LegacyUnsupportedError(f"contrib.learn.DNNClassifier({name}=...) is outside run-legacy's "
                                             "contrib.learn; leave it unset")
        head = ClassificationHead(n_classes, weight_column_name, label_keys, "weighted_mean")
        model_fn = functools.partial(_model_fn, head=head, hidden_units=tuple(hidden_units),
                                     feature_columns=tuple(feature_columns or ()), optimizer=optimizer,
                                     activation_fn=activation_fn or tf.nn.relu, dropout=dropout)
        super().__init__(lambda features, labels, mode: model_fn(features, labels, mode),
                         model_dir=model_dir, config=config)

    def fit(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, monitors=None, max_steps=None):
        """Trains (``x``, ``y`` arrays, shuffled, or ``input_fn``); ``monitors`` are session hooks."""
        return self.train(_input_fn(x, y, input_fn, batch_size, True), hooks=monitors, steps=steps,
                          max_steps=max_steps)

    def evaluate(self, x=None, y=None, input_fn=None, feed_fn=None, batch_size=None, steps=None, metrics=None,
                 name=None, checkpoint_path=None, hooks=None):
        """``loss``, ``accuracy`` and ``global_step`` of the latest checkpoint on ``x``/``y`` or ``input_fn``."""
        return super().evaluate(_input_fn(x, y, input_fn, batch_size, False), steps=steps, hooks=hooks,
                                checkpoint_path=checkpoint_path, name=name)

    def _predict_key(self, key, x, input_fn, batch_size, as_iterable):
        values = (p[key] for p in super().predict(_input_fn(x, None, input_fn, batch_size, False)))
        if key == "class_ids":
            values = (int(v[0]) for v in values)
        return values if as_iterable else np.array(list(values))

    def predict_classes(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        """Class ids (int), one per example."""
        return self._predict_key("class_ids", x, input_fn, batch_size, as_iterable)

    def predict_proba(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        """Class probabilities, float32 [n_classes] per example."""
        return self._predict_key("probabilities", x, input_fn, batch_size, as_iterable)

    def predict(self, x=None, input_fn=None, batch_size=None, outputs=None, as_iterable=True):
        """contrib.learn's ``predict``: the classes (as ``predict_classes``)."""
        return self.predict_classes(x, input_fn, batch_size, as_iterable)


class SKCompat:
    """TF 1.15's ``tf.contrib.learn.SKCompat``: scikit-learn-style calls on arrays.

    Args:
      estimator: a contrib.learn estimator (`DNNClassifier`).
    """

    def __init__(self, estimator):
        self._estimator = estimator

    def fit(self, x, y, batch_size=128, steps=None, max_steps=None, monitors=None):
        """Trains on ``x`` [N, ...], ``y`` [N] in shuffled batches; returns self."""
        self._estimator.fit(x, y, batch_size=batch_size, steps=steps, max_steps=max_steps, monitors=monitors)
        return self

    def score(self, x, y, batch_size=128, steps=None, metrics=None, name=None):
        """The evaluation dict (``loss``, ``accuracy``, ``global_step``)."""
        return self._estimator.evaluate(x, y, batch_size=batch_size, steps=steps, name=name)

    def predict(self, x, batch_size=128, outputs=None):
        """dict: ``classes`` (int64 [N]), ``probabilities`` [N, n_classes], ``logits``."""
        batches = list(Estimator.predict(self._estimator, _input_fn(x, None, None, batch_size, False),
                                         yield_single_examples=False))
        result = {key: np.concatenate([b[key] for b in batches]) for key in ("probabilities", "logits")}
        result["classes"] = np.concatenate([b["class_ids"] for b in batches]).reshape(-1)
        return {k: v for k, v in result.items() if outputs is None or k in outputs}
