"""Typed errors for tfv1_mnist.

Every error a user can cause (a bad file, a bad flag) is one of these, and its
message names the file or flag and says what to do.  The CLI turns them into a
one-line message and exit status 1 (data and training errors) or 2 (usage).
"""

from __future__ import annotations

__all__ = ["Tfv1MnistError", "DataError", "FetchError", "ConfigError", "CheckpointError", "OutputError",
           "FolderInUseError", "ResourceError"]


class Tfv1MnistError(Exception):
    """Base class of every error this package raises on purpose."""


class DataError(Tfv1MnistError, ValueError):
    """A data file is missing, truncated, corrupt or malformed.

    Subclasses ``ValueError`` so that code written against TF1's ``input_data``
    (which raised ``ValueError``) keeps working.
    """


class FetchError(DataError):
    """A download failed: no network, a bad status, a truncated body or a bad hash."""


class ConfigError(Tfv1MnistError, ValueError):
    """An impossible setting, e.g. ``--steps 0`` or an unknown ``--loss``."""


class CheckpointError(DataError):
    """A checkpoint cannot be read back (truncated or damaged); the message names it."""


class OutputError(Tfv1MnistError, OSError):
    """An output cannot be written: no space left, a read-only or forbidden folder."""


class FolderInUseError(OutputError):
    """Another live run writes into the same ``--out``; the message names its process."""


class ResourceError(Tfv1MnistError, MemoryError):
    """The run asked for more memory than the machine has."""
