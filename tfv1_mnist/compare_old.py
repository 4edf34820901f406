"""Side-by-side runs of v1 and v2 implementations, and how far apart they drift.

Pattern: TensorFlow's migration guide's numerical-equivalence check, as a
library.  Every implementation of a model starts from the *same* initial values
and replays the *same* explicit batch schedule (index arrays), so any
difference comes from the computation alone:

* softmax regression: ``softmax_v1`` (graph, Session) against ``softmax_v2``
  (``tf.function``), with the seed's naive loss and with the stable loss;
* CNN: the ``cnn_v2`` custom loop (the reference), the seed's Keras program
  (``keras_reference``, ``model.fit``) and the graph-mode twin ``cnn_v1``.

``compare_softmax`` and ``compare_cnn`` return plain dicts (the ``compare.json``
schema, documented in docs/compare.md).  Known sources of spurious difference
are switched off or recorded by ``run_isolated``: it runs the comparison in a
child process, because ``TF_ENABLE_ONEDNN_OPTS`` is read only when TensorFlow is
imported; there it also enables op determinism (process-wide and irreversible,
so it must not leak into the caller) and turns TF32 off.  ``explain`` says which
differences are float round-off and which come from different formulas.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import math
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Mapping, Sequence

import numpy as np

from tfv1_mnist.errors import ConfigError, Tfv1MnistError

__all__ = [
    "SOFTMAX_ROUND_OFF_REL",
    "ROUND_OFF_REL",
    "CNN_REL_TOLERANCE",
    "EARLY_STEPS",
    "EARLY_REL",
    "MODELS",
    "CNN_IMPLS",
    "TABLE_HEADER",
    "seed_validation_size",
    "curve_diff",
    "max_abs_diff",
    "verdict",
    "compare_softmax",
    "compare_cnn",
    "environment",
    "run",
    "run_isolated",
    "explain",
    "table_rows",
    "to_markdown",
    "write_outputs",
]

_log = logging.getLogger(__name__)

#: The per-step relative loss difference that float32 round-off explains for the
#: softmax regressor (same formula, different op order): the acceptance bound.
SOFTMAX_ROUND_OFF_REL = 1e-5
#: Below this relative difference, two float32 results agree to round-off.
ROUND_OFF_REL = 1e-5
#: Relative difference of CNN losses still attributed to round-off amplified by
#: training (Adam and ReLU make trajectories diverge slowly from a 1-ulp start).
CNN_REL_TOLERANCE = 1e-2
#: Leading CNN steps whose loss difference must stay at round-off level (``EARLY_REL``)
#: for a later, larger gap to count as amplified round-off rather than a different computation.
EARLY_STEPS = 10
EARLY_REL = 1e-4

MODELS = ("softmax", "cnn", "all")

# TensorFlow's C++ start-up lines (printed before logging is configured), not worth relaying.
_TF_NOISE = re.compile(r"^([IWE]\d{4} |WARNING: All log messages before absl)")


# --------------------------------------------------------------------------- metrics


def seed_validation_size(num_train: int) -> int:
    """TF1 ``read_data_sets``' validation split, scaled (``batching.tf1_validation_size``)."""
    from tfv1_mnist import batching

    return batching.tf1_validation_size(num_train)


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
      ``"identical"`` (0), ``"round-off"`` (``<= ROUND_OFF_REL``),
      ``"amplified round-off"``, or ``"different"`` (a gap from the start, or NaN
      at different steps: not explained by round-off).
    """
    if nonfinite_mismatch or max_rel is None or not math.isfinite(max_rel):
        return "different"
    if max_rel == 0.0:
        return "identical"
    if max_rel <= ROUND_OFF_REL:
        return "round-off"
    if max_rel <= tolerance or (early_rel is not None and early_rel <= EARLY_REL):
        return "amplified round-off"
    return "different"


# --------------------------------------------------------------------------- softmax


def compare_softmax(data, *, steps: int = 1000, batch_size: int = 100, learning_rate: float = 0.01,
                    seed: int = 0, init: str = "normal", losses: Sequence[str] = ("naive", "stable"),
                    curves: bool = True) -> dict:
    """Softmax regression, v1 (graph) against v2 (``tf.function``), per loss.

    Both run ``SoftmaxConfig(steps, batch_size, learning_rate, loss, init=init,
    seed=seed)`` from ``softmax_v1.initial_values`` on one TF1 ``next_batch``
    schedule drawn from ``np.random.RandomState(seed)``.

    Args:
      data: a ``datasets.Mnist``.
      steps, batch_size, learning_rate, init: the ``SoftmaxConfig`` fields.
      seed: seeds the initial values and the schedule.
      losses: which loss variants to run (``naive``, ``stable``).
      curves: include the per-step losses (``loss.v1``/``loss.v2``).

    Returns:
      ``{"settings": ..., "naive": {...}, "stable": {...}}`` plus the flat keys
      ``max_abs_loss_diff``, ``max_rel_loss_diff``, ``max_abs_weight_diff`` and
      ``test_accuracy`` taken from the stable variant (or the only one run).
    """
    from tfv1_mnist import batching, input_data, softmax_v1, softmax_v2
    from tfv1_mnist.config import SoftmaxConfig

    if not losses:
        raise ConfigError(f"compare_softmax needs at least one loss; choose from {', '.join(SoftmaxConfig.LOSSES)}")
    # A private RNG: passing seed= would reseed numpy's global RNG, as TF1 did.
    ds = input_data.from_mnist(data, one_hot=True, validation_size=seed_validation_size(data.num_train),
                               rng=np.random.RandomState(seed))
    n = ds.train.num_examples
    if batch_size > n:
        raise ConfigError(f"softmax batch size {batch_size} is larger than the training set ({n} examples): "
                          "use a larger data set or a smaller batch size")
    schedule = batching.tf1_batch_indices(n, batch_size, steps, np.random.RandomState(seed))
    out: dict[str, Any] = {"settings": {
        "steps": steps, "batch_size": batch_size, "learning_rate": learning_rate, "init": init,
        "seed": seed, "reduction": "sum", "train_examples": n, "validation_examples": ds.validation.num_examples,
        "test_examples": ds.test.num_examples,
        "schedule": "TF1 next_batch order from numpy RandomState(seed), replayed as indices by both",
    }}
    for variant in losses:
        config = SoftmaxConfig(steps=steps, batch_size=batch_size, learning_rate=learning_rate,
                               loss=variant, init=init, seed=seed)
        initial = softmax_v1.initial_values(config)
        results = {}
        for name, impl in (("v1", softmax_v1), ("v2", softmax_v2)):
            _log.info("softmax %s loss: training %s for %d steps", variant, name, steps)
            results[name] = impl.train(config, ds, batches=schedule, initial=initial)
        r1, r2 = results["v1"], results["v2"]
        d = curve_diff(r1.loss, r2.loss)
        entry = {
            "max_abs_loss_diff": d["max_abs"],
            "max_rel_loss_diff": d["max_rel"],
            "max_abs_weight_diff": max_abs_diff([r1.weights, r1.biases], [r2.weights, r2.biases]),
            "nan_steps": int(r1.nan_steps),
            "nan_steps_by_impl": {"v1": int(r1.nan_steps), "v2": int(r2.nan_steps)},
            "nonfinite_mismatch_steps": d["nonfinite_mismatch_steps"],
            "first_diff_step": d["first_diff_step"],
            "identical_steps": d["identical_steps"],
            "steps": d["steps"],
            "test_accuracy": {"v1": float(r1.test_accuracy), "v2": float(r2.test_accuracy)},
            "train_seconds": {"v1": float(r1.train_seconds), "v2": float(r2.train_seconds)},
            "verdict": verdict(d["max_rel"], d["nonfinite_mismatch_steps"]),
        }
        if curves:
            entry["loss"] = {"v1": r1.loss.tolist(), "v2": r2.loss.tolist()}
        out[variant] = entry
    main = out.get("stable") or out[losses[0]]
    for key in ("max_abs_loss_diff", "max_rel_loss_diff", "max_abs_weight_diff", "test_accuracy"):
        out[key] = main[key]
    return out


# --------------------------------------------------------------------------- CNN


CNN_IMPLS = ("v2", "keras", "v1")


def _subset(data, train_examples: int | None, test_examples: int | None):
    if train_examples is None and test_examples is None:
        return data
    changes = {}
    if train_examples is not None:
        changes.update(x_train=data.x_train[:train_examples], y_train=data.y_train[:train_examples])
    if test_examples is not None:
        changes.update(x_test=data.x_test[:test_examples], y_test=data.y_test[:test_examples])
    return dataclasses.replace(data, **changes)


def compare_cnn(data, *, epochs: int = 1, batch_size: int = 32, learning_rate: float = 0.001,
                normalize: bool = False, seed: int = 0, curve_steps: int = 300,
                train_examples: int | None = None, test_examples: int | None = None,
                impls: Sequence[str] = CNN_IMPLS) -> dict:
    """The CNN three ways: v2 custom loop (reference), Keras ``fit``, v1 graph twin.

    All start from ``cnn_v2.initial_weights(seed)`` and replay the epochs
    ``cnn_v2.epoch_indices(N, seed, e)``, batched in consecutive slices.

    Args:
      data: a ``datasets.Mnist``.
      epochs, batch_size, learning_rate, normalize: the ``CNNConfig`` fields.
      seed: seeds the initial weights and the epoch orders.
      curve_steps: how many leading steps of per-step loss to compare and keep.
      train_examples, test_examples: use only the first examples (for a short run).
      impls: which implementations to run; ``v2`` is always run (the reference).

    Returns:
      dict with ``settings``, ``test_accuracy.{impl}``, ``max_rel_epoch_loss_diff.{keras,v1}``,
      ``max_rel_step_loss_diff.{keras,v1}``, ``max_abs_step_loss_diff``,
      ``max_rel_val_loss_diff``, ``max_abs_accuracy_diff``, ``max_abs_weight_diff``,
      ``verdict``, ``train_seconds``, ``history.{impl}`` and ``step_loss.{impl}``.
    """
    from tfv1_mnist import cnn_v1, cnn_v2, keras_reference
    from tfv1_mnist.config import CNNConfig

    unknown = [name for name in impls if name not in CNN_IMPLS]
    if unknown:
        raise ConfigError(f"unknown CNN implementation {unknown[0]!r}; choose from {', '.join(CNN_IMPLS)}")
    data = _subset(data, train_examples, test_examples)
    impls = ["v2"] + [i for i in impls if i != "v2"]
    config = CNNConfig(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                       normalize=normalize, seed=seed)
    n = data.num_train
    initial = cnn_v2.initial_weights(seed)
    batches = [cnn_v2.epoch_indices(n, seed, e) for e in range(epochs)]
    histories, weights, seconds = {}, {}, {}
    for name in impls:
        _log.info("cnn: training %s for %d epoch(s) of %d examples", name, epochs, n)
        start = time.perf_counter()
        if name == "v2":
            model, hist = cnn_v2.train_and_evaluate(config, data, initial_weights=initial, batches=batches,
                                                   progress=False)
            w = model.get_weights()
        elif name == "keras":
            model, hist = keras_reference.train(config, data, initial_weights=initial, batches=batches)
            w = model.get_weights()
        else:  # "v1"
            w, hist = cnn_v1.train_and_evaluate(config, data, initial_weights=initial, batches=batches)
        seconds[name] = time.perf_counter() - start
        histories[name] = {k: [float(v) for v in hist[k]] for k in
                           ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "step_loss")}
        weights[name] = [np.asarray(a) for a in w]

    ref = histories["v2"]
    out: dict[str, Any] = {
        "settings": {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                     "normalize": normalize, "seed": seed, "train_examples": n,
                     "test_examples": data.num_test, "steps_per_epoch": -(-n // batch_size),
                     "curve_steps": curve_steps, "reference": "v2",
                     "adam": {"learning_rate": learning_rate, **cnn_v1.KERAS_ADAM},
                     "schedule": "cnn_v2.epoch_indices(N, seed, epoch), consecutive batch_size slices"},
        "test_accuracy": {k: h["val_accuracy"][-1] for k, h in histories.items()},
        "max_rel_epoch_loss_diff": {}, "max_rel_step_loss_diff": {}, "max_abs_step_loss_diff": {},
        "max_rel_early_step_loss_diff": {}, "max_rel_val_loss_diff": {}, "max_abs_accuracy_diff": {}, "max_abs_weight_diff": {},
        "first_diff_step": {}, "verdict": {},
        "train_seconds": {k: float(sum(h["epoch_seconds"])) for k, h in histories.items()},
        "wall_seconds": seconds,
    }
    for name in impls[1:]:
        h = histories[name]
        epoch_d = curve_diff(h["loss"], ref["loss"])
        step_d = curve_diff(h["step_loss"][:curve_steps], ref["step_loss"][:curve_steps])
        val_d = curve_diff(h["val_loss"], ref["val_loss"])
        out["max_rel_epoch_loss_diff"][name] = epoch_d["max_rel"]
        out["max_rel_step_loss_diff"][name] = step_d["max_rel"]
        out["max_abs_step_loss_diff"][name] = step_d["max_abs"]
        out["max_rel_val_loss_diff"][name] = val_d["max_rel"]
        out["first_diff_step"][name] = step_d["first_diff_step"]
        out["max_abs_accuracy_diff"][name] = float(max(
            abs(a - b) for a, b in zip(h["accuracy"] + h["val_accuracy"], ref["accuracy"] + ref["val_accuracy"])))
        out["max_abs_weight_diff"][name] = max_abs_diff(weights[name], weights["v2"])
        early_d = curve_diff(h["step_loss"][:EARLY_STEPS], ref["step_loss"][:EARLY_STEPS])
        out["max_rel_early_step_loss_diff"][name] = early_d["max_rel"]
        worst = max(epoch_d["max_rel"], step_d["max_rel"])
        if out["max_abs_weight_diff"][name] == 0.0 and val_d["max_rel"] <= ROUND_OFF_REL:
            # Bit-identical final weights: the computation is the same, and the loss
            # differences come only from how each side reports it (e.g. Keras' running means).
            out["verdict"][name] = "identical"
            continue
        out["verdict"][name] = verdict(worst, epoch_d["nonfinite_mismatch_steps"] + step_d["nonfinite_mismatch_steps"],
                                       tolerance=CNN_REL_TOLERANCE, early_rel=early_d["max_rel"])
    out["history"] = {k: {kk: v for kk, v in h.items() if kk != "step_loss"} for k, h in histories.items()}
    out["step_loss"] = {k: h["step_loss"][:curve_steps] for k, h in histories.items()}
    return out


# --------------------------------------------------------------------------- environment


def environment() -> dict:
    """The settings that decide whether two runs can match bit for bit.

    Returns:
      ``onednn`` (``TF_ENABLE_ONEDNN_OPTS`` as this process saw it at import:
      ``"0"``, ``"1"`` or ``"default"``), ``op_determinism`` (bool), ``tf32``
      (bool; only matters on GPUs), ``devices`` (the physical device types) and
      ``isolated`` (whether this is a child process started by ``run_isolated``).
    """
    import tensorflow as tf

    from tfv1_mnist import determinism

    return {
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        "op_determinism": determinism.is_enabled(),
        "tf32": bool(tf.config.experimental.tensor_float_32_execution_enabled()),
        "devices": sorted({d.device_type for d in tf.config.list_physical_devices()}),
        "isolated": os.environ.get("TFV1_MNIST_COMPARE_CHILD") == "1",
    }


def run(data, *, model: str = "all", steps: int = 1000, epochs: int = 1, seed: int = 0,
        softmax_options: Mapping[str, Any] | None = None, cnn_options: Mapping[str, Any] | None = None,
        deterministic: bool = False) -> dict:
    """Runs the comparison in this process.

    Args:
      data: a ``datasets.Mnist``.
      model: ``softmax``, ``cnn`` or ``all``.
      steps: softmax training steps.
      epochs: CNN epochs.
      seed: seeds initial values and schedules of both models.
      softmax_options, cnn_options: more keyword arguments for ``compare_softmax``
        / ``compare_cnn``.
      deterministic: enable op determinism (irreversible for this process, and
        unseeded random ops raise afterwards) and turn TF32 off first.
        ``run_isolated`` does this, in a child process.

    Returns:
      ``{"model", "environment", "softmax"?, "cnn"?, "differences", "seconds"}``.
    """
    if model not in MODELS:
        raise ConfigError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    import keras
    import tensorflow as tf

    if deterministic:
        tf.config.experimental.enable_tensor_float_32_execution(False)
        tf.config.experimental.enable_op_determinism()
        keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    result: dict[str, Any] = {"model": model, "environment": environment()}
    if model in ("softmax", "all"):
        result["softmax"] = compare_softmax(data, steps=steps, seed=seed, **dict(softmax_options or {}))
    if model in ("cnn", "all"):
        result["cnn"] = compare_cnn(data, epochs=epochs, seed=seed, **dict(cnn_options or {}))
    result["differences"] = explain(result)
    result["seconds"] = time.perf_counter() - start
    return result


def run_isolated(data, *, onednn: bool = False, timeout: float | None = None, **kwargs) -> dict:
    """Runs ``run(data, **kwargs)`` in a child Python with a chosen oneDNN setting.

    ``TF_ENABLE_ONEDNN_OPTS`` is read once, when TensorFlow is imported, so only a
    fresh process can change it; the child also enables op determinism and
    turns TF32 off without touching this process.

    Args:
      data: a ``datasets.Mnist``; its arrays are handed over in a temporary ``.npz``.
      onednn: ``TF_ENABLE_ONEDNN_OPTS=1`` (oneDNN's reordered kernels) instead of ``0``.
      timeout: seconds before the child is killed, or None.
      **kwargs: arguments of ``run`` (``model``, ``steps``, ``epochs``, ``seed``, ...).

    Returns:
      ``run``'s dict, read back from JSON (non-finite numbers are None).

    Raises:
      Tfv1MnistError: the child failed; the message holds the end of its stderr.
      subprocess.TimeoutExpired: the child ran longer than ``timeout`` and was killed.
    """
    with tempfile.TemporaryDirectory(prefix="tfv1-compare-") as tmp:
        tmp = pathlib.Path(tmp)
        np.savez(tmp / "data.npz", x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                 y_test=data.y_test)
        request = {"meta": {"name": data.name, "path": data.path, "sha256": data.sha256,
                            "class_names": list(data.class_names)}, "kwargs": kwargs}
        (tmp / "request.json").write_text(json.dumps(request))
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS="1" if onednn else "0", TFV1_MNIST_COMPARE_CHILD="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        cmd = [sys.executable, "-m", "tfv1_mnist.compare", str(tmp / "request.json"), str(tmp / "data.npz"),
               str(tmp / "result.json")]
        _log.info("comparing in a child process (TF_ENABLE_ONEDNN_OPTS=%s)", env["TF_ENABLE_ONEDNN_OPTS"])
        tail: collections.deque[str] = collections.deque(maxlen=15)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # The timer kills the child even while it prints nothing; its stderr then ends.
        timed_out = threading.Event()
        timer = None if timeout is None else threading.Timer(timeout, lambda: (timed_out.set(), proc.kill()))
        try:
            if timer is not None:
                timer.start()
            # Relay the child's log lines as they come (its progress), keeping the last ones for errors.
            for line in proc.stderr:
                line = line.rstrip("\n")
                tail.append(line)
                if line and not _TF_NOISE.match(line):
                    _log.info("%s", line)
            returncode = proc.wait()
        except BaseException:  # Ctrl-C: never leave the child running
            proc.kill()
            proc.wait()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            proc.stderr.close()
        if timed_out.is_set():
            raise subprocess.TimeoutExpired(cmd, timeout)
        if returncode != 0:
            raise Tfv1MnistError(f"the comparison failed in its child process (exit {returncode}):\n"
                                 + "\n".join(tail))
        return json.loads((tmp / "result.json").read_text())


def _child_main(argv: Sequence[str]) -> int:
    from tfv1_mnist import datasets, outputs

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    request = json.loads(pathlib.Path(argv[0]).read_text())
    with np.load(argv[1], allow_pickle=False) as f:
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    meta = request["meta"]
    data = datasets.Mnist(**arrays, name=meta["name"], path=meta["path"], sha256=meta["sha256"],
                          class_names=tuple(meta["class_names"]))
    result = run(data, **{"deterministic": True, **request["kwargs"]})
    outputs.write_json(argv[2], result)
    return 0


# --------------------------------------------------------------------------- explanations


def explain(result: Mapping[str, Any]) -> list[dict]:
    """Which differences are round-off and which come from different formulas.

    Args:
      result: ``run``'s dict.

    Returns:
      A list of ``{"between", "source", "detail"}``; ``source`` is
      ``"none"`` (bit-identical), ``"round-off"`` (same formula, different operation order or kernels),
      ``"formula"`` (the implementations compute something different, by design),
      or ``"unexplained"`` (a measured difference larger than round-off).
    """
    env = result.get("environment", {})
    out: list[dict] = []
    soft = result.get("softmax")
    if soft:
        for variant, e in _softmax_variants(soft):
            source = _source(e["verdict"])
            if e["verdict"] == "identical":
                what = (f"bit-identical losses at all {e['steps']} steps and identical weights: the same "
                        "kernels run in the same order in the graph and under tf.function")
            else:
                what = (f"max relative loss difference {_fmt(e['max_rel_loss_diff'])} over {e['steps']} steps "
                        f"({e['verdict']}): float32 operation order (graph vs tf.function kernels, oneDNN)")
            out.append({
                "between": f"softmax {variant}: v1 vs v2",
                "source": source,
                "detail": "same loss formula and plain gradient descent; " + what
                + (f"; NaN at {e['nonfinite_mismatch_steps']} step(s) in only one of them"
                   if e["nonfinite_mismatch_steps"] else ""),
            })
        if "naive" in soft and "stable" in soft:
            out.append({
                "between": "softmax naive vs stable",
                "source": "formula",
                "detail": "-sum(y*log(softmax(z))) underflows to log(0) = -inf and gives NaN once a "
                          "probability rounds to 0; log-softmax stays finite. Not compared to each other.",
            })
    cnn = result.get("cnn")
    if cnn:
        for name in cnn.get("verdict", {}):
            v = cnn["verdict"][name]
            rel = cnn["max_rel_step_loss_diff"][name]
            early = cnn.get("max_rel_early_step_loss_diff", {}).get(name)
            source = _source(v)
            if name == "keras":
                detail = (f"Keras model.fit vs v2 custom loop: verdict {v}; final weights differ by "
                          f"{_fmt(cnn['max_abs_weight_diff'][name])}, per-step losses by up to {_fmt(rel)} "
                          "(relative). Both run "
                          "Keras' Adam on the same cross-entropy; fit's per-step loss is read after every "
                          "batch from the loss object fit differentiates (keras_reference), so it is the "
                          "step's own loss, not one recovered from Keras' running mean")
            else:
                detail = (f"v1 graph twin vs v2 custom loop: max relative per-step loss difference {_fmt(rel)} "
                          f"({v}; first {EARLY_STEPS} steps {_fmt(early)}). Same network, loss and Adam formula; "
                          "the gap starts at the second step, from Adam's constants: TF1's ApplyAdam kernel forms 1-beta "
                          "in float32 from float32 beta (1-0.999f = 0.0009999871, 1.3e-5 below Keras' 0.001; "
                          "1-0.9f = 0.100000024), Keras forms 1-beta in float64 and rounds once. Later, "
                          "TF1's running product beta^t vs Keras' pow(beta, t) adds round-off")
                if v == "amplified round-off":
                    detail += "; training (Adam on raw 0-255 pixels) then amplifies these last-bit differences"
            out.append({"between": f"cnn {name} vs v2", "source": source, "detail": detail})
        eps = cnn["settings"]["adam"]["epsilon"]
        out.append({
            "between": "cnn Adam: tf.compat.v1.train.AdamOptimizer vs keras.optimizers.Adam",
            "source": "formula" if eps != 1e-7 else "round-off",
            "detail": "both apply alpha = lr*sqrt(1-b2^t)/(1-b1^t); var -= alpha*m/(sqrt(v)+eps): epsilon is "
                      "added to sqrt of the uncorrected v in both (Kingma & Ba's 'epsilon hat', equal to "
                      "Algorithm 1's eps/sqrt(1-b2^t)). Defaults differ (TF1 1e-8, Keras 1e-7); the twin "
                      f"uses {eps:g}. The float32 constants 1-beta differ in the last bits (see above).",
        })
        out.append({
            "between": "cnn epoch loss (all)",
            "source": "formula",
            "detail": "Keras' logs['loss'] is the running, example-weighted mean of each batch's loss "
                      "before its update, not the loss of the final weights on the training set; v2 and v1 "
                      "record the same running mean, so epoch losses compare like with like. Accuracy "
                      "likewise; val_loss/val_accuracy evaluate the epoch's final weights on the test set.",
        })
    out.append({
        "between": "environment",
        "source": "round-off",
        "detail": f"oneDNN opts {env.get('onednn', '?')} (1 reorders float32 reductions), {_switches(env)}"
                  " (GPU only); these change last bits, never formulas",
    })
    return out


def _softmax_variants(soft: Mapping[str, Any]):
    """The ``(variant, entry)`` pairs of a softmax comparison that ran, naive first."""
    return [(variant, soft[variant]) for variant in ("naive", "stable") if soft.get(variant)]


def _source(verdict_word: str) -> str:
    """``explain``'s source for a ``verdict`` word."""
    return {"different": "unexplained", "identical": "none"}.get(verdict_word, "round-off")


def _switches(env: Mapping[str, Any]) -> str:
    """``"op determinism on, TF32 off"`` from an ``environment()`` dict."""
    on_off = {True: "on", False: "off"}
    return f"op determinism {on_off[bool(env.get('op_determinism'))]}, TF32 {on_off[bool(env.get('tf32'))]}"


def _fmt(x) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return "0" if x == 0 else f"{x:.2e}"
    return str(x)


def _acc(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


# --------------------------------------------------------------------------- outputs


TABLE_HEADER = ("model", "compared", "max abs loss diff", "max rel loss diff", "max abs weight diff",
                "test accuracy (compared / reference)", "verdict")


def table_rows(result: Mapping[str, Any]) -> tuple[tuple[str, ...], list[list[str]]]:
    """The comparison table: ``(header, rows)`` of strings.

    Softmax rows compare v1 with v2 per loss over every step; CNN rows compare
    Keras ``fit`` and the v1 twin with the v2 loop over the first ``curve_steps``
    steps (the epoch-level relative difference is given in brackets).
    Accuracies are fractions with 4 decimals, differences 3 significant digits.
    """
    rows = []
    soft = result.get("softmax")
    if soft:
        for variant, e in _softmax_variants(soft):
            acc = e["test_accuracy"]
            nan = (f", non-finite loss at {e['nan_steps_by_impl']['v1']}/{e['nan_steps_by_impl']['v2']} steps"
                   if e["nan_steps"] or e["nan_steps_by_impl"]["v2"] else "")
            rows.append([f"softmax ({variant} loss)", f"v1 vs v2, {e['steps']} steps{nan}",
                         _fmt(e["max_abs_loss_diff"]), _fmt(e["max_rel_loss_diff"]), _fmt(e["max_abs_weight_diff"]),
                         f"{_acc(acc['v1'])} / {_acc(acc['v2'])}", e["verdict"]])
    cnn = result.get("cnn")
    if cnn:
        acc = cnn["test_accuracy"]
        steps = len(cnn["step_loss"]["v2"])
        for name in cnn["verdict"]:
            rows.append(["cnn", f"{name} vs v2, {steps} steps / {cnn['settings']['epochs']} epoch(s)",
                         _fmt(cnn["max_abs_step_loss_diff"][name]),
                         f"{_fmt(cnn['max_rel_step_loss_diff'][name])} (epoch {_fmt(cnn['max_rel_epoch_loss_diff'][name])})",
                         _fmt(cnn["max_abs_weight_diff"][name]), f"{_acc(acc[name])} / {_acc(acc['v2'])}",
                         cnn["verdict"][name]])
    return TABLE_HEADER, rows


def to_markdown(result: Mapping[str, Any]) -> str:
    """The comparison as a Markdown table plus the explanations.

    Args:
      result: ``run``'s dict (or ``compare.json`` without provenance).

    Returns:
      Markdown text.
    """
    header, rows = table_rows(result)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    env = result.get("environment", {})
    lines += ["",
              f"Environment: TF_ENABLE_ONEDNN_OPTS={env.get('onednn', '?')}, {_switches(env)}, "
              f"devices {', '.join(env.get('devices', [])) or '?'}.",
              "", "What the differences are:", ""]
    for d in result.get("differences", []):
        lines.append(f"- **{d['between']}** ({d['source']}): {d['detail']}")
    return "\n".join(lines) + "\n"


def write_outputs(result: Mapping[str, Any], out: str | os.PathLike, dataset=None,
                  extra_provenance: Mapping[str, Any] | None = None) -> dict:
    """Writes ``compare.json``, ``compare.md`` and the overlay figures into ``out``.

    Args:
      result: ``run``'s (or ``run_isolated``'s) dict.
      out: the output folder.
      dataset: the ``datasets.Mnist`` compared on (for provenance).
      extra_provenance: more provenance fields (e.g. the command line).

    Returns:
      ``{name: path}`` of the files written (``compare.json``, ``compare.md`` and
      ``softmax_loss_overlay.png``, ``cnn_step_loss_overlay.png``,
      ``cnn_epoch_loss_overlay.png`` where they apply).
    """
    from tfv1_mnist import outputs, plots

    out = pathlib.Path(out)
    seed = None
    for key in ("softmax", "cnn"):
        if key in result:
            seed = result[key]["settings"]["seed"]
    doc = {"provenance": outputs.provenance(dataset=dataset, seed=seed, comparison_environment=result.get("environment"),
                                            **dict(extra_provenance or {})),
           **result}
    written = {"compare.json": outputs.write_json(out / "compare.json", doc),
               "compare.md": outputs.write_text(out / "compare.md", "# v1 / v2 comparison\n\n" + to_markdown(result))}
    soft = result.get("softmax")
    if soft:
        variants = [(variant, e["loss"]) for variant, e in _softmax_variants(soft) if "loss" in e]
        if variants:
            curves = {f"{impl} {variant}": loss[impl] for variant, loss in variants for impl in ("v1", "v2")}
            pairs = [(f"v2 {variant}", f"v1 {variant}") for variant, _ in variants]
            path = out / "softmax_loss_overlay.png"
            plots.plot_loss_overlay(curves, path, pairs=pairs,
                                    title="Softmax regression: loss per step (v1 graph vs v2 tf.function)")
            written["softmax_loss_overlay.png"] = path
    cnn = result.get("cnn")
    if cnn:
        path = out / "cnn_step_loss_overlay.png"
        plots.plot_loss_overlay(cnn["step_loss"], path, reference="v2",
                                title="CNN: loss per step (v2 loop, Keras fit, v1 graph)")
        written["cnn_step_loss_overlay.png"] = path
        path = out / "cnn_epoch_loss_overlay.png"
        plots.plot_loss_overlay({k: h["loss"] for k, h in cnn["history"].items()}, path, reference="v2",
                                title="CNN: epoch loss (running mean)", xlabel="epoch")
        written["cnn_epoch_loss_overlay.png"] = path
    return written


if __name__ == "__main__":  # the child process of run_isolated
    sys.exit(_child_main(sys.argv[1:]))
