"""Arrays to MNIST files: IDX (gzipped or raw) and the Keras ``mnist.npz`` layout, written atomically.

The readers (``idx``, ``npz``) read back exactly what these write.
"""

from __future__ import annotations

import gzip
import os
import pathlib
import struct
import zipfile

import numpy as np

from tfv1_mnist.datasets.idx import IMAGE_MAGIC, LABEL_MAGIC
from tfv1_mnist.datasets.records import IDX_FILES, NPZ_KEYS, Mnist
from tfv1_mnist.errors import DataError
from tfv1_mnist.outputs import atomic_path

__all__ = ["write_idx", "write_idx_folder", "write_npz"]


def write_idx(path: str | os.PathLike, array: np.ndarray) -> pathlib.Path:
    """Writes a uint8 image or label array as an IDX file, atomically.

    Args:
      path: the file; gzipped when its name ends in ``.gz``.
      array: uint8 - [N, rows, cols] (magic 2051) or uint8 - [N] (magic 2049).

    Returns:
      The path written.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise DataError(f"{path}: IDX needs uint8 [N] labels or [N, rows, cols] images, got {array.dtype} {array.shape}")
    magic = IMAGE_MAGIC if array.ndim == 3 else LABEL_MAGIC
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    payload = header + np.ascontiguousarray(array).tobytes()
    path = pathlib.Path(path)
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return path


def write_idx_folder(folder: str | os.PathLike, mnist: Mnist) -> pathlib.Path:
    """Writes the four standard gzipped IDX files into a folder.

    Args:
      folder: created if needed; each file is written atomically.
      mnist: the data set to write.

    Returns:
      The folder.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for key, fname in IDX_FILES.items():
        write_idx(folder / fname, getattr(mnist, key))
    return folder


def write_npz(
    path: str | os.PathLike,
    *,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    compress: bool = True,
) -> pathlib.Path:
    """Writes the Keras ``mnist.npz`` layout, atomically and reproducibly.

    The zip entries carry a fixed timestamp, so the same arrays always give the
    same bytes (and sha256) with the same zlib.

    Args:
      path: the ``.npz`` file to write (replaced atomically).
      x_train: uint8 - [N, 28, 28].
      y_train: uint8 - [N], values 0..9.
      x_test: uint8 - [M, 28, 28].
      y_test: uint8 - [M], values 0..9.
      compress: deflate the members (``np.savez_compressed``'s format, as in
        Keras' mnist.npz); False stores them (``np.savez``'s).

    Returns:
      The path written.

    Raises:
      DataError: the arrays are not in the layout above.
    """
    path = pathlib.Path(path)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    Mnist(**arrays, path=str(path))  # validates
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=method, allowZip64=True) as zf:
            for key in NPZ_KEYS:
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = method
                info.external_attr = 0o644 << 16
                with zf.open(info, "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, np.ascontiguousarray(arrays[key]), allow_pickle=False)
    return path
