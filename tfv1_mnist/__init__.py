"""tfv1_mnist: TF1-era MNIST code, running, tested and compared with TF2.

The public surface is listed in ``__all__``.  Modules load lazily (PEP 562), so
``import tfv1_mnist`` does not import TensorFlow; ``tfv1_mnist.softmax`` does.
docs/layout.md is the house plan: which module holds which concept.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from tfv1_mnist.config import CNNConfig, SoftmaxConfig  # noqa: E402
from tfv1_mnist.errors import ConfigError, DataError, FetchError, Tfv1MnistError  # noqa: E402

_SUBMODULES = (
    "batching",
    "cli",
    "cnn",
    "compare",
    "config",
    "console",
    "contract",
    "datasets",
    "determinism",
    "distribute",
    "errors",
    "imaging",
    "input_data",
    "legacy",
    "ops",
    "outputs",
    "pipelines",
    "plots",
    "report",
    "softmax",
    "summaries",
    "testing",
)

__all__ = [
    "__version__",
    "ConfigError",
    "DataError",
    "FetchError",
    "Tfv1MnistError",
    "SoftmaxConfig",
    "CNNConfig",
    *_SUBMODULES,
]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"tfv1_mnist.{name}")
    raise AttributeError(f"module 'tfv1_mnist' has no attribute {name!r}")
