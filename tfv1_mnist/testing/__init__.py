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

import contextlib
import functools
import random
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import tensorflow as tf

__all__ = [
    "MODES",
    "SEED",
    "TestCase",
    "assert_op_matches",
    "check_gradients",
    "describe_mismatch",
    "in_graph_and_eager_modes",
]

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


def _eager_context() -> contextlib.AbstractContextManager:
    """Eager execution, even inside a ``tf.Graph().as_default()`` block.

    ``tf.init_scope()`` does not leave a plain graph block, and TensorFlow has no
    public way to; its own ``run_in_graph_and_eager_modes`` uses this one.
    """
    from tensorflow.python.eager import context  # pylint: disable=g-direct-tensorflow-import

    return context.eager_mode()


@contextlib.contextmanager
def _eager_mode(test: tf.test.TestCase) -> Iterator[None]:
    del test  # unused; same signature as _graph_mode
    with _eager_context():
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


def _as_input_array(value: Any, position: int) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"input {position} has numpy dtype {array.dtype}; inputs must be numeric arrays "
            f"(bind other arguments with a lambda or functools.partial)"
        )
    return array


def _format_index(index: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(i)) for i in index) + ("," if len(index) == 1 else "") + ")"


def _format_value(value: Any) -> str:
    return np.array2string(np.asarray(value), precision=8)


def describe_mismatch(
    actual: Any, expected: Any, *, rtol: float, atol: float, max_listed: int = 5
) -> str | None:
    """A readable account of where ``actual`` and ``expected`` differ, or None.

    Elements match when ``|actual - expected| <= atol + rtol * |expected|``
    (``np.isclose``); NaN matches NaN and an infinity matches the same infinity.

    Args:
      actual: array-like, any numeric dtype and shape.
      expected: array-like of the same shape.
      rtol: relative tolerance.
      atol: absolute tolerance.
      max_listed: how many mismatching elements to list.

    Returns:
      None when all elements match; otherwise several lines: the count of
      mismatches, the largest absolute and relative errors with the index of the
      worst element, and the first mismatching elements.
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} differs from the expected shape {expected.shape}"
    if actual.dtype.kind not in "biufc" or expected.dtype.kind not in "biufc":
        if np.array_equal(actual, expected):
            return None
        return f"values differ:\n    got:      {actual!r}\n    expected: {expected!r}"
    wide = np.complex128 if "c" in (actual.dtype.kind, expected.dtype.kind) else np.float64
    a = actual.astype(wide)
    e = expected.astype(wide)
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = ~close
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_err = np.abs(a - e)
        # inf - inf and nan give nan; a mismatch there is as bad as it gets.
        abs_err = np.where(bad & ~np.isfinite(abs_err), np.inf, abs_err)
        abs_err = np.where(close, 0.0, abs_err)
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(e))
    worst_abs = np.unravel_index(int(np.argmax(abs_err)), abs_err.shape)
    worst_rel = np.unravel_index(int(np.argmax(rel_err)), rel_err.shape)
    n_bad = int(bad.sum())
    lines = [
        f"{n_bad} of {bad.size} elements ({100.0 * n_bad / bad.size:.3g}%) differ by more than "
        f"atol + rtol * |expected| (atol={atol:g}, rtol={rtol:g})",
        f"max abs error {abs_err[worst_abs]:.6g} at index {_format_index(worst_abs)}: "
        f"got {_format_value(actual[worst_abs])}, expected {_format_value(expected[worst_abs])}",
        f"max rel error {rel_err[worst_rel]:.6g} at index {_format_index(worst_rel)}"
        + (
            ""
            if worst_rel == worst_abs
            else f": got {_format_value(actual[worst_rel])}, "
            f"expected {_format_value(expected[worst_rel])}"
        ),
    ]
    listed = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:max_listed]]
    if n_bad > 1:
        lines.append(
            "first mismatches: "
            + "; ".join(
                f"{_format_index(idx)} got {_format_value(actual[idx])} "
                f"expected {_format_value(expected[idx])}"
                for idx in listed
            )
        )
    return "\n".join("  " + line for line in lines)


def _run_graph(tf_fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> Any:
    with tf.Graph().as_default() as graph:
        placeholders = [
            tf.compat.v1.placeholder(tf.as_dtype(x.dtype), shape=x.shape, name=f"input_{i}")
            for i, x in enumerate(arrays)
        ]
        outputs = tf_fn(*placeholders)
        with tf.compat.v1.Session(graph=graph) as sess:
            return sess.run(outputs, feed_dict=dict(zip(placeholders, arrays)))


def _to_numpy(structure: Any) -> Any:
    return tf.nest.map_structure(
        lambda t: t.numpy() if hasattr(t, "numpy") else np.asarray(t), structure
    )


def _run_eager(tf_fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> Any:
    with _eager_context():
        return _to_numpy(tf_fn(*[tf.constant(x) for x in arrays]))


def _run_function(tf_fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> Any:
    with _eager_context():
        return _to_numpy(tf.function(tf_fn)(*[tf.constant(x) for x in arrays]))


def assert_op_matches(
    tf_fn: Callable[..., Any],
    np_fn: Callable[..., Any],
    *inputs: Any,
    rtol: float = 1e-6,
    atol: float = 1e-6,
    modes: Sequence[str] = MODES,
) -> None:
    """Checks a TensorFlow function against a numpy reference, in each mode.

    ``np_fn(*inputs)`` is the reference.  ``tf_fn`` is run:
      * ``"graph"``: built in a fresh ``tf.Graph`` on ``tf.compat.v1.placeholder``
        inputs (dtype and static shape of each input) and run in a Session,
        feeding the inputs, as TF1 code runs;
      * ``"eager"``: called eagerly on ``tf.constant`` inputs;
      * ``"function"`` (only if listed in ``modes``): traced with ``tf.function``.

    Works whatever the ambient mode is (eager, or inside a ``v1_graph``): each
    mode runs in a graph or an eager context of its own.

    Args:
      tf_fn: function of ``len(inputs)`` tensors returning a tensor or a nested
        structure (tuple, list, dict) of tensors.
      np_fn: function of the same numpy arrays returning array-likes in the same
        structure.
      *inputs: numeric arrays (any dtype and shape); the TF inputs keep their
        numpy dtype, so pass ``np.float32`` arrays to test float32 kernels.
      rtol: relative tolerance, as in ``np.isclose``.
      atol: absolute tolerance, as in ``np.isclose``.
      modes: which of ``"graph"``, ``"eager"``, ``"function"`` to run.

    Raises:
      AssertionError: if any output differs in any mode; the message names the
        mode and output and gives the number of mismatches, the largest absolute
        and relative errors and the index of the worst element.
      TypeError: if an input is not numeric.
      ValueError: for an unknown mode.
    """
    unknown = [m for m in modes if m not in ("graph", "eager", "function")]
    if unknown:
        raise ValueError(f"unknown mode(s) {unknown}; use 'graph', 'eager' or 'function'")
    arrays = [_as_input_array(x, i) for i, x in enumerate(inputs)]
    expected = np_fn(*[x.copy() for x in arrays])
    expected_flat = tf.nest.flatten(expected)
    failures = []
    for mode in modes:
        if mode == "graph":
            actual = _run_graph(tf_fn, arrays)
        elif mode == "eager":
            actual = _run_eager(tf_fn, arrays)
        else:
            actual = _run_function(tf_fn, arrays)
        actual_flat = tf.nest.flatten(actual)
        if len(actual_flat) != len(expected_flat):
            failures.append(
                f"{mode} mode: tf_fn returned {len(actual_flat)} output(s), "
                f"np_fn returned {len(expected_flat)}"
            )
            continue
        for k, (got, want) in enumerate(zip(actual_flat, expected_flat)):
            got = np.asarray(got)
            want = np.asarray(want)
            problem = describe_mismatch(got, want, rtol=rtol, atol=atol)
            if problem is not None:
                failures.append(
                    f"{mode} mode, output {k} (shape {got.shape}, {got.dtype}; "
                    f"reference {want.dtype}):\n{problem}"
                )
    if failures:
        name = getattr(tf_fn, "__name__", repr(tf_fn))
        ref = getattr(np_fn, "__name__", repr(np_fn))
        raise AssertionError(
            f"{name} does not match the numpy reference {ref}:\n" + "\n".join(failures)
        )


# --------------------------------------------------------------------------- #
# Gradients.
# --------------------------------------------------------------------------- #


def _compute_gradient(tf_fn: Callable[..., Any], xs: list[np.ndarray], delta: float):
    with _eager_context():
        return tf.test.compute_gradient(tf_fn, xs, delta=delta)


def check_gradients(
    tf_fn: Callable[..., Any],
    *inputs: Any,
    delta: float = 1e-3,
    rtol: float = 1e-3,
    atol: float = 1e-3,
) -> float:
    """Checks ``tf_fn``'s gradients against finite differences.

    Uses ``tf.test.compute_gradient``, which builds the theoretical Jacobian
    from TensorFlow's gradients and the numerical one from central differences
    of step ``delta``; it runs eagerly, even when called inside a graph.  Float32 inputs give numerical Jacobians good to about
    1e-3 at ``delta=1e-3``; pass float64 inputs for tighter checks.

    Args:
      tf_fn: function of ``len(inputs)`` float tensors returning one tensor.
      *inputs: float arrays (float32 or float64), any shape.
      delta: the finite-difference step.
      rtol: relative tolerance on each Jacobian element.
      atol: absolute tolerance on each Jacobian element.

    Returns:
      The largest absolute difference between the two Jacobians, over all
      inputs (a float).

    Raises:
      AssertionError: if some element differs by more than
        ``atol + rtol * |numerical|``; the message names the input, the
        Jacobian element (output element, input element) and both values.
    """
    xs = [_as_input_array(x, i) for i, x in enumerate(inputs)]
    theoretical, numerical = _compute_gradient(tf_fn, xs, delta)
    max_error = 0.0
    failures = []
    for i, (jt, jn) in enumerate(zip(theoretical, numerical)):
        jt = np.asarray(jt, dtype=np.float64)
        jn = np.asarray(jn, dtype=np.float64)
        if jt.size == 0:
            continue
        err = np.abs(jt - jn)
        err = np.where(np.isnan(err), np.inf, err)
        max_error = max(max_error, float(err.max()))
        problem = describe_mismatch(jt, jn, rtol=rtol, atol=atol)
        if problem is not None:
            row, col = np.unravel_index(int(np.argmax(err)), err.shape)
            failures.append(
                f"input {i} (shape {xs[i].shape}, {xs[i].dtype}), Jacobian [output elements, "
                f"input elements] = {jt.shape}, theoretical (TF gradient) vs numerical:\n"
                f"  worst element: d output[{row}] / d input[{col}] (flat indices): "
                f"theoretical {jt[row, col]:.8g}, numerical {jn[row, col]:.8g}\n{problem}"
            )
    if failures:
        name = getattr(tf_fn, "__name__", repr(tf_fn))
        raise AssertionError(
            f"gradients of {name} disagree with finite differences (delta={delta:g}); "
            f"max abs error {max_error:.6g}:\n" + "\n".join(failures)
        )
    return max_error
