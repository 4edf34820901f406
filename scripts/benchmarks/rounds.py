"""Fresh-process rounds: the canonical way to time the project against its peers.

Pattern: each contender is a command (an interpreter and a script from
``peers/``) that trains once and prints one JSON line.  ``run_rounds`` runs
every contender in its own fresh process, interleaved round by round (the
order rotates each round, so no contender always runs first), and before each
run waits, within limits, for the machine's CPUs to be quiet.  Each run's
record carries the CPU time that *other* processes used while it ran
(``others_cores``: busy time from ``/proc/stat`` less the child's own CPU
time, per second of wall time), so a disturbed run can be told apart.
``summarize`` turns the runs into medians and ratios to the project's
contender.

In-process, side-by-side repeats remain the right tool for the project's own
ablations (``bench_cnn``'s variants); peers need fresh processes, because
their frameworks cannot share one with TensorFlow fairly (thread pools,
allocators, ``ml_dtypes``).

Peers that need PyTorch, JAX or Flax run from the interpreter named by
``BENCH_PEER_PYTHON``; without it each is skipped with a line saying so.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Iterable, Mapping, Sequence

import numpy as np

PEERS = pathlib.Path(__file__).resolve().parent / "peers"
#: The variable naming the peers' interpreter (one with torch, jax, flax).
PEER_PYTHON_ENV = "BENCH_PEER_PYTHON"
#: Environment variables some machines set that slow a current NumPy's
#: OpenBLAS badly; removed from the NumPy contenders' processes only.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: A run waits (up to ``QUIET_WAIT_S``, ``BENCH_QUIET_WAIT`` seconds) until
#: other processes use less than this many cores; a machine that stays busy
#: is recorded (``busy_cores_before``, ``others_cores``), not waited out.
QUIET_CORES = 0.3
QUIET_WAIT_S = float(os.environ.get("BENCH_QUIET_WAIT", 10))


def _log(msg: str) -> None:
    print(f"rounds: {msg}", file=sys.stderr, flush=True)


@dataclasses.dataclass(frozen=True)
class Contender:
    """One contender: a command that trains once and prints one JSON line.

    Attributes:
      name: its label in the records.
      argv: the command; the workload path and a losses path are appended.
      env_remove: environment variables removed from its process only.
      skipped: why it cannot run here (then ``argv`` is not run).
      project: True for the project's contender that the others are divided by.
    """

    name: str
    argv: tuple[str, ...]
    env_remove: tuple[str, ...] = ()
    skipped: str | None = None
    project: bool = False


def project_python() -> str:
    """The interpreter running the bench (the project's, with TensorFlow)."""
    return sys.executable


def peer(name: str, script: str, *args: str) -> Contender:
    """A contender run from ``BENCH_PEER_PYTHON``; skipped when it is not set."""
    python = os.environ.get(PEER_PYTHON_ENV)
    if not python:
        return Contender(name, (), skipped=f"{PEER_PYTHON_ENV} is not set (an interpreter with "
                                           "torch, jax and flax; never a dependency of the project)")
    return Contender(name, (python, str(PEERS / script), *args))


def local(name: str, script: str, *args: str, env_remove: Sequence[str] = (),
          project: bool = False) -> Contender:
    """A contender run from the project's own interpreter."""
    return Contender(name, (project_python(), str(PEERS / script), *args),
                     env_remove=tuple(env_remove), project=project)


def _busy_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (``/proc/stat``)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def busy_cores(interval: float = 0.5) -> float:
    """How many cores were busy, on average, over the next ``interval`` seconds."""
    start, t0 = _busy_seconds(), time.perf_counter()
    time.sleep(interval)
    return (_busy_seconds() - start) / (time.perf_counter() - t0)


def wait_for_quiet(max_wait: float = QUIET_WAIT_S) -> float:
    """Waits until fewer than ``QUIET_CORES`` cores are busy (or ``max_wait``); returns the last reading."""
    deadline = time.perf_counter() + max_wait
    while True:
        busy = busy_cores()
        if busy < QUIET_CORES or time.perf_counter() > deadline:
            return busy


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(contender: Contender, workload: pathlib.Path, losses: pathlib.Path,
             timeout: float) -> dict:
    """Runs one contender in a fresh process; returns its JSON record plus the harness' checks."""
    env = {k: v for k, v in os.environ.items() if k not in contender.env_remove}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    busy_before = wait_for_quiet()
    busy0, child0, t0 = _busy_seconds(), _children_cpu(), time.perf_counter()
    proc = subprocess.run([*contender.argv, str(workload), str(losses)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    child_cpu = _children_cpu() - child0
    others = max(0.0, (_busy_seconds() - busy0) - child_cpu) / wall
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    record = json.loads(lines[-1])
    # A contender that wraps the process it times (``cnn_command``) reports that process' seconds.
    record.setdefault("process_seconds", wall)
    record.update(process_cpu_seconds=child_cpu, busy_cores_before=busy_before, others_cores=others)
    return record


def run_rounds(contenders: Sequence[Contender], workload: pathlib.Path, rounds: int,
               timeout: float = 600.0) -> dict[str, list[dict]]:
    """Runs every contender once per round, in a rotating order; returns name -> records.

    Each record's ``losses`` (if the contender wrote them) is loaded into
    ``step_losses`` (float32 [steps]) from the last round.
    """
    live = [c for c in contenders if c.skipped is None]
    for c in contenders:
        if c.skipped is not None:
            _log(f"{c.name}: skipped: {c.skipped}")
    runs: dict[str, list[dict]] = {c.name: [] for c in live}
    with tempfile.TemporaryDirectory(prefix="bench-rounds-") as tmp:
        for r in range(rounds):
            order = live[r % len(live):] + live[:r % len(live)] if live else []
            for c in order:
                losses = pathlib.Path(tmp) / f"{c.name}.npy"
                record = run_once(c, workload, losses, timeout)
                if "losses" in record:
                    record["step_losses"] = np.load(record.pop("losses"))
                runs[c.name].append(record)
                shown = record.get("error") or ", ".join(
                    f"{k} {record[k]:.3f}" for k in ("train_seconds", "total_seconds", "others_cores")
                    if isinstance(record.get(k), float))
                _log(f"round {r + 1}/{rounds}: {c.name}: {shown}")
    return runs


def _median(records: Iterable[dict], key: str) -> float | None:
    values = [r[key] for r in records if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float | None:
    """Largest relative difference of two loss curves; inf where their NaNs differ."""
    if a is None or b is None or a.shape != b.shape:
        return None
    if not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return float("inf")
    finite = np.isfinite(a)
    if not finite.any():
        return 0.0
    return float(np.max(np.abs(a[finite] - b[finite]) / np.maximum(np.abs(b[finite]), 1e-30)))


def summarize(contenders: Sequence[Contender], runs: Mapping[str, list[dict]],
              keys: Sequence[str] = ("train_seconds", "total_seconds")) -> list[dict]:
    """One summary per contender: medians of ``keys``, ratios to the project, loss agreement.

    ``ratio_<key>`` is the contender's median over the project contender's
    (below 1: faster than the project).  Skipped or failed contenders get a
    record with ``skipped``.
    """
    base = next((c for c in contenders if c.project), None)
    base_runs = [r for r in runs.get(base.name, []) if "error" not in r] if base else []
    base_losses = base_runs[-1].get("step_losses") if base_runs else None
    out = []
    for c in contenders:
        if c.skipped is not None:
            out.append({"contender": c.name, "skipped": c.skipped})
            continue
        ok = [r for r in runs[c.name] if "error" not in r]
        if not ok:
            out.append({"contender": c.name, "skipped": runs[c.name][-1]["error"]})
            continue
        last = ok[-1]
        summary = {"contender": c.name, "project": c.project, "runs": len(ok)}
        for key in keys:
            summary[key] = _median(ok, key)
            summary[f"{key}_all"] = [r.get(key) for r in ok]
            base_value = _median(base_runs, key)
            if summary[key] is not None and base_value:
                summary[f"ratio_{key}"] = summary[key] / base_value
        for key in ("compile_seconds", "import_seconds", "train_cpu_seconds", "process_seconds"):
            summary[key] = _median(ok, key)
        summary["others_cores_max"] = max(r["others_cores"] for r in ok)
        summary["max_rel_loss_diff"] = max_rel_diff(last.get("step_losses"), base_losses)
        summary.update({k: v for k, v in last.items() if k not in summary and k not in (
            "step_losses", "pid", "busy_cores_before", "others_cores", *keys)
            and not k.endswith("_seconds")})
        out.append(summary)
    return out
