"""IDX files to arrays: TF1's MNIST format, gzipped or raw (``writers`` writes them).

Pattern: a reader that never trusts a file.  The big-endian header (magic
2051 for images, 2049 for labels, then the dimensions) is checked against the
bytes present *before* anything is allocated, and a gzip stream is inflated
no further than the header's size (so a gzip bomb is refused).  Anything wrong
raises `tfv1_mnist.errors.DataError` naming the file and saying what to do.
Arrays returned are read-only views of the decompressed bytes (copy-free).
`read_idx_folder` reads the four standard files into one `Mnist`.
"""

from __future__ import annotations

import concurrent.futures
import os
import pathlib
import struct
import zlib
from typing import BinaryIO, Callable

import numpy as np

from tfv1_mnist.datasets import inflate, records
from tfv1_mnist.datasets.cache import fetch_hint
from tfv1_mnist.datasets.records import (
    CLASS_NAMES,
    FASHION_CLASS_NAMES,
    IDX_FILES,
    MNIST_CLASS_NAMES,
    Mnist,
    Sha256InThread,
    data_fingerprint,
    identify,
    idx_folder_sha256,
    labels_to_uint8,
)
from tfv1_mnist.errors import DataError

__all__ = [
    "IMAGE_MAGIC",
    "LABEL_MAGIC",
    "read_idx",
    "idx_candidates",
    "find_idx_files",
    "read_idx_folder",
]

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049


def _name_of(source: object, name: str | None) -> str:
    if name:
        return str(name)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))


def _bad_magic(magic: int, where: str, kind: str | None) -> DataError:
    if kind is None:
        kind = "labels" if "label" in os.path.basename(where).lower() else "images"
    if kind == "labels":
        return DataError(
            f"Invalid magic number {magic} in MNIST label file: {where} "
            f"(expected {LABEL_MAGIC}; is it an IDX label file, gzipped or raw?)"
        )
    return DataError(
        f"Invalid magic number {magic} in MNIST image file: {where} "
        f"(expected {IMAGE_MAGIC}; is it an IDX image file, gzipped or raw?)"
    )


def _parse_idx(data: bytes | memoryview, where: str, kind: str | None) -> np.ndarray:
    """Parses IDX bytes (gzipped or raw); see `read_idx`."""
    view = memoryview(data)
    gz = bytes(view[:2]) == b"\x1f\x8b"
    if not gz and where.lower().endswith(".gz"):
        raise DataError(f"{where}: not a gzip file (its name ends in .gz); fetch the file again")
    head = inflate.gunzip_head(view, 16, where) if gz else bytes(view[:16])
    if len(head) < 4:
        raise DataError(f"{where}: too short to be an IDX file (no 4-byte magic number); fetch it again")
    magic = struct.unpack(">I", head[:4])[0]
    if magic not in (IMAGE_MAGIC, LABEL_MAGIC):
        raise _bad_magic(magic, where, kind)
    if kind == "images" and magic != IMAGE_MAGIC or kind == "labels" and magic != LABEL_MAGIC:
        raise _bad_magic(magic, where, kind)
    ndim = 3 if magic == IMAGE_MAGIC else 1
    hlen = 4 + 4 * ndim
    if len(head) < hlen:
        raise DataError(f"{where}: truncated IDX header ({len(head)} of {hlen} bytes); fetch the file again")
    dims = struct.unpack(f">{ndim}I", head[4:hlen])
    nbytes = 1
    for d in dims:
        nbytes *= d
    if nbytes > records.MAX_ARRAY_BYTES:
        raise DataError(f"{where}: header claims dimensions {dims} ({nbytes} bytes); refusing so large an array")
    if gz:
        if nbytes > records.MAX_DEFLATE_RATIO * len(view) + 1024:
            raise DataError(
                f"{where}: header claims {nbytes} bytes, more than {len(view)} gzip bytes can hold; "
                "the file is truncated or corrupt, fetch it again"
            )
        buf: bytes | memoryview = inflate.gunzip_exact(view, hlen + nbytes, where)
    else:
        if nbytes != len(view) - hlen:
            raise DataError(
                f"{where}: header claims dimensions {dims} ({nbytes} bytes) but the file holds "
                f"{len(view) - hlen} bytes of data; it is truncated or corrupt, fetch it again"
            )
        buf = view
    arr = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=hlen).reshape(dims)
    if arr.flags.writeable:
        arr.flags.writeable = False
    return arr


def _read_source(source: str | os.PathLike | BinaryIO, where: str) -> bytes:
    limit = records.MAX_ARRAY_BYTES + 64
    if isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
            if size > limit:
                raise DataError(f"{where}: {size} bytes is larger than any MNIST-like IDX file; refusing to read it")
            with open(source, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise DataError(f"{where}: file not found; {fetch_hint()}") from None
        except IsADirectoryError:
            raise DataError(f"{where}: is a folder, expected an IDX file") from None
        except OSError as err:
            raise DataError(f"{where}: cannot read it ({err.strerror or err})") from None
    try:
        data = source.read(limit + 1)
    except (OSError, EOFError, zlib.error) as err:  # e.g. a GzipFile over a damaged file
        raise DataError(f"{where}: cannot read it ({err}); fetch the file again") from None
    if not isinstance(data, (bytes, bytearray)):
        raise DataError(f"{where}: open the file in binary mode ('rb')")
    if len(data) > limit:
        raise DataError(f"{where}: larger than any MNIST-like IDX file; refusing to read it")
    return data


def read_idx(
    path_or_fileobj: str | os.PathLike | BinaryIO,
    name: str | None = None,
    *,
    kind: str | None = None,
) -> np.ndarray:
    """Reads one IDX file, gzipped or raw (detected by the gzip magic bytes).

    The big-endian header is checked before anything is allocated: magic 2051
    (images, 3 dimensions) or 2049 (labels, 1 dimension), and dimensions that
    match the bytes present.  A gzip stream is inflated only up to the size the
    header gives, so a gzip bomb is refused.

    Args:
      path_or_fileobj: a path, or a binary file object (read to its end).
      name: the name used in messages (default: the path or ``fileobj.name``).
      kind: "images" or "labels" to require that magic number, or None for
        either.

    Returns:
      uint8 - [N, rows, cols] for images, uint8 - [N] for labels (read-only).

    Raises:
      DataError: missing file, not gzip (for a ``.gz`` name), truncated, bad
        magic number (TF1's "Invalid magic number %d in MNIST image file: %s"),
        or a header that disagrees with the bytes.
    """
    if kind not in (None, "images", "labels"):
        raise ValueError(f"kind must be 'images', 'labels' or None, got {kind!r}")
    where = _name_of(path_or_fileobj, name)
    data = _read_source(path_or_fileobj, where)
    return _parse_idx(data, where, kind)


def idx_candidates(key: str) -> tuple[str, ...]:
    split, what = IDX_FILES[key].split("-")[:2]  # "train", "images"
    idx = "idx3" if what == "images" else "idx1"
    return (
        f"{split}-{what}-{idx}-ubyte.gz",
        f"{split}-{what}-{idx}-ubyte",
        f"{split}-{what}.{idx}-ubyte",
        f"{split}-{what}.{idx}-ubyte.gz",
    )


def find_idx_files(folder: str | os.PathLike, *, missing_ok: bool = False) -> dict[str, pathlib.Path] | None:
    """Finds the four IDX files in a folder.

    Accepts ``train-images-idx3-ubyte.gz``, its gunzipped form
    ``train-images-idx3-ubyte`` and the ``train-images.idx3-ubyte`` naming
    (likewise for ``train-labels-idx1-ubyte`` and ``t10k-*``).

    Args:
      folder: the folder to look in.
      missing_ok: return None instead of raising when a file is missing.

    Returns:
      ``{"x_train", "y_train", "x_test", "y_test"}`` -> path, or None.

    Raises:
      DataError: a file is missing (unless ``missing_ok``).
    """
    folder = pathlib.Path(folder)
    found: dict[str, pathlib.Path] = {}
    missing: list[str] = []
    for key in IDX_FILES:
        for cand in idx_candidates(key):
            if (folder / cand).is_file():
                found[key] = folder / cand
                break
        else:
            missing.append(IDX_FILES[key])
    if missing:
        if missing_ok:
            return None
        if not folder.is_dir():
            raise DataError(f"{folder}: no such folder; {fetch_hint()}")
        raise DataError(
            f"{folder}: missing {', '.join(missing)} (gzipped or not); put the four MNIST IDX files there, "
            f"or {fetch_hint()}"
        )
    return found


def read_idx_folder(
    folder: str | os.PathLike,
    *,
    checksum: bool = True,
    on_file: Callable[[str], object] | None = None,
) -> Mnist:
    """Reads a folder holding the four standard IDX files.

    The test files are read on a second thread while the training files are
    read on this one (inflating releases the GIL).

    Args:
      folder: the folder (see `find_idx_files` for the names accepted).
      checksum: compute ``sha256`` (`idx_folder_sha256`) and recognise MNIST and
        Fashion-MNIST by their files' checksums or, failing that, by their test
        set (`data_fingerprint`).  False skips hashing; the name is then the
        folder's name.
      on_file: called with each file's path (``folder`` joined with the file
        name, as messages name it), for the four files in `IDX_FILES`' order,
        before any is read; e.g. TF1's ``Extracting <path>`` lines.

    Returns:
      An `Mnist` named "mnist", "fashion-mnist" (with its class names), or the
      folder's name.

    Raises:
      DataError: a file is missing or bad, or image and label counts disagree.
    """
    files = find_idx_files(folder)
    assert files is not None
    shown = {key: os.path.join(os.fspath(folder), path.name) for key, path in files.items()}
    if on_file is not None:
        for key in IDX_FILES:
            on_file(shown[key])
    sums: dict[str, str] = {}

    def read(key: str) -> np.ndarray:
        data = _read_source(files[key], shown[key])
        hasher = Sha256InThread(data) if checksum else None
        array = _parse_idx(data, shown[key], "images" if key.startswith("x") else "labels")
        if hasher is not None:
            sums[key] = hasher.result()
        return array

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        test = {key: pool.submit(read, key) for key in ("x_test", "y_test")}
        arrays = {key: read(key) for key in ("x_train", "y_train")}
        arrays.update((key, future.result()) for key, future in test.items())
    _check_splits(arrays, shown)
    name, class_names, sha = _identify(folder, arrays, sums if checksum else None)
    return Mnist(**arrays, name=name, path=os.fspath(folder), sha256=sha, class_names=class_names)


def _check_splits(arrays: dict[str, np.ndarray], shown: dict[str, str]) -> None:
    """DataError unless each split's images are [N, 28, 28] with N labels in 0..255."""
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.shape[0] != y.shape[0]:
            raise DataError(
                f"{shown[f'x_{split}']} holds {x.shape[0]} images but {shown[f'y_{split}']} holds "
                f"{y.shape[0]} labels; the counts must agree (are the files from different data sets?)"
            )
        if x.shape[1:] != (28, 28):
            raise DataError(f"{shown[f'x_{split}']}: images are {x.shape[1]}x{x.shape[2]}, expected 28x28")
        labels_to_uint8(y, "labels", shown[f"y_{split}"])


def _identify(folder, arrays: dict[str, np.ndarray], sums: dict[str, str] | None) -> tuple[str, tuple, str]:
    """``(name, class names, sha256)`` of a folder's data: by its files' checksums, else its test set."""
    name, class_names, sha = pathlib.Path(folder).resolve().name or "idx", MNIST_CLASS_NAMES, ""
    if sums is not None:
        sha = idx_folder_sha256(sums[k] for k in IDX_FILES)
        if sums == records.MNIST_IDX_SHA256:
            name = "mnist"
        elif sums == records.FASHION_IDX_SHA256:
            name, class_names = "fashion-mnist", FASHION_CLASS_NAMES
        else:
            known = identify(data_fingerprint(arrays["x_test"], arrays["y_test"]))
            if known is not None:
                name, class_names = known, CLASS_NAMES[known]
    return name, class_names, sha
