"""Children that end with their parent, however the parent ends.

Pattern: the Linux parent-death signal.  A child process the package starts
(``determinism.run_isolated``'s job, run-legacy's script, a multi-worker
worker) calls ``bind(parent_pid)`` first thing: the kernel then sends it
SIGKILL when the thread that started it exits, even when that parent was itself
killed with SIGKILL and ran no clean-up.  The parent-death signal is set after
the child started, so ``bind`` also checks that the parent is still the one
that started it (``os.getppid()`` against the recorded pid): a parent that died
in between has handed the child to another process, and the child ends at once.

A child started as a command line learns its parent from the environment
(``ENV``, set by ``environment()``) and calls ``bind_from_env()``.  Where
``prctl`` is missing (not Linux), a daemon thread polls ``os.getppid()``
instead.

The parent's side: ``install_signal_handlers()`` turns SIGTERM into the
``Terminated`` exception (and SIGINT stays ``KeyboardInterrupt``), so that the
code waiting on a child stops it and removes what it staged before the
command exits (143 or 130).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Mapping

__all__ = ["ENV", "Terminated", "bind", "bind_from_env", "environment", "install_signal_handlers",
           "stop", "EXIT_TERMINATED"]

#: Environment variable that carries the starting process's pid to a child command line.
ENV = "TFV1_MNIST_PARENT_PID"
#: Exit status of a command ended by SIGTERM (128 + 15).
EXIT_TERMINATED = 128 + signal.SIGTERM
_PR_SET_PDEATHSIG = 1


class Terminated(BaseException):
    """SIGTERM reached this process; raised in its main thread like ``KeyboardInterrupt``.

    A ``BaseException``, so that ``except Exception`` clean-up code lets it through.
    """


def _set_parent_death_signal(signum: int) -> bool:
    """``prctl(PR_SET_PDEATHSIG, signum)``; False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int, poll: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(poll)
    os._exit(EXIT_TERMINATED)


def bind(parent_pid: int, *, signum: int = signal.SIGKILL, poll: float = 0.5) -> None:
    """Makes this process end when ``parent_pid``, the process that started it, ends.

    Args:
      parent_pid: the pid of the process that started this one.
      signum: the signal the kernel sends on the parent's death (SIGKILL: a
        child blocked in a C++ call that holds the GIL cannot ignore it).
      poll: seconds between checks where the parent-death signal is missing.
    """
    parent_pid = int(parent_pid)
    armed = _set_parent_death_signal(signum)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(EXIT_TERMINATED)
    if not armed:
        threading.Thread(target=_watch, args=(parent_pid, poll), daemon=True, name="lifeline").start()


def environment(base: Mapping[str, str] | None = None) -> dict:
    """``base`` (default: ``os.environ``) plus ``ENV`` = this process's pid, for a child command line."""
    env = dict(os.environ if base is None else base)
    env[ENV] = str(os.getpid())
    return env


def bind_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """``bind`` to the pid ``ENV`` names, if set (and removes it, so grandchildren bind to their own parent).

    Returns:
      Whether a parent was named.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(ENV)
    if not value or not value.isdigit():
        return False
    if environ is os.environ:
        del os.environ[ENV]
    bind(int(value))
    return True


def _raise_terminated(signum, frame):
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """In the main thread: SIGTERM raises ``Terminated``, SIGINT ``KeyboardInterrupt``."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def stop(pid_alive, terminate, kill, grace: float = 5.0, poll: float = 0.05) -> None:
    """Stops a child: ``terminate()``, then ``kill()`` if ``pid_alive()`` still holds after ``grace`` seconds.

    Args:
      pid_alive: returns whether the child still runs (and reaps it if not).
      terminate, kill: send SIGTERM, SIGKILL.
      grace: seconds between the two.
      poll: seconds between checks.
    """
    if not pid_alive():
        return
    terminate()
    end = time.monotonic() + grace
    while pid_alive() and time.monotonic() < end:
        time.sleep(poll)
    if pid_alive():
        kill()
