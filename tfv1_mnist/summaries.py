"""TensorBoard scalars that need no ``tensorboard`` package and no eager context.

``tf.summary.scalar`` lives in the ``tensorboard`` package, which TensorFlow no
longer installs, and ``tf.summary.write`` builds graph ops when called under a
v1 graph.  This writer emits the same event protos that ``tf.summary`` does (a
scalar tensor tagged with the ``scalars`` plugin) through ``tf.io.TFRecordWriter``,
so v1 graph trainers, TF2 loops and ``run-legacy`` children can all log from
their Python loop, and TensorBoard reads the file as ordinary scalars.
"""

from __future__ import annotations

import itertools
import os
import socket
import time

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2
from tensorflow.core.util import event_pb2

__all__ = ["ScalarWriter"]

_COUNTER = itertools.count()


class ScalarWriter:
    """Writes scalar summaries to a new TensorBoard event file in ``logdir``.

    Example::

        with ScalarWriter(out / "tensorboard") as tb:
            tb.scalar("loss", 0.5, step=1)

    Args:
      logdir: folder for the event file; created if missing.
    """

    def __init__(self, logdir: str | os.PathLike):
        self.logdir = os.fspath(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        name = "events.out.tfevents.%d.%s.%d.%d.v2" % (
            time.time(), socket.gethostname(), os.getpid(), next(_COUNTER))
        self.path = os.path.join(self.logdir, name)
        self._writer = tf.io.TFRecordWriter(self.path)
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event: event_pb2.Event) -> None:
        self._writer.write(event.SerializeToString())

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Records ``value`` (a float; NaN and inf are kept as such) under ``tag`` at ``step``."""
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag=tag,
            tensor=tf.make_tensor_proto(np.float32(value)),
            metadata=summary_pb2.SummaryMetadata(
                plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")),
        )])
        self._write(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def flush(self) -> None:
        """Writes buffered events to the file."""
        self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file; the writer cannot be used afterwards."""
        self._writer.close()

    def __enter__(self) -> "ScalarWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
