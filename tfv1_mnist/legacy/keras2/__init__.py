"""Keras as TF1-era code knew it (Keras 2.0-2.2.4, TF 1.x's ``tf.keras``), over tf_keras, for run-legacy's child.

`KerasTree` builds the ``keras``, ``tensorflow.keras`` and
``tensorflow.python.keras`` modules a legacy script imports: tf_keras' v1 API
plus what Keras 2.2.4 had and tf_keras lacks (`names`), Keras 2.2.4's
optimizers over tf_keras' legacy ones (`optimizers`) and its Keras 1 keywords
(`renames`).  See docs/legacy.md for every name and its known differences.

Pattern: a subpackage, one concept per module; this ``__init__`` is its surface.
"""

from __future__ import annotations

from tfv1_mnist.legacy.keras2.tree import ROOTS, KerasTree

__all__ = ["KerasTree", "ROOTS"]
