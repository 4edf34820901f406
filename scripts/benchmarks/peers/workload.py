"""What every contender script shares: the workload file in, one JSON line out.

Pattern: each contender is a standalone script run in a fresh process by
``scripts/benchmarks/rounds.py``.  The harness writes the workload (data,
initial weights, batch order) to an ``.npz`` once, so every contender trains
on the same numbers.  A contender's ``main`` is ``run(train)``: ``run`` reads
the workload named on the command line, calls ``train``, adds the timings
every record has and prints one JSON object (``emit``; the per-step losses go
to a ``.npy`` beside, so the harness can compare them with the project's).
``Clock`` times the training steps.  Only NumPy is needed here: peer scripts
run from interpreters that have no TensorFlow.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Callable

import numpy as np

#: ``time.perf_counter()`` when this module was imported: the start of a
#: contender's whole call (its framework's import is counted separately).
STARTED = time.perf_counter()


def use_project() -> None:
    """For the project's own contenders: TensorFlow's C++ logs held back, the checkout importable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def load(path: str) -> dict:
    """Reads the workload ``.npz`` into a dict of arrays (scalars as 0-d arrays)."""
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def emit(record: dict, losses=None, losses_path: str | None = None) -> None:
    """Prints ``record`` as one JSON line on stdout; saves ``losses`` (float32) if a path is given."""
    if losses is not None and losses_path:
        np.save(losses_path, np.asarray(losses, np.float32))
        record = {**record, "losses": losses_path}
    record.setdefault("pid", os.getpid())
    print(json.dumps(record, allow_nan=True), flush=True)


def argv() -> tuple[list[str], str, str | None]:
    """``(the contender's own arguments, workload.npz, losses.npy or None)`` from the command line."""
    own = [a for a in sys.argv[1:] if not a.endswith((".npz", ".npy"))]
    paths = [a for a in sys.argv[1:] if a.endswith((".npz", ".npy"))]
    if len(paths) not in (1, 2):
        sys.exit(f"usage: {sys.argv[0]} [ARGS] WORKLOAD.npz [LOSSES.npy]")
    return own, paths[0], paths[1] if len(paths) == 2 else None


class Clock:
    """Wall and process CPU time of a ``with`` block, as a record's ``train_seconds``/``train_cpu_seconds``."""

    def __enter__(self) -> "Clock":
        self._start, self._start_cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start
        self.cpu_seconds = time.process_time() - self._start_cpu

    def record(self) -> dict:
        """``{"train_seconds": ..., "train_cpu_seconds": ...}``."""
        return {"train_seconds": self.seconds, "train_cpu_seconds": self.cpu_seconds}


def run(train: Callable[[dict, list[str]], tuple[dict, Any]], import_seconds: float | None = None) -> None:
    """A contender's whole ``main``: read the workload, ``train(w, own_args)``, print its record.

    Args:
      train: returns ``(record, losses or None)`` for the workload's arrays ``w``.
      import_seconds: the contender's framework import, recorded as ``import_seconds``.

    ``total_seconds`` (from the workload read to the end of ``train``) is added
    unless the record has its own.
    """
    own, path, losses_path = argv()
    w = load(path)
    start = time.perf_counter()
    record, losses = train(w, own)
    record.setdefault("total_seconds", time.perf_counter() - start)
    if import_seconds is not None:
        record["import_seconds"] = import_seconds
    emit(record, losses, losses_path)


def blas_info() -> list:
    """NumPy's loaded BLAS libraries and the kernel each picked (its "core type").

    Through ``threadpoolctl`` where it is installed; otherwise OpenBLAS' own
    ``*get_corename`` and ``*get_num_threads``, called with ``ctypes`` on the
    libraries this process has mapped.
    """
    try:
        import threadpoolctl
    except ImportError:
        return _openblas_by_ctypes()
    return [{k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]


def _openblas_by_ctypes() -> list:
    import ctypes

    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    found = []
    for path in paths:
        lib = ctypes.CDLL(path)
        info = {"library": os.path.basename(path)}
        for prefix in ("scipy_openblas_", "openblas_", "scipy_openblas64_"):
            for suffix in ("", "64_"):
                name = getattr(lib, f"{prefix}get_corename{suffix}", None)
                if name is not None:
                    name.restype = ctypes.c_char_p
                    info["architecture"] = name().decode()
                    threads = getattr(lib, f"{prefix}get_num_threads{suffix}")
                    info["num_threads"] = int(threads())
                    break
            if "architecture" in info:
                break
        found.append(info)
    return found
