"""Writing results: atomic files, NaN-free JSON, and provenance.

Every file a command writes goes to a temporary name in the same folder and is
renamed into place only when complete, so a crash or Ctrl-C never leaves a
half-written output behind.  JSON never holds a bare ``NaN``/``Infinity``:
non-finite floats are written as ``null``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import pathlib
import platform
import tempfile
from typing import Any, Iterator

__all__ = [
    "atomic_path",
    "write_bytes",
    "write_text",
    "write_json",
    "to_jsonable",
    "provenance",
    "current_umask",
]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[pathlib.Path]:
    """Yields a temporary path beside ``path``; renames it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.

    Args:
      path: the final destination.  Its parent folder is created if needed.
      suffix: suffix of the temporary name (defaults to ``path``'s own suffix,
        which matters for writers such as ``np.savez`` or ``savefig`` that pick a
        format from the name).
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix, dir=path.parent
    )
    os.close(fd)
    tmp_path = pathlib.Path(tmp)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp_path, 0o666 & ~current_umask())
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def current_umask() -> int:
    """This process's umask (read without changing it for longer than the call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> pathlib.Path:
    """Atomically writes ``data`` to ``path`` and returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return pathlib.Path(path)


def write_text(path: str | os.PathLike, text: str) -> pathlib.Path:
    """Atomically writes UTF-8 ``text`` to ``path`` and returns the path."""
    return write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """Converts numpy scalars/arrays, dataclasses and paths to JSON types.

    Non-finite floats become ``None`` (JSON ``null``).
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    # numpy and TF objects, without importing either here.
    if hasattr(obj, "tolist"):
        return to_jsonable(obj.tolist())
    if hasattr(obj, "numpy"):
        return to_jsonable(obj.numpy())
    if hasattr(obj, "item"):
        return to_jsonable(obj.item())
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def write_json(path: str | os.PathLike, obj: Any) -> pathlib.Path:
    """Atomically writes ``obj`` as indented JSON, with ``null`` for NaN/inf."""
    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False, sort_keys=False)
    return write_text(path, text + "\n")


def provenance(dataset: Any = None, seed: int | None = None, **extra: Any) -> dict:
    """Returns the provenance block every JSON output carries.

    Args:
      dataset: a ``datasets.Mnist`` (or anything with ``name``, ``path`` and
        ``sha256`` attributes), or None.
      seed: the seed the run used, or None when unseeded.
      **extra: more fields to record.

    Returns:
      A dict with package, TensorFlow and NumPy versions, Python and platform,
      the data set (name, path, sha256), the seed and the thread settings.
    """
    import numpy as np

    from tfv1_mnist import __version__

    info: dict[str, Any] = {
        "tfv1_mnist": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
    }
    try:
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
        info["threads"] = {
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
            "cpu_count": os.cpu_count(),
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        }
    except ImportError:  # pragma: no cover - tensorflow is a hard dependency
        info["tensorflow"] = None
    if dataset is not None:
        info["dataset"] = {
            "name": getattr(dataset, "name", None),
            "path": os.fspath(getattr(dataset, "path", "")) or None,
            "sha256": getattr(dataset, "sha256", None),
        }
    else:
        info["dataset"] = None
    info["seed"] = seed
    info.update(extra)
    return info
