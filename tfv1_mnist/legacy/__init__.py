"""Running unmodified TF1-era MNIST scripts on today's TensorFlow (``run-legacy``).

A TF1-era script does ``import tensorflow as tf`` and uses ``tf.placeholder``,
``tf.Session``, ``tf.layers``, ``tf.contrib``, ``tf.estimator`` and TF1's MNIST
``input_data``.  `run` executes such a script, as it is, in a *child* Python
process whose bootstrap (`install`, in `tfv1_mnist.legacy.bootstrap`) gives it:

* ``tensorflow.compat.v1`` with v2 behaviour disabled as ``tensorflow``, and
  Keras 2 (``tf_keras``) as ``tf.keras`` and as ``import keras``;
* ``tf.contrib``'s ``layers``, ``slim``, ``framework`` (from ``tf_slim``),
  ``rnn``, ``learn.datasets`` and a small ``eager`` (`tfv1_mnist.legacy.contrib`);
  the rest of ``contrib`` is an error naming the symbol, the line and what
  replaces it;
* a ``tf.estimator`` subset built on ``MonitoredTrainingSession``
  (`tfv1_mnist.legacy.estimator`);
* TF1's ``input_data`` paths and ``tf.keras.datasets.mnist.load_data`` reading
  local data (the folder the script names, the cache, the embedded sample,
  ``--data``), never the network;
* soft device placement, so ops pinned to ``/gpu:N`` run where they can;
* matplotlib's Agg backend, so ``plt.show()`` returns at once.

The parent process never disables v2 behaviour and keeps Keras 3.  See
``docs/legacy.md`` for each TF1 name family and the known differences.

Pattern: a thin parent (`tfv1_mnist.legacy.runner`) and a child bootstrap that
installs import hooks, then executes the script the way ``python script.py``
does.
"""

from __future__ import annotations

from tfv1_mnist.legacy.bootstrap import install
from tfv1_mnist.legacy.common import LegacyImportError, LegacySymbolError, LegacyUnsupportedError
from tfv1_mnist.legacy.runner import run

__all__ = [
    "LegacyImportError",
    "LegacySymbolError",
    "LegacyUnsupportedError",
    "install",
    "run",
]
