"""The shared ``TestCase`` and the graph-and-eager decorator of the testing kit.

Pattern: Sonnet 2's one shared ``TestCase`` built on ``tf.test.TestCase``.
``TestCase`` adds ``graph_session()`` and hides the phantom ``test_session``;
``in_graph_and_eager_modes`` runs a test method as the subtests
``mode='graph'`` and ``mode='eager'``.
"""

from __future__ import annotations

import contextlib
import functools
import random
from typing import Any, Callable, Iterator

import numpy as np
import tensorflow as tf

__all__ = ["MODES", "SEED", "TestCase", "eager_context", "in_graph_and_eager_modes"]

#: The execution modes that ``in_graph_and_eager_modes`` and
#: ``assert_op_matches`` run, in order.
MODES = ("graph", "eager")

#: The seed ``tf.test.TestCase.setUp`` gives numpy, ``random`` and TensorFlow;
#: each mode of ``in_graph_and_eager_modes`` starts from it again.
SEED = 87654321


class _HiddenFromTestLoaders:
    """A method that test runners do not collect as a test.

    Read on an instance it is the ordinary bound method.  Read on the class
    (which is what ``unittest.TestLoader`` and pytest do when they look for
    tests) it is this non-callable object, marked ``__test__ = False``:
    ``unittest`` skips non-callables, pytest skips ``__test__ = False``.
    """

    __test__ = False

    def __init__(self, method: Callable[..., Any]):
        self._method = method
        functools.update_wrapper(self, method)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return self._method.__get__(instance, owner)


class TestCase(tf.test.TestCase):
    """``tf.test.TestCase`` for TF1-style and TF2 tests.

    Differences from ``tf.test.TestCase``:
      * ``graph_session()`` gives a fresh ``tf.Graph`` (the default graph) and a
        Session on it (the default session), closed at the end of the block.
      * ``test_session`` is not collected as a test by pytest or ``unittest``,
        but ``self.test_session()`` still works in TF1-era test bodies.
    """

    @contextlib.contextmanager
    def graph_session(
        self, config: tf.compat.v1.ConfigProto | None = None
    ) -> Iterator[tf.compat.v1.Session]:
        """A fresh ``tf.Graph`` and a Session on it, both the defaults.

        Inside the block ``tf.executing_eagerly()`` is False, new ops go into
        the fresh graph, and ``self.evaluate(t)``, ``t.eval()`` and
        ``op.run()`` use the session.  The session is closed on exit.

        The session is ``tf.test.TestCase``'s test session: Grappler's
        constant folding is off, so an op under test really runs, even on
        constant inputs.

        Args:
          config: optional ``tf.compat.v1.ConfigProto`` for the session.

        Yields:
          The ``tf.compat.v1.Session``; its ``.graph`` is the fresh graph.
        """
        graph = tf.Graph()
        with graph.as_default(), self.session(graph=graph, config=config) as sess:
            yield sess

    @_HiddenFromTestLoaders
    def test_session(self, *args: Any, **kwargs: Any):
        """``tf.test.TestCase.test_session`` (deprecated in TF, kept for TF1-era tests)."""
        return super().test_session(*args, **kwargs)


def _reset_seeds() -> None:
    """Seeds ``random``, numpy and TensorFlow (the default graph's seed in graph mode)."""
    random.seed(SEED)
    np.random.seed(SEED)
    tf.random.set_seed(SEED)


@contextlib.contextmanager
def _graph_mode(test: tf.test.TestCase) -> Iterator[tf.compat.v1.Session]:
    graph = tf.Graph()
    with graph.as_default(), test.session(graph=graph) as sess:
        _reset_seeds()
        yield sess


def eager_context() -> contextlib.AbstractContextManager:
    """Eager execution, even inside a ``tf.Graph().as_default()`` block.

    ``tf.init_scope()`` does not leave a plain graph block, and TensorFlow has no
    public way to; its own ``run_in_graph_and_eager_modes`` uses this one.
    """
    from tensorflow.python.eager import context  # pylint: disable=g-direct-tensorflow-import

    return context.eager_mode()


@contextlib.contextmanager
def _eager_mode(test: tf.test.TestCase) -> Iterator[None]:
    del test  # unused; same signature as _graph_mode
    with eager_context():
        _reset_seeds()
        yield


def in_graph_and_eager_modes(test_method: Callable[..., Any]) -> Callable[..., None]:
    """Runs a ``tf.test.TestCase`` test method in graph mode, then eagerly.

    Each run is a subtest, ``self.subTest(mode="graph")`` then
    ``self.subTest(mode="eager")``, so a failure in one mode is reported with
    its mode and does not hide the other.  pytest (>= 9 reports subtests
    itself) and ``unittest`` both show them.

    In the graph run the body executes inside a fresh ``tf.Graph`` with a test
    Session as the default session; in the eager run it executes eagerly.  In
    both, ``self.evaluate(tensors)`` returns numpy values and the assertion
    helpers of ``tf.test.TestCase`` (``assertAllClose`` ...) accept tensors.
    ``random``, numpy and TensorFlow are reseeded with ``SEED`` before each run.

    Args:
      test_method: a test method of a ``tf.test.TestCase`` subclass (such as
        ``tfv1_mnist.testing.TestCase``).

    Returns:
      The wrapped method.

    Raises:
      TypeError: when applied to a class, or when the method's instance is not a
        ``tf.test.TestCase``.
    """
    if isinstance(test_method, type):
        raise TypeError(
            "in_graph_and_eager_modes decorates test methods, not classes; "
            "decorate each test method of {}".format(test_method.__name__)
        )

    @functools.wraps(test_method)
    def run_in_graph_and_eager_modes(self, *args: Any, **kwargs: Any) -> None:
        if not isinstance(self, tf.test.TestCase):
            raise TypeError(
                f"in_graph_and_eager_modes needs a tf.test.TestCase method (it uses "
                f"self.session and self.evaluate); {type(self).__name__} is not one. "
                f"Derive from tfv1_mnist.testing.TestCase."
            )
        for mode in MODES:
            with self.subTest(mode=mode):
                enter = _graph_mode if mode == "graph" else _eager_mode
                with enter(self):
                    test_method(self, *args, **kwargs)

    return run_in_graph_and_eager_modes


# --------------------------------------------------------------------------- #
# Comparing an op against numpy.
# --------------------------------------------------------------------------- #


