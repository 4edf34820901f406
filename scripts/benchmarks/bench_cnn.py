"""CNN speed: one epoch of ``cnn.v2``'s custom loop against the seed's ``model.fit``.

Pattern: every contender trains one epoch on the same data (full-size
Fashion-MNIST, batch 32, the seed's raw pixels) from the same initial weights,
interleaved round by round in one process, so machine load hits all of them
alike.  Each record gives the median epoch time, the median of the per-round
ratios to Keras' epochs opening and closing the same round (``ratio``; the
target is <= 0.75), the same for process CPU time (``cpu_ratio``) and
the achieved GFLOP/s (``cnn.shapes.TRAIN_FLOPS_PER_EXAMPLE``, about 3.7 MFLOP per
example).

Contenders (``variant``): ``keras_fit`` (the seed's ``model.fit``), ``cnn.v2``
(what ``train_and_evaluate`` runs: tf.data and about 20 ``tf.function`` calls
per epoch), ``per_step`` (one call per batch), ``whole_epoch`` (one call per
epoch), ``gather`` (whole epoch, batches gathered in-graph, no tf.data),
``keras_spe`` (``fit`` with ``steps_per_execution``, about 20 calls per epoch),
and ``VariantCNN``'s whole-epoch ablations (``MODEL_VARIANTS``: ``im2col``,
``im2col_slices``, ``nchw``, ``unfused``) and ``xla`` (the step with
``jit_compile=True``).

Threads are fixed when TensorFlow starts, so compare thread settings across
processes: ``TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 python
scripts/bench.py cnn``.  Environment knobs in the record: ``threads``.

Then the peers (``bench: cnn_peers`` records), each in a fresh process,
interleaved round by round (``rounds.py``): ``cnn.v2``'s loop
(``peers/cnn_project.py``) against the seed's ``model.fit``
(``peers/cnn_keras_fit.py``, this interpreter), the whole ``tfv1-mnist cnn
--epochs 1`` command (``peers/cnn_command.py``), PyTorch eager and Flax with a
jitted step (from ``BENCH_PEER_PYTHON``; skipped without it).  Every record has
``process_seconds`` (launch to exit) beside ``train_seconds``, their difference
``fixed_seconds``, and ``process_ratio_to_keras_fit``.
``ratio_train_seconds`` is a contender's median epoch over ``cnn.v2``'s;
``BENCH_PEER_ROUNDS`` sets the rounds (default 5), ``BENCH_CNN_INPROCESS=0``
skips the in-process variants above.

    python scripts/bench.py cnn              # full size, 2 rounds
    python scripts/bench.py --quick cnn      # 3,000 examples, 1 round (smoke run)
    BENCH_CNN_VARIANTS=im2col,nchw,xla BENCH_CNN_ROUNDS=1 python scripts/bench.py cnn
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from typing import Callable, Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
BATCH_SIZE = 32
DEFAULT_VARIANTS = ("cnn.v2", "per_step", "whole_epoch", "keras_spe")
ALL_VARIANTS = ("cnn.v2", "per_step", "whole_epoch", "gather", "im2col", "im2col_slices", "nchw",
                "unfused", "xla", "keras_spe")


def _log(msg: str) -> None:
    print(f"bench_cnn: {msg}", file=sys.stderr, flush=True)


def load_data(args):
    """Full-size Fashion-MNIST (or ``--data``); the embedded sample when it is absent."""
    from tfv1_mnist import datasets

    spec = getattr(args, "data", None)
    if spec:
        return datasets.load(spec)
    if os.path.isdir(FASHION_DIR):
        return datasets.read_idx_folder(FASHION_DIR, checksum=False)
    _log(f"{FASHION_DIR} not found; using the embedded MNIST sample")
    return datasets.load("sample")


def _variant_model():
    """``VariantCNN``: ``cnn.v2.CNN``'s forward pass with its ablations as parameters."""
    import tensorflow as tf

    from tfv1_mnist.cnn import inputs, v2 as cnn_v2

    class VariantCNN(cnn_v2.CNN):
        """The seed's CNN, one way of computing it per setting.

        Args (besides ``CNN``'s weights):
          conv2: ``"conv"`` (``tf.nn.conv2d``), ``"patches"`` (``extract_patches``
            [N,10,10,448] @ kernel [448,10]; each patch in HWIO's (row, col,
            channel) order) or ``"slices"`` (16 shifted slices concatenated the same way).
          layout: ``"NHWC"`` or ``"NCHW"`` (convs and pools; the flatten stays Keras' NHWC).
          fused: ``bias_add`` (lets Grappler fuse Conv2D+BiasAdd+Relu) or a plain ``+``.
        """

        def __init__(self, weights, *, conv2="conv", layout="NHWC", fused=True):
            super().__init__(weights)
            self.conv2, self.layout, self.fused = conv2, layout, fused

        def _bias(self, x, b, data_format="NHWC"):
            return tf.nn.bias_add(x, b, data_format=data_format) if self.fused else x + b

        def __call__(self, images):
            k1, b1, k2, b2, w3, b3, w4, b4 = self.ordered_variables
            f = self.layout
            x = inputs.scale_images(images, self.normalize)
            x = tf.reshape(x, [-1, 1, 28, 28]) if f == "NCHW" else inputs.as_nhwc(x)
            x = tf.nn.relu(self._bias(tf.nn.conv2d(x, k1, 1, "VALID", data_format=f), b1, f))
            x = tf.nn.max_pool2d(x, 2, 2, "VALID", data_format=f)
            if self.conv2 == "conv":
                x = tf.nn.conv2d(x, k2, 1, "VALID", data_format=f)
            else:  # NHWC only
                p = (tf.image.extract_patches(x, [1, 4, 4, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
                     if self.conv2 == "patches" else
                     tf.concat([x[:, i:i + 10, j:j + 10, :] for i in range(4) for j in range(4)], -1))
                x = tf.reshape(tf.matmul(tf.reshape(p, [-1, 448]), tf.reshape(k2, [448, 10])), [-1, 10, 10, 10])
            x = tf.nn.max_pool2d(tf.nn.relu(self._bias(x, b2, f)), 2, 2, "VALID", data_format=f)
            if f == "NCHW":
                x = tf.transpose(x, [0, 2, 3, 1])  # Keras' NHWC flatten
            x = tf.nn.relu(self._bias(tf.matmul(tf.reshape(x, [-1, 250]), w3), b3))
            return self._bias(tf.matmul(x, w4), b4)

    return VariantCNN


#: The model-level ablations: ``VariantCNN``'s settings, each trained for a whole epoch per call.
MODEL_VARIANTS = {
    "im2col": {"conv2": "patches"},
    "im2col_slices": {"conv2": "slices"},
    "nchw": {"layout": "NCHW"},
    "unfused": {"fused": False},
}


def _make_contenders(data, init, variants) -> dict[str, Callable[[], float]]:
    """Returns name -> callable that trains one epoch from ``init`` and returns seconds."""
    import keras
    import numpy as np
    import tensorflow as tf

    from tfv1_mnist.cnn import inputs, keras_reference, steps as cnn_steps, v2 as cnn_v2

    x, y = data.x_train, data.y_train
    n = len(x)
    steps = math.ceil(n / BATCH_SIZE)
    x_t, y_t = tf.constant(x), tf.constant(y)
    contenders: dict[str, Callable[[], float]] = {}

    # The seed's program: float32 [N,28,28,1] raw pixels, fit(batch_size=32).
    x_keras = inputs.prepare_images(x, normalize=False)
    y_keras = y.astype(np.int64)
    kmodel = keras_reference.build_model()
    kmodel.set_weights(init)
    kmodel.fit(x_keras[:BATCH_SIZE * 4], y_keras[:BATCH_SIZE * 4], batch_size=BATCH_SIZE,
               epochs=1, verbose=0)  # trace once

    def keras_epoch() -> float:
        kmodel.set_weights(init)
        start = time.perf_counter()
        kmodel.fit(x_keras, y_keras, batch_size=BATCH_SIZE, epochs=1, shuffle=True, verbose=0)
        return time.perf_counter() - start

    contenders["keras_fit"] = keras_epoch
    if "keras_spe" in variants:
        spe_model = keras_reference.build_model()
        spe_model.compile(optimizer=keras.optimizers.Adam(0.001),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                          steps_per_execution=max(1, math.ceil(steps / 20)))
        spe_model.set_weights(init)
        spe_model.fit(x_keras[:BATCH_SIZE * 4], y_keras[:BATCH_SIZE * 4], batch_size=BATCH_SIZE,
                      epochs=1, verbose=0)

        def keras_spe_epoch() -> float:
            spe_model.set_weights(init)
            start = time.perf_counter()
            spe_model.fit(x_keras, y_keras, batch_size=BATCH_SIZE, epochs=1, shuffle=True,
                          verbose=0)
            return time.perf_counter() - start
    variant_cnn = _variant_model()
    order_rng = np.random.default_rng(0)

    def tfdata_runner(steps_per_call, jit=False, **settings):
        model = variant_cnn(init, **settings)
        opt = keras.optimizers.Adam(0.001)
        opt.build(model.ordered_variables)
        if jit:
            @tf.function(jit_compile=True)
            def step(images, labels):
                with tf.GradientTape() as tape:
                    logits = model(images)
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                        labels=tf.cast(labels, tf.int32), logits=logits))
                grads = tape.gradient(loss, model.ordered_variables)
                opt.apply_gradients(zip(grads, model.ordered_variables))
                return loss, tf.constant(0, tf.int32)

            @tf.function
            def run(iterator, k):
                losses = tf.TensorArray(tf.float32, size=k)
                for i in tf.range(k):
                    images, labels = next(iterator)
                    loss, _ = step(images, labels)
                    losses = losses.write(i, loss)
                return losses.stack()

            runner = lambda it, k: run(it, tf.constant(k, tf.int32))  # noqa: E731
        else:
            runner = cnn_steps.StepRunner(model, opt)

        def epoch() -> float:
            model.set_weights(init)
            order = order_rng.permutation(n).astype(np.int64)
            start = time.perf_counter()
            it = iter(inputs.make_dataset(x_t, y_t, order, BATCH_SIZE))
            done = 0
            while done < steps:
                k = min(steps_per_call, steps - done)
                out = runner(it, k)
                _ = out[0].numpy() if isinstance(out, tuple) else out.numpy()
                done += k
            return time.perf_counter() - start

        # Trace on a short epoch of the same shapes.
        it = iter(inputs.make_dataset(x_t, y_t, np.arange(BATCH_SIZE * 2 + 5), BATCH_SIZE))
        for k in (2, 1):
            runner(it, k)
        return epoch

    def gather_runner():
        model = cnn_v2.CNN(init)
        opt = keras.optimizers.Adam(0.001)
        opt.build(model.ordered_variables)

        @tf.function
        def run(index_matrix):
            losses = tf.TensorArray(tf.float32, size=tf.shape(index_matrix)[0])
            for i in tf.range(tf.shape(index_matrix)[0]):
                idx = index_matrix[i]
                loss, _ = cnn_steps.train_step(model, opt, tf.gather(x_t, idx), tf.gather(y_t, idx))
                losses = losses.write(i, loss)
            return losses.stack()

        def epoch() -> float:
            model.set_weights(init)
            order = order_rng.permutation(n).astype(np.int64)
            full = (n // BATCH_SIZE) * BATCH_SIZE
            start = time.perf_counter()
            run(tf.constant(order[:full].reshape(-1, BATCH_SIZE))).numpy()
            if full < n:
                run(tf.constant(order[full:][None])).numpy()
            return time.perf_counter() - start

        run(tf.constant(np.arange(BATCH_SIZE * 2).reshape(2, BATCH_SIZE)))
        run(tf.constant(np.arange(5)[None]))
        return epoch

    whole_epoch = {"whole_epoch": {}, **MODEL_VARIANTS, "xla": {"jit": True}}
    factories = {
        "cnn.v2": lambda: tfdata_runner(max(1, math.ceil(steps / 20))),  # as train_and_evaluate calls it
        "per_step": lambda: tfdata_runner(1),
        "gather": gather_runner,
        "keras_spe": lambda: keras_spe_epoch,
        **{name: (lambda s=settings: tfdata_runner(steps, **s)) for name, settings in whole_epoch.items()},
    }
    for name in variants:
        if name not in factories:
            raise ValueError(f"unknown variant {name!r}; choose from {ALL_VARIANTS}")
        contenders[name] = factories[name]()
    return contenders


def peer_contenders():
    """``cnn.v2``'s loop and its peers, each a fresh-process ``rounds.Contender``."""
    from benchmarks import rounds

    return [
        rounds.local("cnn.v2", "cnn_project.py", project=True),
        rounds.local("keras_fit", "cnn_keras_fit.py"),
        rounds.local("cnn_command", "cnn_command.py"),
        rounds.peer("torch_eager", "cnn_torch.py"),
        rounds.peer("flax_jit", "cnn_flax.py"),
    ]


def run_peers(x, y, quick: bool, data_name: str) -> Iterator[dict]:
    """Yields one ``cnn_peers`` record per contender (fresh processes, interleaved)."""
    import pathlib
    import tempfile

    import numpy as np
    from benchmarks import rounds

    from tfv1_mnist.cnn import seeded, shapes

    contenders = peer_contenders()
    n_rounds = 1 if quick else int(os.environ.get("BENCH_PEER_ROUNDS", 5))
    init = seeded.initial_weights(0)
    with tempfile.TemporaryDirectory(prefix="bench-cnn-") as tmp:
        workload = pathlib.Path(tmp) / "cnn.npz"
        np.savez(workload, x_train=x, y_train=y, order=seeded.epoch_indices(len(x), 0, 0),
                 batch_size=np.int64(BATCH_SIZE), learning_rate=np.float32(0.001),
                 **{f"w{i}": w for i, w in enumerate(init)})
        _log(f"peers: {len(x)} examples, {n_rounds} round(s), fresh processes")
        runs = rounds.run_rounds(contenders, workload, n_rounds)
    summaries = rounds.summarize(contenders, runs)
    keras = next((s for s in summaries if s["contender"] == "keras_fit" and "skipped" not in s), None)
    for summary in summaries:
        seconds = summary.get("train_seconds")
        extra = {}
        if seconds:
            extra["gflops"] = len(x) * shapes.TRAIN_FLOPS_PER_EXAMPLE / seconds / 1e9
            if keras:
                extra["ratio_to_keras_fit"] = seconds / keras["train_seconds"]
        process = summary.get("process_seconds")
        if process and seconds:
            # The whole process beside the training: what a short run pays for start-up and export.
            extra["fixed_seconds"] = process - seconds
            if keras and keras.get("process_seconds"):
                extra["process_ratio_to_keras_fit"] = process / keras["process_seconds"]
        yield {"bench": "cnn_peers", "dataset": data_name, "examples": len(x),
               "batch_size": BATCH_SIZE, "rounds": n_rounds, **summary, **extra,
               "load_avg": os.getloadavg()[0]}


def run(args) -> Iterator[dict]:
    """Yields one record per contender (median epoch seconds, ratio to Keras, GFLOP/s)."""
    quick = bool(getattr(args, "quick", False))
    data = load_data(args)
    n = 3000 if quick else len(data.x_train)
    data_x, data_y = data.x_train[:n], data.y_train[:n]
    if os.environ.get("BENCH_CNN_INPROCESS", "1") != "0":
        yield from _run_in_process(data, data_x, data_y, n, quick)
    yield from run_peers(data_x, data_y, quick, data.name)


def _run_in_process(data, data_x, data_y, n, quick) -> Iterator[dict]:
    """The in-process ablations: ``cnn.v2``'s variants against ``fit``, interleaved."""
    import tensorflow as tf

    from tfv1_mnist.cnn import seeded, shapes

    class _Train:  # just the training arrays
        x_train, y_train = data_x, data_y

    rounds = int(os.environ.get("BENCH_CNN_ROUNDS", 1 if quick else 3))
    variants = tuple(v for v in os.environ.get("BENCH_CNN_VARIANTS", "").split(",") if v) \
        or DEFAULT_VARIANTS
    init = seeded.initial_weights(0)
    _log(f"{data.name}: {n} examples, batch {BATCH_SIZE}, {rounds} round(s), "
         f"variants {', '.join(variants)}")
    contenders = _make_contenders(_Train, init, variants)
    contenders = {"keras_fit": contenders.pop("keras_fit"), **contenders}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    ratios: dict[str, list[float]] = {name: [] for name in contenders}
    cpu_ratios: dict[str, list[float]] = {name: [] for name in contenders}
    loads: list[float] = []
    keras_epoch = contenders.pop("keras_fit")

    def timed(epoch):
        cpu_start = time.process_time()
        seconds = epoch()
        return seconds, time.process_time() - cpu_start

    for r in range(rounds):
        # Keras opens and closes each round; each contender is compared with the
        # mean of the two, which cancels a load that drifts linearly during the round.
        loads.append(os.getloadavg()[0])
        before, before_cpu = timed(keras_epoch)
        _log(f"round {r + 1}: keras_fit {before:.2f} s (cpu {before_cpu:.2f} s)")
        round_times = {}
        for name, epoch in contenders.items():
            round_times[name] = timed(epoch)
            _log(f"round {r + 1}: {name} {round_times[name][0]:.2f} s "
                 f"(cpu {round_times[name][1]:.2f} s)")
        after, after_cpu = timed(keras_epoch)
        _log(f"round {r + 1}: keras_fit {after:.2f} s (cpu {after_cpu:.2f} s)")
        reference, reference_cpu = (before + after) / 2, (before_cpu + after_cpu) / 2
        times["keras_fit"] += [before, after]
        cpu["keras_fit"] += [before_cpu, after_cpu]
        ratios["keras_fit"].append(after / before)
        cpu_ratios["keras_fit"].append(after_cpu / before_cpu)
        for name, (seconds, cpu_seconds) in round_times.items():
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
            ratios[name].append(seconds / reference)
            cpu_ratios[name].append(cpu_seconds / reference_cpu)
    threads = {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "env_intra": os.environ.get("TF_NUM_INTRAOP_THREADS"),
        "env_inter": os.environ.get("TF_NUM_INTEROP_THREADS"),
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        "load_avg": loads,
    }
    for name in ("keras_fit", *contenders):
        median = statistics.median(times[name])
        yield {
            "bench": "cnn_epoch",
            "variant": name,
            "dataset": data.name,
            "examples": n,
            "batch_size": BATCH_SIZE,
            "rounds": rounds,
            "seconds": median,
            "seconds_all": times[name],
            # keras_fit's ratio is its own drift within a round (closing / opening epoch).
            "ratio": statistics.median(ratios[name]),
            "ratio_all": ratios[name],
            # Process CPU time (all threads): less sensitive to other processes, but
            # it counts the thread pools' spin-waiting too.
            "cpu_seconds": statistics.median(cpu[name]),
            "cpu_ratio": statistics.median(cpu_ratios[name]),
            "gflops": n * shapes.TRAIN_FLOPS_PER_EXAMPLE / median / 1e9,
            "examples_per_second": n / median,
            "threads": threads,
            "tensorflow": tf.__version__,
        }
