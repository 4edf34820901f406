"""Where a step's time goes: the two trainers profiled op by op, as JSON lines.

Pattern: TensorFlow's own profiler (``tf.profiler.experimental.start``/``stop``),
its ``.xplane.pb`` read back with TensorFlow's own proto
(``tensorflow.tsl.profiler.protobuf.xplane_pb2``); each op kernel's events
(``node_name:OpType``) are summed by op type and layer (the name scopes).

* ``softmax_ops``: ``softmax.v1.train`` itself, the seed's 1000 steps on the
  embedded sample, run three times without the profiler (the best is
  ``softmax_step``'s ``untraced_us_per_step``), then once under it.  One
  record per op type: ops per step, microseconds per step, share of the
  profiled steps (``train_seconds``), and GFLOP/s for the matmuls.
* ``cnn_ops``: ``cnn.v2``'s ``StepRunner`` (what ``train_and_evaluate`` runs)
  on ``PROFILE_CNN_EXAMPLES`` (default 20,000) examples of the CNN
  benchmark's data.  One record per (op, layer): per step, share of the
  step's wall time, and GFLOP/s for the convolutions and matmuls.  Ops on
  the inter-op threads overlap, so the shares can add up to more than 1.
  ``cnn_step`` gives the step time and the share of ``IteratorGetNext``,
  the step's wait for its batch.

The profiler records only the kernels it counts as expensive, and timing
them slows the small ones most: read the shares, and the untraced step time
beside them.

    python scripts/bench.py profile
    python scripts/bench.py --quick profile      # fewer steps: a smoke run
"""

from __future__ import annotations

import collections
import math
import os
import pathlib
import sys
import tempfile
from typing import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.bench_cnn import BATCH_SIZE, load_data  # noqa: E402

SEED = 0


def _log(msg: str) -> None:
    print(f"bench_profile: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------- softmax


def softmax_profile(quick: bool) -> Iterator[dict]:
    from tfv1_mnist import datasets
    from tfv1_mnist.config import SoftmaxConfig
    from tfv1_mnist.softmax import data as softmax_data
    from tfv1_mnist.softmax import resident, v1

    config = SoftmaxConfig(seed=SEED, steps=100 if quick else 1000)
    data = softmax_data.as_datasets(datasets.load("sample"), seed=SEED)
    # v1.train as users call it: first without the profiler, then under it.
    untraced = [v1.train(config, data).train_seconds for _ in range(3)]
    with _profiled() as events:
        profiled = v1.train(config, data).train_seconds
    steps = config.steps
    step_ps = profiled / steps * 1e12
    totals, counts = _op_totals(events)
    by_op, by_op_count = collections.Counter(), collections.Counter()
    for (op, layer), duration in totals.items():
        by_op[op] += duration
        by_op_count[op] += counts[(op, layer)]
    yield {"bench": "softmax_step", "steps": steps,
           "images_dtype": str(resident.pack(data.train.images).dtype),
           "untraced_us_per_step": min(untraced) / steps * 1e6,
           "profiled_us_per_step": step_ps / 1e6,
           "op_us_per_step": sum(by_op.values()) / steps / 1e6,
           "ops_per_step": sum(by_op_count.values()) / steps}
    # The step's matmuls are [batch, 784] x [784, 10]; the test set's one, in the
    # last run, is counted among them (a tenth of a percent of their time).
    flops = {"MatMul": 2.0 * config.batch_size * softmax_data.IMAGE_PIXELS * softmax_data.NUM_CLASSES}
    for op, duration in by_op.most_common():
        record = {"bench": "softmax_ops", "op": op, "per_step": by_op_count[op] / steps,
                  "us_per_step": duration / steps / 1e6, "share_of_step": duration / steps / step_ps}
        if op in flops:
            per_op_s = duration / by_op_count[op] / 1e12
            record["gflops"] = flops[op] / per_op_s / 1e9
        yield record


# ----------------------------------------------------------------------- CNN


def _flops_per_example() -> dict[tuple[str, str], float]:
    """FLOPs per example of each (op, layer) that does arithmetic worth a rate."""
    from tfv1_mnist.cnn import shapes

    ops = {"conv1": ("_FusedConv2D", "Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput"),
           "dense1": ("_FusedMatMul", "MatMul")}
    ops["conv2"], ops["dense2"] = ops["conv1"], ops["dense1"]
    return {(op, layer): 2.0 * shapes.LAYER_MACS[layer] for layer in ops for op in ops[layer]}


_LAYERS = ("conv1", "pool1", "conv2", "pool2", "dense1", "dense2")


def _layer_of(node_name: str) -> str:
    parts = node_name.split("/")
    for part in parts:
        if part in _LAYERS:
            return part
    return ""


class _profiled:
    """``with _profiled() as events:`` runs the block under ``tf.profiler``; ``events``
    then holds ``(name, duration_ps)`` of every event on the host plane."""

    def __enter__(self) -> list:
        import tensorflow as tf

        self._tmp = tempfile.TemporaryDirectory(prefix="bench-profile-")
        self.events: list = []
        tf.profiler.experimental.start(self._tmp.name)
        return self.events

    def __exit__(self, *exc) -> None:
        import tensorflow as tf
        from tensorflow.tsl.profiler.protobuf import xplane_pb2

        tf.profiler.experimental.stop()
        try:
            if exc[0] is not None:
                return
            paths = sorted(pathlib.Path(self._tmp.name).rglob("*.xplane.pb"))
            if not paths:
                raise RuntimeError("tf.profiler wrote no .xplane.pb")
            space = xplane_pb2.XSpace()
            space.ParseFromString(paths[-1].read_bytes())
            for plane in space.planes:
                if plane.name.startswith("/host:"):
                    names = {k: m.name for k, m in plane.event_metadata.items()}
                    self.events.extend((names.get(e.metadata_id, ""), e.duration_ps)
                                       for line in plane.lines for e in line.events)
        finally:
            self._tmp.cleanup()


def _op_totals(events) -> tuple[collections.Counter, collections.Counter]:
    """Summed duration (ps) and count of op kernels by (op type, layer).

    Op kernels are traced as ``node_name:OpType``; the executor's, the thread
    pool's and ``tf.data``'s own events (``Iterator::...``) are not ops.
    """
    totals, counts = collections.Counter(), collections.Counter()
    for name, duration in events:
        if ":" not in name or "::" in name:
            continue
        node, op = name.rsplit(":", 1)
        if not op.isidentifier():
            continue
        key = (op, _layer_of(node))
        totals[key] += duration
        counts[key] += 1
    return totals, counts


def cnn_profile(args, quick: bool) -> Iterator[dict]:
    import keras
    import tensorflow as tf

    from tfv1_mnist.cnn import inputs, seeded, shapes, steps as cnn_steps, v2 as cnn_v2

    data = load_data(args)
    n = 3_000 if quick else int(os.environ.get("PROFILE_CNN_EXAMPLES", 20_000))
    x = tf.constant(data.x_train[:n])
    y = tf.constant(data.y_train[:n])
    model = cnn_v2.CNN(seeded.initial_weights(SEED))
    optimizer = keras.optimizers.Adam(0.001)
    optimizer.build(model.ordered_variables)
    runner = cnn_steps.StepRunner(model, optimizer)
    num_steps = math.ceil(n / BATCH_SIZE)
    steps_per_call = max(1, math.ceil(num_steps / 20))
    order = seeded.epoch_indices(n, SEED, 0)
    # Trace the step function first, outside the profile.
    warm = inputs.make_dataset(x, y, order[: BATCH_SIZE * 2], BATCH_SIZE)
    cnn_steps.train_epoch(runner, warm, 2, steps_per_call=1)
    dataset = inputs.make_dataset(x, y, order, BATCH_SIZE)
    with _profiled() as events:
        stats = cnn_steps.train_epoch(runner, dataset, num_steps, steps_per_call=steps_per_call)
    step_ps = stats["seconds"] / num_steps * 1e12
    flops = _flops_per_example()
    totals, counts = _op_totals(events)
    pipeline_ps = sum(v for (op, _), v in totals.items() if op == "IteratorGetNext")
    yield {"bench": "cnn_step", "examples": n, "steps": num_steps, "batch_size": BATCH_SIZE,
           "data": data.name, "step_ms": step_ps / 1e9,
           "gflops": shapes.TRAIN_FLOPS_PER_EXAMPLE * n / stats["seconds"] / 1e9,
           "iterator_get_next_share": pipeline_ps / num_steps / step_ps}
    for (op, layer), duration in totals.most_common():
        per_step_ps = duration / num_steps
        record = {"bench": "cnn_ops", "op": op, "layer": layer,
                  "per_step": counts[(op, layer)] / num_steps,
                  "ms_per_step": per_step_ps / 1e9, "share_of_step": per_step_ps / step_ps}
        if (op, layer) in flops and per_step_ps > 0:
            record["gflops"] = flops[(op, layer)] * BATCH_SIZE / (per_step_ps / 1e12) / 1e9
        yield record


def run(args) -> Iterator[dict]:
    quick = bool(getattr(args, "quick", False))
    _log("softmax: v1's step loop under tf.profiler")
    yield from softmax_profile(quick)
    _log("cnn: cnn.v2's StepRunner under tf.profiler")
    yield from cnn_profile(args, quick)
