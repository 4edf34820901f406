"""Property tests: on any input the readers return valid arrays or raise DataError.

Random bytes, truncations, flipped header fields and corrupted bytes go
through `read_idx` and `read_npz`; nothing else may escape, nothing may hang,
and nothing may allocate beyond what the file can hold.
"""

from __future__ import annotations

import gzip
import io
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfv1_mnist import datasets
from tfv1_mnist.datasets import records
from tfv1_mnist.errors import DataError

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_RNG = np.random.RandomState(7)
IMAGES = _RNG.randint(0, 256, size=(6, 28, 28)).astype(np.uint8)
LABELS = _RNG.randint(0, 10, size=6).astype(np.uint8)
RAW_IMAGES = struct.pack(">IIII", 2051, 6, 28, 28) + IMAGES.tobytes()
RAW_LABELS = struct.pack(">II", 2049, 6) + LABELS.tobytes()
GZ_IMAGES = gzip.compress(RAW_IMAGES, mtime=0)
GZ_LABELS = gzip.compress(RAW_LABELS, mtime=0)


@pytest.fixture(autouse=True)
def small_limit(monkeypatch):
    # A small cap makes "never allocates huge" checkable: no array may exceed it.
    monkeypatch.setattr(records, "MAX_ARRAY_BYTES", 1 << 20)


def _read_idx(data: bytes, name: str = "prop-idx"):
    """Reads IDX bytes; returns the array or the DataError.

    Also checks that reading allocated little: at most a few times the input
    and the 1 MiB cap, whatever the header claims.
    """
    tracemalloc.start()
    try:
        arr = datasets.read_idx(io.BytesIO(data), name=name)
    except DataError as err:
        assert name in str(err)
        return err
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4 * len(data) + 2 * records.MAX_ARRAY_BYTES + 200_000, peak
    assert arr.dtype == np.uint8 and arr.ndim in (1, 3)
    assert arr.nbytes <= records.MAX_ARRAY_BYTES
    assert arr.nbytes <= len(data) * 1100 + 1024
    return arr


@SETTINGS
@given(st.binary(max_size=2048))
def test_random_bytes(data):
    _read_idx(data)
    _read_idx(b"\x1f\x8b" + data)  # claims to be gzip


@SETTINGS
@given(st.sampled_from([RAW_IMAGES, RAW_LABELS, GZ_IMAGES, GZ_LABELS]), st.data())
def test_truncations_are_refused(source, data):
    cut = data.draw(st.integers(min_value=0, max_value=len(source) - 1))
    result = _read_idx(source[:cut])
    assert isinstance(result, DataError)


@SETTINGS
@given(
    st.sampled_from(["images", "labels"]),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.booleans(),
)
def test_flipped_header_fields(which, field, value, compress):
    raw = bytearray(RAW_IMAGES if which == "images" else RAW_LABELS)
    nfields = 4 if which == "images" else 2
    field %= nfields
    struct.pack_into(">I", raw, 4 * field, value)
    data = gzip.compress(bytes(raw), mtime=0) if compress else bytes(raw)
    result = _read_idx(data)
    if bytes(raw) != (RAW_IMAGES if which == "images" else RAW_LABELS):
        # Any change of magic or dimensions must be caught, except a swap of
        # rows and cols that keeps the product (the bytes still agree).
        if isinstance(result, np.ndarray):
            assert which == "images" and field in (2, 3) and result.size == IMAGES.size
    else:
        assert isinstance(result, np.ndarray)


@SETTINGS
@given(st.sampled_from([GZ_IMAGES, GZ_LABELS]), st.data())
def test_corrupted_gzip_bytes(source, data):
    buf = bytearray(source)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        pos = data.draw(st.integers(min_value=0, max_value=len(buf) - 1))
        buf[pos] = data.draw(st.integers(min_value=0, max_value=255))
    result = _read_idx(bytes(buf))
    if isinstance(result, np.ndarray) and bytes(buf[10:-8]) != source[10:-8]:
        # gzip's CRC-32 guards the data: a change in the deflate stream that
        # still decodes must give the original array or fail.
        expected = IMAGES if result.ndim == 3 else LABELS
        np.testing.assert_array_equal(result, expected)


def _npz_bytes(arrays: dict[str, np.ndarray], compress: bool = False) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    return buf.getvalue()


_ARRAYS = {"x_train": IMAGES, "y_train": LABELS, "x_test": IMAGES[:2], "y_test": LABELS[:2]}
GOOD_NPZ = _npz_bytes(_ARRAYS)
GOOD_NPZ_DEFLATED = _npz_bytes(_ARRAYS, compress=True)


def _read_npz(tmp_path, data: bytes):
    path = tmp_path / "prop.npz"
    path.write_bytes(data)
    try:
        mnist = datasets.read_npz(path, checksum=False)
    except DataError as err:
        assert str(path) in str(err)
        return err
    assert mnist.x_train.dtype == np.uint8
    return mnist


@SETTINGS
@given(st.binary(max_size=2048))
def test_npz_random_bytes(tmp_path, data):
    # No 2 KiB of noise is a zip holding four .npy arrays.
    assert isinstance(_read_npz(tmp_path, data), DataError)
    assert isinstance(_read_npz(tmp_path, b"PK\x03\x04" + data), DataError)


@SETTINGS
@pytest.mark.filterwarnings("ignore::UserWarning")
@given(st.data())
def test_npz_truncations_and_corruptions(tmp_path, data):
    buf = bytearray(data.draw(st.sampled_from([GOOD_NPZ, GOOD_NPZ_DEFLATED])))
    if data.draw(st.booleans()):
        buf = buf[: data.draw(st.integers(min_value=0, max_value=len(buf) - 1))]
        assert isinstance(_read_npz(tmp_path, bytes(buf)), DataError)
    else:
        for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
            # Anywhere, or in the first member's headers, or in the central directory at the end.
            pos = data.draw(st.one_of(
                st.integers(min_value=0, max_value=len(buf) - 1),
                st.integers(min_value=0, max_value=200),
                st.integers(min_value=len(buf) - 400, max_value=len(buf) - 1),
            ))
            buf[pos] = data.draw(st.integers(min_value=0, max_value=255))
        result = _read_npz(tmp_path, bytes(buf))
        if isinstance(result, datasets.Mnist) and result.x_train.shape == IMAGES.shape:
            # The CRC-32 guards the data: what still reads is what was written.
            np.testing.assert_array_equal(result.x_train, IMAGES)
            np.testing.assert_array_equal(result.y_train, LABELS)


@SETTINGS
@given(
    st.sampled_from(datasets.NPZ_KEYS),
    st.lists(st.integers(min_value=0, max_value=2**40), min_size=0, max_size=4),
    st.sampled_from(["|u1", "<i8", "<f4", "|O", "<U3", "|V4"]),
)
def test_npz_lying_npy_headers(tmp_path, key, shape, descr):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, arr in _ARRAYS.items():
            if k == key:
                header = io.BytesIO()
                np.lib.format.write_array_header_1_0(
                    header, {"descr": descr, "fortran_order": False, "shape": tuple(shape)}
                )
                zf.writestr(f"{k}.npy", header.getvalue() + arr.tobytes())
            else:
                member = io.BytesIO()
                np.lib.format.write_array(member, arr)
                zf.writestr(f"{k}.npy", member.getvalue())
    result = _read_npz(tmp_path, buf.getvalue())
    if isinstance(result, datasets.Mnist):  # only a header true to the bytes reads ([N, 784] for [N, 28, 28] too)
        assert descr == "|u1" and int(np.prod(shape, dtype=object)) == _ARRAYS[key].size
        np.testing.assert_array_equal(getattr(result, key).ravel(), _ARRAYS[key].ravel())
