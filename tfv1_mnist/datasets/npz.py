"""Keras-layout ``.npz`` files to arrays and back (``x_train``, ``y_train``, ``x_test``, ``y_test``).

Pattern: a reader that never trusts a file.  Pickling is never enabled and
object arrays are refused; every member is checked against its zip entry
(size, CRC-32) and its ``.npy`` header before its data is read, and inflated
no further than the entry records.  Anything wrong raises
`tfv1_mnist.errors.DataError` naming the file and saying what to do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import queue
import struct
import threading
import zipfile
import zlib
from typing import BinaryIO

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
    identify,
    labels_to_uint8,
)
from tfv1_mnist.datasets.sample import sample_path
from tfv1_mnist.errors import DataError
from tfv1_mnist.outputs import atomic_path

__all__ = ["read_npz", "write_npz"]


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
    if info.file_size > records.MAX_ARRAY_BYTES + 4096:
        raise DataError(
            f"{where}: member {info.filename} claims {info.file_size} bytes, more than the "
            f"{records.MAX_ARRAY_BYTES} bytes a data set may hold; refusing to inflate it"
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
    if info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > 2 * records.MAX_ARRAY_BYTES:
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
        raise DataError(f"{where}: file not found; {fetch_hint()}")
    if path.suffix.lower() != ".npz" and any(path.name in idx_candidates(key) for key in IDX_FILES):
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
        check_images(x, f"x_{split}", where)
        arrays[f"y_{split}"] = labels_to_uint8(arrays[f"y_{split}"], f"y_{split}", where)
    name, class_names = path.stem, MNIST_CLASS_NAMES
    if path.resolve() == sample_path():
        name = "sample"
    elif sha == records.MNIST_NPZ_SHA256:
        name = "mnist"
    elif checksum:
        if fingerprint is None:
            fingerprint = data_fingerprint(arrays["x_test"], arrays["y_test"])
        known = identify(fingerprint)
        if known is not None:
            name, class_names = known, CLASS_NAMES[known]
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
