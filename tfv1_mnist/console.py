"""What a user sees on the terminal: the package's log lines, without TensorFlow's start-up noise.

Two pieces, used by the command line and by the child processes it starts:

* ``configure_logging(level)`` gives the ``tfv1_mnist`` logger its own handler
  and leaves the root logger alone.  TensorFlow's checkpoint saver logs through
  absl into the root logger ("Sharding callback duration ..."); configuring the
  root logger at INFO, as ``logging.basicConfig`` would, shows those lines.
* ``quiet()`` runs a block (a command, a child's job) with file descriptor 2
  sent through a filter that drops TensorFlow's known C++ noise, so that a
  TensorFlow started inside it prints none of its start-up lines (``cudart_stub``,
  ``cpu_feature_guard``/oneDNN ``port.cc``, ``cuInit`` on a machine without a
  GPU, absl's "before InitializeLog" banner) and the one known run-time line
  (``NodeDef mentions attribute use_unbounded_threadpool``, printed when Keras
  builds a ``tf.data`` map).  Those lines are written by C++ outside Python
  logging and ignore ``TF_CPP_MIN_LOG_LEVEL`` in part, so only the file
  descriptor can hold them back.  Every other line passes through unchanged,
  so errors that matter always show.

No maintained package does this filtering; the filter is one pipe and one
thread, alive while the block runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import select
import sys
import threading
from typing import Iterator

__all__ = ["TF_NOISE", "configure_logging", "filtered_stderr", "quiet", "quiet_tensorflow_start"]

#: Lines TensorFlow's C++ runtime prints, worth nothing to a user: its start-up lines and the
#: ``tf.data`` attribute notice that Keras' ``fit`` triggers.
TF_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:.]+ +\d+ (cudart_stub|cpu_feature_guard|port|cuda_platform|cuda_executor|"
    r"cuda_diagnostics|cuda_dnn|cuda_fft|cuda_blas|gpu_device|service)\.cc:\d+\]"
    r"|[IWE]\d{4} [\d:.]+ +\d+ node_def_util\.cc:\d+\] NodeDef mentions attribute use_unbounded_threadpool "
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)"
)

_HANDLER_NAME = "tfv1_mnist.console"


def configure_logging(level: int) -> None:
    """Sends the ``tfv1_mnist`` logger's records at ``level`` and above to stderr.

    Idempotent: a second call changes the level and keeps one handler.  The
    root logger is not touched.

    Args:
      level: a ``logging`` level (``logging.INFO``...).
    """
    log = logging.getLogger("tfv1_mnist")
    handler = next((h for h in log.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


# The file descriptors that stood for stderr before each open ``filtered_stderr`` block (innermost last).
_OUTER_STDERR: list[int] = []


def terminal_stderr() -> int:
    """The file descriptor lines really reach: fd 2, or what it was before ``filtered_stderr`` replaced it.

    For a writer that must not depend on the relay thread (which needs the GIL),
    e.g. a watchdog process.
    """
    return _OUTER_STDERR[-1] if _OUTER_STDERR else 2


@contextlib.contextmanager
def filtered_stderr(pattern: re.Pattern = TF_NOISE) -> Iterator[None]:
    """Inside the block, lines written to file descriptor 2 that match ``pattern`` are dropped.

    The rest is relayed, line by line, to the original stderr, also when the
    block raises.  Output is relayed by a thread that ends with the block; a
    line reaches the terminal when its newline is written.  A process started
    inside the block that outlives it finds its stderr closed afterwards.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    stop = threading.Event()

    def emit(line: bytes) -> None:
        if not pattern.match(line.decode("utf-8", "replace")):
            os.write(saved, line)

    def relay() -> None:
        # Child processes started inside the block inherit the pipe, and one may outlive it
        # (multiprocessing's resource tracker does), so the relay cannot wait for the pipe's
        # end: once the block is over it drains what is there and stops.
        pending = b""
        try:
            while True:
                ready, _, _ = select.select([read_end], [], [], 0.05)
                if not ready:
                    if stop.is_set():
                        break
                    continue
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    emit(line + b"\n")
        finally:
            if pending:
                emit(pending)
            os.close(read_end)

    thread = threading.Thread(target=relay, name="tfv1-mnist-stderr-filter", daemon=True)
    thread.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    _OUTER_STDERR.append(saved)
    try:
        yield
    finally:
        _OUTER_STDERR.remove(saved)
        sys.stderr.flush()
        os.dup2(saved, 2)
        stop.set()
        thread.join()
        os.close(saved)


def quiet_tensorflow_start() -> None:
    """Imports TensorFlow and initialises its devices without the start-up noise.

    A no-op once TensorFlow is imported (its lines were printed, or not, then).
    """
    if "tensorflow" in sys.modules:
        return
    with filtered_stderr():
        _start_tensorflow()


def _start_tensorflow() -> None:
    import tensorflow as tf

    tf.config.list_physical_devices()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Runs the block with TensorFlow's C++ noise filtered from stderr.

    TensorFlow is not started here: a block that imports it does so behind the
    filter, and one that hands its work to a child process (a seeded ``cnn``)
    does not pay for an import it never uses; the child's stderr is the filter too.
    """
    with filtered_stderr():
        yield
