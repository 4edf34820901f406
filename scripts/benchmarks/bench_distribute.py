"""Distributed CNN: one epoch at 1 replica against 2, and the mirrored run's drift from one device.

Pattern: as the other areas, contenders side by side, interleaved round by round,
medians and per-round ratios.  A logical CPU split is fixed when TensorFlow
starts, so each contender trains in its own fresh process
(``determinism.run_isolated``); the record's time is the *second* epoch's
(``warm``: tracing and the first pass through the pipeline are in the first,
given as ``first_epoch_seconds``).  Everything runs the same v2 loop
(``cnn.v2.train_and_evaluate``) from the same weights on the same batches.

Contenders (``variant``):
  default     one device, the default strategy: the single-device loop.
  mirrored_1  ``MirroredStrategy`` over one device: the distribution machinery
              (``strategy.run``, the distributed dataset, the reductions) without a split.
  mirrored_2  ``MirroredStrategy`` over 2 logical CPUs (2 GPUs where there are):
              each global batch of 32 in two slices of 16, gradients all-reduced.

``mirrored_1 / default`` is the machinery's cost; ``mirrored_2 / mirrored_1``
the split's: two kernels of 16 rows instead of one of 32, the all-reduce of
10,000 gradients per step, and two replicas sharing one machine's cores.

Then the drift (``variant: drift``): ``compare`` of the mirrored implementation
against single-device v2 from the same start, on raw pixels and with
``normalize``, its verdict and figures (``max_rel_step_loss_diff`` over every
step, ``max_rel_early_step_loss_diff`` over the first 10, ``max_abs_weight_diff``).

    python scripts/bench.py distribute            # the embedded sample, 3 rounds, 2 epochs each
    python scripts/bench.py --quick distribute    # 640 examples, 1 round (smoke run)
    BENCH_DISTRIBUTE_ROUNDS=5 python scripts/bench.py --data mnist distribute
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
from typing import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

VARIANTS = (("default", "default", 1), ("mirrored_1", "mirrored", 1), ("mirrored_2", "mirrored", 2))


def _log(msg: str) -> None:
    print(f"bench_distribute: {msg}", file=sys.stderr, flush=True)


def _epochs_job(data, kind: str, replicas: int, epochs: int) -> dict:
    """In a fresh process: trains ``epochs`` epochs under the strategy; returns the epoch times."""
    from tfv1_mnist import distribute
    from tfv1_mnist.cnn import v2
    from tfv1_mnist.config import CNNConfig

    strategy = distribute.make_strategy(distribute.StrategySpec(kind, replicas=replicas))
    _, history = v2.train_and_evaluate(CNNConfig(epochs=epochs, seed=0), data, progress=False,
                                       strategy=strategy)
    return {"epoch_seconds": history["epoch_seconds"], "loss": history["loss"],
            "replicas": int(strategy.num_replicas_in_sync)}


def _load(args):
    from tfv1_mnist import datasets

    data = datasets.load(getattr(args, "data", None) or "sample")
    if args.quick:
        data = dataclasses.replace(data, x_train=data.x_train[:640], y_train=data.y_train[:640],
                                   x_test=data.x_test[:200], y_test=data.y_test[:200])
    return data


def run(args) -> Iterator[dict]:
    """Yields one record per contender, then one per drift measurement (raw, normalize)."""
    from tfv1_mnist import compare, determinism

    data = _load(args)
    rounds = 1 if args.quick else int(os.environ.get("BENCH_DISTRIBUTE_ROUNDS", "3"))
    times: dict[str, list[float]] = {v: [] for v, _, _ in VARIANTS}
    first: dict[str, list[float]] = {v: [] for v, _, _ in VARIANTS}
    ratios: dict[str, list[float]] = {v: [] for v, _, _ in VARIANTS}
    replicas: dict[str, int] = {}
    for r in range(rounds):
        this_round = {}
        for name, kind, n in VARIANTS:
            _log(f"round {r + 1}/{rounds}: {name}")
            out = determinism.run_isolated(None, _epochs_job, data, kind, n, 2)
            this_round[name] = out["epoch_seconds"][1]
            first[name].append(out["epoch_seconds"][0])
            replicas[name] = out["replicas"]
        for name in times:
            times[name].append(this_round[name])
            ratios[name].append(this_round[name] / this_round["default"])
    n_train = len(data.x_train)
    steps = -(-n_train // 32)
    for name, kind, _ in VARIANTS:
        median = statistics.median(times[name])
        yield {
            "variant": name, "strategy": kind, "replicas": replicas[name], "dataset": data.name,
            "examples": n_train, "steps": steps, "rounds": rounds,
            "seconds": median, "first_epoch_seconds": statistics.median(first[name]),
            "ms_per_step": 1000 * median / steps,
            "ratio": statistics.median(ratios[name]), "ratio_all": ratios[name],
            "examples_per_second": n_train / median,
        }
    for normalize in (False, True):
        _log(f"drift, normalize={normalize}")
        result = compare.run_in_child(data, model="cnn", seed=0, settings={"epochs": 2, "normalize": normalize},
                                      implementations={"cnn": ["mirrored"]})
        e = result["models"]["cnn"]["variants"]["default"]
        yield {
            "variant": "drift", "normalize": normalize, "dataset": data.name, "examples": n_train,
            "steps": e["steps"], "compared_steps": e["curve_steps"],
            **{k: e[k]["mirrored"] for k in ("verdict", "max_rel_step_loss_diff", "max_rel_early_step_loss_diff",
                                             "max_abs_weight_diff", "first_diff_step", "identical_steps",
                                             "max_rel_epoch_loss_diff", "max_abs_accuracy_diff")},
            "test_accuracy": e["test_accuracy"], "environment": result["environment"],
        }
