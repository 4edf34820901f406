"""The `Mnist` record, and what names and identifies a data set.

Pattern: a frozen dataclass that validates its arrays when it is built (uint8
images [N, 28, 28], uint8 labels [N] in 0..9), plus the constants every reader
shares: the Keras npz keys, the IDX file names, the size limits, and the sha256
checksums and test-set fingerprints by which MNIST and Fashion-MNIST are
recognised whatever the file.  Nothing here reads a file's format.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from typing import Iterable

import numpy as np

from tfv1_mnist.errors import DataError

__all__ = [
    "Mnist",
    "MNIST_CLASS_NAMES",
    "FASHION_CLASS_NAMES",
    "CLASS_NAMES",
    "NPZ_KEYS",
    "IDX_FILES",
    "MAX_ARRAY_BYTES",
    "MAX_DEFLATE_RATIO",
    "MNIST_NPZ_SHA256",
    "MNIST_IDX_SHA256",
    "FASHION_IDX_SHA256",
    "FINGERPRINTS",
    "check_images",
    "check_labels",
    "labels_to_uint8",
    "file_sha256",
    "idx_folder_sha256",
    "Sha256InThread",
    "data_fingerprint",
    "identify",
]

MNIST_CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))
FASHION_CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

#: Keys of the Keras ``mnist.npz`` layout, in the order they are written.
NPZ_KEYS: tuple[str, ...] = ("x_train", "y_train", "x_test", "y_test")

#: Standard IDX file names (gzipped), in the fixed order used for checksums.
IDX_FILES: dict[str, str] = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

#: The largest array a reader will allocate (1 GiB; full MNIST is 55 MB).
MAX_ARRAY_BYTES = 1 << 30
# deflate cannot expand by more than ~1032:1; a header that needs more is a lie.
MAX_DEFLATE_RATIO = 1100

# sha256 of the known downloads: the gzipped IDX files (same names for both
# data sets) and the Keras npz.
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_IDX_SHA256: dict[str, str] = {
    "x_train": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "y_train": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "x_test": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "y_test": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# As distributed by Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
FASHION_IDX_SHA256: dict[str, str] = {
    "x_train": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "y_train": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "x_test": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "y_test": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}

# sha256 of a test set's image bytes then label bytes (C order, uint8): this
# recognises the data whatever the file format or name (npz, gunzipped IDX, a
# conversion).
FINGERPRINTS: dict[str, str] = {
    "mnist": "c3f9adf9c66efb572b1f9326c3a511b45910c7173b97be66ceceeeeaef6b802b",
    "fashion-mnist": "9f1ec356a747bfe4ebab3cfb722d3694c9ca737e2570f6f90cf31d7b6fd689d4",
}
#: The class names of each data set `identify` recognises.
CLASS_NAMES = {"mnist": MNIST_CLASS_NAMES, "fashion-mnist": FASHION_CLASS_NAMES}


@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class Mnist:
    """An MNIST-shaped data set in the Keras layout, and what it is.

    Attributes:
      x_train: uint8 - [N, 28, 28], training images (0 = background).
      y_train: uint8 - [N], training labels in 0..9.
      x_test: uint8 - [M, 28, 28], test images.
      y_test: uint8 - [M], test labels in 0..9.
      name: "mnist", "fashion-mnist", "sample", or the file's stem.
      path: where it was read from ("" when built in memory).
      sha256: the file's sha256 (for an IDX folder, see `idx_folder_sha256`),
        or "" when unknown.
      class_names: the 10 class names ("0".."9" for MNIST).

    Raises:
      DataError: when the arrays do not have the layout above.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str = ""
    path: str = ""
    sha256: str = ""
    class_names: tuple[str, ...] = MNIST_CLASS_NAMES

    def __post_init__(self) -> None:
        where = self.path or self.name or "<arrays>"
        for split in ("train", "test"):
            x = getattr(self, f"x_{split}")
            y = getattr(self, f"y_{split}")
            check_images(x, f"x_{split}", where)
            check_labels(y, f"y_{split}", where)
            if x.shape[0] != y.shape[0]:
                raise DataError(
                    f"{where}: {x.shape[0]} {split} images but {y.shape[0]} {split} labels; "
                    "the counts must agree (is one file from another data set?)"
                )
        if len(self.class_names) != 10:
            raise DataError(f"{where}: class_names must hold 10 names, got {len(self.class_names)}")
        object.__setattr__(self, "class_names", tuple(self.class_names))

    @property
    def num_train(self) -> int:
        """Number of training examples."""
        return int(self.x_train.shape[0])

    @property
    def num_test(self) -> int:
        """Number of test examples."""
        return int(self.x_test.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        """Returns ``{"x_train", "y_train", "x_test", "y_test"}`` (the Keras layout)."""
        return {k: getattr(self, k) for k in NPZ_KEYS}

    def __repr__(self) -> str:
        return (
            f"Mnist(name={self.name!r}, train={self.num_train}, test={self.num_test}, "
            f"path={self.path!r}, sha256={self.sha256[:12]!r})"
        )


def check_images(x: object, key: str, where: str) -> None:
    if not isinstance(x, np.ndarray):
        raise DataError(f"{where}: {key} must be a numpy array, got {type(x).__name__}")
    if x.dtype != np.uint8:
        raise DataError(
            f"{where}: {key} has dtype {x.dtype}, expected uint8 pixels 0..255 "
            "(convert with np.clip(np.round(x * 255), 0, 255).astype(np.uint8) if they are floats in [0, 1])"
        )
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{where}: {key} has shape {x.shape}, expected [N, 28, 28]")


def check_labels(y: object, key: str, where: str) -> None:
    if not isinstance(y, np.ndarray):
        raise DataError(f"{where}: {key} must be a numpy array, got {type(y).__name__}")
    if y.dtype != np.uint8:
        raise DataError(f"{where}: {key} has dtype {y.dtype}, expected uint8 class indices 0..9")
    if y.ndim != 1:
        raise DataError(f"{where}: {key} has shape {y.shape}, expected [N] class indices (not one-hot)")
    if y.size and int(y.max()) > 9:
        bad = int(np.argmax(y > 9))
        raise DataError(f"{where}: {key} holds label {int(y[bad])} at index {bad}; labels must be in 0..9")


def labels_to_uint8(y: np.ndarray, key: str, where: str) -> np.ndarray:
    """Checks integer labels are in 0..9 and returns them as uint8."""
    if y.dtype.kind not in "iu":
        raise DataError(f"{where}: {key} has dtype {y.dtype}, expected integer class indices 0..9")
    if y.ndim != 1:
        raise DataError(f"{where}: {key} has shape {y.shape}, expected [N] class indices (not one-hot)")
    if y.size:
        bad_mask = (y < 0) | (y > 9)
        if bad_mask.any():
            bad = int(np.argmax(bad_mask))
            raise DataError(f"{where}: {key} holds label {int(y[bad])} at index {bad}; labels must be in 0..9")
    if y.dtype != np.uint8:
        y = y.astype(np.uint8)
        y.flags.writeable = False
    return y


def file_sha256(path: str | os.PathLike) -> str:
    """Returns the hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def idx_folder_sha256(file_sums: Iterable[str]) -> str:
    """The checksum of an IDX folder.

    It is the sha256 of the four files' hex sha256 digests concatenated (as
    ASCII, no separator) in the fixed order train images, train labels, test
    images, test labels (`IDX_FILES`' order).

    Args:
      file_sums: the four hex digests in that order.
    """
    return hashlib.sha256("".join(file_sums).encode("ascii")).hexdigest()


class Sha256InThread:
    """Hashes a file's bytes in a thread, while the caller parses them.

    hashlib releases the GIL, so this costs no wall time on a second core.
    """

    def __init__(self, data: bytes):
        self._result = ""
        self._thread = threading.Thread(target=self._run, args=(data,), daemon=True)
        self._thread.start()

    def _run(self, data: bytes) -> None:
        self._result = hashlib.sha256(data).hexdigest()

    def result(self) -> str:
        """Waits for and returns the hex sha256."""
        self._thread.join()
        return self._result


def data_fingerprint(x_test: np.ndarray, y_test: np.ndarray) -> str:
    """The fingerprint `FINGERPRINTS` holds: sha256 of the test images' bytes, then the labels'.

    Args:
      x_test: uint8 - [M, 28, 28].
      y_test: uint8 - [M].
    """
    h = hashlib.sha256()
    h.update(memoryview(np.ascontiguousarray(x_test)).cast("B"))
    h.update(memoryview(np.ascontiguousarray(y_test)).cast("B"))
    return h.hexdigest()


def identify(fingerprint: str) -> str | None:
    """"mnist" or "fashion-mnist" when ``fingerprint`` (`data_fingerprint`) is their test set's, else None."""
    return next((name for name, known in FINGERPRINTS.items() if known == fingerprint), None)
