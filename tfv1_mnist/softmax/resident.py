"""The training set as the trainers keep it in memory: bytes when the floats are bytes.

``input_data`` turns each uint8 pixel ``k`` into the float32
``float32(k) * float32(1/255)``.  When every training image is exactly that,
the trainers keep the bytes (uint8 [N, 784], a quarter of the float32 set)
and each step converts only its batch, with the same cast and the same
float32 multiply (``unpack``).  The batch's floats are then the very floats
the seed fed, bit for bit, and a step reads 78 KB of images instead of
313 KB: for the seed's 100-row batches from a set of a few thousand rows, the
bytes stay in the CPU's caches where the floats do not, and the batch gather
costs a fraction of what it did (``docs/benchmarks.md``).  Any other
floats (normalised, noisy, a user's own) are kept as they are.

No maintained package offers this check; it is a few lines of NumPy.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfv1_mnist.input_data.dataset import UNIT_SCALE

__all__ = ["pack", "unpack"]

# Rows checked at a time: about 3 MB of float32, so that the temporaries stay small.
_BLOCK_ROWS = 1024


def pack(images) -> np.ndarray:
    """The training images as the trainers keep them.

    Args:
      images: float32 [N, 784] (any other dtype is converted to float32 first).

    Returns:
      uint8 [N, 784] when every value is ``float32(k) * float32(1/255)`` for a
      byte ``k``, bit for bit (so ``-0.0`` and NaN keep the floats); otherwise
      the images as float32 [N, 784].
    """
    images = np.asarray(images, dtype=np.float32)
    if images.size == 0:
        return images
    packed = np.empty(images.shape, dtype=np.uint8)
    for start in range(0, images.shape[0], _BLOCK_ROWS):
        block = images[start: start + _BLOCK_ROWS]
        out = packed[start: start + _BLOCK_ROWS]
        # k * (1/255) * 255 is within a few ulps of k, so rint recovers k; the
        # comparison below, of the bits, is what decides.
        nearest = np.rint(block * np.float32(255.0))
        # Out of range (NaN included) is no byte; uint8 would wrap it, or warn.
        if not ((nearest >= 0) & (nearest <= 255)).all():
            return images
        out[...] = nearest
        again = out.astype(np.float32) * UNIT_SCALE
        if not np.array_equal(again.view(np.uint32), block.view(np.uint32)):
            return images
    return packed


def unpack(images: tf.Tensor) -> tf.Tensor:
    """A batch of ``pack``'s images as float32, the floats ``input_data`` made.

    Args:
      images: uint8 or float32 [batch_size, 784].

    Returns:
      float32 [batch_size, 784]: ``cast(images) * float32(1/255)`` for bytes,
      the tensor itself for floats.
    """
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) * tf.constant(UNIT_SCALE, tf.float32)
    return images
