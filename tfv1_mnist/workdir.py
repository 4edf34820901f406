"""The run folder (``--out``): one live run at a time, outputs whole or absent.

Pattern: stage, then publish.  ``run_folder(out)`` is the one way a command
writes a folder:

1. **Lock**: ``out/.tfv1-mnist.lock`` holds the pid and host of the run that
   writes into ``out``.  A second run while that process lives is refused
   with ``FolderInUseError`` naming it; the lock of a process that no longer
   exists is taken over.
2. **Stage**: the run writes every output (metrics, figures, checkpoints,
   TensorBoard events, SavedModel) into ``out/.tfv1-mnist-staging-<pid>/``.
   With ``carry``, the earlier run's entries named there (``--resume``'s
   checkpoints) are copied in first.  Staging folders of runs whose process is
   gone are removed.
3. **Publish** on success: the earlier run's outputs (the names listed in
   ``out/.tfv1-mnist-outputs``, and every name this run writes) are removed,
   and the staged entries moved in.  Nothing of the earlier run survives, and
   files in ``out`` that no run wrote are left alone.  On any failure,
   Ctrl-C or SIGTERM the staging folder is removed and ``out`` is as it was
   (removed again if this run created it).

Folders are created with the mode the umask gives, as ``mkdir`` would.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import shutil
import socket
from typing import Iterator, Sequence

from tfv1_mnist.errors import FolderInUseError, OutputError

__all__ = ["LOCK_NAME", "MANIFEST_NAME", "STAGING_PREFIX", "run_folder", "pid_alive", "remove_dead_folders",
           "unstaged"]

LOCK_NAME = ".tfv1-mnist.lock"
MANIFEST_NAME = ".tfv1-mnist-outputs"
STAGING_PREFIX = ".tfv1-mnist-staging-"
_OLD_PREFIX = ".tfv1-mnist-old-"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def unstaged(text: str) -> str:
    """``text`` with every staging folder taken out of the paths it names.

    A log line or an error written while a run writes into its staging folder
    (in this process or in the child that trains) names a path there; the user
    knows (and may act on) the same path in ``--out``.
    """
    sep = re.escape(os.sep)
    return re.sub(rf"{sep}{re.escape(STAGING_PREFIX)}\d+(?={sep}|$|[\s'\"),;:])", "", text)


def _holder(lock: pathlib.Path) -> tuple[int, str] | None:
    """The (pid, host) a lock file names, or None if it is unreadable."""
    try:
        pid, _, host = lock.read_text(encoding="utf-8").strip().partition(" ")
        return int(pid), host
    except (OSError, ValueError):
        return None


def _acquire(out: pathlib.Path) -> pathlib.Path:
    lock = out / LOCK_NAME
    mine = f"{os.getpid()} {socket.gethostname()}\n"
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            holder = _holder(lock)
            if holder is not None:
                pid, host = holder
                if host and host != socket.gethostname():
                    raise FolderInUseError(
                        f"{out} is in use by a run on {host} (process {pid}); wait for it, choose another "
                        f"--out, or delete {lock} if that run is gone") from None
                if pid != os.getpid() and pid_alive(pid):
                    raise FolderInUseError(
                        f"{out} is in use by a running tfv1-mnist (process {pid}); wait for it to finish "
                        "or choose another --out") from None
            with contextlib.suppress(FileNotFoundError):  # a dead run's lock: take it over
                lock.unlink()
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(mine)
        return lock
    raise FolderInUseError(f"{out}: could not take {lock} (another run keeps taking it); choose another --out")


def remove_dead_folders(parent: pathlib.Path, pattern: str) -> None:
    """Removes each entry of ``parent`` whose name fully matches ``pattern`` and whose process is gone.

    ``pattern``'s first group is the pid of the process that made the entry.  An
    entry named with this process's own pid predates it (a reused pid), and one
    whose group is not a pid belongs to no live run: both go too.
    """
    for entry in parent.iterdir():
        named = re.fullmatch(pattern, entry.name)
        if named:
            pid = named.group(1)
            if not pid.isdigit() or int(pid) == os.getpid() or not pid_alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


def _clean_stale(out: pathlib.Path) -> None:
    """Removes staging and old-output folders whose run's process is gone."""
    for prefix in (STAGING_PREFIX, _OLD_PREFIX):
        remove_dead_folders(out, re.escape(prefix) + r"(.*)")


def _earlier_outputs(out: pathlib.Path) -> set[str]:
    try:
        return {n for n in (out / MANIFEST_NAME).read_text(encoding="utf-8").splitlines() if n}
    except FileNotFoundError:
        return set()


def _publish(stage: pathlib.Path, out: pathlib.Path) -> None:
    """Replaces the earlier run's outputs with ``stage``'s entries."""
    new = sorted(p.name for p in stage.iterdir())
    old = out / f"{_OLD_PREFIX}{os.getpid()}"
    old.mkdir()
    for name in sorted(_earlier_outputs(out) | set(new)):
        if "/" not in name and not name.startswith(".") and os.path.lexists(out / name):
            os.replace(out / name, old / name)
    for name in new:
        os.replace(stage / name, out / name)
    manifest = out / f"{MANIFEST_NAME}.{os.getpid()}"
    manifest.write_text("".join(f"{n}\n" for n in new), encoding="utf-8")
    os.replace(manifest, out / MANIFEST_NAME)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def run_folder(out: str | os.PathLike, *, carry: Sequence[str] = ()) -> Iterator[pathlib.Path]:
    """Locks ``out``, yields a staging folder inside it, and publishes it when the block succeeds.

    Args:
      out: the run's output folder (created if missing).
      carry: names of the earlier run's entries copied into the staging
        folder first (``("checkpoints",)`` for ``--resume``).

    Yields:
      The staging folder, ``out/.tfv1-mnist-staging-<pid>``: write every output there.

    Raises:
      FolderInUseError: a live run holds ``out``.
      OutputError: ``out`` exists and is not a folder.
    """
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; give a folder for --out")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = _acquire(out)
    published = False
    try:
        _clean_stale(out)
        stage = out / f"{STAGING_PREFIX}{os.getpid()}"
        stage.mkdir()
        try:
            for name in carry:
                if (out / name).is_dir():
                    shutil.copytree(out / name, stage / name, symlinks=True)
            yield stage
            _publish(stage, out)
            published = True
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            if _holder(lock) == (os.getpid(), socket.gethostname()):
                lock.unlink()
        if created and not published:  # a failed first run leaves no folder behind
            with contextlib.suppress(OSError):
                out.rmdir()
