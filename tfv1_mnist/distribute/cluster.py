"""The cluster of a multi-worker run: ``TF_CONFIG``, who writes, and a start that never hangs.

Pattern: TensorFlow's multi-worker custom-training-loop guide, with its sharp
edges filed off.

* ``ClusterSpec.from_tf_config`` parses and checks ``TF_CONFIG`` (``cluster``
  of ``chief``/``worker`` addresses, ``task`` type and index) and says what is
  wrong with it.  The chief is the ``chief`` task, or worker 0 when the
  cluster has none.
* ``write_dir(out, spec)``: only the chief writes to ``out`` (a filesystem
  every worker sees); the others write the same files to a temporary folder
  that is removed afterwards, as the guide does.
* ``connect(spec, timeout)`` makes the ``MultiWorkerMirroredStrategy``.  Its
  constructor waits for every peer and then ignores SIGTERM, so a peer that
  never starts would hang it for good.  ``wait_for_peers`` therefore first
  listens on the worker's own port (so peers see it) and probes every peer's
  port until all answer, raising ``ClusterError`` naming the missing tasks at
  the timeout; the constructor itself then runs under ``hard_deadline``, whose
  watchdog process kills this one if it still does not return (the
  constructor holds the GIL, so no thread of this process could).
* ``peer_failure(err, spec)`` turns the ``UnavailableError`` that a dead peer
  causes mid-run into a ``ClusterError`` naming that peer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import pathlib
import re
import shutil
import socket
import sys
import subprocess
import tempfile
import time
from typing import Iterator, Mapping

from tfv1_mnist import console
from tfv1_mnist.errors import ConfigError, Tfv1MnistError
from tfv1_mnist.workdir import remove_dead_folders

__all__ = ["ClusterError", "Task", "ClusterSpec", "write_dir", "reachable", "wait_for_peers",
           "hard_deadline", "connect", "peer_failure"]

_log = logging.getLogger(__name__)

_JOBS = ("chief", "worker")
_EXAMPLE = ('{"cluster": {"worker": ["host0:2222", "host1:2222"]}, '
            '"task": {"type": "worker", "index": 0}}')


class ClusterError(Tfv1MnistError):
    """A peer of a multi-worker run is missing, unreachable, or died; the message names it."""


@dataclasses.dataclass(frozen=True)
class Task:
    """One process of the cluster: ``type`` (``chief``/``worker``), ``index`` and ``address``."""

    type: str
    index: int
    address: str

    @property
    def name(self) -> str:
        """``"worker 1 (127.0.0.1:2223)"``."""
        return f"{self.type} {self.index} ({self.address})"

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.address.rpartition(":")
        return host.strip("[]"), int(port)


@dataclasses.dataclass(frozen=True)
class ClusterSpec:
    """A checked ``TF_CONFIG``.

    Attributes:
      cluster: ``{job: (address, ...)}``, jobs ``chief`` and/or ``worker``.
      task_type: this process's job.
      task_index: this process's index within its job.
    """

    cluster: Mapping[str, tuple[str, ...]]
    task_type: str
    task_index: int

    @classmethod
    def from_tf_config(cls, text: str, source: str = "TF_CONFIG") -> "ClusterSpec":
        """Parses ``TF_CONFIG`` text.

        Raises:
          ConfigError: not JSON, no ``cluster``/``task``, a job other than
            ``chief``/``worker``, an address without a port, or a task that is
            not in the cluster.
        """
        hint = f"; set it like {_EXAMPLE}"
        try:
            config = json.loads(text)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{source} is not JSON ({err}){hint}") from None
        if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) \
                or not isinstance(config.get("task"), dict):
            raise ConfigError(f"{source} needs a 'cluster' and a 'task' object{hint}")
        cluster = {}
        for job, addresses in config["cluster"].items():
            if job not in _JOBS:
                raise ConfigError(f"{source}: job {job!r} is not supported here; use 'worker' (and "
                                  "optionally one 'chief')")
            if not isinstance(addresses, list) or not addresses or \
                    not all(isinstance(a, str) and re.fullmatch(r".+:\d+", a) for a in addresses):
                raise ConfigError(f"{source}: cluster.{job} must be a list of 'host:port' texts, got "
                                  f"{addresses!r}")
            cluster[job] = tuple(addresses)
        if "worker" not in cluster and "chief" not in cluster:
            raise ConfigError(f"{source}: the cluster has no workers{hint}")
        if len(cluster.get("chief", ())) > 1:
            raise ConfigError(f"{source}: a cluster has at most one chief, got {len(cluster['chief'])}")
        task = config["task"]
        task_type, index = task.get("type"), task.get("index", 0)
        if task_type not in cluster:
            raise ConfigError(f"{source}: task.type {task_type!r} is not a job of the cluster "
                              f"({', '.join(cluster)})")
        if not isinstance(index, int) or not 0 <= index < len(cluster[task_type]):
            raise ConfigError(f"{source}: task.index {index!r} is outside the {len(cluster[task_type])} "
                              f"{task_type} address(es)")
        return cls(cluster=cluster, task_type=task_type, task_index=index)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "ClusterSpec":
        """``from_tf_config(os.environ["TF_CONFIG"])``; ConfigError when it is unset."""
        environ = os.environ if environ is None else environ
        text = environ.get("TF_CONFIG")
        if not text:
            raise ConfigError("--strategy multi-worker needs TF_CONFIG describing the cluster, e.g. "
                              f"TF_CONFIG='{_EXAMPLE}', or --workers N to start N local workers")
        return cls.from_tf_config(text)

    @property
    def tasks(self) -> tuple[Task, ...]:
        """Every task of the cluster, the chief first."""
        return tuple(Task(job, i, address) for job in _JOBS
                     for i, address in enumerate(self.cluster.get(job, ())))

    @property
    def task(self) -> Task:
        """This process's task."""
        return Task(self.task_type, self.task_index, self.cluster[self.task_type][self.task_index])

    @property
    def peers(self) -> tuple[Task, ...]:
        """Every task but this one."""
        return tuple(t for t in self.tasks if t != self.task)

    @property
    def is_chief(self) -> bool:
        """The ``chief`` task, or worker 0 of a cluster without a chief."""
        if "chief" in self.cluster:
            return self.task_type == "chief"
        return self.task_index == 0

    def to_tf_config(self) -> str:
        """The ``TF_CONFIG`` text of this spec."""
        return json.dumps({"cluster": {k: list(v) for k, v in self.cluster.items()},
                           "task": {"type": self.task_type, "index": self.task_index}})


_WORKER_DIR = "tfv1-mnist-"


@contextlib.contextmanager
def write_dir(out: str | os.PathLike, spec: ClusterSpec | None) -> Iterator[pathlib.Path]:
    """The folder this process writes its outputs to.

    Args:
      out: the run's output folder (on several machines, a shared filesystem).
      spec: the cluster, or None for a single process.

    Yields:
      ``out`` for the chief (or a single process); for any other worker a
      fresh temporary folder, removed with everything in it on exit.
    """
    if spec is None or spec.is_chief:
        yield pathlib.Path(out)
        return
    # A worker killed mid-run could not remove its folder: the next one removes those of dead pids.
    remove_dead_folders(pathlib.Path(tempfile.gettempdir()), rf"{_WORKER_DIR}[a-z]+\d+-(\d+)-\w+")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"{_WORKER_DIR}{spec.task_type}{spec.task_index}-{os.getpid()}-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def reachable(task: Task, timeout: float = 1.0) -> bool:
    """Whether ``task``'s port accepts a TCP connection within ``timeout`` seconds."""
    try:
        with socket.create_connection(task.host_port, timeout=timeout):
            return True
    except OSError:
        return False


def _listen(task: Task) -> socket.socket:
    """Listens on ``task``'s port without accepting, so that peers' probes succeed."""
    _, port = task.host_port
    try:
        return socket.create_server(("", port), backlog=64)
    except OSError as err:
        raise ClusterError(f"{task.name}: cannot listen on port {port} ({err.strerror}); another process "
                           "holds it: pick a free port in TF_CONFIG") from None


def wait_for_peers(spec: ClusterSpec, timeout: float, poll: float = 0.2) -> float:
    """Waits until every peer's port answers, listening on this task's port meanwhile.

    Args:
      spec: the cluster.
      timeout: seconds to wait in all.
      poll: seconds between rounds of probes.

    Returns:
      The seconds it waited.

    Raises:
      ClusterError: this task's port is taken, or peers still did not answer
        after ``timeout`` seconds (they are named).
    """
    start = time.monotonic()
    missing = list(spec.peers)
    with contextlib.closing(_listen(spec.task)):
        while missing:
            missing = [t for t in missing if not reachable(t, timeout=min(1.0, poll * 5))]
            waited = time.monotonic() - start
            if missing and waited >= timeout:
                names = ", ".join(t.name for t in missing)
                raise ClusterError(f"{spec.task.name}: the cluster did not form within {timeout:g} s: "
                                   f"{names} never answered; start it with its own TF_CONFIG, check "
                                   "its address, or raise --cluster-timeout")
            if missing:
                time.sleep(poll)
    return time.monotonic() - start


# The watchdog: a separate process, so that a C++ call holding this process's GIL
# cannot stop it.  It ends with this process, or ends this process at the deadline.
_WATCHDOG = (
    "import os, sys, time\n"
    "parent, end, fd = int(sys.argv[1]), time.monotonic() + float(sys.argv[2]), int(sys.argv[4])\n"
    "while os.getppid() == parent and time.monotonic() < end:\n"
    "    time.sleep(0.05)\n"
    "if os.getppid() == parent:\n"
    "    os.write(fd, sys.argv[3].encode('utf-8', 'replace'))\n"
    "    os.kill(parent, 9)\n"
)


@contextlib.contextmanager
def hard_deadline(seconds: float, message: str) -> Iterator[None]:
    """Kills this process (SIGKILL, exit status 137) unless the block finishes within ``seconds``.

    For a call that may block for good, ignore signals and hold the GIL (the
    ``MultiWorkerMirroredStrategy`` constructor): a watchdog process, not a
    thread of this one, keeps the time, writes ``message`` to stderr as one
    line and kills this process.  It ends itself when this process ends.
    """
    line = f"tfv1-mnist: error: {message}\n"
    fd = console.terminal_stderr()  # not the filter's pipe: its relay thread needs the GIL
    dog = subprocess.Popen([sys.executable, "-I", "-S", "-c", _WATCHDOG, str(os.getpid()),
                            repr(float(seconds)), line, str(fd)], stdin=subprocess.DEVNULL, pass_fds=(fd,))
    try:
        yield
    finally:
        dog.kill()
        dog.wait()


def connect(spec: ClusterSpec, timeout: float):
    """A ``MultiWorkerMirroredStrategy`` for this task of ``spec``, in bounded time.

    Args:
      spec: the cluster.
      timeout: seconds for the peers to answer, and again for the strategy to form.

    Returns:
      A ``tf.distribute.MultiWorkerMirroredStrategy``.

    Raises:
      ClusterError: a peer did not answer in time (``wait_for_peers``).  If
        the constructor still blocks after ``timeout`` more seconds, the
        process ends (``hard_deadline``).
    """
    import tensorflow as tf

    waited = wait_for_peers(spec, timeout)
    _log.info("%s: every peer answered after %.1f s; forming the cluster", spec.task.name, waited)
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec({k: list(v) for k, v in spec.cluster.items()}),
        task_type=spec.task_type, task_id=spec.task_index, rpc_layer="grpc")
    with hard_deadline(timeout, f"{spec.task.name}: every peer answered, but the cluster did not form "
                                f"within {timeout:g} s more (a peer left meanwhile, or a port answers that is "
                                "not a TensorFlow worker?); ending this worker"):
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)


def peer_failure(err: BaseException, spec: ClusterSpec) -> ClusterError:
    """A ``ClusterError`` naming the peer behind a collective's failure.

    Args:
      err: the exception a training step raised (``UnavailableError``,
        ``DeadlineExceededError``, ...).
      spec: the cluster.

    Returns:
      A ``ClusterError`` naming the task(s) the message mentions, else the
      peers whose ports no longer answer.
    """
    text = str(err)
    named = [t for t in spec.peers
             if f"/job:{t.type}/replica:0/task:{t.index}" in text or t.address in text]
    if not named:
        named = [t for t in spec.peers if not reachable(t, timeout=0.5)]
    first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    who = ", ".join(t.name for t in named) if named else "a peer"
    return ClusterError(f"{spec.task.name}: lost {who} during training ({type(err).__name__}: {first[:300]})")
