"""Tests for tfv1_mnist.datasets.idx: IDX files and folders."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct

import numpy as np
import pytest
from datasets_fixtures import assert_same as _assert_same, idx_bytes as _idx_bytes, idx_dir, tiny  # noqa: F401 (fixtures)

from tfv1_mnist import datasets
from tfv1_mnist.datasets import records
from tfv1_mnist.errors import DataError


# ---------------------------------------------------------------- IDX


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_idx_round_trip(tmp_path, tiny, suffix):
    for array in (tiny.x_train, tiny.y_train):
        path = datasets.write_idx(tmp_path / f"a{array.ndim}{suffix}", array)
        back = datasets.read_idx(path)
        assert back.dtype == np.uint8 and back.shape == array.shape
        np.testing.assert_array_equal(back, array)
        assert not back.flags.writeable
        with open(path, "rb") as f:
            np.testing.assert_array_equal(datasets.read_idx(f), array)
    raw = _idx_bytes(tiny.x_test)
    assert (datasets.write_idx(tmp_path / "r", tiny.x_test).read_bytes()) == raw
    np.testing.assert_array_equal(datasets.read_idx(io.BytesIO(gzip.compress(raw)), name="mem"), tiny.x_test)


def test_idx_reads_concatenated_gzip_members(tmp_path, tiny):
    raw = _idx_bytes(tiny.y_train)
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(raw[:50]) + gzip.compress(raw[50:]))
    np.testing.assert_array_equal(datasets.read_idx(path), tiny.y_train)


def test_idx_bad_magic_keeps_tf1_message(tmp_path, tiny):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(tiny.x_train, magic=1234)))
    with pytest.raises(DataError, match=re.escape(f"Invalid magic number 1234 in MNIST image file: {path}")):
        datasets.read_idx(path)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(_idx_bytes(tiny.y_train, magic=2051, dims=(200, 1, 1))))
    with pytest.raises(DataError, match=re.escape(f"Invalid magic number 2051 in MNIST label file: {labels}")):
        datasets.read_idx(labels, kind="labels")
    with pytest.raises(ValueError):  # DataError is a ValueError, as TF1 raised
        datasets.read_idx(path)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda raw: raw[: len(raw) - 10], "truncated"),
        (lambda raw: raw + b"\0" * 7, r"\(156800 bytes\) but the file holds 156807 bytes"),
        (lambda raw: raw[:6], "truncated IDX header"),
        (lambda raw: raw[:2], "too short"),
        (lambda raw: b"", "too short"),
    ],
)
def test_idx_raw_size_disagreements(tmp_path, tiny, make, message):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(make(_idx_bytes(tiny.x_train)))
    with pytest.raises(DataError, match=message) as err:
        datasets.read_idx(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda raw: gzip.compress(raw)[:-30], "truncated"),
        (lambda raw: gzip.compress(raw)[:-4], "truncated gzip stream"),
        (lambda raw: gzip.compress(raw + b"\1" * 9), "more data than its header"),
        (lambda raw: gzip.compress(raw) + gzip.compress(b"\1"), "more data than its header"),
        (lambda raw: gzip.compress(raw) + b"garbage", "unexpected bytes"),
        (lambda raw: gzip.compress(raw)[:5], "too short|not a valid gzip"),
        (lambda raw: raw, "not a gzip file"),
        (lambda raw: bytearray(gzip.compress(raw))[:-8] + b"\0\0\0\0" + gzip.compress(raw)[-4:], "corrupt"),
    ],
)
def test_idx_gzip_problems(tmp_path, tiny, make, message):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(bytes(make(_idx_bytes(tiny.x_test))))
    with pytest.raises(DataError, match=message) as err:
        datasets.read_idx(path)
    assert str(path) in str(err.value)


def test_idx_header_claiming_too_much_is_refused_before_inflating(tmp_path, tiny):
    path = tmp_path / "liar.gz"
    path.write_bytes(gzip.compress(_idx_bytes(tiny.x_test, dims=(50_000, 28, 28))))
    with pytest.raises(DataError, match="more than .* gzip bytes can hold"):
        datasets.read_idx(path)
    absurd = tmp_path / "absurd"
    absurd.write_bytes(struct.pack(">IIII", 2051, 4_000_000_000, 60000, 60000))
    with pytest.raises(DataError, match="refusing so large an array"):
        datasets.read_idx(absurd)


def test_idx_gzip_bomb_is_cut_short(tmp_path, monkeypatch):
    # The header is honest about 100 labels, but the stream holds 50 MB of zeros after them.
    monkeypatch.setattr(records, "MAX_DEFLATE_RATIO", 10**9)
    comp = __import__("zlib").compressobj(9, wbits=31)
    head = struct.pack(">II", 2049, 100) + bytes(100)
    stream = comp.compress(head) + b"".join(comp.compress(bytes(1 << 20)) for _ in range(50)) + comp.flush()
    path = tmp_path / "bomb.gz"
    path.write_bytes(stream)
    assert len(stream) < 100_000
    with pytest.raises(DataError, match="more data than its header"):
        datasets.read_idx(path)


def test_idx_unreadable_streams(tmp_path):
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"definitely not gzip")
    with gzip.open(junk) as stream:
        with pytest.raises(DataError, match="cannot read it"):
            datasets.read_idx(stream, name="junk")
    with open(junk, "r") as text:
        with pytest.raises(DataError, match="binary mode"):
            datasets.read_idx(text)
    with pytest.raises(DataError, match="is a folder"):
        datasets.read_idx(tmp_path)


def test_missing_idx_file_says_how_to_get_it(tmp_path):
    with pytest.raises(DataError, match=r"file not found; run `tfv1-mnist fetch`"):
        datasets.read_idx(tmp_path / "t10k-images-idx3-ubyte.gz")


# ---------------------------------------------------------------- IDX folders


def test_idx_folder_round_trip_and_checksum(idx_dir, tiny):
    names = sorted(p.name for p in idx_dir.iterdir())
    assert names == sorted(datasets.IDX_FILES.values())
    back = datasets.read_idx_folder(idx_dir)
    _assert_same(tiny, back)
    sums = [hashlib.sha256((idx_dir / datasets.IDX_FILES[k]).read_bytes()).hexdigest()
            for k in ("x_train", "y_train", "x_test", "y_test")]
    assert back.sha256 == hashlib.sha256("".join(sums).encode()).hexdigest()
    assert back.name == "idx" and back.class_names == datasets.MNIST_CLASS_NAMES


@pytest.mark.parametrize("naming", ["gunzipped", "dotted", "dotted-gz"])
def test_idx_folder_other_namings(tmp_path, idx_dir, tiny, naming):
    out = tmp_path / naming
    out.mkdir()
    for fname in datasets.IDX_FILES.values():
        raw = gzip.decompress((idx_dir / fname).read_bytes())
        stem = fname[:-3]  # train-images-idx3-ubyte
        if naming == "gunzipped":
            (out / stem).write_bytes(raw)
        else:
            dotted = re.sub(r"-(idx\d)-", r".\1-", stem)  # train-images.idx3-ubyte
            if naming == "dotted":
                (out / dotted).write_bytes(raw)
            else:
                (out / (dotted + ".gz")).write_bytes(gzip.compress(raw))
    _assert_same(tiny, datasets.read_idx_folder(out))


def test_idx_folder_missing_file(idx_dir, tmp_path):
    (idx_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing t10k-labels-idx1-ubyte.gz.*tfv1-mnist fetch") as err:
        datasets.read_idx_folder(idx_dir)
    assert str(idx_dir) in str(err.value)
    with pytest.raises(DataError, match="no such folder"):
        datasets.read_idx_folder(tmp_path / "nowhere")


def test_idx_folder_count_mismatch(idx_dir, tiny):
    datasets.write_idx(idx_dir / "train-labels-idx1-ubyte.gz", tiny.y_train[:190])
    with pytest.raises(DataError, match="200 images but .*train-labels-idx1-ubyte.gz holds 190 labels"):
        datasets.read_idx_folder(idx_dir)


def test_idx_folder_labels_out_of_range(idx_dir, tiny):
    bad = tiny.y_test.copy()
    bad[7] = 11
    datasets.write_idx(idx_dir / "t10k-labels-idx1-ubyte.gz", bad)
    with pytest.raises(DataError, match="label 11 at index 7") as err:
        datasets.read_idx_folder(idx_dir)
    assert "t10k-labels-idx1-ubyte.gz" in str(err.value)


def test_idx_folder_swapped_files_name_the_file(idx_dir):
    a, b = idx_dir / "train-images-idx3-ubyte.gz", idx_dir / "train-labels-idx1-ubyte.gz"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    with pytest.raises(DataError, match=re.escape(f"Invalid magic number 2049 in MNIST image file: {a}")):
        datasets.read_idx_folder(idx_dir)


def test_idx_folder_recognises_known_checksums(idx_dir, tiny, monkeypatch):
    sums = {k: hashlib.sha256((idx_dir / f).read_bytes()).hexdigest() for k, f in datasets.IDX_FILES.items()}
    monkeypatch.setattr(records, "FASHION_IDX_SHA256", sums)
    data = datasets.read_idx_folder(idx_dir)
    assert data.name == "fashion-mnist" and data.class_names[9] == "Ankle boot"
    monkeypatch.setattr(records, "MNIST_IDX_SHA256", sums)
    assert datasets.read_idx_folder(idx_dir).name == "mnist"
    plain = datasets.read_idx_folder(idx_dir, checksum=False)
    assert plain.name == "idx" and plain.sha256 == ""


# ---------------------------------------------------------------- real data (skip when absent)


def test_real_t10k_loads(shared_t10k_dir):
    images = datasets.read_idx(shared_t10k_dir / "t10k-images-idx3-ubyte.gz", kind="images")
    labels = datasets.read_idx(shared_t10k_dir / "t10k-labels-idx1-ubyte.gz", kind="labels")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    np.testing.assert_array_equal(np.bincount(labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert 33.0 < images.mean() < 34.0


def test_real_mnist_test_set_is_recognised_after_conversion(shared_t10k_dir, tiny, tmp_path):
    x_test = datasets.read_idx(shared_t10k_dir / "t10k-images-idx3-ubyte.gz")
    y_test = datasets.read_idx(shared_t10k_dir / "t10k-labels-idx1-ubyte.gz")
    path = datasets.write_npz(tmp_path / "mine.npz", x_train=tiny.x_train, y_train=tiny.y_train,
                              x_test=x_test, y_test=y_test)
    data = datasets.load(path)
    assert data.name == "mnist" and data.class_names == datasets.MNIST_CLASS_NAMES


def test_fashion_mnist_is_recognised(fashion_dir):
    data = datasets.load(fashion_dir)
    assert data.name == "fashion-mnist"
    assert data.class_names == datasets.FASHION_CLASS_NAMES
    assert (data.num_train, data.num_test) == (60000, 10000)
    np.testing.assert_array_equal(np.bincount(data.y_test), [1000] * 10)


def test_idx_folder_on_file_names_each_file_in_order_before_reading(idx_dir, tiny):
    seen = []
    back = datasets.read_idx_folder(str(idx_dir) + "/", checksum=False, on_file=seen.append)
    _assert_same(tiny, back)
    assert seen == [f"{idx_dir}/{name}" for name in datasets.IDX_FILES.values()]
    assert back.path == f"{idx_dir}/" and back.name == "idx"  # the folder as given
    (idx_dir / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    seen.clear()
    with pytest.raises(DataError, match=re.escape(f"{idx_dir}/t10k-labels-idx1-ubyte.gz")):
        datasets.read_idx_folder(idx_dir, on_file=seen.append)
    assert len(seen) == 4  # every notice comes first, as TF1's Extracting lines did
