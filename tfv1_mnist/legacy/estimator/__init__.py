"""A ``tf.estimator`` subset for TF1-era MNIST scripts, built on ``tf.compat.v1`` graphs.

``tf.estimator`` was removed in TensorFlow 2.16 (and tensorflow-estimator 2.15
does not import on TF 2.21).  Under run-legacy, ``tf.estimator`` and
``tf.compat.v1.estimator`` are this package:

* `Estimator` (``train``, ``evaluate``, ``predict``, ``get_variable_value``...),
  `EstimatorSpec`, `ModeKeys`, `RunConfig`;
* ``inputs.numpy_input_fn`` (`numpy_input_fn`);
* `train_and_evaluate`, `TrainSpec`, `EvalSpec` (sequential);
* the session hooks TF 1.15's ``tf.estimator`` re-exported
  (``LoggingTensorHook``, ``StopAtStepHook``...), from ``tf.compat.v1.train``.

* the canned classifiers `DNNClassifier` and `LinearClassifier` (TF 1.15's v1
  defaults, over ``tf.compat.v1.feature_column``).

Other canned estimators (``DNNRegressor``...), exports and distribution raise
`tfv1_mnist.legacy.LegacySymbolError` or `LegacyUnsupportedError` with what
to do instead.  It does not depend on Keras, so it also works outside
run-legacy inside any ``tf.Graph``.

Pattern: a subpackage, one concept per module; this ``__init__`` is its surface.
"""

from __future__ import annotations

import types

from tfv1_mnist.legacy.common import LegacySymbolError
from tfv1_mnist.legacy.estimator.canned import DNNClassifier, LinearClassifier
from tfv1_mnist.legacy.estimator.estimator import Estimator
from tfv1_mnist.legacy.estimator.numpy_io import numpy_input_fn
from tfv1_mnist.legacy.estimator.spec import EstimatorSpec, ModeKeys, RunConfig
from tfv1_mnist.legacy.estimator.training import EvalSpec, TrainSpec, train_and_evaluate

__all__ = [
    "DNNClassifier", "Estimator", "EstimatorSpec", "EvalSpec", "LinearClassifier", "ModeKeys", "RunConfig",
    "TrainSpec",
    "inputs", "numpy_input_fn", "train_and_evaluate",
]

#: ``tf.estimator.inputs``.
inputs = types.ModuleType("tensorflow.estimator.inputs", "tf.estimator.inputs: numpy_input_fn only.")
inputs.numpy_input_fn = numpy_input_fn

# TF 1.15's tf.estimator re-exported these from tf.train.
_HOOKS = (
    "CheckpointSaverHook", "CheckpointSaverListener", "FeedFnHook", "FinalOpsHook", "GlobalStepWaiterHook",
    "LoggingTensorHook", "NanLossDuringTrainingError", "NanTensorHook", "ProfilerHook", "SecondOrStepTimer",
    "SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues", "StepCounterHook",
    "StopAtStepHook", "SummarySaverHook",
)
_CANNED = ("DNNRegressor", "LinearRegressor", "DNNLinearCombinedClassifier",
           "DNNLinearCombinedRegressor", "BaselineClassifier", "BaselineRegressor", "BoostedTreesClassifier",
           "BoostedTreesRegressor")


def __getattr__(name: str):
    if name in _HOOKS:
        import tensorflow as tf

        return getattr(tf.compat.v1.train, name)
    if name.startswith("__"):
        raise AttributeError(name)
    if name in _CANNED:
        hint = ("of the canned estimators only DNNClassifier and LinearClassifier are provided; write a model_fn "
                "(tf.layers.dense layers, tf.losses.sparse_softmax_cross_entropy) for tf.estimator.Estimator, "
                "or use tf.keras")
    else:
        hint = ("run-legacy's tf.estimator has Estimator, EstimatorSpec, ModeKeys, RunConfig, inputs.numpy_input_fn, "
                "train_and_evaluate, TrainSpec, EvalSpec and the session hooks")
    raise LegacySymbolError(f"tf.estimator.{name} is outside run-legacy's tf.estimator subset; {hint} "
                            "(see docs/legacy.md)")
