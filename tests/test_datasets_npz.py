"""Tests for tfv1_mnist.datasets.npz: the Keras-layout npz reader and writer."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile

import numpy as np
import pytest
from datasets_fixtures import assert_same as _assert_same, tiny  # noqa: F401 (fixtures)

from tfv1_mnist import datasets
from tfv1_mnist.datasets import npz, records
from tfv1_mnist.errors import DataError


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


@pytest.mark.parametrize("key", ["x_train", "y_train", "y_test"])
def test_npz_corrupt_deflated_member_names_it_and_leaves_no_thread(tmp_path, tiny, key):
    import threading

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


def test_npz_member_inflating_past_its_recorded_size_is_cut_short(tmp_path, tiny):
    import tracemalloc

    # x_train's header and recorded size say 200 images; its deflate stream holds 60000 (47 MB of zeros).
    members = _npy_members(tiny)
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


def test_npz_fortran_order_and_flat_images_arrive_as_28x28(tmp_path, tiny):
    path = tmp_path / "f.npz"
    np.savez_compressed(path, x_train=np.asfortranarray(tiny.x_train), y_train=tiny.y_train,
                        x_test=tiny.x_test.reshape(-1, 784), y_test=tiny.y_test)
    back = datasets.read_npz(path)
    _assert_same(tiny, back)
    assert back.x_test.shape == (50, 28, 28)


@pytest.mark.parametrize("compress", [True, False])
def test_npz_record_holds_real_read_only_arrays(tmp_path, tiny, compress):
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x_train=np.asfortranarray(tiny.x_train), y_train=tiny.y_train,
                        x_test=tiny.x_test, y_test=tiny.y_test)
    if not compress:
        np.savez(path, **{k: v for k, v in np.load(path).items()})
    back = datasets.read_npz(path, checksum=False)
    for key in datasets.NPZ_KEYS:
        arr = getattr(back, key)
        np.testing.assert_array_equal(arr, getattr(tiny, key))
        assert 0 not in arr.strides  # data, not a broadcast stand-in
        with pytest.raises(ValueError):
            arr[0] = 1
    with pytest.raises(TypeError):
        datasets.read_npz(path, checksum=False, keep_images=False)  # no record of stand-ins


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
    monkeypatch.setattr(records, "MAX_ARRAY_BYTES", 100_000)
    path = tmp_path / "bomb.npz"
    big = dict(tiny.arrays())
    big["x_train"] = np.zeros((2000, 28, 28), np.uint8)  # 1.5 MB of zeros, deflates to almost nothing
    big["y_train"] = np.zeros(2000, np.uint8)
    np.savez_compressed(path, **big)
    assert path.stat().st_size < 60_000  # most of it is the noisy tiny arrays
    with pytest.raises(DataError, match="refusing"):
        datasets.read_npz(path)


def _npy_members(tiny, x_train_shape=None) -> dict[str, bytes]:
    """tiny's arrays as ``.npy`` bytes by member name; x_train's header claims ``x_train_shape`` if given."""
    members = {}
    for key, arr in tiny.arrays().items():
        buf = io.BytesIO()
        if key == "x_train" and x_train_shape is not None:
            header = np.lib.format.header_data_from_array_1_0(arr)
            header["shape"] = x_train_shape
            np.lib.format.write_array_header_1_0(buf, header)
            buf.write(arr.tobytes())
        else:
            np.lib.format.write_array(buf, arr)
        members[f"{key}.npy"] = buf.getvalue()
    return members


def _npz_with_x_train_header(path, tiny, shape, *, compress=False):
    """An npz whose x_train ``.npy`` header claims ``shape`` but holds tiny's bytes."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, payload in _npy_members(tiny, shape).items():
            zf.writestr(name, payload)
    return path


@pytest.mark.parametrize("compress", [True, False])
def test_npz_huge_declared_shape_is_refused_without_allocating(tmp_path, tiny, compress):
    import tracemalloc

    path = _npz_with_x_train_header(tmp_path / "huge.npz", tiny, (900_000_000, 28, 28), compress=compress)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"x_train claims shape \(900000000, 28, 28\)") as err:
            datasets.read_npz(path, checksum=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(err.value)
    assert peak < 2_000_000, peak  # not the 705 GB the header asks for, nor tiny's arrays


def test_read_npz_headers_checks_without_reading_data(tmp_path, tiny):
    path = datasets.write_npz(tmp_path / "d.npz", **tiny.arrays())
    headers = npz.read_npz_headers(path)
    assert list(headers) == list(datasets.NPZ_KEYS)
    x = headers["x_train"]
    assert (x.key, x.shape, x.dtype, x.fortran, x.nbytes) == ("x_train", (200, 28, 28), np.uint8, False, 200 * 784)
    assert headers["y_test"].shape == (50,)
    # A header that disagrees with its member's size is refused here already.
    liar = _npz_with_x_train_header(tmp_path / "liar.npz", tiny, (201, 28, 28))
    with pytest.raises(DataError, match=r"x_train's header claims shape \(201, 28, 28\).*truncated or corrupt") as err:
        npz.read_npz_headers(liar)
    assert str(liar) in str(err.value)


def test_npz_member_claiming_more_than_deflate_can_hold_is_refused_before_inflating(tmp_path, tiny):
    members = _npy_members(tiny)
    path = tmp_path / "ratio.npz"
    _zip_with_sizes(path, members, {"y_train.npy": 50_000_000})  # y_train's ~100 deflated bytes cannot hold 50 MB
    with pytest.raises(DataError, match=r"y_train.npy claims 50000000 bytes, more than its \d+ deflated bytes") as err:
        datasets.read_npz(path)
    assert str(path) in str(err.value)


def test_npz_member_inflating_short_of_its_recorded_size_says_so(tmp_path, tiny):
    # The deflate stream ends early: the zip entry (and the .npy header) promise 10 more images.
    members = _npy_members(tiny, (210, 28, 28))
    recorded = len(members["x_train.npy"]) + 10 * 784
    path = tmp_path / "short.npz"
    _zip_with_sizes(path, members, {"x_train.npy": recorded})
    with pytest.raises(DataError, match=rf"x_train inflates to {recorded - 7840} bytes, not the {recorded}") as err:
        datasets.read_npz(path)
    assert str(path) in str(err.value)
