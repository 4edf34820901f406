"""Seeding and op determinism for ``--seed``, kept from leaking into the rest of a process.

Pattern: ``--seed S`` means ``keras.utils.set_random_seed(S)`` (Python, NumPy and
TensorFlow's global seed) plus ``tf.config.experimental.enable_op_determinism()``
(deterministic kernels).  Op determinism is process-wide and cannot be switched
off again, and it makes every *unseeded* random op raise — e.g. a TF1 graph built
later in the same process, whose graph-level seed is unset.  So:

* ``cnn.v2`` and ``cnn.keras_reference`` use no TensorFlow random op at all (weights
  and orders come from NumPy generators with explicit seeds): they run the same
  with determinism on or off.
* ``run_seeded(seed, fn, ...)`` runs a seeded job in a fresh *spawned* process
  with determinism on, and returns its result, so the calling process (a
  ``reproduce`` run, a pytest session) is never switched into determinism.  If the
  calling process already has determinism on, nothing more can leak, and the job
  runs in-process.
* ``run_isolated(seed, fn, ..., env=..., timeout=...)`` is the one way the
  package runs a job in a child process: the seeded jobs above, and the
  comparison, whose ``TF_ENABLE_ONEDNN_OPTS`` must be set before TensorFlow is
  imported.  The job travels pickled inside the call and is unpickled only after
  the child has set ``env``, so nothing the job's modules import sees the old
  environment.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import subprocess
import traceback
from typing import Any, Callable, Mapping

from tfv1_mnist import console
from tfv1_mnist.errors import Tfv1MnistError

__all__ = ["enable", "is_enabled", "run_isolated", "run_seeded", "probe"]

_log = logging.getLogger(__name__)


def enable(seed: int) -> None:
    """Seeds Python, NumPy and TensorFlow and turns on op determinism, in this process.

    Irreversible for the process; prefer ``run_seeded`` from library code.

    Args:
      seed: a non-negative int.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    _log.debug("seed %d set; op determinism on for process %d", seed, os.getpid())


def is_enabled() -> bool:
    """Whether op determinism is on in this process (False if TF is not imported yet)."""
    import sys

    if "tensorflow" not in sys.modules:
        return False
    from tensorflow.python.framework import config as tf_config

    return bool(tf_config.is_op_determinism_enabled())


def probe() -> dict:
    """Reports this process's state: ``{"pid", "deterministic"}`` (for checks and tests)."""
    return {"pid": os.getpid(), "deterministic": is_enabled()}


def _child(conn, seed: int | None, log_level: int, env: Mapping[str, str], job: bytes) -> None:
    os.environ.update(env)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    console.configure_logging(log_level)
    try:
        with console.quiet() if log_level > logging.DEBUG else contextlib.nullcontext():
            fn, args, kwargs = pickle.loads(job)
            if seed is not None:
                enable(seed)
            result = fn(*args, **kwargs)
    except BaseException as err:  # sent back and re-raised in the parent
        try:
            conn.send(("error", err, traceback.format_exc()))
        except Exception:  # an unpicklable exception
            conn.send(("error", Tfv1MnistError(f"{type(err).__name__}: {err}"),
                       traceback.format_exc()))
    else:
        conn.send(("ok", result, None))
    finally:
        conn.close()


# over 60 lines: the child's whole life (start, answer, timeout, Ctrl-C, clean-up) in one place.
def run_isolated(seed: int | None, fn: Callable, *args: Any, env: Mapping[str, str] | None = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:
    """Runs ``fn(*args, **kwargs)`` in a fresh spawned process, seeded when ``seed`` is given.

    ``fn``, its arguments and its result must be picklable (module-level functions,
    plain data).  The child inherits stdout/stderr, so progress bars show; its
    TensorFlow's C++ noise (``console.TF_NOISE``) is filtered unless the ``tfv1_mnist`` logger is at DEBUG.

    Args:
      seed: turn on ``enable(seed)`` in the child first, or None for neither.
      fn: the job.
      env: environment variables set in the child before the job is unpickled
        (so before TensorFlow is imported there), e.g. ``TF_ENABLE_ONEDNN_OPTS``.
      timeout: seconds before the child is killed, or None to wait.

    Returns:
      ``fn``'s return value.

    Raises:
      The exception ``fn`` raised (re-raised here), ``Tfv1MnistError`` if the
      child died without an answer, ``subprocess.TimeoutExpired`` if it ran past
      ``timeout`` (it is killed), ``KeyboardInterrupt`` on Ctrl-C (the child is
      stopped too).
    """
    name = getattr(fn, "__name__", "job")
    job = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    ctx = multiprocessing.get_context("spawn")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    level = logging.getLogger("tfv1_mnist").getEffectiveLevel()
    proc = ctx.Process(target=_child, args=(child_conn, seed, level, dict(env or {}), job),
                       name=f"tfv1-mnist-{name}")
    proc.start()
    child_conn.close()
    try:
        if not parent_conn.poll(timeout):
            proc.kill()
            proc.join()
            raise subprocess.TimeoutExpired(f"tfv1-mnist child process running {name}", timeout)
        try:
            status, payload, tb = parent_conn.recv()
        except EOFError:
            proc.join()
            raise Tfv1MnistError(
                f"the isolated job {name!r} died without a result "
                f"(exit code {proc.exitcode}); run it again with -v for details") from None
        proc.join()
    except KeyboardInterrupt:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()
            proc.join()
        raise
    finally:
        parent_conn.close()
        if proc.is_alive():
            proc.kill()
            proc.join()
    if status == "error":
        _log.debug("isolated job failed in process %s:\n%s", proc.pid, tb)
        raise payload
    return payload


def run_seeded(seed: int | None, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Runs a job with ``--seed`` semantics without switching this process into determinism.

    * ``seed`` None: ``fn`` runs here, unseeded.
    * determinism already on here: seeds are set and ``fn`` runs here.
    * otherwise: ``run_isolated(seed, fn, ...)``.

    Returns:
      ``fn``'s return value.
    """
    if seed is None:
        return fn(*args, **kwargs)
    if is_enabled():
        enable(seed)
        return fn(*args, **kwargs)
    return run_isolated(seed, fn, *args, **kwargs)
