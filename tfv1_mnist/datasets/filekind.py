"""Refusing files that are not files: FIFOs, devices and sockets given where data is read.

Opening a FIFO blocks until a writer comes, and ``/dev/zero`` never ends, so
every reader checks the kind of a path from its ``stat`` before opening it.
"""

from __future__ import annotations

import os
import pathlib
import stat

from tfv1_mnist.errors import DataError

__all__ = ["check_regular"]

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_regular(path: str | os.PathLike) -> None:
    """Raises ``DataError`` if ``path`` exists and is a FIFO, a device or a socket.

    A missing path, a regular file or a folder passes: the caller says what is
    wrong with those.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    for test, kind in _KINDS:
        if test(mode):
            raise DataError(f"{pathlib.Path(path)} is {kind}, not a file: give a regular file "
                            "(copy the data to one first)")
