"""TF 1.15's canned classifiers, ``tf.estimator.DNNClassifier`` and ``LinearClassifier``, on the Estimator subset.

TF 1.15's v1 classes (``tensorflow_estimator/python/estimator/canned/dnn.py``,
``linear.py``, ``optimizers.py``), with their defaults:

* ``DNNClassifier(hidden_units, feature_columns, ...)``: the features through
  ``tf.compat.v1.feature_column.input_layer``, then ``hiddenlayer_<i>`` dense
  layers (Glorot-uniform kernels, ``activation_fn`` ReLU, optional dropout),
  then ``logits``, all under the variable scope ``dnn``; optimizer
  ``'Adagrad'`` with learning rate 0.05;
* ``LinearClassifier(feature_columns, ...)``:
  ``tf.compat.v1.feature_column.linear_model`` under ``linear``; optimizer
  ``'Ftrl'`` with learning rate 0.2;
* both: ``n_classes=2``, ``label_vocabulary``, ``weight_column``,
  ``loss_reduction=tf.losses.Reduction.SUM`` (the v1 default), and TF 1.15's
  predictions and metrics (`tfv1_mnist.legacy.estimator.head`).

The optimizer may be a name (``'Adagrad'``, ``'Adam'``, ``'Ftrl'``,
``'RMSProp'``, ``'SGD'``), a ``tf.compat.v1.train.Optimizer`` or a callable
returning one.  Partitioners and ``batch_norm`` are outside the subset.

Pattern: a model function per family, closed over its settings, given to `Estimator`.
"""

from __future__ import annotations

import functools

from tfv1_mnist.legacy.common import LegacyUnsupportedError
from tfv1_mnist.legacy.estimator.estimator import Estimator
from tfv1_mnist.legacy.estimator.head import ClassificationHead
from tfv1_mnist.legacy.estimator.spec import ModeKeys

__all__ = ["DNNClassifier", "LinearClassifier", "dnn_logits", "get_optimizer_instance"]

DNN_LEARNING_RATE = 0.05  # TF 1.15's dnn._LEARNING_RATE
LINEAR_LEARNING_RATE = 0.2  # TF 1.15's linear._LEARNING_RATE
_SUM = "weighted_sum"  # tf.compat.v1.losses.Reduction.SUM
_OPTIMIZERS = {"Adagrad": "AdagradOptimizer", "Adam": "AdamOptimizer", "Ftrl": "FtrlOptimizer",
               "RMSProp": "RMSPropOptimizer", "SGD": "GradientDescentOptimizer"}


def get_optimizer_instance(opt, learning_rate):
    """TF 1.15's ``optimizers.get_optimizer_instance``: a name, an Optimizer, or a callable returning one."""
    import tensorflow as tf

    train = tf.compat.v1.train
    if isinstance(opt, str):
        if opt in _OPTIMIZERS:
            return getattr(train, _OPTIMIZERS[opt])(learning_rate=learning_rate)
        raise ValueError("Unsupported optimizer name: {}. Supported names are: {}".format(
            opt, tuple(sorted(_OPTIMIZERS))))
    if callable(opt):
        opt = opt()
    if not isinstance(opt, train.Optimizer):
        raise ValueError("The given object is not an Optimizer instance. Given: {}".format(opt))
    return opt


def _features(features):
    if not isinstance(features, dict):
        raise ValueError("features should be a dictionary of `Tensor`s. Given type: {}".format(type(features)))
    return features


def _dense(net, units, activation, name, names=("kernel", "bias")):
    """A dense layer with TF 1.15's variable names (``<name>/kernel``, ``<name>/bias``), without Keras."""
    import tensorflow as tf

    v1 = tf.compat.v1
    with v1.variable_scope(name):
        kernel = v1.get_variable(names[0], [int(net.shape[-1]), units], initializer=v1.glorot_uniform_initializer())
        bias = v1.get_variable(names[1], [units], initializer=v1.zeros_initializer())
        out = tf.nn.bias_add(tf.matmul(net, kernel), bias)
    return out if activation is None else activation(out)


def dnn_logits(features, mode, head, hidden_units, feature_columns, activation_fn, dropout,
               names=("kernel", "bias")):
    """The DNN's logits, float32 [batch, head.logits_dimension], its variables under ``dnn/``.

    Args:
      features: dict of feature tensors.
      mode: a `ModeKeys` value (dropout only in TRAIN).
      head: the `ClassificationHead`.
      hidden_units, feature_columns, activation_fn, dropout: the classifier's settings.
      names: the weight and bias variable names of each layer (contrib.layers: ``weights``, ``biases``).
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    features = _features(features)
    with v1.variable_scope("dnn"):
        with v1.variable_scope("input_from_feature_columns"):
            net = v1.feature_column.input_layer(features, feature_columns)
        for i, units in enumerate(hidden_units):
            net = _dense(net, units, activation_fn, "hiddenlayer_%d" % i, names)
            if dropout is not None and mode == ModeKeys.TRAIN:
                net = tf.nn.dropout(net, rate=dropout)
        return _dense(net, head.logits_dimension, None, "logits", names)


def _dnn_model_fn(features, labels, mode, head, hidden_units, feature_columns, optimizer, activation_fn, dropout):
    logits = dnn_logits(features, mode, head, hidden_units, feature_columns, activation_fn, dropout)
    opt = get_optimizer_instance(optimizer, DNN_LEARNING_RATE) if mode == ModeKeys.TRAIN else None
    return head.create_estimator_spec(features, mode, logits, labels, opt)


def _linear_model_fn(features, labels, mode, head, feature_columns, optimizer, sparse_combiner):
    import tensorflow as tf

    v1 = tf.compat.v1
    features = _features(features)
    with v1.variable_scope("linear"):
        logits = v1.feature_column.linear_model(features, feature_columns, units=head.logits_dimension,
                                                sparse_combiner=sparse_combiner)
    opt = get_optimizer_instance(optimizer, LINEAR_LEARNING_RATE) if mode == ModeKeys.TRAIN else None
    return head.create_estimator_spec(features, mode, logits, labels, opt)


def _refuse(**settings) -> None:
    for name, value in settings.items():
        if value:
            raise LegacyUnsupportedError(f"{name}=... is outside run-legacy's canned estimators; leave it unset")


class DNNClassifier(Estimator):
    """TF 1.15's ``tf.estimator.DNNClassifier`` (v1): a feed-forward classifier over feature columns.

    Args:
      hidden_units: ints, units of each hidden layer, e.g. ``[64, 32]``.
      feature_columns: ``tf.feature_column`` columns (e.g. ``numeric_column('x', shape=[784])``).
      model_dir, config, warm_start_from: as for `Estimator`.
      n_classes: number of classes (default 2).
      weight_column: feature key of per-example weights, or None.
      label_vocabulary: class names when labels are strings.
      optimizer: name, Optimizer or callable (default Adagrad, learning rate 0.05).
      activation_fn: hidden layers' activation (default ``tf.nn.relu``).
      dropout: probability of dropping a hidden unit in training, or None.
      loss_reduction: default ``tf.losses.Reduction.SUM``.
      input_layer_partitioner, batch_norm: not supported (raise when set).
    """

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Adagrad", activation_fn=None, dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None, loss_reduction=_SUM,
                 batch_norm=False):
        import tensorflow as tf

        _refuse(input_layer_partitioner=input_layer_partitioner, batch_norm=batch_norm)
        head = ClassificationHead(n_classes, weight_column, label_vocabulary, loss_reduction)
        model_fn = functools.partial(
            _dnn_model_fn, head=head, hidden_units=tuple(hidden_units), feature_columns=tuple(feature_columns or ()),
            optimizer=optimizer, activation_fn=activation_fn or tf.nn.relu, dropout=dropout)

        def _model_fn(features, labels, mode):
            return model_fn(features, labels, mode)

        super().__init__(_model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class LinearClassifier(Estimator):
    """TF 1.15's ``tf.estimator.LinearClassifier`` (v1): a linear model over feature columns.

    Args:
      feature_columns: ``tf.feature_column`` columns.
      model_dir, config, warm_start_from: as for `Estimator`.
      n_classes, weight_column, label_vocabulary, loss_reduction: as for `DNNClassifier`.
      optimizer: name, Optimizer or callable (default Ftrl, learning rate 0.2).
      sparse_combiner: how categorical columns reduce (default ``'sum'``).
      partitioner: not supported (raises when set).
    """

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None, loss_reduction=_SUM,
                 sparse_combiner="sum"):
        _refuse(partitioner=partitioner)
        head = ClassificationHead(n_classes, weight_column, label_vocabulary, loss_reduction)
        model_fn = functools.partial(_linear_model_fn, head=head, feature_columns=tuple(feature_columns or ()),
                                     optimizer=optimizer, sparse_combiner=sparse_combiner)

        def _model_fn(features, labels, mode):
            return model_fn(features, labels, mode)

        super().__init__(_model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)
