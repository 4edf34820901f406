"""Start-up cost of run-legacy: the child's import and bootstrap, up to the script's first line.

Two competitors, each a fresh Python process, measured from launch to the
first line of user code (which prints ``time.time()``), side by side and
interleaved (alternating who goes first), medians:

* ``baseline``: ``python -c "import time, tensorflow; print(time.time())"``;
* ``run_legacy_child``: run-legacy's child (``runner.child_command`` with its
  environment: Keras 2 selected, v2 behaviour disabled, import hooks, the
  contrib tree and soft placement installed) on a script whose first line
  prints ``time.time()``;
* ``run_legacy_cli``: the same through ``python -m tfv1_mnist run-legacy``,
  i.e. with the parent process's start-up too.

``ratio`` is the competitor's median over the baseline's: the price of the
bootstrap over a bare TensorFlow import.  ``cpu_ratio`` compares the CPU time
of the whole process tree (to its exit), which a busy machine disturbs less.

    python scripts/bench.py legacy
    python scripts/bench.py --quick legacy      # 2 repeats, a smoke run
"""

from __future__ import annotations

import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Iterator

from tfv1_mnist.legacy import runner

FIRST_LINE = "import time; print(time.time())\n"


def _seconds_to_first_line(command: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds from launch to the first line, and the whole process tree's CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(out.strip().splitlines()[-1]) - start, cpu


def run(args) -> Iterator[dict]:
    repeats = 2 if getattr(args, "quick", False) else 7
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop(runner.LEGACY_KERAS_ENV, None)
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, "first_line.py")
        with open(script, "w") as f:
            f.write(FIRST_LINE)
        child_env = runner.child_environment(env, data=None, log_level=logging.WARNING, show_deprecations=False)
        competitors = {
            "baseline": ([sys.executable, "-c", "import time, tensorflow; print(time.time())"], env),
            "run_legacy_child": (runner.child_command(script), child_env),
            "run_legacy_cli": ([sys.executable, "-m", "tfv1_mnist", "-q", "run-legacy", script], env),
        }
        times = {name: [] for name in competitors}
        cpu = {name: [] for name in competitors}
        names = list(competitors)
        for repeat in range(repeats):
            order = names if repeat % 2 == 0 else names[::-1]
            for name in order:
                command, command_env = competitors[name]
                wall, cpu_seconds = _seconds_to_first_line(command, command_env)
                times[name].append(wall)
                cpu[name].append(cpu_seconds)
            print(f"bench legacy: repeat {repeat + 1}/{repeats}", file=sys.stderr)
    base = statistics.median(times["baseline"])
    base_cpu = statistics.median(cpu["baseline"])
    for name in names:
        median = statistics.median(times[name])
        yield {
            "bench": "legacy_startup",
            "competitor": name,
            "against": "baseline: python -c 'import tensorflow'",
            "seconds_to_first_line": median,
            "best_seconds": min(times[name]),
            "ratio": median / base,
            "cpu_seconds": statistics.median(cpu[name]),
            "cpu_ratio": statistics.median(cpu[name]) / base_cpu,
            "repeats": repeats,
        }
