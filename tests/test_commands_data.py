"""Tests for the ``tfv1-mnist fetch`` and ``tfv1-mnist convert`` commands."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import threading

import numpy as np
import pytest

from tfv1_mnist import cli, datasets
from tfv1_mnist.datasets import fetch


@pytest.fixture
def tiny(tiny_arrays) -> datasets.Mnist:
    return datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")


def _same(a: datasets.Mnist, b: datasets.Mnist) -> None:
    for key in datasets.NPZ_KEYS:
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key), err_msg=key)


def test_convert_round_trip(tmp_path, tiny, capsys):
    src = datasets.write_npz(tmp_path / "tiny.npz", **tiny.arrays())
    assert cli.main(["convert", str(src), str(tmp_path / "idx")]) == 0
    assert sorted(p.name for p in (tmp_path / "idx").iterdir()) == sorted(datasets.IDX_FILES.values())
    for name in datasets.IDX_FILES.values():
        assert gzip.decompress((tmp_path / "idx" / name).read_bytes())[:2] == b"\0\0"
    assert cli.main(["convert", str(tmp_path / "idx"), str(tmp_path / "back.npz")]) == 0
    _same(tiny, datasets.read_npz(tmp_path / "back.npz"))
    _same(tiny, datasets.read_idx_folder(tmp_path / "idx"))
    out = capsys.readouterr().out
    assert "wrote" in out and "200 train / 50 test" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_convert_sample_to_uncompressed_npz(tmp_path):
    assert cli.main(["convert", "sample", str(tmp_path / "s.npz"), "--uncompressed"]) == 0
    with np.load(tmp_path / "s.npz") as z:
        assert z["x_train"].shape == (4000, 28, 28)
    import zipfile

    with zipfile.ZipFile(tmp_path / "s.npz") as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
    assert cli.main(["convert", "sample", str(tmp_path / "idx"), "--uncompressed"]) == 2
    assert not (tmp_path / "idx").exists()


def test_convert_refuses_to_overwrite_without_force(tmp_path, tiny, capsys):
    src = datasets.write_npz(tmp_path / "tiny.npz", **tiny.arrays())
    dest = tmp_path / "out.npz"
    dest.write_bytes(b"precious")
    assert cli.main(["convert", str(tmp_path / "tiny.npz"), str(dest)]) == 2
    assert "--force" in capsys.readouterr().err
    assert dest.read_bytes() == b"precious"
    assert cli.main(["convert", str(src), str(dest), "--force"]) == 0
    _same(tiny, datasets.read_npz(dest))

    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"old")
    assert cli.main(["convert", str(src), str(folder)]) == 2
    assert (folder / "t10k-labels-idx1-ubyte").read_bytes() == b"old"
    assert cli.main(["convert", str(src), str(folder), "--force"]) == 0
    assert (folder / "keep.txt").read_text() == "mine"
    assert not (folder / "t10k-labels-idx1-ubyte").exists()
    _same(tiny, datasets.read_idx_folder(folder))


def test_convert_bad_source_fails_cleanly(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert cli.main(["convert", str(bad), str(tmp_path / "idx")]) == 1
    assert str(bad) in capsys.readouterr().err
    assert not (tmp_path / "idx").exists()
    assert cli.main(["convert", str(tmp_path / "missing"), str(tmp_path / "x.npz")]) == 1
    assert not (tmp_path / "x.npz").exists()
    assert cli.main(["convert", str(tmp_path), str(tmp_path)]) == 2


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_convert_failure_leaves_no_partial_folder(tmp_path, tiny, monkeypatch):
    src = datasets.write_npz(tmp_path / "tiny.npz", **tiny.arrays())
    real_write_idx = datasets.write_idx
    written = []

    def failing_write_idx(path, array):
        if len(written) == 2:
            raise OSError("disk full")
        written.append(path)
        return real_write_idx(path, array)

    monkeypatch.setattr(datasets.writers, "write_idx", failing_write_idx)
    assert cli.main(["convert", str(src), str(tmp_path / "idx")]) == 1
    assert not (tmp_path / "idx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.npz"]


@pytest.fixture
def served(tmp_path):
    """Serves ``tmp_path / "www"`` on 127.0.0.1; yields (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_QuietFiles, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_command_downloads_into_the_cache(served, tmp_path, tiny, monkeypatch, capsys):
    www, base = served
    data = datasets.write_npz(www / "mnist.npz", **tiny.arrays())
    monkeypatch.setattr(fetch, "NPZ_URLS", (base,))
    monkeypatch.setitem(fetch.SHA256, "mnist.npz", hashlib.sha256(data.read_bytes()).hexdigest())
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "cache"))
    assert cli.main(["-q", "fetch"]) == 0
    assert "ready at" in capsys.readouterr().out
    _same(tiny, datasets.load(None))
    assert datasets.load(None).path == str(tmp_path / "cache" / "mnist.npz")


def test_fetch_command_idx_to_dest(served, tmp_path, tiny, monkeypatch):
    www, base = served
    datasets.write_idx_folder(www, tiny)
    monkeypatch.setattr(fetch, "IDX_URLS", (base,))
    for name in datasets.IDX_FILES.values():
        monkeypatch.setitem(fetch.SHA256, name, hashlib.sha256((www / name).read_bytes()).hexdigest())
    assert cli.main(["-q", "fetch", "--format", "idx", "--dest", str(tmp_path / "d")]) == 0
    _same(tiny, datasets.load(tmp_path / "d"))


def test_fetch_command_offline(tmp_path, monkeypatch, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    monkeypatch.setattr(fetch, "NPZ_URLS", (dead,))
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "cache"))
    assert cli.main(["-q", "fetch"]) == 1
    err = capsys.readouterr().err
    assert "mnist.npz" in err and str(tmp_path / "cache") in err and "TFV1_MNIST_CACHE" in err
    for bad in ("0", "-1", "nan", "1e300"):
        assert cli.main(["fetch", "--timeout", bad]) == 2
        assert "--timeout must be positive and at most" in capsys.readouterr().err


def test_fetch_command_timeout_default_is_the_library_default():
    # The CLI does not import tfv1_mnist.datasets.fetch at start-up, so it repeats the number.
    args = cli.build_parser().parse_args(["fetch"])
    assert args.timeout == fetch.DEFAULT_TIMEOUT


@pytest.mark.parametrize("command", ["fetch", "convert"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: tfv1-mnist " + command in capsys.readouterr().out
