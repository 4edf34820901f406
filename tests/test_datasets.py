"""Tests for tfv1_mnist.datasets: readers, writers, bad input, the sample, load()."""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import pathlib
import re
import struct
import zipfile

import numpy as np
import pytest

from tfv1_mnist import datasets
from tfv1_mnist.errors import DataError

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tiny_arrays) -> datasets.Mnist:
    return datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")


@pytest.fixture
def idx_dir(tmp_path, tiny) -> pathlib.Path:
    return datasets.write_idx_folder(tmp_path / "idx", tiny)


def _idx_bytes(array: np.ndarray, magic: int | None = None, dims=None) -> bytes:
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    dims = dims if dims is not None else array.shape
    return struct.pack(f">I{len(dims)}I", magic, *dims) + array.tobytes()


def _assert_same(a: datasets.Mnist, b: datasets.Mnist) -> None:
    for key in datasets.NPZ_KEYS:
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype == np.uint8, key
        np.testing.assert_array_equal(x, y, err_msg=key)


# ---------------------------------------------------------------- Mnist record


def test_mnist_record_holds_keras_layout(tiny):
    assert tiny.num_train == 200 and tiny.num_test == 50
    assert tiny.class_names == tuple("0123456789")
    assert set(tiny.arrays()) == set(datasets.NPZ_KEYS)
    assert "train=200" in repr(tiny)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("x_train", np.zeros((200, 28, 28), np.float32), "dtype float32"),
        ("x_train", np.zeros((200, 784), np.uint8), r"shape \(200, 784\)"),
        ("y_train", np.zeros((199,), np.uint8), "200 train images but 199"),
        ("y_test", np.full((50,), 10, np.uint8), "label 10"),
        ("y_test", np.zeros((50, 10), np.uint8), "one-hot"),
    ],
)
def test_mnist_record_refuses_bad_arrays(tiny_arrays, key, value, message):
    tiny_arrays[key] = value
    with pytest.raises(DataError, match=message):
        datasets.Mnist(**tiny_arrays, name="tiny")


# ---------------------------------------------------------------- npz


@pytest.mark.parametrize("compress", [True, False])
def test_npz_round_trip(tmp_path, tiny, compress):
    path = datasets.write_npz(tmp_path / "d.npz", **tiny.arrays(), compress=compress)
    back = datasets.read_npz(path)
    _assert_same(tiny, back)
    assert back.name == "d" and back.path == str(path)
    assert back.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # Readable by plain numpy too, and reproducible byte for byte.
    with np.load(path, allow_pickle=False) as z:
        np.testing.assert_array_equal(z["x_test"], tiny.x_test)
    again = datasets.write_npz(tmp_path / "e.npz", **tiny.arrays(), compress=compress)
    assert again.read_bytes() == path.read_bytes()
    assert datasets.read_npz(path, checksum=False).sha256 == ""


def test_npz_arrays_are_read_only(tmp_path, tiny):
    back = datasets.read_npz(datasets.write_npz(tmp_path / "d.npz", **tiny.arrays()))
    with pytest.raises(ValueError):
        back.x_train[0, 0, 0] = 1


def test_npz_accepts_flat_images_and_int64_labels(tmp_path, tiny):
    path = tmp_path / "flat.npz"
    np.savez(path, x_train=tiny.x_train.reshape(-1, 784), y_train=tiny.y_train.astype(np.int64),
             x_test=tiny.x_test, y_test=tiny.y_test.astype(np.int32), extra=np.arange(3))
    back = datasets.read_npz(path)
    _assert_same(tiny, back)


def test_npz_fortran_order_and_wide_labels(tmp_path, tiny):
    path = tmp_path / "f.npz"
    np.savez_compressed(path, x_train=np.asfortranarray(tiny.x_train), y_train=tiny.y_train.astype(">u2"),
                        x_test=tiny.x_test, y_test=tiny.y_test)
    _assert_same(tiny, datasets.read_npz(path))
    with pytest.raises(DataError, match="is a folder"):
        datasets.read_npz(tmp_path)


def _savez(path, tiny, **override):
    arrays = dict(tiny.arrays())
    for key, value in override.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    "override, message",
    [
        ({"y_test": None}, r"missing key\(s\) y_test"),
        ({"x_train": "float"}, "x_train has dtype float64, expected uint8"),
        ({"x_train": "shape"}, r"x_train has shape \(200, 28, 27\)"),
        ({"y_train": "float"}, "y_train has dtype float64"),
        ({"y_train": "big"}, "label 12 at index 3"),
        ({"y_train": "negative"}, "label -1 at index 0"),
        ({"y_train": "short"}, "200 train images but 150 train labels"),
        ({"y_test": "onehot"}, r"y_test has shape \(50, 10\)"),
    ],
)
def test_npz_bad_content_is_a_data_error_naming_the_file(tmp_path, tiny, override, message):
    key, what = next(iter(override.items()))
    if what == "float":
        value = getattr(tiny, key).astype(np.float64)
    elif what == "shape":
        value = getattr(tiny, key)[:, :, :27]
    elif what == "big":
        value = getattr(tiny, key).copy()
        value[3] = 12
    elif what == "negative":
        value = np.full(200, -1, np.int64)
    elif what == "short":
        value = getattr(tiny, key)[:150]
    elif what == "onehot":
        value = np.eye(10, dtype=np.uint8)[tiny.y_test]
    else:
        value = what
    path = _savez(tmp_path / "bad.npz", tiny, **{key: value})
    with pytest.raises(DataError, match=message) as err:
        datasets.read_npz(path)
    assert str(path) in str(err.value)


def test_npz_object_arrays_are_refused_and_never_unpickled(tmp_path, tiny, monkeypatch):
    path = tmp_path / "evil.npz"
    arrays = dict(tiny.arrays())
    arrays["y_train"] = np.array([object()] * 200, dtype=object)
    np.savez(path, **arrays, allow_pickle=True)
    import pickle

    def boom(*args, **kwargs):
        raise AssertionError("unpickling was attempted")

    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    with pytest.raises(DataError, match="object array") as err:
        datasets.read_npz(path)
    assert str(path) in str(err.value)


def test_npz_missing_not_zip_truncated(tmp_path, tiny):
    with pytest.raises(DataError, match="file not found.*tfv1-mnist fetch"):
        datasets.read_npz(tmp_path / "nope.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(DataError, match="not a valid .npz"):
        datasets.read_npz(junk)
    good = datasets.write_npz(tmp_path / "good.npz", **tiny.arrays())
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(DataError, match=re.escape(str(cut))):
        datasets.read_npz(cut)


@pytest.mark.parametrize("compress", [True, False])
def test_npz_corrupt_data_fails_the_crc(tmp_path, tiny, compress):
    path = datasets.write_npz(tmp_path / "d.npz", **tiny.arrays(), compress=compress)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("x_test.npy")
    data[info.header_offset + 30 + len("x_test.npy") + info.compress_size // 2] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="x_test") as err:
        datasets.read_npz(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("cores", [1, 2])
@pytest.mark.parametrize("key", ["x_train", "y_train", "y_test"])
def test_npz_corrupt_deflated_member_names_it_and_leaves_no_thread(tmp_path, tiny, key, cores, monkeypatch):
    import threading

    monkeypatch.setattr(datasets, "_cores", lambda: cores)  # with one core, no second thread
    monkeypatch.setattr(datasets, "_INFLATE_STEP", 1000)  # many pieces, as in a full-size file
    path = datasets.write_npz(tmp_path / "d.npz", **tiny.arrays(), compress=True)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(f"{key}.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size * 3 // 4] ^= 0x55
    path.write_bytes(bytes(data))
    threads = threading.active_count()
    with pytest.raises(DataError, match=key) as err:
        datasets.read_npz(path)
    assert str(path) in str(err.value)
    assert threading.active_count() == threads


def _zip_with_sizes(path, members: dict[str, bytes], claimed: dict[str, int]) -> None:
    """A deflated zip whose entries record ``claimed`` uncompressed sizes (in both headers)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        if info.filename in claimed:
            size = struct.pack("<I", claimed[info.filename])
            data[info.header_offset + 22:info.header_offset + 26] = size  # local header
            central = 0
            while True:  # the central directory entry of this member
                central = data.index(b"PK\x01\x02", central)
                name_len = struct.unpack("<H", data[central + 28:central + 30])[0]
                if data[central + 46:central + 46 + name_len] == info.filename.encode():
                    break
                central += 4
            data[central + 24:central + 28] = size
    path.write_bytes(bytes(data))


def test_npz_member_inflating_past_its_recorded_size_is_cut_short(tmp_path, tiny, monkeypatch):
    import tracemalloc

    monkeypatch.setattr(datasets, "_INFLATE_STEP", 4096)
    # x_train's header and recorded size say 200 images; its deflate stream holds 60000 (47 MB of zeros).
    members = {}
    for key, arr in tiny.arrays().items():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr)
        members[f"{key}.npy"] = buf.getvalue()
    recorded = len(members["x_train.npy"])
    members["x_train.npy"] += bytes(60000 * 784)
    path = tmp_path / "bomb.npz"
    _zip_with_sizes(path, members, {"x_train.npy": recorded})
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="x_train inflates to more than"):
            datasets.read_npz(path, checksum=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * recorded, peak  # never the 47 MB the stream holds


@pytest.mark.parametrize("cores", [1, 2])
@pytest.mark.parametrize("compress", [True, False])
def test_npz_image_sink_gets_every_value_once_in_order(tmp_path, tiny, compress, cores, monkeypatch):
    monkeypatch.setattr(datasets, "_cores", lambda: cores)
    monkeypatch.setattr(datasets, "_INFLATE_STEP", 1000)
    monkeypatch.setattr(datasets, "_STORED_STEP", 5000)
    path = datasets.write_npz(tmp_path / "d.npz", **tiny.arrays(), compress=compress)
    calls = []

    def sink(key, shape, start, block):
        assert block.dtype == np.uint8 and block.ndim == 1
        calls.append((key, shape, start, block.copy()))

    back = datasets.read_npz(path, image_sink=sink)
    _assert_same(tiny, back)
    for key in ("x_train", "x_test"):
        mine = [c for c in calls if c[0] == key]
        assert len(mine) > 3  # pieces, not one block
        assert {c[1] for c in mine} == {getattr(tiny, key).shape}
        starts = [c[2] for c in mine]
        assert starts == sorted(starts) and starts[0] == 0
        np.testing.assert_array_equal(np.concatenate([c[3] for c in mine]), getattr(tiny, key).ravel())
    assert {c[0] for c in calls} == {"x_train", "x_test"}


def test_npz_image_sink_skips_fortran_order_and_flat_images_arrive_as_28x28(tmp_path, tiny):
    path = tmp_path / "f.npz"
    np.savez_compressed(path, x_train=np.asfortranarray(tiny.x_train), y_train=tiny.y_train,
                        x_test=tiny.x_test.reshape(-1, 784), y_test=tiny.y_test)
    calls = []
    back = datasets.read_npz(path, image_sink=lambda *args: calls.append(args))
    _assert_same(tiny, back)
    assert {c[0] for c in calls} == {"x_test"} and calls[0][1] == (50, 28, 28)


@pytest.mark.parametrize("compress", [True, False])
def test_npz_keep_images_false_keeps_only_what_the_sink_made(tmp_path, tiny, compress):
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x_train=np.asfortranarray(tiny.x_train), y_train=tiny.y_train,
                        x_test=tiny.x_test, y_test=tiny.y_test)
    if not compress:
        np.savez(path, **{k: v for k, v in np.load(path).items()})
    got = {}
    back = datasets.read_npz(path, checksum=False, image_sink=lambda key, *a: got.setdefault(key, a), keep_images=False)
    assert set(got) == {"x_test"}  # Fortran-order x_train is not passed, so it is kept
    np.testing.assert_array_equal(back.x_train, tiny.x_train)
    np.testing.assert_array_equal(back.y_test, tiny.y_test)
    assert back.x_test.shape == (50, 28, 28) and back.x_test.dtype == np.uint8
    assert back.x_test.strides == (0, 0, 0) and not back.x_test.any()  # a stand-in
    with pytest.raises(ValueError):
        back.x_test[0, 0, 0] = 1
    with pytest.raises(ValueError, match="checksum=False"):
        datasets.read_npz(path, image_sink=lambda *a: None, keep_images=False)


def test_npz_checksum_and_fingerprint_agree_with_hashlib(tmp_path, tiny, monkeypatch):
    path = datasets.write_npz(tmp_path / "d.npz", **tiny.arrays(), compress=True)
    monkeypatch.setitem(datasets.FINGERPRINTS, "fashion-mnist", datasets.data_fingerprint(tiny.x_test, tiny.y_test))
    back = datasets.read_npz(path)
    assert back.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert back.name == "fashion-mnist" and back.class_names == datasets.FASHION_CLASS_NAMES
    # Wide labels: the fingerprint is taken after they become uint8, as before.
    wide = tmp_path / "wide.npz"
    np.savez_compressed(wide, x_train=tiny.x_train, y_train=tiny.y_train, x_test=tiny.x_test,
                        y_test=tiny.y_test.astype(np.int64))
    assert datasets.read_npz(wide).name == "fashion-mnist"
    assert datasets.read_npz(wide, checksum=False).name == "wide"


def test_npz_header_lying_about_shape_is_refused_before_allocating(tmp_path, tiny):
    # An .npy member whose header claims a huge shape but holds few bytes.
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for key, arr in tiny.arrays().items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr)
            raw = buf.getvalue()
            if key == "x_train":
                header = np.lib.format.header_data_from_array_1_0(arr)
                header["shape"] = (2_000_000_000, 28, 28)
                buf = io.BytesIO()
                np.lib.format.write_array_header_1_0(buf, header)
                raw = buf.getvalue() + arr.tobytes()
            zf.writestr(f"{key}.npy", raw)
    with pytest.raises(DataError, match=r"x_train claims shape \(2000000000, 28, 28\).*refusing so large an array"):
        datasets.read_npz(path)


def test_npz_zip_bomb_member_is_refused(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(datasets, "MAX_ARRAY_BYTES", 100_000)
    path = tmp_path / "bomb.npz"
    big = dict(tiny.arrays())
    big["x_train"] = np.zeros((2000, 28, 28), np.uint8)  # 1.5 MB of zeros, deflates to almost nothing
    big["y_train"] = np.zeros(2000, np.uint8)
    np.savez_compressed(path, **big)
    assert path.stat().st_size < 60_000  # most of it is the noisy tiny arrays
    with pytest.raises(DataError, match="refusing"):
        datasets.read_npz(path)


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
    monkeypatch.setattr(datasets, "_MAX_DEFLATE_RATIO", 10**9)
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
    monkeypatch.setattr(datasets, "FASHION_IDX_SHA256", sums)
    data = datasets.read_idx_folder(idx_dir)
    assert data.name == "fashion-mnist" and data.class_names[9] == "Ankle boot"
    monkeypatch.setattr(datasets, "MNIST_IDX_SHA256", sums)
    assert datasets.read_idx_folder(idx_dir).name == "mnist"
    plain = datasets.read_idx_folder(idx_dir, checksum=False)
    assert plain.name == "idx" and plain.sha256 == ""


def test_data_is_recognised_by_its_test_set_in_any_format(tmp_path, tiny, monkeypatch):
    monkeypatch.setitem(datasets.FINGERPRINTS, "fashion-mnist", datasets.data_fingerprint(tiny.x_test, tiny.y_test))
    npz = datasets.read_npz(datasets.write_npz(tmp_path / "renamed.npz", **tiny.arrays()))
    assert npz.name == "fashion-mnist" and npz.class_names == datasets.FASHION_CLASS_NAMES
    folder = datasets.read_idx_folder(datasets.write_idx_folder(tmp_path / "f", tiny))
    assert folder.name == "fashion-mnist"
    assert datasets.read_npz(tmp_path / "renamed.npz", checksum=False).name == "renamed"


def test_load_refuses_a_single_idx_file(idx_dir):
    with pytest.raises(DataError, match="is one IDX file; pass the folder"):
        datasets.load(idx_dir / "train-images-idx3-ubyte.gz")


# ---------------------------------------------------------------- sample and load()


def test_sample_is_stratified_real_digits_and_documented():
    path = datasets.sample_path()
    assert path.is_file() and path.parent.name == "_data" and path.parent.parent.name == "tfv1_mnist"
    data = datasets.read_npz(path)
    assert data.name == "sample"
    assert (data.num_train, data.num_test) == (4000, 1000)
    for key in datasets.NPZ_KEYS:
        assert getattr(data, key).dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(data.y_train, minlength=10), [400] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test, minlength=10), [100] * 10)
    # Shuffled (the source is sorted by label), and real digits (mostly dark, some ink).
    assert len(set(data.y_train[:20].tolist())) > 3
    ink = (data.x_train > 128).mean()
    assert 0.05 < ink < 0.3
    readme = (REPO / "data" / "README.md").read_text()
    recorded = re.search(r"sha256 \| `([0-9a-f]{64})`", readme)
    assert recorded, "data/README.md must record the sample's sha256"
    assert data.sha256 == recorded.group(1) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_make_sample_split_is_stratified_and_seeded():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sample_data", REPO / "scripts" / "make_sample_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 500)
    images = np.arange(5000 * 784, dtype=np.int64).reshape(5000, 28, 28).astype(np.uint8)
    a, b = mod.split(images, labels), mod.split(images, labels)
    np.testing.assert_array_equal(a["y_train"], b["y_train"])
    np.testing.assert_array_equal(np.bincount(a["y_train"]), [400] * 10)
    np.testing.assert_array_equal(np.bincount(a["y_test"]), [100] * 10)
    assert not np.array_equal(a["y_train"], np.sort(a["y_train"]))


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "c"))
    assert datasets.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TFV1_MNIST_CACHE")
    assert datasets.cache_dir() == pathlib.Path.home() / ".cache" / "tfv1_mnist"


def test_load_default_falls_back_to_sample_then_uses_cache(monkeypatch, tmp_path, tiny, caplog):
    monkeypatch.setenv("TFV1_MNIST_CACHE", str(tmp_path / "cache"))
    with caplog.at_level(logging.INFO, logger="tfv1_mnist.datasets"):
        data = datasets.load()
    assert data.name == "sample" and data.num_train == 4000
    assert "embedded sample" in caplog.text
    datasets.write_idx_folder(tmp_path / "cache", tiny)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tfv1_mnist.datasets"):
        data = datasets.load(None)
    assert data.num_train == 200 and "IDX" in caplog.text
    datasets.write_npz(tmp_path / "cache" / "mnist.npz", **tiny.arrays())
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tfv1_mnist.datasets"):
        data = datasets.load()
    assert data.path.endswith("mnist.npz") and "mnist.npz" in caplog.text


def test_load_specs(tmp_path, tiny, idx_dir):
    assert datasets.load("sample").name == "sample"
    assert datasets.load(" Sample ").num_test == 1000
    npz = datasets.write_npz(tmp_path / "t.npz", **tiny.arrays())
    _assert_same(tiny, datasets.load(npz))
    _assert_same(tiny, datasets.load(str(idx_dir)))
    holder = tmp_path / "holder"
    datasets.write_npz(holder / "mnist.npz", **tiny.arrays())
    _assert_same(tiny, datasets.load(holder))
    with pytest.raises(DataError, match="no such file or folder.*tfv1-mnist fetch"):
        datasets.load(tmp_path / "missing.npz")


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
