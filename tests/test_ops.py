"""Tests of tfv1_mnist.ops: each TF op against its numpy twin, in graph and eager mode,
the shift invariance of the stable forms, the failure of the naive ones, and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from absl.testing import parameterized

from tfv1_mnist import ops, testing


def _logits(shape=(6, 10), seed=0, dtype=np.float32):
    # Multiples of 1/8 in [-10, 10]: x + 1000 is exact in float32, so shifted
    # inputs differ from the originals by the shift alone.
    rng = np.random.RandomState(seed)
    return (rng.randint(-80, 81, size=shape) / 8.0).astype(dtype)


def _one_hot(n=6, k=10, seed=1):
    rng = np.random.RandomState(seed)
    return np.eye(k, dtype=np.float32)[rng.randint(0, k, size=n)]


class OpsMatchNumpyTest(parameterized.TestCase):

    @parameterized.parameters(
        (ops.softmax, ops.np_softmax),
        (ops.naive_softmax, ops.np_naive_softmax),
        (ops.log_softmax, ops.np_log_softmax),
    )
    def test_row_ops(self, tf_fn, np_fn):
        testing.assert_op_matches(tf_fn, np_fn, _logits(), rtol=1e-6, atol=1e-6)

    @parameterized.parameters(0, 1)
    def test_softmax_other_axis(self, axis):
        x = _logits((4, 5, 3))
        testing.assert_op_matches(lambda t: ops.softmax(t, axis=axis),
                                  lambda a: ops.np_softmax(a, axis=axis), x)

    @parameterized.parameters("sum", "mean", "none")
    def test_cross_entropies(self, reduction):
        y, x = _one_hot(), _logits()
        testing.assert_op_matches(
            lambda a, b: ops.cross_entropy(a, b, reduction=reduction),
            lambda a, b: ops.np_cross_entropy(a, b, reduction=reduction), y, x, rtol=1e-5)
        p = ops.np_softmax(x)
        testing.assert_op_matches(
            lambda a, b: ops.naive_cross_entropy(a, b, reduction=reduction),
            lambda a, b: ops.np_naive_cross_entropy(a, b, reduction=reduction), y, p, rtol=1e-5)

    def test_accuracy_one_hot_and_int_labels(self):
        x = _logits((50, 10), seed=3)
        y_int = np.argmax(x, axis=1).astype(np.int64)
        y_int[:10] = (y_int[:10] + 1) % 10  # 10 of 50 wrong
        y_hot = np.eye(10, dtype=np.float32)[y_int]
        for y in (y_int, y_hot):
            testing.assert_op_matches(ops.accuracy, ops.np_accuracy, y, x)
        self.assertAlmostEqual(ops.np_accuracy(y_int, x), 0.8)

    def test_accuracy_nan_rows_predict_class_zero_like_tf_argmax(self):
        x = _logits((4, 10))
        x[0] = np.nan
        x[1, 3] = np.nan
        y = np.array([0, int(np.nanargmax(x[1])), 5, int(np.argmax(x[3]))])
        testing.assert_op_matches(ops.accuracy, ops.np_accuracy, y, x)
        self.assertAlmostEqual(ops.np_accuracy(y, x), 0.75)

    def test_model_loss_kinds(self):
        y, x = _one_hot(), _logits()
        naive = ops.model_loss(y, x, kind="naive")
        stable = ops.model_loss(y, x, kind="stable", reduction="mean")
        np.testing.assert_allclose(naive, ops.np_naive_cross_entropy(y, ops.np_softmax(x)), rtol=1e-5)
        np.testing.assert_allclose(stable, ops.np_cross_entropy(y, x, "mean"), rtol=1e-5)
        with self.assertRaisesRegex(ValueError, "kind must be one of naive, stable"):
            ops.model_loss(y, x, kind="exact")

    def test_bad_reduction(self):
        with self.assertRaisesRegex(ValueError, "reduction must be one of sum, mean, none, got 'max'"):
            ops.cross_entropy(_one_hot(), _logits(), reduction="max")
        with self.assertRaisesRegex(ValueError, "reduction must be one of"):
            ops.np_naive_cross_entropy(_one_hot(), _logits(), reduction="avg")


class NumericsTest(testing.TestCase, parameterized.TestCase):

    @parameterized.parameters(1000.0, -1000.0, 88.0, -0.5)
    @testing.in_graph_and_eager_modes
    def test_shift_invariance_of_the_stable_forms(self, shift):
        x = _logits()
        self.assertAllEqual(self.evaluate(ops.softmax(x + np.float32(shift))),
                            self.evaluate(ops.softmax(x)))
        self.assertAllEqual(self.evaluate(ops.log_softmax(x + np.float32(shift))),
                            self.evaluate(ops.log_softmax(x)))
        np.testing.assert_array_equal(ops.np_softmax(x + np.float32(shift)), ops.np_softmax(x))

    @parameterized.parameters(1000.0, -1000.0)
    @testing.in_graph_and_eager_modes
    def test_naive_softmax_fails_where_the_stable_one_is_exact(self, shift):
        x = _logits()
        naive = self.evaluate(ops.naive_softmax(x + np.float32(shift)))
        # +1000: exp overflows to inf, inf/inf = nan.  -1000: exp underflows, 0/0 = nan.
        self.assertTrue(np.isnan(naive).all())
        self.assertTrue(np.isnan(ops.np_naive_softmax(x + np.float32(shift))).all())
        stable = self.evaluate(ops.softmax(x + np.float32(shift)))
        self.assertTrue(np.isfinite(stable).all())
        self.assertAllClose(stable.sum(axis=1), np.ones(6), atol=1e-6)

    @testing.in_graph_and_eager_modes
    def test_naive_cross_entropy_gives_inf_and_nan_where_the_stable_one_is_finite(self):
        # Logits 200 apart: the losing classes' probabilities underflow to 0.
        x = np.array([[200.0, 0.0], [0.0, 200.0]], np.float32)
        y = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)
        probs = self.evaluate(tf.nn.softmax(x))
        self.assertEqual(probs[0, 1], 0.0)
        per_example = self.evaluate(ops.naive_cross_entropy(y, probs, reduction="none"))
        # Row 0: the true class has p = 0, so -1 * log(0) = inf; row 1: a wrong
        # class has p = 0, and 0 * log(0) = nan.
        self.assertEqual(per_example[0], np.inf)
        self.assertTrue(np.isnan(per_example[1]))
        self.assertTrue(np.isnan(self.evaluate(ops.naive_cross_entropy(y, probs))))
        stable = self.evaluate(ops.cross_entropy(y, x, reduction="none"))
        self.assertAllClose(stable, [200.0, 0.0], atol=1e-4)

    @parameterized.parameters(np.float32, np.float64)
    @testing.in_graph_and_eager_modes
    def test_cross_entropy_matches_tf_nn(self, dtype):
        rng = np.random.RandomState(5)
        x = (rng.randn(32, 10) * 20).astype(dtype)
        y = np.eye(10, dtype=dtype)[rng.randint(0, 10, 32)]
        ours = self.evaluate(ops.cross_entropy(y, x, reduction="none"))
        ref = self.evaluate(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x))
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6 if dtype == np.float64 else 2e-5)
        # Soft labels (probability rows) too.
        soft = ops.np_softmax(rng.randn(32, 10)).astype(dtype)
        ours = self.evaluate(ops.cross_entropy(soft, x, reduction="none"))
        ref = self.evaluate(tf.nn.softmax_cross_entropy_with_logits(labels=soft, logits=x))
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6 if dtype == np.float64 else 2e-5)


class GradientTest(parameterized.TestCase):

    def _x(self):
        return np.random.RandomState(7).randn(3, 5)

    @parameterized.named_parameters(
        ("softmax", lambda x: ops.softmax(x)),
        ("log_softmax", lambda x: ops.log_softmax(x)),
        ("naive_softmax", lambda x: ops.naive_softmax(x)),
    )
    def test_row_op_gradients(self, fn):
        err = testing.check_gradients(fn, self._x(), delta=1e-6, rtol=1e-6, atol=1e-6)
        self.assertLess(err, 1e-6)

    def test_cross_entropy_gradients(self):
        y = np.eye(5)[[0, 3, 4]]
        err = testing.check_gradients(lambda x: ops.cross_entropy(y, x), self._x(),
                                      delta=1e-6, rtol=1e-6, atol=1e-6)
        self.assertLess(err, 1e-6)
        # The analytic gradient is softmax(x) - y; check the value, not just consistency.
        x = tf.constant(self._x())
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = ops.cross_entropy(y, x)
        np.testing.assert_allclose(tape.gradient(loss, x), ops.np_softmax(self._x()) - y, atol=1e-12)

    def test_naive_cross_entropy_gradients(self):
        y = np.eye(5)[[0, 3, 4]]
        p = ops.np_softmax(self._x())
        err = testing.check_gradients(lambda q: ops.naive_cross_entropy(y, q), p,
                                      delta=1e-7, rtol=1e-5, atol=1e-5)
        self.assertLess(err, 1e-5)

    def test_shift_gets_no_gradient_but_the_result_is_right(self):
        # The max is stop_gradient'ed; the gradient must still equal the naive form's.
        x = tf.constant(self._x())
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            a = tf.reduce_sum(ops.softmax(x) * np.arange(5.0))
            b = tf.reduce_sum(ops.naive_softmax(x) * np.arange(5.0))
        np.testing.assert_allclose(tape.gradient(a, x), tape.gradient(b, x), atol=1e-12)


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
