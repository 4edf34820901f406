"""The CNN's inputs: pixels to float32 (raw or scaled), NHWC, and one epoch's batches as ``tf.data``.

``scale_images`` (in the graph) and ``prepare_images`` (NumPy, for Keras'
``fit``) give bit-identical floats, so every implementation sees the same
inputs.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfv1_mnist.cnn.shapes import IMAGE_SIZE

__all__ = ["scale_images", "as_nhwc", "prepare_images", "make_dataset"]


def scale_images(images: tf.Tensor, normalize: bool) -> tf.Tensor:
    """Casts pixels to float32 and, with ``normalize``, divides by 255.

    Args:
      images: uint8 or float [..., 28, 28(, 1)] pixels in 0..255.
      normalize: divide by 255 (``x / 255``, exactly what ``prepare_images`` does
        to its NumPy input) or keep raw 0..255 values (the seed).

    Returns:
      float32 tensor of the same shape.
    """
    x = tf.cast(images, tf.float32)
    return x / 255.0 if normalize else x


def as_nhwc(images: tf.Tensor) -> tf.Tensor:
    """Reshapes [N,28,28] or [N,28,28,1] to [N,28,28,1] (same dtype)."""
    return tf.reshape(images, [-1, IMAGE_SIZE, IMAGE_SIZE, 1])


def prepare_images(x: np.ndarray, normalize: bool) -> np.ndarray:
    """The seed's Keras input: float32 [N,28,28,1], raw 0..255 or (``normalize``) ``x / 255``.

    Args:
      x: uint8 [N,28,28] images.
      normalize: divide by 255 (bit-identical to ``scale_images``).

    Returns:
      float32 [N,28,28,1].
    """
    x = np.asarray(x).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1).astype(np.float32)
    return x / np.float32(255.0) if normalize else x


def make_dataset(x: np.ndarray | tf.Tensor, y: np.ndarray | tf.Tensor, indices: np.ndarray,
                 batch_size: int) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of one epoch's batches, in the given order.

    The order is passed in (``epoch_indices`` reshuffles every epoch from
    ``(seed, epoch)``), so the pipeline itself holds no random state.

    Args:
      x: images [N, ...]: uint8 [N,28,28] in ``v2``; ``keras_reference`` passes
        its float32 [N,28,28,1].
      y: labels [N]: uint8 in ``v2``, int64 in ``keras_reference``.
      indices: int64 [M] order of the epoch (M <= N).
      batch_size: examples per batch; the last batch may be smaller.

    Returns:
      A dataset of ``(images [B, ...], labels [B])`` of ``x``'s and ``y``'s
      dtypes, prefetched.
    """
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y)
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(indices, np.int64)).batch(batch_size)
    ds = ds.map(lambda idx: (tf.gather(x, idx), tf.gather(y, idx)),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
