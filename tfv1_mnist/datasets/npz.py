"""Keras-layout ``.npz`` files to arrays and back (``x_train``, ``y_train``, ``x_test``, ``y_test``).

Pattern: check everything, then let numpy read.  The zip directory and each
member's ``.npy`` header are read first, and checked against each other
*before* any array is allocated: dtype (object arrays refused: pickling is
never enabled), shape, the size the header implies against the size the zip
entry records, that size against `records.MAX_ARRAY_BYTES` and against what
the compressed bytes can inflate to.  Only then does
``np.load(allow_pickle=False)`` read the data, with ``zipfile`` checking each
member's CRC-32; a member that fails it is then examined to say why (it
inflates to more, or fewer, bytes than recorded, or its data changed).
Anything wrong raises `tfv1_mnist.errors.DataError` naming the file and
saying what to do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import struct
import zipfile
import zlib
from typing import BinaryIO, Iterator

import numpy as np

from tfv1_mnist.datasets import records
from tfv1_mnist.datasets.cache import fetch_hint
from tfv1_mnist.datasets.idx import idx_candidates
from tfv1_mnist.datasets.records import (
    CLASS_NAMES,
    IDX_FILES,
    MNIST_CLASS_NAMES,
    NPZ_KEYS,
    Mnist,
    check_images,
    data_fingerprint,
    file_sha256,
    identify,
    labels_to_uint8,
)
from tfv1_mnist.datasets.sample import sample_path
from tfv1_mnist.errors import DataError

__all__ = ["NpyHeader", "read_npz_headers", "read_npz"]


@dataclasses.dataclass(frozen=True)
class NpyHeader:
    """One ``.npy`` member of an npz, its header checked against its zip entry; no data read.

    Attributes:
      key: the array's name ("x_train", ...).
      shape: the array's shape, from the ``.npy`` header.
      dtype: the array's dtype (never an object dtype).
      fortran: True when the data are in Fortran order.
      nbytes: the data's size in bytes, as the header implies and the zip
        entry agrees.
      info: the member's zip entry.
      start: offset in the file of the member's (compressed) bytes.
    """

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    nbytes: int
    info: zipfile.ZipInfo
    start: int


def _npy_header(zf: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo, where: str) -> NpyHeader:
    """Checks one ``.npy`` member's zip entry and header, reading nothing past the header."""
    key = info.filename[:-4]
    if info.file_size > records.MAX_ARRAY_BYTES + 4096:
        raise DataError(
            f"{where}: member {info.filename} claims {info.file_size} bytes, more than the "
            f"{records.MAX_ARRAY_BYTES} bytes a data set may hold; refusing to inflate it"
        )
    if info.compress_type == zipfile.ZIP_DEFLATED:
        if info.compress_size > 2 * records.MAX_ARRAY_BYTES:
            raise DataError(f"{where}: member {info.filename} is implausibly large; refusing it")
        if info.file_size > records.MAX_DEFLATE_RATIO * info.compress_size + 1024:
            raise DataError(
                f"{where}: member {info.filename} claims {info.file_size} bytes, more than its "
                f"{info.compress_size} deflated bytes can hold; the file is corrupt (or a zip bomb), "
                "refusing to inflate it"
            )
    with zf.open(info) as fp:
        try:
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
            else:
                raise ValueError(f"unsupported .npy format version {version}")
            shape = tuple(int(d) for d in shape)
        except Exception as err:  # noqa: BLE001 - numpy's header parser raises many kinds on junk
            raise DataError(
                f"{where}: {info.filename} is not a valid .npy array ({type(err).__name__}: {err}); "
                "write the file again with np.savez"
            ) from None
        header_len = fp.tell()
    if dtype.hasobject:
        raise DataError(
            f"{where}: {key} is an object array; it is refused because loading it would "
            "unpickle arbitrary code. Save plain uint8 arrays (np.savez) instead"
        )
    if any(d < 0 for d in shape):
        raise DataError(f"{where}: {key} has a negative dimension in its header: {shape}")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if nbytes > records.MAX_ARRAY_BYTES:
        raise DataError(f"{where}: {key} claims shape {shape} ({nbytes} bytes); refusing so large an array")
    if nbytes != info.file_size - header_len:
        raise DataError(
            f"{where}: {key}'s header claims shape {shape} ({nbytes} bytes) but the member holds "
            f"{info.file_size - header_len} bytes; the file is truncated or corrupt, fetch it again"
        )
    start = _member_data_offset(raw, info, where)
    return NpyHeader(key, shape, dtype, bool(fortran), nbytes, info, start)


def _member_data_offset(raw: BinaryIO, info: zipfile.ZipInfo, where: str) -> int:
    """Where a member's (possibly compressed) bytes start, from its local header."""
    raw.seek(info.header_offset)
    local = raw.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise DataError(f"{where}: bad local header for {info.filename}; the file is corrupt, fetch it again")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.compress_size > os.fstat(raw.fileno()).st_size:
        raise DataError(f"{where}: {info.filename} runs past the end of the file; it is truncated, fetch it again")
    return start


def _headers(raw: BinaryIO, where: str) -> dict[str, NpyHeader]:
    """Reads the zip directory of an open npz and checks the four members' headers."""
    with zipfile.ZipFile(raw) as zf:
        members = {info.filename: info for info in zf.infolist()}
        missing = [k for k in NPZ_KEYS if f"{k}.npy" not in members]
        if missing:
            present = sorted(n[:-4] for n in members if n.endswith(".npy"))
            raise DataError(
                f"{where}: missing key(s) {', '.join(missing)} (found: {', '.join(present) or 'none'}); "
                "an MNIST .npz holds x_train, y_train, x_test and y_test as in Keras' mnist.npz"
            )
        return {key: _npy_header(zf, raw, members[f"{key}.npy"], where) for key in NPZ_KEYS}


def _inflated_size(raw: BinaryIO, header: NpyHeader, limit: int) -> int | None:
    """How many bytes a deflated member inflates to, counting no further than ``limit + 1``.

    Returns None when the stream is not valid deflate data.  Holds at most
    1 MiB of output at a time, whatever the stream holds.
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    raw.seek(header.start)
    left, count = header.info.compress_size, 0
    try:
        while left and not inflater.eof and count <= limit:
            data = raw.read(min(1 << 18, left))
            if not data:
                break
            left -= len(data)
            while data and count <= limit:
                count += len(inflater.decompress(data, min(1 << 20, limit + 1 - count)))
                data = inflater.unconsumed_tail
    except zlib.error:
        return None
    return count


def _bad_member(raw: BinaryIO, header: NpyHeader, where: str, err: Exception) -> DataError:
    """Says why a member whose headers were sound failed to read (``err``)."""
    info, key = header.info, header.key
    if isinstance(err, zlib.error):
        return DataError(f"{where}: {key} is corrupt ({err}); fetch or write the file again")
    if info.compress_type == zipfile.ZIP_DEFLATED:
        size = _inflated_size(raw, header, info.file_size)
        if size is None:
            return DataError(f"{where}: {key} is corrupt (not valid deflate data); fetch or write the file again")
        if size > info.file_size:
            return DataError(
                f"{where}: {key} inflates to more than the {info.file_size} bytes its zip entry "
                "records; the file is corrupt (or a zip bomb), fetch it again"
            )
        if size < info.file_size:
            return DataError(
                f"{where}: {key} inflates to {size} bytes, not the {info.file_size} its zip entry records; "
                "the file is truncated or corrupt, fetch it again"
            )
    if isinstance(err, zipfile.BadZipFile) and "CRC" in str(err):
        return DataError(f"{where}: {info.filename} fails its CRC-32 check; the file is corrupt, fetch it again")
    return DataError(
        f"{where}: cannot read {key} ({type(err).__name__}: {err}); the file is truncated or corrupt, "
        "fetch or write it again"
    )


def read_npz_headers(path: str | os.PathLike) -> dict[str, NpyHeader]:
    """Reads and checks an npz's zip directory and ``.npy`` headers, and no array data.

    The checks `read_npz` makes before it allocates anything: the four keys
    present, no object dtype, sizes the header implies that agree with the zip
    entries, within `records.MAX_ARRAY_BYTES` and within what the compressed
    bytes can hold, and every member inside the file.

    Args:
      path: the ``.npz`` file.

    Returns:
      ``{"x_train", "y_train", "x_test", "y_test"}`` -> `NpyHeader`.

    Raises:
      DataError: as `read_npz`, for anything wrong in the headers.
    """
    where = str(path)
    with _open(path) as raw, _zip_errors(where):
        return _headers(raw, where)


def _read_arrays(raw: BinaryIO, where: str) -> dict[str, np.ndarray]:
    """Checks the headers, then reads the four arrays with ``np.load`` (read-only)."""
    headers = _headers(raw, where)
    raw.seek(0)
    arrays: dict[str, np.ndarray] = {}
    with np.load(raw, allow_pickle=False) as npz:
        for key, header in headers.items():
            try:
                arr = npz[key]
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
                raise _bad_member(raw, header, where, err) from None
            arr.flags.writeable = False
            arrays[key] = arr
    return arrays


@contextlib.contextmanager
def _zip_errors(where: str) -> Iterator[None]:
    """Turns the errors a damaged zip directory raises into a `DataError` naming the file."""
    try:
        yield
    except DataError:
        raise
    except zipfile.BadZipFile as err:
        raise DataError(f"{where}: not a valid .npz (zip) file ({err}); fetch or write it again") from None
    except (
        zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error, OSError, RuntimeError,
        UnicodeDecodeError, ValueError, struct.error,
    ) as err:
        # A damaged zip directory surfaces as any of these (e.g. "encrypted", a bad name).
        raise DataError(f"{where}: cannot read this .npz ({type(err).__name__}: {err}); fetch or write it again") from None


def _open(path: str | os.PathLike) -> BinaryIO:
    """Opens an npz for reading, after the checks that need only its name."""
    path = pathlib.Path(path)
    where = str(path)
    if path.is_dir():
        raise DataError(f"{where}: is a folder, expected an .npz file (datasets.load reads IDX folders)")
    if not path.is_file():
        raise DataError(f"{where}: file not found; {fetch_hint()}")
    if path.suffix.lower() != ".npz" and any(path.name in idx_candidates(key) for key in IDX_FILES):
        raise DataError(
            f"{where}: is one IDX file; pass the folder that holds all four ({', '.join(IDX_FILES.values())})"
        )
    try:
        return open(path, "rb")
    except OSError as err:
        raise DataError(f"{where}: cannot read it ({err.strerror or err})") from None


def read_npz(path: str | os.PathLike, *, checksum: bool = True) -> Mnist:
    """Reads a Keras-layout ``.npz`` (``x_train``, ``y_train``, ``x_test``, ``y_test``).

    Pickling is never enabled: object arrays are refused.  Images must be uint8
    [N, 28, 28] (or [N, 784], reshaped); labels any integer dtype [N] with
    values in 0..9 (returned as uint8).  Extra keys are ignored.  Every member
    is checked against its zip entry and its ``.npy`` header before anything
    is allocated (see `read_npz_headers`), then read by ``np.load``, which
    checks its CRC-32.  The arrays returned are read-only.

    Args:
      path: the ``.npz`` file.
      checksum: compute the file's sha256 (and, unless it is the Keras
        download's, the test set's `data_fingerprint`).  Pass False to skip
        both; ``sha256`` is then "".

    Returns:
      An `Mnist` named "sample" for the embedded sample; "mnist" for the Keras
      download or any file holding MNIST's test set, "fashion-mnist" (with its
      class names) for Fashion-MNIST's (see `data_fingerprint`; only when
      ``checksum``); else the file's stem.

    Raises:
      DataError: missing, one IDX file (by its name), not a zip file, missing
        keys, wrong dtype or shape, labels outside 0..9, object arrays, or
        sizes that disagree.
    """
    path = pathlib.Path(path)
    where = str(path)
    with _open(path) as raw, _zip_errors(where):
        arrays = _read_arrays(raw, where)
    for split in ("train", "test"):
        x = arrays[f"x_{split}"]
        if x.dtype == np.uint8 and x.ndim == 2 and x.shape[1] == 784:
            x = arrays[f"x_{split}"] = x.reshape(-1, 28, 28)
        check_images(x, f"x_{split}", where)
        arrays[f"y_{split}"] = labels_to_uint8(arrays[f"y_{split}"], f"y_{split}", where)
    sha = file_sha256(path) if checksum else ""
    name, class_names = path.stem, MNIST_CLASS_NAMES
    if path.resolve() == sample_path():
        name = "sample"
    elif sha == records.MNIST_NPZ_SHA256:
        name = "mnist"
    elif checksum:
        known = identify(data_fingerprint(arrays["x_test"], arrays["y_test"]))
        if known is not None:
            name, class_names = known, CLASS_NAMES[known]
    return Mnist(**arrays, name=name, path=where, sha256=sha, class_names=class_names)
