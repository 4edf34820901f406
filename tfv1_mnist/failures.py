"""One place that turns any failure into the package's typed, one-line error.

Pattern: a translation table at the edge.  Library code raises what it raises
(TensorFlow's ``tf.errors.OpError`` subclasses from a ``SaveV2`` or an event
writer, ``OSError`` from a full or read-only disk, ``MemoryError``); the
command line (``cli.main``) and a launched worker (``distribute.worker``) ask
``typed(err)`` for the ``errors`` class and message to print: what went wrong,
with which path, and what to do.  ``one_line`` is that message as one line.
TensorFlow is never imported here: an ``OpError`` can only come from a process
that imported it already.
"""

from __future__ import annotations

import contextlib
import errno
import re
import sys
from typing import Iterator

from tfv1_mnist.errors import CheckpointError, OutputError, ResourceError, Tfv1MnistError

__all__ = ["typed", "one_line", "reading_checkpoint"]

_SPACE_HINT = "free some space or choose another --out"
_WRITE_HINT = "check its permissions or choose another --out"
_CHECKPOINT_HINT = "delete the damaged checkpoint, or start again without --resume"
_MEMORY_HINT = "use a smaller --batch-size, --steps or data set, or a machine with more memory"


def _first_line(text) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0][:400] if lines else ""


def _from_os_error(err: OSError) -> Tfv1MnistError | None:
    where = err.filename if err.filename is not None else "a file"
    if err.errno == errno.ENOSPC:
        return OutputError(f"no space left on the device writing {where}: {_SPACE_HINT}")
    if err.errno == errno.EROFS:
        return OutputError(f"{where} is on a read-only filesystem: choose another --out")
    if err.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"{where}: permission denied: {_WRITE_HINT}")
    return None


def _op_text(err) -> str:
    """The line of an ``OpError``'s message that says what failed (not "Graph execution error:")."""
    message = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(getattr(err, "message", "") or err))
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if any(k in line.lower() for k in ("no space left", "permission denied", "read-only", "data loss",
                                            "not found", "truncated", "corrupt")):
            return line[:400]
    useful = [line for line in lines if not line.lower().startswith(("graph execution error", "detected at node",
                                                                     "file ", "[["))]
    return (useful or lines or [type(err).__name__])[0][:400]


def _from_op_error(err) -> Tfv1MnistError:
    import tensorflow as tf  # imported already: the error came from it

    text = _op_text(err)
    if isinstance(err, tf.errors.ResourceExhaustedError):
        if "no space left" in text.lower():
            return OutputError(f"no space left on the device ({text}): {_SPACE_HINT}")
        return ResourceError(f"TensorFlow ran out of memory ({text}): {_MEMORY_HINT}")
    if isinstance(err, tf.errors.PermissionDeniedError):
        if "read-only" in text.lower():
            return OutputError(f"read-only filesystem ({text}): choose another --out")
        return OutputError(f"permission denied ({text}): {_WRITE_HINT}")
    if isinstance(err, tf.errors.DataLossError):
        return CheckpointError(f"a file is damaged ({text}); if it is a checkpoint, {_CHECKPOINT_HINT}")
    if isinstance(err, tf.errors.NotFoundError):
        return OutputError(f"not found ({text}): check the path")
    return Tfv1MnistError(f"TensorFlow failed: {type(err).__name__}: {text}")


def typed(err: BaseException) -> Tfv1MnistError:
    """The package's typed error for ``err``.

    Args:
      err: any exception a command raised (not ``KeyboardInterrupt``).

    Returns:
      ``err`` itself if it is a ``Tfv1MnistError``; else an ``OutputError``
      (no space, read-only, permission), ``CheckpointError`` (a truncated or
      damaged checkpoint), ``ResourceError`` (out of memory) or a plain
      ``Tfv1MnistError`` naming the exception's type, with ``err`` as its cause.
    """
    if isinstance(err, Tfv1MnistError):
        return err
    result: Tfv1MnistError | None = None
    tf_errors = sys.modules.get("tensorflow.python.framework.errors_impl")
    if tf_errors is not None and isinstance(err, tf_errors.OpError):
        result = _from_op_error(err)
    elif isinstance(err, OSError):
        result = _from_os_error(err) or Tfv1MnistError(_first_line(err))
    elif isinstance(err, MemoryError):
        result = ResourceError(f"out of memory{': ' + _first_line(err) if str(err) else ''}: {_MEMORY_HINT}")
    elif isinstance(err, IndexError) and "read less bytes" in str(err).lower():
        # TensorFlow's checkpoint reader on a truncated file.
        result = CheckpointError(f"a checkpoint is truncated ({_first_line(err)}): {_CHECKPOINT_HINT}")
    if result is None:
        detail = _first_line(err) or "(no message)"
        result = Tfv1MnistError(f"{type(err).__name__}: {detail}; run again with -v for the traceback")
    result.__cause__ = err
    return result


def one_line(err: BaseException) -> str:
    """``typed(err)``'s message on one line."""
    try:
        return " ".join(str(typed(err)).split())
    except Exception:  # never a traceback from the one place that prevents them
        return f"{type(err).__name__}; run again with -v for the traceback"


@contextlib.contextmanager
def reading_checkpoint(path: str) -> Iterator[None]:
    """Turns the checkpoint reader's errors on a damaged ``path`` into a ``CheckpointError`` naming it.

    TensorFlow's reader raises ``IndexError: Read less bytes than requested``
    on a truncated file, ``DataLossError`` on a corrupt one.
    """
    try:
        yield
    except IndexError as err:
        raise CheckpointError(f"checkpoint {path} is truncated ({_first_line(err)}): {_CHECKPOINT_HINT}") from err
    except Exception as err:
        tf_errors = sys.modules.get("tensorflow.python.framework.errors_impl")
        if tf_errors is None or not isinstance(err, (tf_errors.DataLossError, tf_errors.OutOfRangeError)):
            raise
        raise CheckpointError(f"checkpoint {path} is damaged ({_op_text(err)}): "
                              f"{_CHECKPOINT_HINT}") from err
