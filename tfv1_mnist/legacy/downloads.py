"""MNIST downloads of a legacy script, served from the local data instead of the network.

Many TF1-era scripts fetch MNIST themselves: ``urllib.request.urlretrieve``
(or ``urlopen``, ``requests.get``, ``keras.utils.get_file``) of the four IDX
files from ``yann.lecun.com/exdb/mnist/`` and its mirrors, or of Keras'
``mnist.npz``.  Offline they fail with ``URLError``.  `install` answers those
well-known URLs (`KNOWN_URLS`) with the data run-legacy already uses
(``--data`` / ``$TFV1_MNIST_DATA``, else the cache, else the embedded sample),
written in the requested format by `tfv1_mnist.datasets`' IDX and npz
writers, and says so in one log line per URL.  Any other URL goes to the
original function, as before.

Pattern: wrappers around the download functions, applied once in the child.
"""

from __future__ import annotations

import email.message
import functools
import io
import logging
import os
import re
import tempfile
import urllib.parse
import urllib.request
import urllib.response

from tfv1_mnist import datasets, input_data
from tfv1_mnist.legacy.common import rebind

__all__ = ["KNOWN_URLS", "install", "local_file_for"]

_log = logging.getLogger(__name__)

#: Hosts and folders that served MNIST to TF1-era scripts, as ``host/path`` prefixes.
_IDX_FOLDERS = (
    "yann.lecun.com/exdb/mnist/",
    "storage.googleapis.com/cvdf-datasets/mnist/",
    "ossci-datasets.s3.amazonaws.com/mnist/",
)
_NPZ_FILES = (
    "storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    "s3.amazonaws.com/img-datasets/mnist.npz",
)
#: Every URL (without scheme) served locally.
KNOWN_URLS: tuple[str, ...] = tuple(
    folder + name for folder in _IDX_FOLDERS for name in datasets.IDX_FILES.values()
) + _NPZ_FILES


def _key(url) -> str | None:
    """``host/path`` of a known MNIST URL (http or https), else None."""
    if isinstance(url, urllib.request.Request):
        url = url.full_url
    if not isinstance(url, str):
        return None
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return None
    key = (parts.hostname or "") + re.sub("/+", "/", parts.path)
    return key if key in KNOWN_URLS else None


@functools.lru_cache(maxsize=1)
def _local_data() -> datasets.Mnist:
    spec = os.environ.get(input_data.DATA_ENV, "").strip()
    return datasets.load(spec or None)


def local_file_for(url, folder: str | os.PathLike) -> str | None:
    """Writes the local data as the file ``url`` names into ``folder``; None if ``url`` is not a known MNIST URL.

    Args:
      url: a URL string or ``urllib.request.Request``.
      folder: where to write the file.

    Returns:
      The path written (``folder/<the URL's file name>``), or None.
    """
    key = _key(url)
    if key is None:
        return None
    data = _local_data()
    name = key.rsplit("/", 1)[1]
    path = os.path.join(folder, name)
    if name.endswith(".npz"):
        datasets.write_npz(path, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test)
    else:
        field = next(k for k, v in datasets.IDX_FILES.items() if v == name)
        datasets.write_idx(path, getattr(data, field))
    _log.info("%s: served from the local data (%s, %s), not the network; pass --data PATH to choose",
              key, data.name, data.path)
    return path


def _local_bytes(url) -> bytes | None:
    if _key(url) is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = local_file_for(url, folder)
        if path is None:
            return None
        with open(path, "rb") as f:
            return f.read()


def _headers(size: int) -> email.message.Message:
    headers = email.message.Message()
    headers["Content-Length"] = str(size)
    headers["Content-Type"] = "application/octet-stream"
    return headers


def _wrap_urlretrieve(original):
    @functools.wraps(original)
    def urlretrieve(url, filename=None, reporthook=None, data=None):
        payload = _local_bytes(url) if data is None else None
        if payload is None:
            return original(url, filename, reporthook, data)
        if filename is None:
            fd, filename = tempfile.mkstemp(suffix=os.path.splitext(str(url))[1])
            os.close(fd)
        with open(filename, "wb") as f:
            f.write(payload)
        if reporthook is not None:
            reporthook(0, 8192, len(payload))
            reporthook(1, 8192, len(payload))
        return filename, _headers(len(payload))

    return urlretrieve


def _wrap_urlopen(original):
    @functools.wraps(original)
    def urlopen(url, *args, **kwargs):
        payload = _local_bytes(url)
        if payload is None:
            return original(url, *args, **kwargs)
        full = url.full_url if isinstance(url, urllib.request.Request) else url
        return urllib.response.addinfourl(io.BytesIO(payload), _headers(len(payload)), full, 200)

    return urlopen


def _wrap_requests_get(original):
    @functools.wraps(original)
    def get(url, params=None, **kwargs):
        payload = _local_bytes(url) if not params else None
        if payload is None:
            return original(url, params=params, **kwargs)
        import requests

        response = requests.models.Response()
        response.status_code = 200
        response.url = url
        response.reason = "OK"
        response.headers["Content-Length"] = str(len(payload))
        response._content = payload
        response._content_consumed = True
        response.raw = io.BytesIO(payload)
        return response

    return get


def _patch_requests() -> None:
    try:
        import requests
    except ImportError:  # not installed: nothing to serve
        return
    requests.get = _wrap_requests_get(requests.get)
    requests.api.get = requests.get


def install() -> None:
    """Serves the `KNOWN_URLS` from local data through urllib and requests (once).

    ``keras.utils.get_file`` downloads through ``urllib.request.urlopen``, so
    it is served as well (see `keras_get_file` for its checksum).
    """
    if getattr(urllib.request.urlretrieve, "_tfv1_mnist", False):
        return
    urllib.request.urlretrieve = _wrap_urlretrieve(urllib.request.urlretrieve)
    urllib.request.urlretrieve._tfv1_mnist = True
    urllib.request.urlopen = _wrap_urlopen(urllib.request.urlopen)
    _patch_requests()


def keras_get_file() -> None:
    """Makes tf_keras' ``get_file`` skip its checksum for the `KNOWN_URLS` (the local data is not Keras' file).

    The download itself goes through the served ``urlopen`` (`install`).  Imports
    tf_keras; call it where Keras 2 is wanted (run-legacy's child).
    """
    import importlib

    source = importlib.import_module("tf_keras.src.utils.data_utils")
    original = source.get_file
    if getattr(original, "_tfv1_mnist", False):
        return
    source.urlopen = urllib.request.urlopen  # bound when tf_keras was imported, perhaps before `install`

    @functools.wraps(original)
    def get_file(fname=None, origin=None, *args, **kwargs):
        if _key(origin) is not None:
            kwargs.pop("md5_hash", None)
            kwargs.pop("file_hash", None)
            args = tuple(None if i in (1, 2) else a for i, a in enumerate(args))  # untar, md5_hash, file_hash
        return original(fname, origin, *args, **kwargs)

    get_file._tfv1_mnist = True
    rebind(("tf_keras.src.utils.data_utils", "tf_keras.src.utils", "tf_keras.utils", "tf_keras.api._v1.keras.utils",
            "tf_keras.api._v2.keras.utils"), "get_file", original, get_file)
