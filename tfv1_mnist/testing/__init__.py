"""A kit for unit-testing TensorFlow ops in graph mode and in eager mode.

It follows the Sonnet pattern of one shared ``TestCase`` built on
``tf.test.TestCase``, plus plain assertion functions that work under pytest and
``unittest`` alike:

  * ``TestCase``: ``tf.test.TestCase`` with ``graph_session()`` (a fresh graph
    and a Session, closed afterwards) and without the phantom ``test_session``
    test that ``tf.test.TestCase`` shows to test runners.
  * ``in_graph_and_eager_modes``: a decorator that runs a test method twice,
    as the subtests ``mode='graph'`` and ``mode='eager'``; ``self.evaluate(t)``
    works in both.  TF2 keeps its own decorator of this kind private.
  * ``assert_op_matches(tf_fn, np_fn, *inputs)``: a TF function against a
    numpy reference, in graph mode (placeholders and a Session) and eagerly,
    with a readable diff when they differ.
  * ``check_gradients(tf_fn, *inputs)``: analytic against numerical Jacobians,
    through ``tf.test.compute_gradient``.

The pytest fixtures ``v1_graph`` and ``v1_session`` live in
``tfv1_mnist.pytest_plugin``, which pytest loads automatically.

Example::

    from tfv1_mnist import testing

    class SquareTest(testing.TestCase):

        @testing.in_graph_and_eager_modes
        def test_square(self):
            self.assertAllClose(self.evaluate(tf.square([2.0])), [4.0])
"""

from __future__ import annotations

from tfv1_mnist.testing.assertions import assert_op_matches, check_gradients, describe_mismatch
from tfv1_mnist.testing.cases import MODES, SEED, TestCase, in_graph_and_eager_modes

__all__ = [
    "MODES",
    "SEED",
    "TestCase",
    "assert_op_matches",
    "check_gradients",
    "describe_mismatch",
    "in_graph_and_eager_modes",
]
