"""MNIST files to arrays: npz and IDX readers and writers, the embedded sample.

Pattern: the data layer of the pipeline (files -> arrays -> batches -> model).
Every reader returns plain uint8 numpy arrays in the Keras layout, gathered in
one frozen `Mnist` record that also says what the data is (name, path, sha256,
class names).  No reader knows about models, and nothing here imports
TensorFlow.

Readers never trust a file: sizes are checked against the header *before*
anything is allocated, gzip streams are inflated with a bound taken from the
header (so a gzip bomb is refused), ``.npz`` files are read with pickling off
and object arrays refused.  Anything wrong raises `tfv1_mnist.errors.DataError`
whose message names the file and says what to do.

Arrays returned by the readers are read-only (IDX arrays are views of the
decompressed bytes, which keeps loading copy-free); call ``.copy()`` before
modifying one in place.

One way to name data (`load`): a path to an ``.npz`` file, a folder of IDX
files (or one holding ``mnist.npz``), the word ``"sample"``, or None for the
full MNIST in the cache when it has been fetched, else the embedded sample.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pathlib
import queue
import struct
import threading
import zipfile
import zlib
from typing import BinaryIO, Iterable

import numpy as np

from tfv1_mnist.errors import DataError

__all__ = [
    "Mnist",
    "MNIST_CLASS_NAMES",
    "FASHION_CLASS_NAMES",
    "NPZ_KEYS",
    "IDX_FILES",
    "CACHE_ENV",
    "load",
    "sample_path",
    "cache_dir",
    "read_npz",
    "write_npz",
    "read_idx",
    "write_idx",
    "read_idx_folder",
    "write_idx_folder",
    "find_idx_files",
    "file_sha256",
    "idx_folder_sha256",
    "data_fingerprint",
]

_log = logging.getLogger(__name__)

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

#: Environment variable that overrides the cache folder.
CACHE_ENV = "TFV1_MNIST_CACHE"

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049

#: The largest array a reader will allocate (1 GiB; full MNIST is 55 MB).
MAX_ARRAY_BYTES = 1 << 30
# deflate cannot expand by more than ~1032:1; a header that needs more is a lie.
_MAX_DEFLATE_RATIO = 1100

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
_CLASS_NAMES = {"mnist": MNIST_CLASS_NAMES, "fashion-mnist": FASHION_CLASS_NAMES}

_FETCH_HINT = (
    "run `tfv1-mnist fetch` to download the full MNIST into {cache}, "
    "or pass --data sample to use the embedded sample"
)


def _fetch_hint() -> str:
    return _FETCH_HINT.format(cache=cache_dir())


# --------------------------------------------------------------------------
# The record


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
            _check_images(x, f"x_{split}", where)
            _check_labels(y, f"y_{split}", where)
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


def _check_images(x: object, key: str, where: str) -> None:
    if not isinstance(x, np.ndarray):
        raise DataError(f"{where}: {key} must be a numpy array, got {type(x).__name__}")
    if x.dtype != np.uint8:
        raise DataError(
            f"{where}: {key} has dtype {x.dtype}, expected uint8 pixels 0..255 "
            "(convert with np.clip(np.round(x * 255), 0, 255).astype(np.uint8) if they are floats in [0, 1])"
        )
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{where}: {key} has shape {x.shape}, expected [N, 28, 28]")


def _check_labels(y: object, key: str, where: str) -> None:
    if not isinstance(y, np.ndarray):
        raise DataError(f"{where}: {key} must be a numpy array, got {type(y).__name__}")
    if y.dtype != np.uint8:
        raise DataError(f"{where}: {key} has dtype {y.dtype}, expected uint8 class indices 0..9")
    if y.ndim != 1:
        raise DataError(f"{where}: {key} has shape {y.shape}, expected [N] class indices (not one-hot)")
    if y.size and int(y.max()) > 9:
        bad = int(np.argmax(y > 9))
        raise DataError(f"{where}: {key} holds label {int(y[bad])} at index {bad}; labels must be in 0..9")


def _labels_to_uint8(y: np.ndarray, key: str, where: str) -> np.ndarray:
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


# --------------------------------------------------------------------------
# Where data lives


def sample_path() -> pathlib.Path:
    """The embedded sample: 4000 train / 1000 test real MNIST digits (npz)."""
    return pathlib.Path(__file__).resolve().parents[1] / "_data" / "mnist_sample.npz"


def cache_dir() -> pathlib.Path:
    """The project's cache folder: ``$TFV1_MNIST_CACHE``, else ``~/.cache/tfv1_mnist``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return pathlib.Path(env).expanduser()
    return pathlib.Path.home() / ".cache" / "tfv1_mnist"


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


class _HashBytes:
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


def _identify(fingerprint: str) -> str | None:
    """"mnist" or "fashion-mnist" when ``fingerprint`` (`data_fingerprint`) is their test set's, else None."""
    return next((name for name, known in FINGERPRINTS.items() if known == fingerprint), None)


def load(spec: str | os.PathLike | None = None) -> Mnist:
    """Loads a data set named the one way every command names data.

    Args:
      spec: an ``.npz`` file (Keras layout), a folder of IDX files (or one
        holding ``mnist.npz``), the word ``"sample"``, or None: the full MNIST
        in `cache_dir` when it has been fetched (npz first, then IDX), else the
        embedded sample.  Which one was used is logged at INFO level.

    Returns:
      The `Mnist` record.

    Raises:
      DataError: the path does not exist or holds bad data.
    """
    if spec is None:
        cache = cache_dir()
        npz = cache / "mnist.npz"
        if npz.is_file():
            data = read_npz(npz)
            _log.info("Using %s from the cache, %s (%d train / %d test)", data.name, npz, data.num_train, data.num_test)
            return data
        if find_idx_files(cache, missing_ok=True) is not None:
            data = read_idx_folder(cache)
            _log.info(
                "Using %s (IDX) from the cache, %s (%d train / %d test)", data.name, cache, data.num_train, data.num_test
            )
            return data
        data = _load_sample()
        _log.info(
            "Using the embedded sample (%d train / %d test digits); "
            "run `tfv1-mnist fetch` for the full MNIST", data.num_train, data.num_test,
        )
        return data
    if isinstance(spec, str) and spec.strip().lower() == "sample":
        data = _load_sample()
        _log.info("Using the embedded sample (%d train / %d test digits)", data.num_train, data.num_test)
        return data
    path = pathlib.Path(spec).expanduser()
    if path.is_dir():
        if find_idx_files(path, missing_ok=True) is None and (path / "mnist.npz").is_file():
            data = read_npz(path / "mnist.npz")
        else:
            data = read_idx_folder(path)
    elif path.is_file():
        data = read_npz(path)
    else:
        raise DataError(
            f"{path}: no such file or folder. --data takes an .npz file, a folder of IDX files, "
            f"or 'sample'; {_fetch_hint()}"
        )
    _log.info("Using %s (%d train / %d test) from %s", data.name, data.num_train, data.num_test, data.path)
    return data


def _load_sample() -> Mnist:
    path = sample_path()
    if not path.is_file():
        raise DataError(
            f"{path}: the embedded sample is missing from the installed package; "
            "reinstall tfv1_mnist or rebuild it with scripts/make_sample_data.py"
        )
    data = read_npz(path)
    return dataclasses.replace(data, name="sample")


# --------------------------------------------------------------------------
# npz


# How a member is read: a deflated one in steps of this much compressed input
# (each step's output, ~0.5 MB, is handed on while still in cache), a stored one
# in steps of this much data.
_INFLATE_STEP = 1 << 18
_STORED_STEP = 1 << 22


@dataclasses.dataclass(frozen=True)
class _NpyMember:
    """An ``.npy`` member of an npz, located and its header checked; its data not yet read."""

    key: str
    info: zipfile.ZipInfo
    start: int  # offset in the file of the member's (compressed) bytes
    header_len: int  # bytes of .npy header before the array data
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    nbytes: int

    def image_shape(self) -> tuple[int, int, int] | None:
        """[N, 28, 28] when the data are uint8 images in C order ([N, 28, 28] or [N, 784]), else None."""
        if self.dtype != np.uint8 or self.fortran or not self.key.startswith("x_"):
            return None
        if len(self.shape) == 3 and self.shape[1:] == (28, 28) or len(self.shape) == 2 and self.shape[1] == 784:
            return (self.shape[0], 28, 28)
        return None


class _File:
    """A file read at given offsets, from several threads at once."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._fd = raw.fileno()
        self._lock = threading.Lock()  # only where os.pread is missing (Windows)

    def read(self, offset: int, n: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._fd, n, offset)
        with self._lock:
            self._raw.seek(offset)
            return self._raw.read(n)

    def readinto(self, offset: int, view: np.ndarray) -> int:
        if hasattr(os, "preadv"):
            return os.preadv(self._fd, [view], offset)
        with self._lock:
            self._raw.seek(offset)
            return self._raw.readinto(memoryview(view))

    def sha256(self) -> str:
        h = hashlib.sha256()
        offset = 0
        while block := self.read(offset, 1 << 20):
            h.update(block)
            offset += len(block)
        return h.hexdigest()


def _cores() -> int:
    """How many CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Worker:
    """A second thread that runs what it is given, in order; the first error stops it.

    zlib, hashlib and numpy release the GIL in their loops, so the work queued
    here runs on a second core while the caller inflates.  With one core, the
    work runs at once in the caller's thread instead (a thread would only add
    switching).
    """

    def __init__(self):
        self.error: BaseException | None = None
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._cancelled = False
        self._thread = None
        if _cores() > 1:
            self._thread = threading.Thread(target=self._run, name="read_npz", daemon=True)
            self._thread.start()

    def submit(self, fn, *args) -> None:
        if self._thread is None:
            fn(*args)
        else:
            self._tasks.put((fn, args))

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            if self.error is None and not self._cancelled:
                try:
                    task[0](*task[1])
                except BaseException as err:  # noqa: BLE001 - handed to the caller by finish()
                    self.error = err

    def finish(self) -> None:
        """Waits for all the work; raises its first error."""
        if self._thread is not None:
            self._tasks.put(None)
            self._thread.join()
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        """Drops the work not yet started and waits for the thread to end."""
        self._cancelled = True
        if self._thread is not None:
            self._tasks.put(None)
            self._thread.join()


class _Assembler:
    """Puts a member's bytes (header then data, in order) into its array, checking size and CRC-32.

    Image data, once in place, also goes to ``sink(key, shape, start, block)``
    (through ``handoff(fn, *args)`` when given, e.g. to run it on a worker).
    With ``keep=False``, image data that goes to the sink is not kept: a
    deflated member's pieces go to the sink straight from the inflater.
    """

    def __init__(self, member: _NpyMember, where: str, sink=None, handoff=None, keep: bool = True):
        self.member = member
        self.where = where
        self.crc = 0
        self.pos = 0  # bytes of the member (header included) added so far
        self.shape = member.image_shape() if sink is not None else None
        self.sink = sink if self.shape is not None else None
        self.handoff = handoff
        self.keep = keep or self.sink is None
        stored = member.info.compress_type == zipfile.ZIP_STORED  # read into place, kept or not
        self.flat = np.empty(member.nbytes, dtype=np.uint8) if self.keep or stored else None

    def add(self, piece, *, in_place: bool = False) -> None:
        """Adds the member's next bytes; ``in_place``: they were read into ``flat`` already."""
        m = self.member
        n = len(piece) if isinstance(piece, bytes) else memoryview(piece).nbytes
        if self.pos + n > m.header_len + m.nbytes:
            raise DataError(
                f"{self.where}: {m.key} holds more than the {m.info.file_size} bytes its zip entry "
                "records; the file is corrupt (or a zip bomb), fetch it again"
            )
        self.crc = zlib.crc32(piece, self.crc)
        skip = max(0, m.header_len - self.pos)
        self.pos += n
        if skip >= n:
            return
        start = self.pos - n + skip - m.header_len
        if in_place:
            block = self.flat[start:start + n - skip]
        elif self.keep:
            block = self.flat[start:start + n - skip]
            block[...] = np.frombuffer(piece, dtype=np.uint8, offset=skip)
        else:
            block = np.frombuffer(piece, dtype=np.uint8, offset=skip)
        if self.sink is not None:
            if self.handoff is None:
                self.sink(m.key, self.shape, start, block)
            else:
                self.handoff(self.sink, m.key, self.shape, start, block)

    def array(self) -> np.ndarray:
        """The finished array (read-only), once every byte has arrived and the CRC agrees."""
        m = self.member
        if self.pos != m.header_len + m.nbytes:
            raise DataError(
                f"{self.where}: {m.key} holds {self.pos} bytes, not the {m.info.file_size} its zip entry "
                "records; the file is truncated or corrupt, fetch it again"
            )
        if self.crc != m.info.CRC:
            raise DataError(
                f"{self.where}: {m.info.filename} fails its CRC-32 check; the file is corrupt, fetch it again"
            )
        if not self.keep:
            return np.broadcast_to(np.uint8(0), self.shape)  # a stand-in: read-only, no memory
        self.flat.flags.writeable = False
        return self.flat.view(m.dtype).reshape(m.shape, order="F" if m.fortran else "C")


def _npy_member(zf: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo, where: str) -> _NpyMember | np.ndarray:
    """Checks one ``.npy`` member's header against its size, before any of its data is read.

    Returns where its data is (a `_NpyMember`) for a stored or deflated
    member; a member compressed otherwise (rare: bzip2, lzma) is read here and
    now, through ``zipfile``, block by block.
    """
    key = info.filename[:-4]
    if info.file_size > MAX_ARRAY_BYTES + 4096:
        raise DataError(
            f"{where}: member {info.filename} claims {info.file_size} bytes, more than the "
            f"{MAX_ARRAY_BYTES} bytes a data set may hold; refusing to inflate it"
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
        if nbytes > MAX_ARRAY_BYTES:
            raise DataError(f"{where}: {key} claims shape {shape} ({nbytes} bytes); refusing so large an array")
        if nbytes != info.file_size - header_len:
            raise DataError(
                f"{where}: {key}'s header claims shape {shape} ({nbytes} bytes) but the member holds "
                f"{info.file_size - header_len} bytes; the file is truncated or corrupt, fetch it again"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
            flat = np.empty(nbytes, dtype=np.uint8)
            pos = 0
            while pos < nbytes:
                block = fp.read(min(1 << 18, nbytes - pos))
                if not block:
                    raise DataError(f"{where}: {key} is truncated: {pos} of {nbytes} bytes")
                flat[pos:pos + len(block)] = np.frombuffer(block, dtype=np.uint8)
                pos += len(block)
            fp.read(1)  # reaches the end of the member, where zipfile checks the CRC
            flat.flags.writeable = False
            return flat.view(dtype).reshape(shape, order="F" if fortran else "C")
    if info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > 2 * MAX_ARRAY_BYTES:
        raise DataError(f"{where}: member {info.filename} is implausibly large; refusing it")
    start = _member_data_offset(raw, info, where)
    return _NpyMember(key, info, start, header_len, shape, dtype, bool(fortran), nbytes)


def _read_member(file: _File, member: _NpyMember, asm: _Assembler, add=None, stop=None) -> None:
    """Reads a stored or deflated member's bytes into ``asm``, in order.

    A deflated member is inflated step by step, each step bounded by what the
    zip entry records, so a zip bomb is refused after at most that much output.

    Args:
      file: the npz.
      member: what to read.
      asm: where the bytes go.
      add: called with each inflated piece instead of ``asm.add`` (e.g. to
        queue it for a worker).
      stop: returns True to give up early (another thread failed).
    """
    info, where = member.info, asm.where
    end = member.start + info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        offset = member.start
        asm.add(file.read(offset, member.header_len))
        offset += member.header_len
        for start in range(0, member.nbytes, _STORED_STEP):
            if stop is not None and stop():
                return
            view = asm.flat[start:start + _STORED_STEP]
            got = file.readinto(offset, view)
            if got != view.size:
                raise DataError(
                    f"{where}: {member.key} is truncated: {start + got} of {member.nbytes} bytes; "
                    "fetch the file again"
                )
            offset += got
            asm.add(view, in_place=True)
        return
    add = add or asm.add
    total = info.file_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    offset = member.start
    pos = 0
    try:
        while offset < end and not inflater.eof:
            if stop is not None and stop():
                return
            data = file.read(offset, min(_INFLATE_STEP, end - offset))
            if not data:
                break
            offset += len(data)
            piece = inflater.decompress(data, total - pos + 1)  # one byte past the record shows a bomb
            if pos + len(piece) > total:
                raise DataError(
                    f"{where}: {member.key} inflates to more than the {total} bytes its zip entry "
                    "records; the file is corrupt (or a zip bomb), fetch it again"
                )
            if piece:
                add(piece)
                pos += len(piece)
    except zlib.error as err:
        raise DataError(f"{where}: {member.key} is corrupt ({err}); fetch or write the file again") from None
    if pos != total or not inflater.eof:
        raise DataError(
            f"{where}: {member.key} inflates to {pos} bytes, not the {total} its zip entry records; "
            "the file is truncated or corrupt, fetch it again"
        )


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


def _read_npz_members(
    raw: BinaryIO, where: str, checksum: bool, image_sink, keep_images: bool
) -> tuple[dict, str, str | None]:
    """Reads the four arrays of an open npz; see `read_npz`.

    The biggest member (``x_train``) is read on this thread; everything else
    (the other members, the sha256, the fingerprint, and the placing,
    CRC-checking and ``image_sink`` of ``x_train``'s inflated pieces) on a
    worker thread, meanwhile.

    Returns:
      The arrays by key, the file's sha256 ("" unless ``checksum``), and the
      test set's `data_fingerprint` (None when not computed).
    """
    with zipfile.ZipFile(raw) as zf:
        members = {info.filename: info for info in zf.infolist()}
        missing = [k for k in NPZ_KEYS if f"{k}.npy" not in members]
        if missing:
            present = sorted(n[:-4] for n in members if n.endswith(".npy"))
            raise DataError(
                f"{where}: missing key(s) {', '.join(missing)} (found: {', '.join(present) or 'none'}); "
                "an MNIST .npz holds x_train, y_train, x_test and y_test as in Keras' mnist.npz"
            )
        plans = {key: _npy_member(zf, raw, members[f"{key}.npy"], where) for key in NPZ_KEYS}
    file = _File(raw)
    arrays: dict[str, np.ndarray] = {k: v for k, v in plans.items() if isinstance(v, np.ndarray)}
    assemblers = {
        key: _Assembler(plan, where, image_sink, keep=keep_images)
        for key, plan in plans.items()
        if isinstance(plan, _NpyMember)
    }
    result = {"sha256": "", "fingerprint": None}

    def read(key: str) -> None:
        _read_member(file, plans[key], assemblers[key])
        arrays[key] = assemblers[key].array()

    def fingerprint() -> None:
        x, y = arrays["x_test"], arrays["y_test"]
        if x.dtype == np.uint8 and y.dtype == np.uint8:  # else the labels are converted first, later
            result["fingerprint"] = data_fingerprint(x, y)

    def sha256() -> None:
        result["sha256"] = file.sha256()

    def finish_x_train(asm: _Assembler) -> None:
        arrays["x_train"] = asm.array()

    worker = _Worker()
    try:
        for key in ("y_train", "y_test", "x_test"):
            if key in assemblers:
                worker.submit(read, key)
        if checksum:
            worker.submit(fingerprint)
            worker.submit(sha256)
        if "x_train" in assemblers:
            asm = assemblers["x_train"]
            stop = lambda: worker.error is not None  # noqa: E731
            if plans["x_train"].info.compress_type == zipfile.ZIP_STORED:
                asm.handoff = worker.submit  # read and CRC here, convert there
                _read_member(file, plans["x_train"], asm, stop=stop)
            else:  # inflate here, place, CRC and convert there
                _read_member(file, plans["x_train"], asm, add=lambda piece: worker.submit(asm.add, piece), stop=stop)
            worker.submit(finish_x_train, asm)
    except BaseException:
        worker.cancel()
        raise
    worker.finish()
    return arrays, result["sha256"], result["fingerprint"]


def read_npz(path: str | os.PathLike, *, checksum: bool = True, image_sink=None, keep_images: bool = True) -> Mnist:
    """Reads a Keras-layout ``.npz`` (``x_train``, ``y_train``, ``x_test``, ``y_test``).

    Pickling is never enabled: object arrays are refused.  Images must be uint8
    [N, 28, 28] (or [N, 784], reshaped); labels any integer dtype [N] with
    values in 0..9 (returned as uint8).  Extra keys are ignored.  Every member
    is checked against its zip entry (size, CRC-32) and its ``.npy`` header,
    and inflated no further than the entry records.

    The training images are inflated on the calling thread while a second
    thread reads the other members, computes the checksums and places the
    inflated pieces, so with two cores reading takes about as long as
    inflating ``x_train`` alone.  With one core, all of it runs in line.

    Args:
      path: the ``.npz`` file.
      checksum: compute the file's sha256 (and, unless it is the Keras
        download's, the test set's `data_fingerprint`).  Pass False to skip
        both; ``sha256`` is then "".
      image_sink: optional; called as ``image_sink(key, shape, start, block)``
        with the images as they arrive, so that a caller can convert them on
        the second core while the rest is inflated.  ``key`` is "x_train" or
        "x_test", ``shape`` the array's shape ([N, 28, 28]), ``block`` uint8 -
        [k] its C-order values ``start`` to ``start + k``.  For each key,
        either every value is passed exactly once or (images stored in
        Fortran order, or of a wrong dtype or shape) none is.  Calls come from
        one thread, in order, possibly before the CRC is checked: when
        ``read_npz`` raises, discard what the sink made.
      keep_images: False to keep only what the sink makes of the images (it
        saves a copy of them): the record's images that went to
        ``image_sink`` are then read-only stand-ins of the right shape that
        hold no memory (zeros).  Needs ``checksum=False``.

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
    if not keep_images and checksum:
        raise ValueError("read_npz: keep_images=False needs checksum=False (the checksum reads the test images)")
    path = pathlib.Path(path)
    where = str(path)
    if path.is_dir():
        raise DataError(f"{where}: is a folder, expected an .npz file (datasets.load reads IDX folders)")
    if not path.is_file():
        raise DataError(f"{where}: file not found; {_fetch_hint()}")
    if path.suffix.lower() != ".npz" and any(path.name in _idx_candidates(key) for key in IDX_FILES):
        raise DataError(
            f"{where}: is one IDX file; pass the folder that holds all four ({', '.join(IDX_FILES.values())})"
        )
    try:
        with open(path, "rb") as raw:
            arrays, sha, fingerprint = _read_npz_members(raw, where, checksum, image_sink, keep_images)
    except DataError:
        raise
    except zipfile.BadZipFile as err:
        raise DataError(f"{where}: not a valid .npz (zip) file ({err}); fetch or write it again") from None
    except (
        zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error, OSError, RuntimeError,
        UnicodeDecodeError, ValueError, struct.error,
    ) as err:
        # A damaged zip directory surfaces as any of these (e.g. "encrypted", a bad name).
        raise DataError(
            f"{where}: cannot read this .npz ({type(err).__name__}: {err}); fetch or write it again"
        ) from None
    for split in ("train", "test"):
        x = arrays[f"x_{split}"]
        if x.dtype == np.uint8 and x.ndim == 2 and x.shape[1] == 784:
            x = arrays[f"x_{split}"] = x.reshape(-1, 28, 28)
        _check_images(x, f"x_{split}", where)
        arrays[f"y_{split}"] = _labels_to_uint8(arrays[f"y_{split}"], f"y_{split}", where)
    name, class_names = path.stem, MNIST_CLASS_NAMES
    if path.resolve() == sample_path():
        name = "sample"
    elif sha == MNIST_NPZ_SHA256:
        name = "mnist"
    elif checksum:
        if fingerprint is None:
            fingerprint = data_fingerprint(arrays["x_test"], arrays["y_test"])
        known = _identify(fingerprint)
        if known is not None:
            name, class_names = known, _CLASS_NAMES[known]
    return Mnist(**arrays, name=name, path=where, sha256=sha, class_names=class_names)


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
    from tfv1_mnist.outputs import atomic_path

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


# --------------------------------------------------------------------------
# IDX


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


def _gunzip_head(data: memoryview, n: int, where: str) -> bytes:
    """Inflates at most the first ``n`` bytes, feeding the input in small pieces.

    Small pieces, because zlib copies the input it has not used (all of it,
    for a big file) into ``unconsumed_tail``.
    """
    obj = zlib.decompressobj(wbits=31)
    out = b""
    pos = 0
    tail = b""
    try:
        while len(out) < n and (tail or pos < len(data)):
            piece = tail + bytes(data[pos:pos + 4096])
            pos += 4096
            out += obj.decompress(piece, n - len(out))
            tail = obj.unconsumed_tail
            if obj.eof:
                break
    except zlib.error as err:
        raise DataError(f"{where}: not a valid gzip file ({err}); fetch the file again") from None
    return out


def _gunzip_exact(data: memoryview, total: int, where: str) -> bytes:
    """Inflates a whole gzip stream that must hold exactly ``total`` bytes.

    Never produces more than ``total + 1`` bytes, whatever the stream holds
    (a gzip bomb is cut short and refused), and checks the end marker and CRC.
    """
    obj = zlib.decompressobj(wbits=31)
    try:
        out = obj.decompress(data, total)
        parts = [out]
        have = len(out)
        while have < total and obj.eof and obj.unused_data[:2] == b"\x1f\x8b":
            # Concatenated gzip members (as `cat a.gz b.gz` makes): go on.
            rest = obj.unused_data
            obj = zlib.decompressobj(wbits=31)
            parts.append(obj.decompress(rest, total - have))
            have += len(parts[-1])
        if have < total:
            raise DataError(
                f"{where}: truncated: its header promises {total} bytes but the gzip stream holds "
                f"{have}; fetch the file again"
            )
        if obj.decompress(obj.unconsumed_tail, 1):
            raise DataError(
                f"{where}: holds more data than its header's counts say; the file is corrupt or not "
                "MNIST; fetch it again"
            )
        if not obj.eof:
            raise DataError(f"{where}: truncated gzip stream (no end marker); fetch the file again")
        trailing = obj.unused_data
        if trailing.strip(b"\0"):
            if trailing[:2] == b"\x1f\x8b" and zlib.decompressobj(wbits=31).decompress(trailing, 1):
                raise DataError(
                    f"{where}: holds more data than its header's counts say (a further gzip member); "
                    "the file is corrupt or not MNIST; fetch it again"
                )
            raise DataError(f"{where}: unexpected bytes after the gzip stream; fetch the file again")
    except zlib.error as err:
        raise DataError(f"{where}: corrupt gzip data ({err}); fetch the file again") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _parse_idx(data: bytes | memoryview, where: str, kind: str | None) -> np.ndarray:
    """Parses IDX bytes (gzipped or raw); see `read_idx`."""
    view = memoryview(data)
    gz = bytes(view[:2]) == b"\x1f\x8b"
    if not gz and where.lower().endswith(".gz"):
        raise DataError(f"{where}: not a gzip file (its name ends in .gz); fetch the file again")
    head = _gunzip_head(view, 16, where) if gz else bytes(view[:16])
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
    if nbytes > MAX_ARRAY_BYTES:
        raise DataError(f"{where}: header claims dimensions {dims} ({nbytes} bytes); refusing so large an array")
    if gz:
        if nbytes > _MAX_DEFLATE_RATIO * len(view) + 1024:
            raise DataError(
                f"{where}: header claims {nbytes} bytes, more than {len(view)} gzip bytes can hold; "
                "the file is truncated or corrupt, fetch it again"
            )
        buf: bytes | memoryview = _gunzip_exact(view, hlen + nbytes, where)
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
    limit = MAX_ARRAY_BYTES + 64
    if isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
            if size > limit:
                raise DataError(f"{where}: {size} bytes is larger than any MNIST-like IDX file; refusing to read it")
            with open(source, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise DataError(f"{where}: file not found; {_fetch_hint()}") from None
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


def write_idx(path: str | os.PathLike, array: np.ndarray) -> pathlib.Path:
    """Writes a uint8 image or label array as an IDX file, atomically.

    Args:
      path: the file; gzipped when its name ends in ``.gz``.
      array: uint8 - [N, rows, cols] (magic 2051) or uint8 - [N] (magic 2049).

    Returns:
      The path written.
    """
    from tfv1_mnist.outputs import atomic_path

    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise DataError(f"{path}: IDX needs uint8 [N] labels or [N, rows, cols] images, got {array.dtype} {array.shape}")
    magic = IMAGE_MAGIC if array.ndim == 3 else LABEL_MAGIC
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    payload = header + np.ascontiguousarray(array).tobytes()
    path = pathlib.Path(path)
    if path.name.endswith(".gz"):
        import gzip

        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return path


def _idx_candidates(key: str) -> tuple[str, ...]:
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
        for cand in _idx_candidates(key):
            if (folder / cand).is_file():
                found[key] = folder / cand
                break
        else:
            missing.append(IDX_FILES[key])
    if missing:
        if missing_ok:
            return None
        if not folder.is_dir():
            raise DataError(f"{folder}: no such folder; {_fetch_hint()}")
        raise DataError(
            f"{folder}: missing {', '.join(missing)} (gzipped or not); put the four MNIST IDX files there, "
            f"or {_fetch_hint()}"
        )
    return found


def read_idx_folder(folder: str | os.PathLike, *, checksum: bool = True) -> Mnist:
    """Reads a folder holding the four standard IDX files.

    Args:
      folder: the folder (see `find_idx_files` for the names accepted).
      checksum: compute ``sha256`` (`idx_folder_sha256`) and recognise MNIST and
        Fashion-MNIST by their files' checksums or, failing that, by their test
        set (`data_fingerprint`).  False skips hashing; the name is then the
        folder's name.

    Returns:
      An `Mnist` named "mnist", "fashion-mnist" (with its class names), or the
      folder's name.

    Raises:
      DataError: a file is missing or bad, or image and label counts disagree.
    """
    folder = pathlib.Path(folder)
    files = find_idx_files(folder)
    assert files is not None
    arrays: dict[str, np.ndarray] = {}
    sums: dict[str, str] = {}
    for key, path in files.items():
        where = str(path)
        data = _read_source(path, where)
        hasher = _HashBytes(data) if checksum else None
        arrays[key] = _parse_idx(data, where, "images" if key.startswith("x") else "labels")
        if hasher is not None:
            sums[key] = hasher.result()
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.shape[0] != y.shape[0]:
            raise DataError(
                f"{files[f'x_{split}']} holds {x.shape[0]} images but {files[f'y_{split}']} holds "
                f"{y.shape[0]} labels; the counts must agree (are the files from different data sets?)"
            )
        if x.shape[1:] != (28, 28):
            raise DataError(f"{files[f'x_{split}']}: images are {x.shape[1]}x{x.shape[2]}, expected 28x28")
        _labels_to_uint8(y, "labels", str(files[f"y_{split}"]))
    name, class_names, sha = folder.resolve().name or "idx", MNIST_CLASS_NAMES, ""
    if checksum:
        sha = idx_folder_sha256(sums[k] for k in IDX_FILES)
        if sums == MNIST_IDX_SHA256:
            name = "mnist"
        elif sums == FASHION_IDX_SHA256:
            name, class_names = "fashion-mnist", FASHION_CLASS_NAMES
        else:
            known = _identify(data_fingerprint(arrays["x_test"], arrays["y_test"]))
            if known is not None:
                name, class_names = known, _CLASS_NAMES[known]
    return Mnist(**arrays, name=name, path=str(folder), sha256=sha, class_names=class_names)


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
