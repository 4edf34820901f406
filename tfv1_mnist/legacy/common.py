"""What run-legacy's parent, child bootstrap, ``contrib`` and ``estimator`` share.

The typed errors a legacy script meets, the names of the environment variables
the parent passes to the child, and the helper that finds the user's source
line behind an attribute access or import.
"""

from __future__ import annotations

import importlib
import linecache
import os
import re
import sys

from tfv1_mnist.errors import Tfv1MnistError

__all__ = [
    "COMPAT_ENV",
    "FIGURES_ENV",
    "LOG_LEVEL_ENV",
    "WARNINGS_ENV",
    "LegacyImportError",
    "LegacySymbolError",
    "LegacyUnsupportedError",
    "caller_symbol",
    "rebind",
]

#: The child's log level (a number), set by the parent.
LOG_LEVEL_ENV = "TFV1_MNIST_LEGACY_LOG_LEVEL"
#: "0": the child leaves out the NumPy-1 and matplotlib-3.5 names (``--no-compat``).
COMPAT_ENV = "TFV1_MNIST_LEGACY_COMPAT"
#: The folder where the child's ``plt.show()`` saves figures.
FIGURES_ENV = "TFV1_MNIST_LEGACY_FIGURES"
#: "1": the child keeps TensorFlow's and tf_keras' deprecation warnings (``-v``).
WARNINGS_ENV = "TFV1_MNIST_LEGACY_WARNINGS"

_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class LegacySymbolError(Tfv1MnistError, AttributeError):
    """A TF1 name with no counterpart under run-legacy (e.g. ``tf.contrib.factorization``).

    An AttributeError, so ``hasattr(tf.contrib, "factorization")`` is False, as
    on a TensorFlow without it.
    """


class LegacyImportError(Tfv1MnistError, ImportError):
    """An import of a TF1 module with no counterpart (e.g. ``tensorflow.contrib.factorization``)."""


class LegacyUnsupportedError(Tfv1MnistError, NotImplementedError):
    """A call outside a documented subset (e.g. an ``Estimator`` argument run-legacy does not implement)."""


def caller_symbol(pattern: str, default: str) -> tuple[str, str]:
    """The dotted name matching ``pattern`` on the user's source line, and where that line is.

    Frames of this package and of the import machinery are skipped, so the
    line is the script's (or its helper module's).

    Args:
      pattern: a regular expression for the symbol, e.g. ``r"\\w+\\.contrib(\\.\\w+)*"``.
      default: what to return when the line does not show the symbol.

    Returns:
      ``(symbol, "FILE, line N")``; ``where`` is ``""`` when no user frame exists.
    """
    frame = sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_filename.startswith(_HERE) or frame.f_code.co_filename.startswith("<frozen importlib")
    ):
        frame = frame.f_back
    if frame is None:
        return default, ""
    where = f"{frame.f_code.co_filename}, line {frame.f_lineno}"
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    match = re.search(pattern, line)
    return (match.group(0) if match else default), where


def rebind(module_names, attribute: str, original, replacement) -> None:
    """Sets ``attribute`` to ``replacement`` in each of ``module_names`` where it is ``original``.

    A library's public paths (``tf_keras.utils``, ``tf_keras.api._v1...``)
    each hold their own reference to one function; all of them are pointed at
    the replacement.  A module that cannot be imported (another version's API
    path) is skipped.
    """
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, attribute, None) is original:
            setattr(module, attribute, replacement)
