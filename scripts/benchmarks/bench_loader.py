"""Loading speed: ``input_data.read_data_sets(..., one_hot=True)`` against plain numpy.

On full-size Fashion-MNIST (60k + 10k, Debian's ``dataset-fashion-mnist``),
two comparisons, each measured side by side in one run (interleaved repeats,
alternating who goes first, medians):

* ``loader_npz``: ``read_data_sets(path.npz, one_hot=True)`` against
  ``np.load`` of the same file followed by the same numpy preprocessing
  (reshape to [N, 784], float32 multiply by 1/255, one-hot float64 labels,
  validation = the first 5000).  The npz is converted from the IDX files into
  a temporary folder, once compressed (``np.savez_compressed``'s format, as
  Keras' ``mnist.npz``) and once stored (``np.savez``'s).
* ``loader_idx``: ``read_data_sets(idx_folder, one_hot=True)`` against a
  straightforward ``gzip`` + ``numpy.frombuffer`` reader and the same
  preprocessing.

``ratio`` is ours over the plain baseline: at most 1.0 means our loader (which
also validates everything it reads) is no slower.  Each record also gives the
paired ratio (the median of each repeat's back-to-back ratio, steadier on a
shared machine), the best times and their ratio, and the CPU time per call
(all threads; the IDX reader inflates the test files on a second thread, so
its CPU time can exceed its wall time).  ``loader_npz_one_core`` measures the
compressed npz again with the process pinned to one core (Linux only): there
the loaders' total work is compared, with no second core to hide any in.
TF1's ``Extracting ...`` lines are discarded while timing.

    python scripts/bench.py loader
    python scripts/bench.py --quick loader      # 3 repeats, a smoke run
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import io
import os
import pathlib
import statistics
import tempfile
import time
from typing import Callable, Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")
VALIDATION_SIZE = 5000
_SCALE = np.float32(1.0 / 255.0)


# --------------------------------------------------------------------------
# The plain baseline: what one would write with numpy alone


def _prepare(x_train, y_train, x_test, y_test, validation_size=VALIDATION_SIZE):
    """The same preprocessing as read_data_sets(one_hot=True), written plainly."""

    def images(x):
        return x.reshape(x.shape[0], -1).astype(np.float32) * _SCALE

    def one_hot(y):
        out = np.zeros((y.shape[0], 10))
        out[np.arange(y.shape[0]), y] = 1
        return out

    v = validation_size
    return (
        (images(x_train[v:]), one_hot(y_train[v:])),
        (images(x_train[:v]), one_hot(y_train[:v])),
        (images(x_test), one_hot(y_test)),
    )


def plain_npz(path):
    """``np.load`` + numpy preprocessing."""
    with np.load(path, allow_pickle=False) as f:
        arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    return _prepare(*arrays)


def _gzip_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def plain_idx(folder):
    """``gzip`` + ``numpy.frombuffer`` + numpy preprocessing."""
    folder = pathlib.Path(folder)
    x_train = _gzip_idx(folder / "train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y_train = _gzip_idx(folder / "train-labels-idx1-ubyte.gz", 8)
    x_test = _gzip_idx(folder / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y_test = _gzip_idx(folder / "t10k-labels-idx1-ubyte.gz", 8)
    return _prepare(x_train, y_train, x_test, y_test)


def ours(path):
    from tfv1_mnist import input_data

    with contextlib.redirect_stdout(io.StringIO()):  # TF1's "Extracting ..." lines
        return input_data.read_data_sets(str(path), one_hot=True)


# --------------------------------------------------------------------------
# Timing


def _time(fn: Callable, arg) -> tuple[float, float]:
    """Wall and CPU (all threads of this process) seconds of one call."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    result = fn(arg)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    del result
    return elapsed, cpu


def compare(ours_fn: Callable, plain_fn: Callable, arg, repeats: int) -> dict:
    """Interleaved repeats (alternating who goes first); medians and their ratio."""
    ours_fn(arg), plain_fn(arg)  # warm the page cache and imports
    times = {"ours": [], "plain": []}
    cpu = {"ours": [], "plain": []}
    for r in range(repeats):
        order = (("ours", ours_fn), ("plain", plain_fn))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            wall, used = _time(fn, arg)
            times[name].append(wall)
            cpu[name].append(used)
    ours_s, plain_s = statistics.median(times["ours"]), statistics.median(times["plain"])
    return {
        "ours_s": ours_s,
        "plain_s": plain_s,
        "ratio": ours_s / plain_s,
        # each repeat's pair, measured back to back: less sensitive to slow drifts in machine load
        "paired_ratio": statistics.median(o / p for o, p in zip(times["ours"], times["plain"])),
        "ours_min_s": min(times["ours"]),
        "plain_min_s": min(times["plain"]),
        "min_ratio": min(times["ours"]) / min(times["plain"]),
        "ours_cpu_s": statistics.median(cpu["ours"]),
        "plain_cpu_s": statistics.median(cpu["plain"]),
        "repeats": repeats,
    }


@contextlib.contextmanager
def _one_core():
    """Pins this thread (and the threads it starts) to one CPU; yields False where that is impossible."""
    if not hasattr(os, "sched_setaffinity"):
        yield False
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield True
    finally:
        os.sched_setaffinity(0, before)


def _check_same(a, b) -> None:
    """Our Datasets and the baseline's tuples hold identical arrays."""
    for ds, (images, labels) in zip(a, b):
        np.testing.assert_array_equal(ds.images, images)
        np.testing.assert_array_equal(ds.labels, labels)


def run(args) -> Iterator[dict]:
    """Yields one record per comparison (see the module docstring)."""
    from tfv1_mnist import datasets

    source = pathlib.Path(args.data) if getattr(args, "data", None) else FASHION_DIR
    if datasets.find_idx_files(source, missing_ok=True) is None:
        yield {"bench": "loader", "skipped": f"no IDX files in {source} (apt-get install dataset-fashion-mnist)"}
        return
    repeats = 3 if args.quick else 21
    mnist = datasets.read_idx_folder(source)
    name = mnist.name
    n = mnist.num_train + mnist.num_test
    common = {"dataset": name, "examples": n, "validation_size": VALIDATION_SIZE}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        for compress in (True, False):
            path = pathlib.Path(tmp) / f"{name}-{'deflate' if compress else 'stored'}.npz"
            datasets.write_npz(path, **mnist.arrays(), compress=compress)
            _check_same(ours(path), plain_npz(path))
            record = {
                "bench": "loader_npz",
                **common,
                "npz": "compressed" if compress else "stored",
                "file_mb": round(path.stat().st_size / 2**20, 1),
                "ours": "input_data.read_data_sets(npz, one_hot=True)",
                "plain": "np.load + reshape, float32 * 1/255, one-hot, validation split",
            }
            yield {**record, "cores": cores, **compare(ours, plain_npz, path, repeats)}
            if compress:
                with _one_core() as pinned:
                    if pinned:
                        yield {**record, "bench": "loader_npz_one_core", "cores": 1,
                               **compare(ours, plain_npz, path, repeats)}
    _check_same(ours(source), plain_idx(source))
    yield {
        "bench": "loader_idx",
        **common,
        "cores": cores,
        **compare(ours, plain_idx, source, repeats),
        "ours": "input_data.read_data_sets(idx_folder, one_hot=True)",
        "plain": "gzip + np.frombuffer + reshape, float32 * 1/255, one-hot, validation split",
    }
