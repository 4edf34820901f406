"""Alias of `tfv1_mnist.cnn.v2`, plus `export`, `load_exported` and `ExportedModel`, kept for existing imports.

Unlike the other aliases this is a module of its own, not ``tfv1_mnist.cnn.v2``
itself: the export names live in ``tfv1_mnist.cnn.export``, which imports
``v2``, so ``v2`` cannot hold them.  Every other name (``CNN``,
``train_and_evaluate``, the shared ``initial_weights``, ``epoch_indices``, ...)
is looked up in ``tfv1_mnist.cnn.v2``, then in ``tfv1_mnist.cnn.common``.
"""

from tfv1_mnist.cnn import common as _common
from tfv1_mnist.cnn import v2 as _v2
from tfv1_mnist.cnn.export import ExportedModel, export, load_exported
from tfv1_mnist.cnn.v2 import *  # noqa: F401,F403

__all__ = [*_v2.__all__, "export", "load_exported", "ExportedModel"]


def __getattr__(name: str):
    for module in (_v2, _common):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
