"""How far two training runs are apart, and one word for it.

Pattern: pure NumPy functions over plain arrays.  ``curve_diff`` compares two
loss curves step by step, ``max_abs_diff`` two lists of weights, ``verdict``
turns a measured gap into ``identical`` / ``round-off`` / ``amplified
round-off`` / ``different``, and ``compare_results`` applies all three to every
implementation of one run against the reference.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from tfv1_mnist.errors import ConfigError
from tfv1_mnist.verdicts import AMPLIFIED_ROUND_OFF, DIFFERENT, IDENTICAL, ROUND_OFF

__all__ = [
    "ROUND_OFF_REL",
    "EARLY_STEPS",
    "EARLY_REL",
    "EPOCH_KEYS",
    "curve_diff",
    "max_abs_diff",
    "verdict",
    "compare_results",
]

#: Below this relative difference, two float32 results agree to round-off.
ROUND_OFF_REL = 1e-5
#: Leading steps whose loss difference must stay at round-off level (``EARLY_REL``)
#: for a later, larger gap to count as amplified round-off rather than a different computation.
EARLY_STEPS = 10
EARLY_REL = 1e-4
#: The per-epoch history curves compared when both runs have them.
EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds")


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.ravel(values)], dtype=np.float64)


def curve_diff(a: Sequence[float], b: Sequence[float]) -> dict:
    """Step-by-step distance between two loss curves.

    A non-finite value equals the same non-finite value at the same step (NaN
    equals NaN); finite steps are compared by absolute and relative difference.

    Args:
      a, b: float [steps] (None is read as NaN).  The common prefix is compared.

    Returns:
      dict with ``steps`` (compared), ``max_abs``, ``max_rel`` (over steps that
      are finite in both; 0.0 when there are none), ``nonfinite_mismatch_steps``
      (steps finite in one and not the other, or different non-finite values),
      ``first_diff_step`` (0-based first step that is not bit-identical, or None)
      and ``identical_steps``.
    """
    a, b = _floats(a), _floats(b)
    k = min(a.size, b.size)
    a, b = a[:k], b[:k]
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    finite = np.isfinite(a) & np.isfinite(b)
    absd = np.abs(a[finite] - b[finite])
    scale = np.maximum(np.abs(a[finite]), np.abs(b[finite]))
    reld = np.divide(absd, scale, out=np.zeros_like(absd), where=scale > 0)
    differs = np.flatnonzero(~same)
    return {
        "steps": int(k),
        "max_abs": float(absd.max()) if absd.size else 0.0,
        "max_rel": float(reld.max()) if reld.size else 0.0,
        "nonfinite_mismatch_steps": int((~same & ~finite).sum()),
        "first_diff_step": int(differs[0]) if differs.size else None,
        "identical_steps": int(same.sum()),
    }


def max_abs_diff(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> float:
    """Largest absolute element difference over pairs of arrays; NaN equals NaN.

    A position that is NaN in exactly one of the two counts as ``inf`` (JSON
    ``null``): the two are not comparable there.

    Args:
      xs, ys: as many float arrays each (e.g. a model's weights), pairwise of
        the same shape.

    Returns:
      float, >= 0 (``inf`` as above).

    Raises:
      ValueError: the two hold different numbers of arrays, or a pair differs in shape.
    """
    if len(xs) != len(ys):
        raise ValueError(f"cannot compare {len(xs)} arrays with {len(ys)}")
    worst = 0.0
    for x, y in zip(xs, ys):
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        if x.shape != y.shape:
            raise ValueError(f"cannot compare arrays of shapes {x.shape} and {y.shape}")
        both_nan = np.isnan(x) & np.isnan(y)
        d = np.abs(x - y)
        d[both_nan | (x == y)] = 0.0
        if np.isnan(d).any():
            return math.inf
        if d.size:
            worst = max(worst, float(d.max()))
    return worst


def verdict(max_rel: float, nonfinite_mismatch: int = 0, *, tolerance: float = ROUND_OFF_REL,
            early_rel: float | None = None) -> str:
    """One word for a measured difference.

    Args:
      max_rel: the largest relative difference.
      nonfinite_mismatch: steps that are NaN/inf in only one of the two.
      tolerance: up to this, a difference beyond ``ROUND_OFF_REL`` is still
        amplified round-off.
      early_rel: the largest relative difference over the first steps, or None.
        When given and ``<= EARLY_REL``, any later gap counts as amplified
        round-off: the trajectories started equal to float32 precision and
        training magnified the last bits (chaotic growth, typical of Adam on raw
        0-255 pixels).

    Returns:
      A word of ``tfv1_mnist.verdicts.VERDICTS``: ``IDENTICAL`` (0),
      ``ROUND_OFF`` (``<= ROUND_OFF_REL``), ``AMPLIFIED_ROUND_OFF``, or
      ``DIFFERENT`` (a gap from the start, or NaN at different steps: not
      explained by round-off).
    """
    if nonfinite_mismatch or max_rel is None or not math.isfinite(max_rel):
        return DIFFERENT
    if max_rel == 0.0:
        return IDENTICAL
    if max_rel <= ROUND_OFF_REL:
        return ROUND_OFF
    if max_rel <= tolerance or (early_rel is not None and early_rel <= EARLY_REL):
        return AMPLIFIED_ROUND_OFF
    return DIFFERENT


def _check_result(name: str, result: Any, weight_shapes: Sequence[tuple], num_steps: int) -> None:
    """Raises ConfigError when a trainer's result breaks the contract."""
    from tfv1_mnist.contract import TrainResult

    if not isinstance(result, TrainResult):
        raise ConfigError(f"implementation {name!r} returned {type(result).__name__}, not a contract.TrainResult")
    shapes = [tuple(np.shape(w)) for w in result.weights]
    if shapes != [tuple(s) for s in weight_shapes]:
        raise ConfigError(f"implementation {name!r} returned weights of shapes {shapes}; the model's canonical "
                          f"order has {[tuple(s) for s in weight_shapes]}: map the variables to that order")
    if result.step_loss.size != num_steps:
        raise ConfigError(f"implementation {name!r} returned {result.step_loss.size} step losses for a schedule "
                          f"of {num_steps} steps: record one loss per step")


# over 60 lines: one model's entry of compare.json, built key by key so its schema reads in one place.
def compare_results(results: Mapping[str, Any], reference: str, *, weight_shapes: Sequence[tuple],
                    num_steps: int, curve_steps: int | None = None, tolerance: float = ROUND_OFF_REL) -> dict:
    """Every implementation's run against the reference's, from the same start on the same batches.

    Args:
      results: ``{implementation name: contract.TrainResult}``, the reference among them.
      reference: the reference's name.
      weight_shapes: the canonical weights' shapes (from the initial weights).
      num_steps: the schedule's steps.
      curve_steps: compare and keep the first this many step losses; None for all.
      tolerance: the model's bound for amplified round-off.

    Returns:
      The variant entry of ``compare.json`` (docs/compare.md): per-implementation
      ``test_accuracy``, ``train_seconds``, ``nan_steps``, ``loss_timing``,
      ``step_loss`` (the kept curve) and ``history``; per compared implementation
      ``max_abs_step_loss_diff``, ``max_rel_step_loss_diff``,
      ``max_rel_early_step_loss_diff``, ``first_diff_step``, ``identical_steps``,
      ``nonfinite_mismatch_steps``, ``max_abs_weight_diff``, the epoch-level
      ``max_rel_epoch_loss_diff``/``max_rel_val_loss_diff``/``max_abs_accuracy_diff``
      (None where a run has no history) and ``verdict``.

    Raises:
      ConfigError: a result breaks the contract (type, weight shapes, one loss
        per step), or two runs record their step losses at different times.
    """
    for name, result in results.items():
        _check_result(name, result, weight_shapes, num_steps)
    ref = results[reference]
    timings = {name: r.loss_timing for name, r in results.items()}
    if len(set(timings.values())) > 1:
        raise ConfigError(f"the implementations record step losses at different times ({timings}); losses "
                          "taken before and after an update cannot be compared step by step: record them alike")
    k = num_steps if curve_steps is None else min(int(curve_steps), num_steps)
    per_pair = ("max_abs_step_loss_diff", "max_rel_step_loss_diff", "max_rel_early_step_loss_diff",
                "first_diff_step", "identical_steps", "nonfinite_mismatch_steps", "max_abs_weight_diff",
                "max_rel_epoch_loss_diff", "max_rel_val_loss_diff", "max_abs_accuracy_diff", "verdict")
    entry: dict[str, Any] = {
        "steps": int(num_steps), "curve_steps": int(k),
        "test_accuracy": {n: float(r.test_accuracy) for n, r in results.items()},
        "train_seconds": {n: float(r.train_seconds) for n, r in results.items()},
        "nan_steps": {n: r.nan_steps for n, r in results.items()},
        "loss_timing": timings,
        **{key: {} for key in per_pair},
    }
    for name, result in results.items():
        if name == reference:
            continue
        step_d = curve_diff(result.step_loss[:k], ref.step_loss[:k])
        early_d = curve_diff(result.step_loss[:EARLY_STEPS], ref.step_loss[:EARLY_STEPS])
        weights_d = max_abs_diff(result.weights, ref.weights)
        epoch_rel = val_rel = acc_abs = None
        if result.history.get("loss") and ref.history.get("loss"):
            epoch_rel = curve_diff(result.history["loss"], ref.history["loss"])["max_rel"]
        if result.history.get("val_loss") and ref.history.get("val_loss"):
            val_rel = curve_diff(result.history["val_loss"], ref.history["val_loss"])["max_rel"]
        accs = [(a, b) for key in ("accuracy", "val_accuracy")
                for a, b in zip(result.history.get(key, ()), ref.history.get(key, ()))]
        acc_abs = max((abs(a - b) for a, b in accs), default=None)
        for key, value in (("max_abs_step_loss_diff", step_d["max_abs"]), ("max_rel_step_loss_diff", step_d["max_rel"]),
                           ("max_rel_early_step_loss_diff", early_d["max_rel"]),
                           ("first_diff_step", step_d["first_diff_step"]),
                           ("identical_steps", step_d["identical_steps"]),
                           ("nonfinite_mismatch_steps", step_d["nonfinite_mismatch_steps"]),
                           ("max_abs_weight_diff", weights_d), ("max_rel_epoch_loss_diff", epoch_rel),
                           ("max_rel_val_loss_diff", val_rel), ("max_abs_accuracy_diff", acc_abs)):
            entry[key][name] = value
        if weights_d == 0.0 and step_d["first_diff_step"] is None:
            # The same weights after the same per-step losses: the same computation.  Epoch
            # curves may still differ in the last bits from how each side averages them.
            entry["verdict"][name] = IDENTICAL
        else:
            worst = max(step_d["max_rel"], epoch_rel or 0.0)
            entry["verdict"][name] = verdict(worst, step_d["nonfinite_mismatch_steps"], tolerance=tolerance,
                                             early_rel=early_d["max_rel"])
    entry["step_loss"] = {n: r.step_loss[:k].tolist() for n, r in results.items()}
    entry["history"] = {n: dict(r.history) for n, r in results.items() if r.history}
    return entry
