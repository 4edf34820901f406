"""Starts the workers of a multi-worker run on this machine, and ends them all in bounded time.

Pattern: a tiny ``torchrun``.  ``launch(argv, workers=N, deadline=...)`` picks N
free ports on 127.0.0.1 (``free_ports``), starts N copies of ``argv``, each
with its own ``TF_CONFIG`` (``local_tf_configs``), and relays every line they
print, prefixed ``[worker i]``.  It returns when all have exited with status 0.
When one fails, the others are killed with SIGKILL (a
``MultiWorkerMirroredStrategy`` that waits for a dead peer ignores SIGTERM);
past the deadline, all are.  Either way ``WorkerFailed`` says which worker and why.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import IO, Mapping, Sequence

from tfv1_mnist import lifeline
from tfv1_mnist.distribute.cluster import ClusterError

__all__ = ["WorkerFailed", "WorkerExit", "free_ports", "local_tf_configs", "launch"]

_log = logging.getLogger(__name__)
_TAIL = 20


class WorkerFailed(ClusterError):
    """A local worker failed, or the run passed its deadline; ``exits`` holds every worker's end."""

    def __init__(self, message: str, exits: Sequence["WorkerExit"] = ()):
        super().__init__(message)
        self.exits = tuple(exits)


@dataclasses.dataclass(frozen=True)
class WorkerExit:
    """How one worker ended.

    Attributes:
      index: the worker's index.
      returncode: its exit status (negative: the signal that ended it).
      killed: the launcher killed it (a peer failed, or the deadline passed).
      tail: its last lines of output.
    """

    index: int
    returncode: int
    killed: bool
    tail: tuple[str, ...]

    @property
    def why(self) -> str:
        """``"exit status 1: <its last error line>"``, ``"killed by SIGKILL"``, ..."""
        if self.returncode < 0:
            how = f"killed by {signal.Signals(-self.returncode).name}"
        else:
            how = f"exit status {self.returncode}"
        lines = [line for line in self.tail if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        last = (errors or lines or [""])[-1].strip()
        return f"{how}: {last}" if last and not self.killed else how


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """``n`` distinct TCP ports on ``host`` that were free a moment ago."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(n)]
        for s in socks:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in socks]


def local_tf_configs(n: int, host: str = "127.0.0.1") -> list[str]:
    """One ``TF_CONFIG`` text per worker of an ``n``-worker cluster on ``host``'s free ports."""
    cluster = {"worker": [f"{host}:{p}" for p in free_ports(n, host)]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}) for i in range(n)]


class _Worker:
    """One child process and the thread relaying its output."""

    def __init__(self, index: int, argv: Sequence[str], env: Mapping[str, str], sink: IO[str],
                 lock: threading.Lock):
        self.index = index
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
        self.killed = False
        # Own session, so that a kill reaches whatever the worker started, too; the
        # worker binds its life to this process (lifeline.ENV).
        self.proc = subprocess.Popen(list(argv), env=lifeline.environment(env), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._thread = threading.Thread(target=self._relay, args=(sink, lock), daemon=True,
                                        name=f"worker-{index}-output")
        self._thread.start()

    def _relay(self, sink: IO[str], lock: threading.Lock) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.tail.append(line)
            with lock:
                sink.write(f"[worker {self.index}] {line}\n")
                sink.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.killed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def finish(self) -> WorkerExit:
        self.proc.wait()
        self._thread.join(timeout=5)
        self.proc.stdout.close()
        return WorkerExit(self.index, self.proc.returncode, self.killed, tuple(self.tail))


def launch(argv: Sequence[str], *, workers: int, deadline: float, env: Mapping[str, str] | None = None,
           sink: IO[str] | None = None, poll: float = 0.1) -> list[WorkerExit]:
    """Runs ``workers`` copies of ``argv`` as one cluster on 127.0.0.1.

    Args:
      argv: the worker's command line (the same for every worker).
      workers: how many workers.
      deadline: seconds for the whole run; then every worker still alive is killed.
      env: the workers' environment (default: this process's), to which
        each worker's ``TF_CONFIG`` is added.
      sink: where the prefixed lines go (default: ``sys.stdout``).
      poll: seconds between checks of the workers.

    Returns:
      Every worker's ``WorkerExit``, in index order (all with status 0).

    Raises:
      WorkerFailed: a worker exited with a non-zero status (the others were
        killed), or the deadline passed (all were killed); the message names
        the worker(s) and why.
      KeyboardInterrupt: Ctrl-C; every worker is killed first.
    """
    sink = sys.stdout if sink is None else sink
    base = dict(os.environ if env is None else env)
    lock = threading.Lock()
    configs = local_tf_configs(int(workers))
    started = time.monotonic()
    procs: list[_Worker] = []
    failed: _Worker | None = None
    try:
        for i, tf_config in enumerate(configs):
            procs.append(_Worker(i, argv, {**base, "TF_CONFIG": tf_config}, sink, lock))
        _log.info("started %d workers on %s", len(procs), ", ".join(json.loads(configs[0])["cluster"]["worker"]))
        while True:
            codes = [w.proc.poll() for w in procs]
            failed = next((w for w, c in zip(procs, codes) if c not in (None, 0)), None)
            if failed is not None or all(c == 0 for c in codes):
                break
            if time.monotonic() - started > deadline:
                break
            time.sleep(poll)
    finally:
        for w in procs:
            w.kill()
        exits = [w.finish() for w in procs]
    if failed is not None:
        first = exits[failed.index]
        others = [e for e in exits if e.index != failed.index and e.killed]
        text = f"worker {first.index} failed ({first.why})"
        if others:
            text += f"; killed worker(s) {', '.join(str(e.index) for e in others)}"
        raise WorkerFailed(text, exits)
    late = [e for e in exits if e.killed]
    if late:
        raise WorkerFailed(f"worker(s) {', '.join(str(e.index) for e in late)} still running after the "
                           f"{deadline:g} s deadline; killed them all (raise --deadline for a longer run)", exits)
    return exits
