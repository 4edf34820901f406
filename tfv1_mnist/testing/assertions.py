"""The testing kit's assertions: a TF function against its NumPy twin, and gradient checks.

Pattern: plain assertion functions that work under pytest and ``unittest``
alike.  ``assert_op_matches`` runs the TF function in every mode of
``cases.MODES`` (graph with placeholders and a Session, eager, and
``tf.function``) and fails with ``describe_mismatch``'s readable diff;
``check_gradients`` compares analytic and numerical Jacobians through
``tf.test.compute_gradient``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import tensorflow as tf

from tfv1_mnist.testing.cases import MODES, eager_context

__all__ = ["assert_op_matches", "check_gradients", "describe_mismatch"]


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


def describe_mismatch(actual: Any, expected: Any, *, rtol: float, atol: float, max_listed: int = 5) -> str | None:
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
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} differs from the expected shape {expected.shape}"
    if actual.dtype.kind not in "biufc" or expected.dtype.kind not in "biufc":
        if np.array_equal(actual, expected):
            return None
        return f"values differ:\n    got:      {actual!r}\n    expected: {expected!r}"
    wide = np.complex128 if "c" in (actual.dtype.kind, expected.dtype.kind) else np.float64
    a, e = actual.astype(wide), expected.astype(wide)
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    return "\n".join("  " + line for line in _mismatch_lines(actual, expected, a, e, close, rtol, atol,
                                                               max_listed))


def _mismatch_lines(actual, expected, a, e, close, rtol: float, atol: float, max_listed: int) -> list[str]:
    """``describe_mismatch``'s lines: the count, the worst absolute and relative errors, the first few."""
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
        + ("" if worst_rel == worst_abs else
           f": got {_format_value(actual[worst_rel])}, expected {_format_value(expected[worst_rel])}"),
    ]
    if n_bad > 1:
        listed = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:max_listed]]
        lines.append("first mismatches: " + "; ".join(
            f"{_format_index(idx)} got {_format_value(actual[idx])} expected {_format_value(expected[idx])}"
            for idx in listed))
    return lines


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
    with eager_context():
        return _to_numpy(tf_fn(*[tf.constant(x) for x in arrays]))


def _run_function(tf_fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> Any:
    with eager_context():
        return _to_numpy(tf.function(tf_fn)(*[tf.constant(x) for x in arrays]))


#: How ``assert_op_matches`` runs ``tf_fn`` in each mode.
_RUNNERS = {"graph": _run_graph, "eager": _run_eager, "function": _run_function}


def assert_op_matches(tf_fn: Callable[..., Any], np_fn: Callable[..., Any], *inputs: Any, rtol: float = 1e-6,
                      atol: float = 1e-6, modes: Sequence[str] = MODES) -> None:
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
    unknown = [m for m in modes if m not in _RUNNERS]
    if unknown:
        raise ValueError(f"unknown mode(s) {unknown}; use 'graph', 'eager' or 'function'")
    arrays = [_as_input_array(x, i) for i, x in enumerate(inputs)]
    expected_flat = tf.nest.flatten(np_fn(*[x.copy() for x in arrays]))
    failures = []
    for mode in modes:
        failures += _mode_failures(mode, tf.nest.flatten(_RUNNERS[mode](tf_fn, arrays)), expected_flat,
                                   rtol, atol)
    if failures:
        name = getattr(tf_fn, "__name__", repr(tf_fn))
        ref = getattr(np_fn, "__name__", repr(np_fn))
        raise AssertionError(
            f"{name} does not match the numpy reference {ref}:\n" + "\n".join(failures)
        )


def _mode_failures(mode: str, actual_flat: list, expected_flat: list, rtol: float, atol: float) -> list[str]:
    """One line per output of ``mode`` that differs from the reference (none: all match)."""
    if len(actual_flat) != len(expected_flat):
        return [f"{mode} mode: tf_fn returned {len(actual_flat)} output(s), np_fn returned {len(expected_flat)}"]
    failures = []
    for k, (got, want) in enumerate(zip(actual_flat, expected_flat)):
        got, want = np.asarray(got), np.asarray(want)
        problem = describe_mismatch(got, want, rtol=rtol, atol=atol)
        if problem is not None:
            failures.append(f"{mode} mode, output {k} (shape {got.shape}, {got.dtype}; "
                            f"reference {want.dtype}):\n{problem}")
    return failures


# --------------------------------------------------------------------------- #
# Gradients.
# --------------------------------------------------------------------------- #


def _compute_gradient(tf_fn: Callable[..., Any], xs: list[np.ndarray], delta: float):
    with eager_context():
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
