"""Tests of run-legacy's compatibility layer: NumPy 1 and matplotlib 3.5 names, headless matplotlib,
TF 1.x conversions, and MNIST downloads served from local data.

The slow tests run one small TF1-era script per family (``tests/legacy_scripts/``) unmodified through
``tfv1-mnist run-legacy --data sample``; all children start together, once.  The fast tests check the
pieces in this process without installing anything process-wide.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import pathlib
import re
import subprocess
import threading
import urllib.request

import numpy as np
import pytest
from legacy_children import accuracy as _accuracy, run_all

from tfv1_mnist import cli, datasets, input_data
from tfv1_mnist.legacy import conversions, downloads, headless, numpy1, runner
from tfv1_mnist.legacy.common import COMPAT_ENV, FIGURES_ENV

SCRIPTS = pathlib.Path(__file__).resolve().parent / "legacy_scripts"
TIMEOUT = 480  # a blocking wait or an endless animation would hit this instead of hanging the suite
FAMILIES = ("numpy1_names_softmax", "matplotlib35_animation", "tf1_conversions", "downloads_mnist")


@pytest.fixture(scope="module")
def family_runs(tmp_path_factory):
    """name -> (exit status, stdout, stderr, working folder); ``no_compat`` is the NumPy 1 script with --no-compat."""
    commands = {name: ["--data", "sample", str(SCRIPTS / f"{name}.py")] for name in FAMILIES}
    commands["no_compat"] = ["--data", "sample", "--no-compat", str(SCRIPTS / "numpy1_names_softmax.py")]
    return run_all(commands, tmp_path_factory.mktemp("compat"), TIMEOUT)


def _line(result, tag: str) -> list[str]:
    lines = [line for line in result[1].splitlines() if line.startswith(tag + " ")]
    assert lines, result[1][-2000:] + result[2][-2000:]
    return lines[0].split()[1:]


@pytest.mark.slow
@pytest.mark.parametrize("name", FAMILIES)
def test_each_family_script_trains_to_a_sensible_accuracy(family_runs, name):
    assert 0.8 < _accuracy(family_runs[name]) <= 1.0  # softmax-sized models on the 4,000-digit sample


@pytest.mark.slow
def test_numpy1_names_and_tf1_argmax_default(family_runs):
    assert _line(family_runs["numpy1_names_softmax"], "NUMPY1") == ["True", "True", "True", "6"]
    # tf.argmax without an axis: TF1 reduced axis 0, the row of each column's maximum
    assert _line(family_runs["numpy1_names_softmax"], "ARGMAX-NO-AXIS") == ["[1,", "0]"]


@pytest.mark.slow
def test_no_compat_gives_numpy_2_as_it_is(family_runs):
    code, _, err, _ = family_runs["no_compat"]
    assert code == 1
    assert "np.asfarray` was removed in the NumPy 2.0 release" in err


@pytest.mark.slow
def test_animation_frames_run_at_show_and_figures_are_saved(family_runs):
    code, _, err, folder = family_runs["matplotlib35_animation"]
    fields = " ".join(_line(family_runs["matplotlib35_animation"], "ANIMATION"))
    pressed, calls, first, last, title = re.fullmatch(
        r"pressed=(\S+) calls=(\d+) first=(\d+) last=(\d+) title=(.*)", fields).groups()
    assert pressed == "None"  # waitforbuttonpress returned at once: matplotlib's "timed out"
    assert (calls, first, last) == ("201", "0", "199")  # the first draw, then frames 0..199 once (repeat=False)
    assert title == "Training softmax regression"
    assert _line(family_runs["matplotlib35_animation"], "GINPUT") == ["[]"]
    figures = sorted((folder / runner.DEFAULT_OUT / "figures").glob("*.png"))
    assert [f.name for f in figures] == ["matplotlib35_animation-1.png", "matplotlib35_animation-2.png"]
    assert all(f.read_bytes().startswith(b"\x89PNG") for f in figures)
    assert "after 200 animation frame(s)" in err
    assert "matplotlib.use('TkAgg'): staying with Agg" in err
    assert code == 0


@pytest.mark.slow
def test_tf1_conversions_accept_what_tf_1_15_accepted(family_runs):
    result = family_runs["tf1_conversions"]
    assert _line(result, "CONVERSIONS") == ["uint8", "True", "IndexedSlices", "64", "300"]
    # an explicitly uint8 shape array was refused by TF 1.15's random ops too, with this message
    assert " ".join(_line(result, "UINT8-ARRAY")) == (
        "Value passed to parameter 'shape' has DataType uint8 not in list of allowed values: int32, int64")


@pytest.mark.slow
def test_downloads_are_served_from_local_data_with_one_line_each(family_runs):
    code, out, err, folder = family_runs["downloads_mnist"]
    assert _line(family_runs["downloads_mnist"], "DOWNLOADS") == ["4000", "1000", "1000", "URLError"]
    assert err.count("served from the local data (sample") == 5  # four IDX files and one npz
    assert (folder / "data" / "train-images-idx3-ubyte.gz").is_file()
    assert (folder / "keras-cache" / "datasets" / "mnist.npz").is_file()
    assert code == 0


# --------------------------------------------------------------------------
# Fast tests of the pieces, in this process


def test_numpy1_proxy_restores_each_name_with_its_numpy_1_meaning():
    np1 = numpy1.numpy1_module()
    assert np1.float is float and np1.int is int and np1.object is object and np1.unicode is str
    assert np1.float_ is np.float64 and np1.int0 is np.intp and np1.string_ is np.bytes_
    assert np.isnan(np1.NaN) and np1.NINF == -np.inf and np1.Infinity == np.inf
    assert np1.asfarray([1, 2]).dtype == np.float64 and np1.asfarray([1], np.float32).dtype == np.float32
    assert np1.asfarray([1], np.int32).dtype == np.float64  # a non-inexact dtype meant float64
    assert np1.cast[np.float32]([1, 2]).dtype == np.float32
    assert np1.product([2, 3, 4]) == 24 and np1.sometrue([0, 1]) and not np1.alltrue([0, 1])
    assert np1.msort(np.array([[3, 1], [1, 2]])).tolist() == [[1, 1], [3, 2]]
    assert np1.in1d(np.array([[1, 2], [3, 4]]), [2, 3]).tolist() == [False, True, True, False]
    assert np1.reshape(np.arange(6), newshape=(2, 3)).shape == (2, 3)
    assert np1.reshape(a=np.arange(6), newshape=(3, 2)).shape == (3, 2)
    source = np.arange(4.0)
    assert np1.array(source, copy=False) is source  # NumPy 1: copy only if needed
    assert np1.percentile([1, 2, 3, 4], 50, interpolation="lower") == 2
    assert np1.asscalar(np.array([7])) == 7
    assert np1.linalg is np.linalg and np1.ndarray is np.ndarray  # everything else is NumPy's own
    assert {entry.name for entry in numpy1.RESTORED} <= set(dir(np1))


def test_every_restored_name_is_in_docs():
    from tfv1_mnist.legacy import mpl35

    doc = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "legacy.md").read_text()
    for entry in numpy1.RESTORED:
        assert f"`np.{entry.name}`" in doc, entry.name
    for entry in mpl35.RESTORED:
        assert entry.name.split("(")[0] in doc, entry.name
    for name in conversions.MOVED_OPS_NAMES:
        assert f"`ops.{name}`" in doc, name


def test_shapes_of_numpy_scalars_become_python_ints_and_arrays_stay():
    shape = conversions.plain_shape([np.uint8(10), 784, None])
    assert shape == [10, 784, None] and type(shape[0]) is int
    assert conversions.plain_shape((np.int16(3),)) == (3,)
    array = np.array([2, 3], np.uint8)
    assert conversions.plain_shape(array) is array  # TF 1.15 refused it for random ops: left alone


def test_known_mnist_urls_are_written_from_local_data(tmp_path, monkeypatch):
    monkeypatch.setenv(input_data.DATA_ENV, "sample")
    downloads._local_data.cache_clear()
    path = downloads.local_file_for("https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",
                                    tmp_path)
    labels = datasets.read_idx(path, kind="labels")
    assert labels.shape == (1000,) and labels.dtype == np.uint8
    with gzip.open(path) as f:
        assert f.read(4) == b"\x00\x00\x08\x01"
    npz = downloads.local_file_for("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz", tmp_path)
    assert datasets.read_npz(npz, checksum=False).x_train.shape == (4000, 28, 28)
    assert downloads.local_file_for("http://yann.lecun.com/exdb/mnist/other-file.gz", tmp_path) is None
    assert downloads.local_file_for("ftp://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz", tmp_path) is None
    downloads._local_data.cache_clear()


def test_wrapped_downloads_serve_known_urls_and_pass_others_to_the_network(tmp_path, monkeypatch):
    monkeypatch.setenv(input_data.DATA_ENV, "sample")
    downloads._local_data.cache_clear()
    served = tmp_path / "served"
    served.mkdir()
    (served / "other.bin").write_bytes(b"not mnist")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        urlretrieve = downloads._wrap_urlretrieve(urllib.request.urlretrieve)
        urlopen = downloads._wrap_urlopen(urllib.request.urlopen)
        other = f"http://127.0.0.1:{server.server_address[1]}/other.bin"
        path, _ = urlretrieve(other, str(tmp_path / "other.bin"))
        assert pathlib.Path(path).read_bytes() == b"not mnist"
        with urlopen(other, timeout=10) as response:
            assert response.read() == b"not mnist"
        with urlopen(urllib.request.Request("http://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz")) as r:
            assert r.status == 200 and gzip.decompress(r.read())[:4] == b"\x00\x00\x08\x01"
    finally:
        server.shutdown()
        server.server_close()
        downloads._local_data.cache_clear()


def test_endless_animation_runs_a_capped_number_of_frames(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    monkeypatch.setattr(headless, "MAX_FRAMES", 25)
    seen = []
    fig = plt.figure()
    try:
        endless = FuncAnimation(fig, seen.append, frames=None, init_func=lambda: None, cache_frame_data=False)
        finite = FuncAnimation(fig, seen.append, frames=iter(range(100, 103)), init_func=lambda: None,
                               cache_frame_data=False)
        assert headless.run_animations([endless, finite]) == 25 + 3
        assert seen == list(range(25)) + [100, 101, 102]
        assert headless.run_animations([endless, finite]) == 0  # each runs once
    finally:
        plt.close(fig)


def test_run_legacy_passes_compat_and_figures_to_the_child(tmp_path, monkeypatch):
    seen = {}

    def fake_run(command, env, cwd):
        seen.update(env=env)
        return subprocess.CompletedProcess(command, 0)

    script = tmp_path / "s.py"
    script.write_text("")
    monkeypatch.setattr(runner.subprocess, "run", fake_run)
    assert cli.main(["run-legacy", "--no-compat", "--out", str(tmp_path / "run"), str(script)]) == 0
    assert seen["env"][COMPAT_ENV] == "0"
    assert seen["env"][FIGURES_ENV] == str((tmp_path / "run" / "figures").resolve())
    assert cli.main(["run-legacy", str(script)]) == 0
    assert seen["env"][COMPAT_ENV] == "1"
