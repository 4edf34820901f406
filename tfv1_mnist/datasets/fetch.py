"""Downloading the full MNIST, verified, into the project's cache.

Pattern: a small, safe downloader.  Each file streams to a temporary name in
the destination folder while its sha256 is computed, and is renamed onto its
final name only when the hash matches, so a partial or corrupt download never
stands at the final path.  Files already present with the right hash are
kept.  Sources are tried in order (TF1's default host, then the mirror).
Only the standard library's ``urllib`` is used; the progress bar is Keras'
``Progbar`` when Keras imports, else a plain line on stderr.

The URLs and checksums are module constants (`NPZ_URLS`, `IDX_URLS`,
`SHA256`); `fetch` takes others through its keywords (as tests do, against a
local server).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import pathlib
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Mapping, Sequence

from tfv1_mnist.datasets import cache, records
from tfv1_mnist.errors import ConfigError, FetchError
from tfv1_mnist.outputs import atomic_path

__all__ = ["fetch", "NPZ_URLS", "IDX_URLS", "SHA256", "NPZ_FILES", "IDX_FILE_NAMES", "DEFAULT_TIMEOUT", "MAX_TIMEOUT"]

_log = logging.getLogger(__name__)

#: Where Keras' ``mnist.npz`` lives (base URLs; the file name is appended).
NPZ_URLS: tuple[str, ...] = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",)
#: TF 1.x's default source for the IDX files, then the mirror.
IDX_URLS: tuple[str, ...] = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
NPZ_FILES: tuple[str, ...] = ("mnist.npz",)
IDX_FILE_NAMES: tuple[str, ...] = tuple(records.IDX_FILES.values())
#: sha256 of every file `fetch` downloads.
SHA256: dict[str, str] = {
    "mnist.npz": records.MNIST_NPZ_SHA256,
    **{records.IDX_FILES[k]: v for k, v in records.MNIST_IDX_SHA256.items()},
}
#: Seconds to wait for a server to answer (or a read to progress).
DEFAULT_TIMEOUT = 30.0
#: The longest wait `fetch` accepts (a day; sockets refuse NaN and overflow on huge values).
MAX_TIMEOUT = 86400.0
_CHUNK = 1 << 20
_USER_AGENT = "tfv1_mnist-fetch (urllib)"


# over 60 lines: one download's checks, mirrors and errors in the order they happen.
def fetch(
    dest: str | os.PathLike | None = None,
    fmt: str = "npz",
    *,
    urls: Sequence[str] | None = None,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    checksums: Mapping[str, str] | None = None,
) -> pathlib.Path:
    """Downloads the full MNIST and verifies it.

    Args:
      dest: the folder to download into (created if needed).  Default:
        `datasets.cache_dir()` (``~/.cache/tfv1_mnist`` or ``$TFV1_MNIST_CACHE``),
        where `datasets.load` looks when no data is named.
      fmt: "npz" for Keras' ``mnist.npz``, or "idx" for the four gzipped IDX
        files TF1's ``input_data`` read.
      urls: base URLs to try in order for each file (the file name is
        appended).  Default: `NPZ_URLS` or `IDX_URLS`.
      progress: show a progress bar.
      timeout: seconds to wait for a server before giving up on it.
      checksums: file name -> sha256 to verify against.  Default: `SHA256`.

    Returns:
      The ``mnist.npz`` path (fmt "npz"), or the folder holding the IDX files.

    Raises:
      FetchError: no source delivered a file with the right hash (offline, a
        bad status, a truncated body or a wrong hash); the message lists each
        attempt and says where to put the files by hand.
      ValueError: ``fmt`` is not "npz" or "idx".
      ConfigError: ``timeout`` is not in (0, `MAX_TIMEOUT`] (a ValueError too).
    """
    if fmt not in ("npz", "idx"):
        raise ValueError(f"fmt must be 'npz' or 'idx', got {fmt!r}")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ConfigError(f"--timeout must be positive and at most {MAX_TIMEOUT:g} seconds, got {timeout}")
    folder = pathlib.Path(dest).expanduser() if dest is not None else cache.cache_dir()
    names = NPZ_FILES if fmt == "npz" else IDX_FILE_NAMES
    sources = tuple(urls) if urls is not None else (NPZ_URLS if fmt == "npz" else IDX_URLS)
    sums = dict(SHA256 if checksums is None else checksums)
    if not sources:
        raise ValueError("urls must name at least one source")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FetchError(f"{folder}: cannot create the download folder ({err}); pass --dest DIR") from None
    for name in names:
        target = folder / name
        expected = sums[name]
        if target.exists() and not target.is_file():
            raise FetchError(f"{target}: is a folder (or not a regular file); move it away or pass --dest DIR")
        if target.is_file() and records.file_sha256(target) == expected:
            _log.info("%s is already there with the right sha256", target)
            continue
        if target.exists():
            _log.warning("%s is there but its sha256 is wrong; downloading it again", target)
        try:  # each download streams to a temporary file there (a read-only folder of good files is fine)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as err:
            raise FetchError(f"{folder}: cannot write into the download folder ({err}); pass --dest DIR") from None
        failures = []
        urls_tried = [_url(base, name) for base in sources]
        for i, url in enumerate(urls_tried):
            try:
                _download(url, target, expected, timeout=timeout, progress=progress)
            except FetchError as err:
                failures.append(f"  {url}: {err.args[0]}")
                if i + 1 < len(urls_tried):
                    _log.warning("%s: %s; trying %s", url, err.args[0], urls_tried[i + 1])
                continue
            if i:  # a source that answered goes first for the remaining files
                sources = (sources[i],) + sources[:i] + sources[i + 1:]
            break
        else:
            raise FetchError(
                f"could not download {name}:\n" + "\n".join(failures) + "\n"
                + _manual_hint(folder, names, sums, sources)
            )
    return folder / NPZ_FILES[0] if fmt == "npz" else folder


def _url(base: str, name: str) -> str:
    return base if base.endswith("/" + name) else base.rstrip("/") + "/" + name


def _manual_hint(folder: pathlib.Path, names: Sequence[str], sums: Mapping[str, str], sources: Sequence[str]) -> str:
    listing = "\n".join(f"  {_url(sources[0], n)}  (sha256 {sums[n]})" for n in names)
    return (
        f"Without internet: on a machine that has it, download\n{listing}\n"
        f"and copy {'it' if len(names) == 1 else 'them'}, keeping the file name{'s' if len(names) > 1 else ''}, "
        f"into {folder}. (The cache folder, where commands look for data, is {cache.cache_dir()}: "
        f"~/.cache/tfv1_mnist unless ${cache.CACHE_ENV} names another.) "
        "Or use --data sample for the embedded sample."
    )


def _download(url: str, target: pathlib.Path, expected: str, *, timeout: float, progress: bool) -> None:
    """Streams ``url`` to a temporary file beside ``target``; renames it when the hash matches."""
    with atomic_path(target, suffix=".part") as tmp:
        with open(tmp, "wb") as out:
            digest, size = _stream(url, out, timeout=timeout, progress=progress, label=target.name)
        if digest != expected:
            raise FetchError(
                f"wrong sha256 {digest} ({size} bytes), expected {expected}; the download is corrupt "
                "or not the file it should be"
            )
    _log.info("Downloaded %s (%d bytes, sha256 ok)", target, size)


def _stream(url: str, out, *, timeout: float, progress: bool, label: str) -> tuple[str, int]:
    """Copies ``url``'s body into ``out``; returns (sha256 hex, byte count)."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    h = hashlib.sha256()
    got = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) mirrors
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            bar = _Progress(label, total) if progress else None
            while True:
                block = response.read(_CHUNK)
                if not block:
                    break
                out.write(block)
                h.update(block)
                got += len(block)
                if bar is not None:
                    bar.update(got)
            if bar is not None:
                bar.done(got)
    except urllib.error.HTTPError as err:
        raise FetchError(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise FetchError(f"cannot connect ({err.reason}); are you offline?") from None
    except http.client.IncompleteRead as err:
        raise FetchError(f"truncated download: the connection closed after {got + len(err.partial)} bytes") from None
    except (socket.timeout, TimeoutError):
        raise FetchError(f"timed out after {timeout:g} s without data") from None
    except (http.client.HTTPException, OSError) as err:
        raise FetchError(f"download failed ({type(err).__name__}: {err})") from None
    if total is not None and got != total:
        raise FetchError(f"truncated download: {got} of {total} bytes")
    return h.hexdigest(), got


class _Progress:
    """Keras' Progbar when Keras imports, else a plain line on stderr."""

    def __init__(self, label: str, total: int | None):
        self._label = label
        self._total = total
        self._last = 0.0
        try:
            from keras.utils import Progbar

            print(f"Downloading {label}", file=sys.stderr)
            self._bar = Progbar(total, unit_name="B")
        except Exception:  # noqa: BLE001 - any import problem means: no fancy bar
            self._bar = None

    def update(self, got: int) -> None:
        if self._bar is not None:
            self._bar.update(got)
            return
        now = time.monotonic()
        if now - self._last >= 0.5:
            self._last = now
            of = f" of {self._total}" if self._total else ""
            print(f"\rDownloading {self._label}: {got}{of} bytes", end="", file=sys.stderr, flush=True)

    def done(self, got: int) -> None:
        if self._bar is not None:
            self._bar.update(got, finalize=True)
        else:
            print(f"\rDownloading {self._label}: {got} bytes, done", file=sys.stderr, flush=True)
