"""Tests of run-legacy's tf.estimator subset, in this process, on tiny data.

The subset builds its own ``tf.Graph`` for every call and needs no Keras, so
it runs here (v2 behaviour enabled) as in a run-legacy child.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf

from tfv1_mnist.legacy import LegacySymbolError, LegacyUnsupportedError
from tfv1_mnist.legacy import estimator as est
from tfv1_mnist.legacy.estimator.numpy_io import batch_order

v1 = tf.compat.v1
N, D, K = 64, 6, 3


def _data(seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(N, D).astype(np.float32)
    w = rng.randn(D, K).astype(np.float32)
    return x, np.argmax(x @ w, axis=1).astype(np.int32)


def model_fn(features, labels, mode, params):
    """Softmax regression on features["x"] float [batch, D]; labels int32 [batch]."""
    weights = v1.get_variable("weights", [D, K], initializer=v1.zeros_initializer())
    logits = tf.matmul(features["x"], weights)
    classes = tf.argmax(logits, 1, output_type=tf.int32)
    if mode == est.ModeKeys.PREDICT:
        return est.EstimatorSpec(mode, predictions={"classes": classes, "probabilities": tf.nn.softmax(logits)})
    loss = v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    if mode == est.ModeKeys.EVAL:
        return est.EstimatorSpec(mode, loss=loss,
                                 eval_metric_ops={"accuracy": v1.metrics.accuracy(labels, classes)})
    train_op = v1.train.GradientDescentOptimizer(params["lr"]).minimize(loss, global_step=v1.train.get_global_step())
    return est.EstimatorSpec(mode, loss=loss, train_op=train_op)


def _estimator(tmp_path, **config):
    config.setdefault("save_checkpoints_steps", 1000)
    return est.Estimator(model_fn, model_dir=str(tmp_path / "model"), params={"lr": 0.5},
                         config=est.RunConfig(tf_random_seed=1, log_step_count_steps=1000, **config))


def _train_input(num_epochs=None, batch_size=8, shuffle=True):
    x, y = _data()
    return est.inputs.numpy_input_fn({"x": x}, y, batch_size=batch_size, num_epochs=num_epochs, shuffle=shuffle)


def test_steps_add_to_the_global_step_and_train_resumes(tmp_path):
    e = _estimator(tmp_path)
    e.train(_train_input(), steps=5)
    assert e.get_variable_value("global_step") == 5
    first = e.get_variable_value("weights")
    e.train(_train_input(), steps=3)  # resumes from the checkpoint
    assert e.get_variable_value("global_step") == 8
    assert not np.allclose(e.get_variable_value("weights"), first)
    names = os.listdir(e.model_dir)
    assert "graph.pbtxt" in names and "model.ckpt-8.index" in names
    assert any(n.startswith("events.out.tfevents") for n in names)


def test_max_steps_caps_the_global_step_and_skips_once_reached(tmp_path):
    e = _estimator(tmp_path)
    e.train(_train_input(), max_steps=4)
    assert e.get_variable_value("global_step") == 4
    e.train(_train_input(), max_steps=6)
    assert e.get_variable_value("global_step") == 6
    e.train(_train_input(), max_steps=3)  # already past: nothing runs
    assert e.get_variable_value("global_step") == 6
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps."):
        e.train(_train_input(), steps=1, max_steps=10)
    with pytest.raises(ValueError, match=r"Must specify steps > 0, given: 0"):
        e.train(_train_input(), steps=0)


def test_training_stops_when_the_input_ends(tmp_path):
    e = _estimator(tmp_path)
    e.train(_train_input(num_epochs=1, batch_size=10), steps=100)
    assert e.get_variable_value("global_step") == 7  # ceil(64 / 10): the last batch is short


def test_evaluate_restores_the_latest_checkpoint_and_returns_tf1_keys(tmp_path):
    e = _estimator(tmp_path)
    e.train(_train_input(), steps=40)
    x, y = _data()
    eval_input = est.inputs.numpy_input_fn({"x": x}, y, batch_size=16, num_epochs=1, shuffle=False)
    metrics = e.evaluate(eval_input)
    assert set(metrics) == {"accuracy", "loss", "global_step"}
    assert metrics["global_step"] == 40
    # the metrics are those of the checkpoint's weights, over all 64 examples
    weights = e.get_variable_value("weights")
    logits = x @ weights
    np.testing.assert_allclose(metrics["accuracy"], np.mean(np.argmax(logits, 1) == y), rtol=1e-6)
    z = logits - logits.max(1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    np.testing.assert_allclose(metrics["loss"], -log_p[np.arange(N), y].mean(), rtol=1e-5)
    assert metrics["accuracy"] > 0.7
    assert e.evaluate(eval_input, steps=1, name="one")["global_step"] == 40
    assert os.path.isdir(os.path.join(e.model_dir, "eval")) and os.path.isdir(os.path.join(e.model_dir, "eval_one"))


def test_predict_yields_one_dict_per_example_and_filters_keys(tmp_path):
    e = _estimator(tmp_path)
    e.train(_train_input(), steps=20)
    x, _ = _data()
    predict_input = est.inputs.numpy_input_fn({"x": x[:10]}, batch_size=4, num_epochs=1, shuffle=False)
    predictions = list(e.predict(predict_input))
    assert len(predictions) == 10
    assert set(predictions[0]) == {"classes", "probabilities"}
    assert predictions[0]["probabilities"].shape == (K,)
    np.testing.assert_allclose(predictions[0]["probabilities"].sum(), 1.0, rtol=1e-6)
    expected = np.argmax(x[:10] @ e.get_variable_value("weights"), 1)
    assert [int(p["classes"]) for p in predictions] == expected.tolist()
    only = list(e.predict(predict_input, predict_keys=["classes"]))
    assert set(only[0]) == {"classes"}
    with pytest.raises(ValueError, match="Expected to run at least one output"):
        list(e.predict(predict_input, predict_keys=["nothing"]))


def test_a_seeded_run_repeats_itself_exactly(tmp_path):
    values = []
    for run in ("a", "b"):
        e = _estimator(tmp_path / run)
        e.train(_train_input(), steps=6)
        values.append(e.get_variable_value("weights"))
    np.testing.assert_array_equal(values[0], values[1])


def test_logging_tensor_hook_runs(tmp_path):
    seen = []

    class Recorder(v1.train.SessionRunHook):
        def after_run(self, run_context, run_values):
            seen.append(run_values)

    e = _estimator(tmp_path)
    e.train(_train_input(), steps=3, hooks=[Recorder(), est.LoggingTensorHook({"step": "global_step"}, every_n_iter=1)])
    assert len(seen) == 3


def test_model_fn_may_take_any_subset_of_its_arguments(tmp_path):
    def features_only(features):
        w = v1.get_variable("w", [D, 1])
        loss = tf.reduce_mean(tf.matmul(features, w) ** 2)
        train_op = v1.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=v1.train.get_global_step())
        return est.EstimatorSpec(est.ModeKeys.TRAIN, loss=loss, train_op=train_op)

    x, _ = _data()
    e = est.Estimator(features_only, model_dir=str(tmp_path))
    e.train(est.inputs.numpy_input_fn(x, batch_size=8, shuffle=False, num_epochs=None), steps=2)
    assert e.get_variable_value("global_step") == 2
    with pytest.raises(ValueError, match="does not include params argument"):
        est.Estimator(features_only, params={"a": 1})
    with pytest.raises(ValueError, match="must include features argument"):
        est.Estimator(lambda x: None)


def test_train_and_evaluate_trains_then_evaluates(tmp_path):
    e = _estimator(tmp_path)
    x, y = _data()
    metrics, exports = est.train_and_evaluate(
        e, est.TrainSpec(_train_input(), max_steps=10),
        est.EvalSpec(est.inputs.numpy_input_fn({"x": x}, y, batch_size=32, shuffle=False), steps=None))
    assert metrics["global_step"] == 10 and exports == []


def test_numpy_input_fn_order_follows_tf1():
    rng = np.random.RandomState(0)
    batches = list(batch_order(10, 4, 2, False, 1000, rng))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1], [2, 3, 4, 5], [6, 7, 8, 9]]
    shuffled = np.concatenate(list(batch_order(10, 4, 3, True, 6, np.random.RandomState(1))))
    assert sorted(shuffled.tolist()) == sorted(list(range(10)) * 3)  # each example num_epochs times
    assert shuffled.tolist() != sorted(shuffled.tolist())
    forever = batch_order(10, 4, None, True, 8, np.random.RandomState(2))
    assert all(len(next(forever)) == 4 for _ in range(20))
    with pytest.raises(ValueError, match="shuffle must be provided and explicitly set as boolean"):
        est.inputs.numpy_input_fn(np.zeros((2, 2)))


def test_calls_outside_the_subset_say_what_to_do(tmp_path):
    with pytest.raises(LegacyUnsupportedError, match="warm_start_from"):
        est.Estimator(model_fn, warm_start_from=str(tmp_path))
    with pytest.raises(LegacyUnsupportedError, match=r"RunConfig\(train_distribute=...\)"):
        est.RunConfig(train_distribute=object())
    with pytest.raises(LegacySymbolError, match="tf.estimator.DNNRegressor is outside.*only DNNClassifier and"):
        est.DNNRegressor
    with pytest.raises(LegacyUnsupportedError, match="export_savedmodel"):
        _estimator(tmp_path).export_savedmodel(str(tmp_path), None)
    with pytest.raises(ValueError, match="Can not specify both save_checkpoints_steps and save_checkpoints_secs"):
        est.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
