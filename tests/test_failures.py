"""failures.typed: foreign exceptions become the package's typed one-line errors."""

from __future__ import annotations

import errno

import pytest
import tensorflow as tf

from tfv1_mnist import failures
from tfv1_mnist.errors import CheckpointError, OutputError, ResourceError, Tfv1MnistError


@pytest.mark.parametrize("err, kind, words", [
    (OSError(errno.ENOSPC, "No space left on device", "/d/run/metrics.json"), OutputError,
     ["no space left", "/d/run/metrics.json", "--out"]),
    (OSError(errno.EROFS, "Read-only file system", "/ro/run"), OutputError, ["/ro/run", "read-only", "--out"]),
    (PermissionError(errno.EACCES, "Permission denied", "/x/run"), OutputError, ["/x/run", "permission denied"]),
    (tf.errors.ResourceExhaustedError(None, None, "Graph execution error:\n\n/d/ckpt.tempstate1; No space left on device"),
     OutputError, ["no space left", "/d/ckpt.tempstate1"]),
    (tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor"), ResourceError, ["out of memory"]),
    (tf.errors.PermissionDeniedError(None, None, "/ro/tb; Read-only file system"), OutputError, ["read-only", "/ro/tb"]),
    (tf.errors.DataLossError(None, None, "Checksum does not match"), CheckpointError, ["damaged", "--resume"]),
    (IndexError("Read less bytes than requested"), CheckpointError, ["truncated", "--resume"]),
    (MemoryError(), ResourceError, ["out of memory"]),
    (KeyError("x"), Tfv1MnistError, ["KeyError", "-v"]),
])
def test_typed_names_the_fault_and_what_to_do(err, kind, words):
    typed = failures.typed(err)
    assert isinstance(typed, kind) and typed.__cause__ is err
    line = failures.one_line(err)
    assert "\n" not in line
    for word in words:
        assert word in line


def test_reading_checkpoint_names_the_checkpoint():
    with pytest.raises(CheckpointError, match="checkpoint /d/ckpt-1 is truncated .*--resume"):
        with failures.reading_checkpoint("/d/ckpt-1"):
            raise IndexError("Read less bytes than requested")
    with pytest.raises(ValueError, match="settings differ"):  # other errors pass through
        with failures.reading_checkpoint("/d/ckpt-1"):
            raise ValueError("settings differ")
