"""Faults on real processes: killed commands, hung peers, full and read-only disks, bad inputs.

Each test runs the ``tfv1-mnist`` command line as a user would (a child
process) and checks what is left: no descendant process alive, one line on
stderr, the exit status, and no half-written output.  Descendants are found
through /proc (``_descendants``), recorded while the command runs.
"""

from __future__ import annotations

import errno
import http.server
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
import zlib

import numpy as np
import pytest

from tfv1_mnist import outputs, workdir
from tfv1_mnist.datasets import fetch, npz
from tfv1_mnist.distribute import launcher
from tfv1_mnist.errors import FetchError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and Linux signals")

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
ENV.pop("TF_CONFIG", None)


# ------------------------------------------------------------------ helpers


def _cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    """Starts ``tfv1-mnist -q ARGS`` in its own session (so the test's signals are its own)."""
    return subprocess.Popen([sys.executable, "-m", "tfv1_mnist", "-q", *args], env=env or ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _run(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfv1_mnist", "-q", *args], env=env or ENV,
                          capture_output=True, text=True, timeout=timeout)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` now, from /proc/*/stat's parent field."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _wait_for(condition, proc: subprocess.Popen, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the command ended ({proc.returncode}) before {what}: {proc.stderr.read()}")
        if time.monotonic() > end:
            raise AssertionError(f"no {what} after {timeout} s")
        time.sleep(0.2)


def _assert_all_end(pids: list[int], within: float = 10.0) -> None:
    end = time.monotonic() + within
    while time.monotonic() < end:
        alive = [p for p in pids if workdir.pid_alive(p)]
        if not alive:
            return
        time.sleep(0.2)
    raise AssertionError(f"processes {alive} still alive {within:g} s after their parent ended")


def _cleanup(proc: subprocess.Popen, pids: list[int]) -> None:
    for pid in [proc.pid, *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.communicate(timeout=30)


def _staged(out: pathlib.Path, name: str):
    return lambda: any((stage / name).exists() for stage in out.glob(workdir.STAGING_PREFIX + "*"))


# ------------------------------------------------------------------ children die with their parent


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_seeded_cnn_child_ends_with_the_command(tmp_path, sig):
    out = tmp_path / "run"
    proc = _cli("cnn", "--data", "sample", "--epochs", "500", "--seed", "0", "--out", str(out))
    kids: list[int] = []
    try:
        _wait_for(_staged(out, "checkpoints"), proc, 240, "first epoch's checkpoint")
        kids = _descendants(proc.pid)
        assert kids, "the seeded run trains in a child process"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        _assert_all_end(kids)
    finally:
        _cleanup(proc, kids)
    if sig == signal.SIGTERM:
        assert proc.returncode == 143
        assert len(_lines(err)) == 1 and "terminated" in err
        assert not out.exists()  # the run created it; nothing of it is left
    else:
        assert proc.returncode == -signal.SIGKILL
        # A killed run leaves its staging folder and lock; the next run takes both over.
        done = _run("softmax", "--data", "sample", "--steps", "5", "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in out.iterdir()) == [workdir.MANIFEST_NAME, "checkpoint", "loss.png",
                                                         "metrics.json", "tensorboard"]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_run_legacy_script_ends_with_the_command(tmp_path, sig):
    script = tmp_path / "forever.py"
    marker = tmp_path / "pid"
    script.write_text(textwrap.dedent(f"""
        import os, time
        with open({str(marker)!r}, "w") as f:
            f.write(str(os.getpid()))
        while True:
            time.sleep(0.1)
    """))
    proc = _cli("run-legacy", "--data", "sample", str(script))
    kids: list[int] = []
    try:
        _wait_for(lambda: marker.exists() and marker.read_text(), proc, 120, "the script's start")
        kids = _descendants(proc.pid)
        assert int(marker.read_text()) in kids
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        _assert_all_end(kids)
    finally:
        _cleanup(proc, kids)
    assert proc.returncode == (143 if sig == signal.SIGTERM else -signal.SIGKILL)


@pytest.mark.slow
def test_launched_workers_end_with_the_launcher(tmp_path):
    out = tmp_path / "run"
    proc = _cli("cnn", "--strategy", "multi-worker", "--workers", "2", "--data", "sample", "--epochs", "500",
                "--seed", "0", "--out", str(out))
    kids: list[int] = []
    try:
        _wait_for(_staged(out, "checkpoints"), proc, 400, "first epoch's checkpoint")
        kids = _descendants(proc.pid)
        assert len(kids) >= 2
        proc.send_signal(signal.SIGKILL)  # no clean-up runs: the workers must end on their own
        proc.communicate(timeout=60)
        _assert_all_end(kids)
    finally:
        _cleanup(proc, kids)


# ------------------------------------------------------------------ deadlines


def test_hard_deadline_ends_a_call_that_holds_the_gil():
    # Catastrophic backtracking: `re` never releases the GIL, so no Python thread could keep time.
    code = textwrap.dedent("""
        import re
        from tfv1_mnist.distribute import cluster
        with cluster.hard_deadline(1.0, "worker 0: stuck forming the cluster"):
            re.match(r"(a*)*b", "a" * 64)
    """)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert time.monotonic() - start < 20
    assert proc.returncode == -signal.SIGKILL
    assert proc.stderr.strip() == "tfv1-mnist: error: worker 0: stuck forming the cluster"


def _junk_server():
    """A TCP server on 127.0.0.1 that accepts and writes junk; returns (socket, port, first-accept times)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[float] = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(time.monotonic())
            try:
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nnot tensorflow\n" * 64)
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1], accepted


@pytest.mark.slow
def test_worker_with_a_peer_that_is_not_tensorflow_exits_in_time(tmp_path):
    server, port, accepted = _junk_server()
    mine = launcher.free_ports(1)[0]
    tf_config = json.dumps({"cluster": {"worker": [f"127.0.0.1:{mine}", f"127.0.0.1:{port}"]},
                            "task": {"type": "worker", "index": 0}})
    timeout = 5.0
    try:
        done = _run("cnn", "--strategy", "multi-worker", "--cluster-timeout", str(timeout), "--data", "sample",
                    "--epochs", "1", "--out", str(tmp_path / "run"), env={**ENV, "TF_CONFIG": tf_config},
                    timeout=180)
        ended = time.monotonic()
    finally:
        server.close()
    assert accepted, "the worker never probed its peer"
    # From the first probe of the peer (the start of the wait) to the end: the timeout plus a margin.
    assert ended - accepted[0] < timeout + 5.0
    assert done.returncode != 0
    lines = _lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("tfv1-mnist") and "error" in lines[0], done.stderr
    # Killed by its watchdog: no output published (its lock and staging go to the next run).
    assert [n for n in os.listdir(tmp_path / "run") if not n.startswith(".")] == []


# ------------------------------------------------------------------ full and read-only disks


def _mount_tmpfs(path: pathlib.Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, timeout=30).returncode == 0


def _umount(path: pathlib.Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, timeout=30)


def test_full_disk_gives_one_line_and_no_files(tmp_path, monkeypatch, capsys):
    disk = tmp_path / "full"
    if _mount_tmpfs(disk, "size=16k"):
        try:
            done = _run("softmax", "--data", "sample", "--steps", "20", "--out", str(disk / "run"))
            left = sorted(os.listdir(disk))
        finally:
            _umount(disk)
        err, code = done.stderr, done.returncode
    else:  # no tmpfs here: the same failure from a writer patched to raise ENOSPC
        from tfv1_mnist import cli

        def full(path, data):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(outputs, "write_bytes", full)
        disk.mkdir()
        code = cli.main(["-q", "softmax", "--data", "sample", "--steps", "20", "--out", str(disk / "run")])
        err, left = capsys.readouterr().err, sorted(os.listdir(disk))
    assert code == 1
    assert len(_lines(err)) == 1 and "no space left" in err and "--out" in err, err
    assert left == []


def test_read_only_folder_gives_one_line_and_no_files(tmp_path):
    folder = tmp_path / "ro"
    mounted = _mount_tmpfs(folder, "ro,size=64k")
    if not mounted:
        folder.mkdir()
        folder.chmod(0o555)
    try:
        done = _run("softmax", "--data", "sample", "--steps", "5", "--out", str(folder / "run"))
        left = sorted(os.listdir(folder))
    finally:
        _umount(folder) if mounted else folder.chmod(0o755)
    assert done.returncode == 1
    lines = _lines(done.stderr)
    assert len(lines) == 1 and ("read-only" in lines[0] or "permission denied" in lines[0]), done.stderr
    assert left == []


# ------------------------------------------------------------------ damaged and oversized inputs


@pytest.mark.slow
def test_truncated_checkpoint_gives_one_line_and_keeps_the_earlier_run(tmp_path):
    out = tmp_path / "run"
    first = _run("cnn", "--data", "sample", "--epochs", "1", "--seed", "0", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    data = next((out / "checkpoints").glob("ckpt-1.data-*"))
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    done = _run("cnn", "--data", "sample", "--epochs", "2", "--seed", "0", "--resume", "--out", str(out))
    assert done.returncode == 1
    lines = _lines(done.stderr)
    assert lines == [f"tfv1-mnist cnn: error: checkpoint {out}/checkpoints/ckpt-1 is truncated (Read less bytes "
                     "than requested): delete the damaged checkpoint, or start again without --resume"], done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not list(out.glob(workdir.STAGING_PREFIX + "*"))


def _npz_bomb(path: pathlib.Path, images: int) -> None:
    """An .npz whose one member inflates to ``images`` x 28 x 28 zero bytes (a few MB on disk)."""
    header = {"descr": "|u1", "fortran_order": False, "shape": (images, 28, 28)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("images.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, header)
            chunk, left = bytes(1 << 24), images * 28 * 28
            while left:
                f.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))


def test_npz_bomb_given_to_predict_gives_one_line(tmp_path):
    bomb = tmp_path / "bomb.npz"
    _npz_bomb(bomb, 1_400_000)  # 1.1 GB inflated
    assert bomb.stat().st_size < 8 << 20
    done = _run("predict", "--model", str(tmp_path / "no-model"), str(bomb), timeout=120)
    assert done.returncode == 1
    lines = _lines(done.stderr)
    assert len(lines) == 1 and str(bomb) in lines[0] and "refusing" in lines[0], done.stderr


def test_read_arrays_applies_the_guarded_checks(tmp_path):
    good = tmp_path / "good.npz"
    np.savez_compressed(good, images=np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28))
    arrays = npz.read_arrays(good)
    assert arrays["images"].shape == (2, 28, 28) and not arrays["images"].flags.writeable


def test_huge_steps_are_refused_before_allocating(tmp_path):
    start = time.monotonic()
    done = _run("softmax", "--data", "sample", "--steps", "100000000", "--out", str(tmp_path / "run"), timeout=120)
    assert time.monotonic() - start < 60
    assert done.returncode == 2
    lines = _lines(done.stderr)
    assert len(lines) == 1 and "--steps 100000000" in lines[0] and "GiB" in lines[0], done.stderr
    assert not (tmp_path / "run").exists()


def test_fifo_and_device_given_as_files_give_one_line(tmp_path):
    fifo = tmp_path / "digits.npz"
    os.mkfifo(fifo)
    predicted = _run("predict", "--model", str(tmp_path), str(fifo), timeout=60)  # would block on open
    loaded = _run("softmax", "--data", "/dev/zero", "--steps", "5", "--out", str(tmp_path / "run"), timeout=60)
    assert predicted.returncode == 1 and _lines(predicted.stderr) == [
        f"tfv1-mnist predict: error: {fifo} is a FIFO (named pipe), not a file: give a regular file "
        "(copy the data to one first)"]
    assert loaded.returncode == 1 and len(_lines(loaded.stderr)) == 1
    assert "/dev/zero is a character device" in loaded.stderr


class _Endless(http.server.BaseHTTPRequestHandler):
    sent = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        chunk = bytes(1 << 16)
        try:
            while type(self).sent < 64 << 20:
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def test_download_stops_at_the_expected_size(tmp_path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with pytest.raises(FetchError, match="more than the 11490434 bytes of mnist.npz"):
            fetch.fetch(tmp_path, "npz", urls=[f"http://127.0.0.1:{httpd.server_address[1]}/"], progress=False)
    finally:
        httpd.shutdown()
    assert os.listdir(tmp_path) == []
    assert _Endless.sent < 32 << 20


# ------------------------------------------------------------------ one run per folder, outputs whole


def test_second_run_into_a_used_folder_leaves_only_its_own_files(tmp_path):
    out = tmp_path / "run"
    assert _run("softmax", "--data", "sample", "--steps", "5", "--out", str(out)).returncode == 0
    (out / "tensorboard" / "events.out.tfevents.0.stale").write_bytes(b"an earlier run's events")
    (out / "notes.txt").write_text("the user's own file")
    assert _run("softmax", "--data", "sample", "--steps", "5", "--impl", "v2", "--out", str(out)).returncode == 0
    assert len(list((out / "tensorboard").iterdir())) == 1
    assert not (out / "tensorboard" / "events.out.tfevents.0.stale").exists()
    assert json.loads((out / "metrics.json").read_text())["impl"] == "v2"
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "checkpoint", "loss.png", "metrics.json", "notes.txt", "tensorboard"]
    assert (out / "loss.png").stat().st_mode & 0o777 == 0o666 & ~outputs.current_umask()


def test_a_live_runs_folder_is_refused_and_a_dead_runs_lock_taken_over(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (out / workdir.LOCK_NAME).write_text(f"{holder.pid} {socket.gethostname()}\n")
        refused = _run("softmax", "--data", "sample", "--steps", "5", "--out", str(out))
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 1
    assert _lines(refused.stderr) == [
        f"tfv1-mnist softmax: error: {out} is in use by a running tfv1-mnist (process {holder.pid}); "
        "wait for it to finish or choose another --out"]
    assert sorted(os.listdir(out)) == [workdir.LOCK_NAME]
    (out / f"{workdir.STAGING_PREFIX}{holder.pid}").mkdir()  # a dead run's staging folder
    done = _run("softmax", "--data", "sample", "--steps", "5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(out)) == [workdir.MANIFEST_NAME, "checkpoint", "loss.png", "metrics.json",
                                       "tensorboard"]
