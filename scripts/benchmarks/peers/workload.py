"""What every contender script shares: the workload file in, one JSON line out.

Pattern: each contender is a standalone script run in a fresh process by
``scripts/benchmarks/rounds.py``.  The harness writes the workload (data,
initial weights, batch order) to an ``.npz`` once, so every contender trains
on the same numbers; a contender reads it with ``load``, trains, and prints
one JSON object with ``emit`` (its per-step losses go to a ``.npy`` beside, so
the harness can compare them with the project's).  Only NumPy is needed here:
peer scripts run from interpreters that have no TensorFlow.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

#: ``time.perf_counter()`` when this module was imported: the start of a
#: contender's whole call (its framework's import is counted separately).
STARTED = time.perf_counter()


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


def argv() -> tuple[str, str | None]:
    """``(workload.npz, losses.npy or None)`` from the command line."""
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {sys.argv[0]} WORKLOAD.npz [LOSSES.npy]")
    return sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None


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
