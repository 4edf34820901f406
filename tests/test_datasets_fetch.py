"""Tests for tfv1_mnist.datasets.fetch against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time

import pytest

from tfv1_mnist import datasets
from tfv1_mnist.datasets import fetch
from tfv1_mnist.errors import DataError, FetchError

IDX_NAMES = list(datasets.IDX_FILES.values())


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.hits.append(self.path)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        kind, body = route
        if kind == "slow":
            time.sleep(1.5)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        # "truncated": promise more than is sent, then close the connection.
        self.send_header("Content-Length", str(len(body) + (1000 if kind == "truncated" else 0)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):  # keep test output quiet
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout test) is expected


@pytest.fixture
def server():
    """A local server: set ``routes`` {"/path": (kind, body)}; ``hits`` lists requests."""
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    handler.base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        yield handler
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def dead_url() -> str:
    """A URL on a port where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _payloads(names):
    files = {name: f"contents of {name} ".encode() * 2000 for name in names}
    sums = {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}
    return files, sums


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_good_npz_download_and_skip_when_present(server, tmp_path):
    files, sums = _payloads(["mnist.npz"])
    server.routes["/data/mnist.npz"] = ("ok", files["mnist.npz"])
    path = fetch.fetch(tmp_path / "dl", "npz", urls=[server.base + "data/"], progress=False, checksums=sums)
    assert path == tmp_path / "dl" / "mnist.npz"
    assert path.read_bytes() == files["mnist.npz"]
    assert _leftovers(path.parent) == []
    assert server.hits == ["/data/mnist.npz"]
    # Present with the right hash: no second request.
    fetch.fetch(tmp_path / "dl", "npz", urls=[server.base + "data/"], progress=False, checksums=sums)
    assert server.hits == ["/data/mnist.npz"]


def test_wrong_hash_leaves_nothing_at_the_final_path(server, tmp_path):
    files, sums = _payloads(["mnist.npz"])
    server.routes["/mnist.npz"] = ("ok", files["mnist.npz"] + b"tampered")
    with pytest.raises(FetchError, match="wrong sha256") as err:
        fetch.fetch(tmp_path, "npz", urls=[server.base], progress=False, checksums=sums)
    assert isinstance(err.value, DataError)
    assert not (tmp_path / "mnist.npz").exists()
    assert _leftovers(tmp_path) == []


def test_truncated_body_is_refused(server, tmp_path):
    files, sums = _payloads(["mnist.npz"])
    server.routes["/mnist.npz"] = ("truncated", files["mnist.npz"])
    with pytest.raises(FetchError, match="truncated"):
        fetch.fetch(tmp_path, "npz", urls=[server.base], progress=False, checksums=sums)
    assert not (tmp_path / "mnist.npz").exists()
    assert _leftovers(tmp_path) == []


def test_404_is_reported_with_the_url(server, tmp_path):
    _, sums = _payloads(["mnist.npz"])
    with pytest.raises(FetchError, match=r"HTTP 404") as err:
        fetch.fetch(tmp_path, "npz", urls=[server.base + "nothing/"], progress=False, checksums=sums)
    assert server.base + "nothing/mnist.npz" in str(err.value)
    assert not (tmp_path / "mnist.npz").exists()


def test_dead_first_mirror_falls_back_for_idx(server, dead_url, tmp_path):
    files, sums = _payloads(IDX_NAMES)
    for name, body in files.items():
        server.routes[f"/mirror/{name}"] = ("ok", body)
    folder = fetch.fetch(tmp_path / "idx", "idx", urls=[dead_url, server.base + "mirror"],
                         progress=False, checksums=sums)
    assert folder == tmp_path / "idx"
    for name, body in files.items():
        assert (folder / name).read_bytes() == body
    assert server.hits == [f"/mirror/{n}" for n in IDX_NAMES]
    assert _leftovers(folder) == []


def test_corrupt_file_already_there_is_replaced(server, tmp_path):
    files, sums = _payloads(["mnist.npz"])
    (tmp_path / "mnist.npz").write_bytes(b"half a download")
    server.routes["/mnist.npz"] = ("ok", files["mnist.npz"])
    fetch.fetch(tmp_path, "npz", urls=[server.base], progress=False, checksums=sums)
    assert (tmp_path / "mnist.npz").read_bytes() == files["mnist.npz"]


def test_offline_says_where_to_put_the_files(dead_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FetchError) as err:
        fetch.fetch(None, "idx", urls=[dead_url, dead_url + "mirror/"], progress=False, timeout=5)
    message = str(err.value)
    assert "cannot connect" in message and "offline" in message
    assert str(tmp_path / "cache") in message
    assert "TFV1_MNIST_CACHE" in message
    for name in IDX_NAMES:
        assert name in message
    assert not any((tmp_path / "cache").iterdir())


def test_a_silent_server_times_out(server, tmp_path):
    files, sums = _payloads(["mnist.npz"])
    server.routes["/mnist.npz"] = ("slow", files["mnist.npz"])
    with pytest.raises(FetchError, match="timed out"):
        fetch.fetch(tmp_path, "npz", urls=[server.base], progress=False, timeout=0.3, checksums=sums)
    assert not (tmp_path / "mnist.npz").exists()


def test_progress_uses_keras_progbar(server, tmp_path, capsys, monkeypatch):
    # A stand-in for keras.utils.Progbar (importing Keras itself takes seconds).
    import sys
    import types

    calls = []

    class Progbar:
        def __init__(self, target, unit_name="step"):
            calls.append(("init", target, unit_name))

        def update(self, current, finalize=None):
            calls.append(("update", current, finalize))

    keras = types.ModuleType("keras")
    keras.utils = types.ModuleType("keras.utils")
    keras.utils.Progbar = Progbar
    monkeypatch.setitem(sys.modules, "keras", keras)
    monkeypatch.setitem(sys.modules, "keras.utils", keras.utils)
    files, sums = _payloads(["mnist.npz"])
    server.routes["/mnist.npz"] = ("ok", files["mnist.npz"])
    fetch.fetch(tmp_path, "npz", urls=[server.base], progress=True, checksums=sums)
    size = len(files["mnist.npz"])
    assert calls[0] == ("init", size, "B")
    assert calls[-1] == ("update", size, True)
    assert "Downloading mnist.npz" in capsys.readouterr().err
    assert (tmp_path / "mnist.npz").is_file()


def test_plain_progress_line_without_keras(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_keras(name, *args, **kwargs):
        if name.startswith("keras"):
            raise ImportError("no keras here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_keras)
    bar = fetch._Progress("x.gz", 100)
    bar.update(50)
    bar.done(100)
    assert "Downloading x.gz: 100 bytes, done" in capsys.readouterr().err


def test_defaults_match_the_published_sources():
    assert fetch.NPZ_URLS == ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",)
    assert fetch.IDX_URLS == (
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
    )
    assert fetch.SHA256["mnist.npz"] == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    assert fetch.SHA256["train-images-idx3-ubyte.gz"].startswith("440fcabf")
    assert set(fetch.SHA256) == {"mnist.npz", *IDX_NAMES}
    with pytest.raises(ValueError):
        fetch.fetch("x", "csv")


def test_a_folder_at_the_target_path_is_refused_before_downloading(server, tmp_path):
    files, sums = _payloads(["mnist.npz"])
    server.routes["/mnist.npz"] = ("ok", files["mnist.npz"])
    (tmp_path / "mnist.npz").mkdir()
    with pytest.raises(FetchError, match=r"mnist.npz: is a folder.*move it away or pass --dest"):
        fetch.fetch(tmp_path, "npz", urls=[server.base], progress=False, checksums=sums)
    assert server.hits == []
    assert _leftovers(tmp_path) == []


def test_an_unwritable_folder_is_a_fetch_error_naming_it(tmp_path, monkeypatch, dead_url):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fetch.tempfile, "TemporaryFile", refuse)
    files, sums = _payloads(["mnist.npz"])
    with pytest.raises(FetchError, match=r"cannot write into the download folder.*--dest") as err:
        fetch.fetch(tmp_path, "npz", urls=[dead_url], progress=False, checksums=sums)
    assert str(tmp_path) in str(err.value)
    # Files already there with the right hash need no writing.
    (tmp_path / "mnist.npz").write_bytes(files["mnist.npz"])
    assert fetch.fetch(tmp_path, "npz", urls=[dead_url], progress=False, checksums=sums) == tmp_path / "mnist.npz"
