"""Shared helpers of the tests that run TF1-era scripts through ``tfv1-mnist run-legacy`` in child processes."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

from tfv1_mnist import datasets, input_data
from tfv1_mnist.legacy import runner


def child_env(base: pathlib.Path) -> dict:
    """An environment without ``--data``'s variable or Keras 2's switch, an empty cache and a private Keras home."""
    cache = base / "empty-cache"
    cache.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in (input_data.DATA_ENV, runner.LEGACY_KERAS_ENV)}
    env.update({datasets.CACHE_ENV: str(cache), "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(base / "keras")})
    return env


def run_all(commands: dict, base: pathlib.Path, timeout: float) -> dict:
    """Starts ``tfv1-mnist run-legacy ARGS`` for each name at once, each in its own folder under ``base``.

    Args:
      commands: name -> the arguments after ``run-legacy``.
      base: a fresh folder; ``base/<name>`` is each child's working folder.
      timeout: seconds each child may take (a blocking script hits it instead of hanging the suite).

    Returns:
      name -> (exit status, stdout, stderr, working folder).
    """
    env = child_env(base)
    procs = {}
    for name, args in commands.items():
        folder = base / name
        folder.mkdir()
        procs[name] = (subprocess.Popen([sys.executable, "-m", "tfv1_mnist", "run-legacy", *args], cwd=folder,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), folder)
    results = {}
    for name, (proc, folder) in procs.items():
        out, err = proc.communicate(timeout=timeout)
        results[name] = (proc.returncode, out, err, folder)
    return results


def accuracy(result) -> float:
    """The last ``Accuracy: X`` line a child printed; the child must have exited with 0."""
    code, out, err, _ = result
    assert code == 0, err[-4000:]
    found = re.findall(r"^Accuracy: ([0-9.]+)$", out, flags=re.M)
    assert found, out[-2000:]
    return float(found[-1])
