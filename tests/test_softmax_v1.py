"""Tests of tfv1_mnist.softmax.v1: the graph builders, the seed's loop (``train_feed``)
and the in-graph trainer (``train``), which must agree step for step."""

from __future__ import annotations

import collections
import logging
import re

import numpy as np
import pytest
import tensorflow as tf

from tfv1_mnist import ops, softmax, testing
from tfv1_mnist.softmax import v1 as softmax_v1
from tfv1_mnist.softmax import graph as softmax_graph
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError, Tfv1MnistError

_DataSet = collections.namedtuple("_DataSet", "images labels")
_Datasets = collections.namedtuple("_Datasets", "train validation test")


def _as_datasets(arrays) -> _Datasets:
    """input_data.Datasets-like: float32 images [N, 784], float64 one-hot labels [N, 10]."""
    def split(x, y):
        images = x.reshape(len(x), 784).astype(np.float32) * np.float32(1.0 / 255.0)
        return _DataSet(images, np.eye(10)[y])
    train = split(arrays["x_train"], arrays["y_train"])
    empty = _DataSet(train.images[:0], train.labels[:0])
    return _Datasets(train, empty, split(arrays["x_test"], arrays["y_test"]))


@pytest.fixture
def tiny(tiny_arrays) -> _Datasets:
    return _as_datasets(tiny_arrays)


def _batches(n, steps, batch_size, seed=0):
    return np.random.RandomState(seed).randint(0, n, size=(steps, batch_size)).astype(np.int64)


# ------------------------------------------------------------------ graph builders


class BuildersTest(testing.TestCase):

    def test_placeholders(self):
        with self.graph_session():
            images, labels = softmax_graph.placeholder_inputs(7)
            self.assertEqual(images.shape.as_list(), [7, 784])
            self.assertEqual(labels.shape.as_list(), [7, 10])
            self.assertEqual((images.dtype, labels.dtype), (tf.float32, tf.float32))
            any_size, _ = softmax_graph.placeholder_inputs()
            self.assertEqual(any_size.shape.as_list(), [None, 784])

    def test_inference_creates_weights_and_biases_once(self):
        with self.graph_session() as sess:
            images, _ = softmax_graph.placeholder_inputs()
            logits = softmax_graph.inference(images, init="zeros")
            again = softmax_graph.inference(images)
            names = sorted(v.op.name for v in tf.compat.v1.global_variables())
            self.assertEqual(names, ["softmax_linear/biases", "softmax_linear/weights"])
            self.assertEqual(sum(int(np.prod(v.shape)) for v in tf.compat.v1.trainable_variables()), 7850)
            self.assertEqual(logits.shape.as_list(), [None, 10])
            sess.run(tf.compat.v1.global_variables_initializer())
            x = np.random.RandomState(0).rand(3, 784).astype(np.float32)
            a, b = sess.run([logits, again], {images: x})
            self.assertAllEqual(a, np.zeros((3, 10)))
            self.assertAllEqual(a, b)

    def test_inference_from_given_values(self):
        w = np.random.RandomState(1).randn(784, 10).astype(np.float32)
        b = np.arange(10, dtype=np.float32)
        x = np.random.RandomState(2).rand(4, 784).astype(np.float32)
        with self.graph_session() as sess:
            logits = softmax_graph.inference(tf.constant(x), initial=(w, b))
            sess.run(tf.compat.v1.global_variables_initializer())
            self.assertAllClose(sess.run(logits), x @ w + b, rtol=1e-5, atol=1e-4)

    def test_loss_kinds_and_reductions(self):
        rng = np.random.RandomState(3)
        x = rng.randn(5, 10).astype(np.float32) * 3
        y = np.eye(10, dtype=np.float32)[rng.randint(0, 10, 5)]
        for kind in ("naive", "stable"):
            for reduction in ("sum", "mean"):
                config = SoftmaxConfig(loss=kind, reduction=reduction)
                with self.graph_session() as sess:
                    got = sess.run(softmax_graph.loss(tf.constant(x), tf.constant(y), config))
                want = ops.np_cross_entropy(y, x, reduction)
                self.assertAllClose(got, want, rtol=1e-5, msg=f"{kind}/{reduction}")

    def test_training_descends_and_evaluation_counts(self):
        rng = np.random.RandomState(4)
        x = rng.rand(20, 784).astype(np.float32)
        y = np.eye(10, dtype=np.float32)[rng.randint(0, 10, 20)]
        with self.graph_session() as sess:
            images, labels = softmax_graph.placeholder_inputs()
            logits = softmax_graph.inference(images, init="zeros")
            loss = softmax_graph.loss(logits, labels)
            step = tf.compat.v1.train.get_or_create_global_step()
            train_op = softmax_graph.training(loss, 0.001, global_step=step)
            correct = softmax_graph.evaluation(logits, labels)
            sess.run(tf.compat.v1.global_variables_initializer())
            feed = {images: x, labels: y}
            before = sess.run(loss, feed)
            self.assertAllClose(before, 20 * np.log(10.0), rtol=1e-6)  # uniform start
            self.assertEqual(sess.run(correct, feed), int(np.sum(y[:, 0])))  # argmax of zeros is 0
            for _ in range(30):
                sess.run(train_op, feed)
            self.assertLess(sess.run(loss, feed), 0.5 * before)
            self.assertEqual(sess.run(step), 30)
            self.assertEqual(sess.run(correct, feed), 20)  # memorised

    def test_fill_feed_dict(self):
        images = np.arange(12 * 784, dtype=np.float32).reshape(12, 784)
        labels = np.eye(10)[np.arange(12) % 10]

        class NextBatch(_DataSet):
            def next_batch(self, n):
                return self.images[:n], self.labels[:n]

        data = NextBatch(images, labels)
        with self.graph_session():
            images_pl, labels_pl = softmax_graph.placeholder_inputs()
            feed = softmax_graph.fill_feed_dict(data, images_pl, labels_pl, index=np.array([3, 1]))
            self.assertAllEqual(feed[images_pl], images[[3, 1]])
            self.assertAllEqual(feed[labels_pl], labels[[3, 1]])
            feed = softmax_graph.fill_feed_dict(data, images_pl, labels_pl, 4)
            self.assertAllEqual(feed[images_pl], images[:4])


def test_builders_in_the_v1_session_fixture(v1_session):
    images, labels = softmax_graph.placeholder_inputs()
    logits = softmax_graph.inference(images, init="zeros")
    v1_session.run(tf.compat.v1.global_variables_initializer())
    out = v1_session.run(logits, {images: np.ones((2, 784), np.float32)})
    assert out.shape == (2, 10) and not out.any()


# ----------------------------------------------------------------- initial values


def test_initial_values_are_seeded_and_match_what_train_draws(tiny):
    config = SoftmaxConfig(steps=3, batch_size=10, seed=11)
    w, b = softmax.initial_values(config)
    assert w.shape == (784, 10) and b.shape == (10,) and w.dtype == np.float32
    w2, b2 = softmax.initial_values(config)
    np.testing.assert_array_equal(w, w2)
    np.testing.assert_array_equal(b, b2)
    assert abs(float(w.std()) - 1.0) < 0.05  # random_normal, stddev 1
    other, _ = softmax.initial_values(SoftmaxConfig(seed=12))
    assert not np.array_equal(w, other)
    zeros, zb = softmax.initial_values(SoftmaxConfig(init="zeros"))
    assert not zeros.any() and not zb.any()
    # train(initial=None) starts from the same values as train(initial=initial_values).
    batches = _batches(len(tiny.train.images), 3, 10)
    drawn = softmax_v1.train(config, tiny, batches=batches)
    given = softmax_v1.train(config, tiny, batches=batches, initial=(w, b))
    np.testing.assert_array_equal(drawn.loss, given.loss)
    np.testing.assert_array_equal(drawn.weights, given.weights)


def test_unseeded_initial_values_differ():
    a, _ = softmax.initial_values(SoftmaxConfig())
    b, _ = softmax.initial_values(SoftmaxConfig())
    assert not np.array_equal(a, b)


# ------------------------------------------------------------------------ training


@pytest.mark.parametrize("loss,reduction", [("naive", "sum"), ("stable", "mean")])
def test_train_matches_the_seeds_loop_step_for_step(tiny, loss, reduction):
    config = SoftmaxConfig(steps=23, batch_size=16, learning_rate=0.01, loss=loss,
                           reduction=reduction, seed=5)
    batches = _batches(len(tiny.train.images), config.steps, config.batch_size, seed=2)
    initial = softmax.initial_values(config)
    reference = softmax_v1.train_feed(config, tiny, batches=batches, initial=initial)
    # steps_per_run=7: runs of 7, 7, 7 and 2 steps; the loss after each update.
    fast = softmax_v1.train(config, tiny, batches=batches, initial=initial, steps_per_run=7)
    # The same kernels after the same graph rewrites: equal to the bit.
    np.testing.assert_array_equal(fast.loss, reference.loss)
    np.testing.assert_array_equal(fast.weights, reference.weights)
    np.testing.assert_array_equal(fast.biases, reference.biases)
    assert fast.test_accuracy == reference.test_accuracy
    # All steps in one run (the test set evaluated in it) gives the same again.
    single = softmax_v1.train(config, tiny, batches=batches, initial=initial, steps_per_run=100)
    np.testing.assert_array_equal(single.loss, reference.loss)
    assert single.test_accuracy == reference.test_accuracy
    # The recorded loss is the batch's loss *after* its step, not before.
    w, b = initial
    x, y = tiny.train.images[batches[0]], tiny.train.labels[batches[0]]
    before = ops.np_cross_entropy(y, x @ w + b, reduction)
    assert abs(fast.loss[0] - before) > 1e-3 * abs(before)


def test_train_result_and_learning(tiny):
    config = SoftmaxConfig(steps=60, batch_size=20, learning_rate=0.5, loss="stable",
                           reduction="mean", init="zeros", seed=1)
    result = softmax_v1.train(config, tiny)
    assert isinstance(result, softmax.SoftmaxResult)
    assert result.loss.shape == (60,) and result.loss.dtype == np.float32
    assert result.weights.shape == (784, 10) and result.biases.shape == (10,)
    assert result.nan_steps == 0 and np.isfinite(result.loss).all()
    assert result.loss[-10:].mean() < 0.5 * result.loss[:5].mean()
    assert result.test_accuracy >= 0.9  # the tiny set is easy
    assert result.train_seconds > 0
    assert result.examples_per_second == pytest.approx(60 * 20 / result.train_seconds)
    assert result.config is config
    # Default batches: TF1's next_batch order for the seed.
    again = softmax_v1.train(config, tiny, batches=softmax.default_batches(config, 200))
    np.testing.assert_array_equal(result.loss, again.loss)


def test_train_leaves_the_process_in_tf2_mode(tiny):
    softmax_v1.train(SoftmaxConfig(steps=2, batch_size=10, seed=0), tiny)
    assert tf.executing_eagerly()
    assert tf.compat.v1.control_flow_v2_enabled()
    assert tf.compat.v1.get_default_session() is None


def test_non_finite_loss_is_counted_logged_once_and_training_continues(tiny, caplog):
    # A huge step: the logits blow up, probabilities underflow to 0, log(0) = -inf.
    config = SoftmaxConfig(steps=12, batch_size=20, learning_rate=100.0, seed=3)
    with caplog.at_level(logging.WARNING, logger="tfv1_mnist.softmax"):
        result = softmax_v1.train(config, tiny, steps_per_run=5)
    bad = ~np.isfinite(result.loss)
    assert result.nan_steps == int(bad.sum()) >= 1
    assert result.loss.shape == (12,)
    first = int(np.argmax(bad))
    records = [r for r in caplog.records if "not finite" in r.getMessage()]
    assert len(records) == 1
    message = records[0].getMessage()
    assert re.search(rf"step {first} \(counting from 0\): loss is (nan|inf), not finite", message)
    assert "underflowed to 0 inside log()" in message and "--loss stable" in message
    # The seed's loop sees the same thing.
    reference = softmax_v1.train_feed(config, tiny, batches=softmax.default_batches(config, 200),
                                      initial=softmax.initial_values(config))
    np.testing.assert_array_equal(np.isfinite(reference.loss), ~bad)


def test_stop_on_nan_raises_a_typed_error_at_the_first_bad_step(tiny):
    config = SoftmaxConfig(steps=12, batch_size=20, learning_rate=100.0, seed=3, stop_on_nan=True)
    carry_on = softmax_v1.train(SoftmaxConfig(steps=12, batch_size=20, learning_rate=100.0, seed=3), tiny)
    first = int(np.argmax(~np.isfinite(carry_on.loss)))
    with pytest.raises(softmax.NonFiniteLossError, match="--loss stable") as exc:
        softmax_v1.train(config, tiny, steps_per_run=50)
    assert isinstance(exc.value, Tfv1MnistError)
    assert exc.value.step == first
    assert not np.isfinite(exc.value.value)
    np.testing.assert_array_equal(exc.value.losses[:first], carry_on.loss[:first])
    with pytest.raises(softmax.NonFiniteLossError):
        softmax_v1.train_feed(config, tiny)


def test_workdir_gets_a_checkpoint(tiny, tmp_path):
    config = SoftmaxConfig(steps=5, batch_size=10, seed=2)
    result = softmax_v1.train(config, tiny, workdir=tmp_path)
    latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoint"))
    assert latest and latest.endswith("model.ckpt-5")
    reader = tf.train.load_checkpoint(latest)
    np.testing.assert_array_equal(reader.get_tensor("softmax_linear/weights"), result.weights)
    np.testing.assert_array_equal(reader.get_tensor("softmax_linear/biases"), result.biases)


def test_step_callback_sees_every_step(tiny):
    seen = []
    config = SoftmaxConfig(steps=4, batch_size=10, seed=2)
    result = softmax_v1.train(config, tiny, step_callback=lambda *a: seen.append(a))
    assert [s for s, *_ in seen] == [0, 1, 2, 3]
    assert [loss for _, loss, _, _ in seen] == pytest.approx(result.loss.tolist())
    np.testing.assert_array_equal(seen[-1][2], result.weights)
    assert seen[0][3].shape == (10,)


def test_bad_arguments(tiny):
    config = SoftmaxConfig(steps=4, batch_size=10)
    with pytest.raises(ConfigError, match=r"batches must be \[steps, batch_size\] = \[4, 10\]"):
        softmax_v1.train(config, tiny, batches=np.zeros((3, 10), np.int64))
    with pytest.raises(ConfigError, match="must lie in"):
        softmax_v1.train(config, tiny, batches=np.full((4, 10), 200, np.int64))
    with pytest.raises(ConfigError, match="initial values must be W"):
        softmax_v1.train(config, tiny, initial=(np.zeros((10, 784)), np.zeros(10)))
    with pytest.raises(ConfigError, match="--batch-size 500 is larger than the training set"):
        softmax.default_batches(SoftmaxConfig(batch_size=500), 200)
    with pytest.raises(ConfigError, match=r"one-hot labels \[N, 10\], got \[200, 784\] and \[200\]"):
        softmax_v1.train(config, tiny._replace(train=_DataSet(tiny.train.images, tiny.train.labels.argmax(1))))


# ------------------------------------------------------------- the TF1 while loop


_TF1_FRAME_OPS = {"Enter", "Merge", "Switch", "NextIteration", "Exit", "LoopCond"}
_TF2_LOOP_OPS = {"While", "StatelessWhile"}


def test_tf1_while_loop_builds_tf1_frames_with_control_flow_v2_on():
    # TensorFlow's private WhileContext/BuildLoop: if this fails, TensorFlow changed them,
    # and softmax.graph.tf1_while_loop must follow (it must not flip the process-wide switch).
    assert tf.compat.v1.control_flow_v2_enabled()
    with tf.Graph().as_default() as graph:
        limit = tf.compat.v1.placeholder(tf.int32, [])
        step = tf.constant(3)
        i, total = softmax_graph.tf1_while_loop(
            lambda i, total: i < limit, lambda i, total: (i + 1, total + step),
            (tf.constant(0), tf.constant(0)), name="count")
        types = {op.type for op in graph.get_operations()}
        assert _TF1_FRAME_OPS <= types and not types & _TF2_LOOP_OPS
        assert len(graph.get_collection(tf.compat.v1.GraphKeys.WHILE_CONTEXT)) == 1
        with tf.compat.v1.Session(graph=graph) as sess:
            assert sess.run([i, total], {limit: 5}) == [5, 15]
    assert tf.compat.v1.control_flow_v2_enabled()
    with pytest.raises(RuntimeError, match="TF1 graph"):
        softmax_graph.tf1_while_loop(lambda i: i < 2, lambda i: i + 1, (tf.constant(0),), name="eager")


@pytest.mark.parametrize("stop_on_nan,loop_vars", [(False, 2), (True, 3)])
def test_the_step_loop_is_one_tf1_frame(stop_on_nan, loop_vars):
    config = SoftmaxConfig(steps=4, batch_size=10, stop_on_nan=stop_on_nan)
    with tf.Graph().as_default() as graph:
        images = tf.Variable(tf.zeros([20, 784]))
        labels = tf.Variable(tf.zeros([20, 10]))
        softmax_graph.build_loop(config, images, labels, tf.constant(0.01))
        types = collections.Counter(op.type for op in graph.get_operations())
    assert not set(types) & _TF2_LOOP_OPS
    # One Merge/Switch/NextIteration/Exit per loop variable: the step, the losses' flow
    # (and the last loss with stop_on_nan); the data and the variables enter once.
    assert [types[t] for t in ("Merge", "Switch", "NextIteration", "Exit", "LoopCond")] == [
        loop_vars, loop_vars, loop_vars, loop_vars, 1]
    assert types["TensorArrayV3"] == types["TensorArrayWriteV3"] == types["TensorArrayGatherV3"] == 1
