"""Where data lives: the project's cache folder (``$TFV1_MNIST_CACHE``).

Pattern: one small function per location, read from the environment at each
call (no module state), and the hint every "file not found" error ends with.
"""

from __future__ import annotations

import os
import pathlib

__all__ = ["CACHE_ENV", "cache_dir", "fetch_hint"]

#: Environment variable that overrides the cache folder.
CACHE_ENV = "TFV1_MNIST_CACHE"

_FETCH_HINT = (
    "run `tfv1-mnist fetch` to download the full MNIST into {cache}, "
    "or pass --data sample to use the embedded sample"
)


def cache_dir() -> pathlib.Path:
    """The project's cache folder: ``$TFV1_MNIST_CACHE``, else ``~/.cache/tfv1_mnist``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return pathlib.Path(env).expanduser()
    return pathlib.Path.home() / ".cache" / "tfv1_mnist"


def fetch_hint() -> str:
    """What to do when no data is found: fetch it into the cache, or use the sample."""
    return _FETCH_HINT.format(cache=cache_dir())
