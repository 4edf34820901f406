"""The seed's Keras CNN as a TF1 graph: the builders, in the shape of TF1's ``mnist.py``.

``placeholder_inputs``, ``inference``, ``loss``, ``training`` and
``evaluation`` only build; ``fill_feed_dict`` makes a feed and ``do_eval``
runs a whole set through a Session in batches.  ``tfv1_mnist.cnn.v1`` (TF1's
``fully_connected_feed.py``) builds them into its own ``tf.Graph`` and runs
them.

Adam, TF1 against Keras 3 (read from TF's ``ApplyAdam`` kernel in
``training_ops.cc`` and Keras' ``optimizers/adam.py``).  Both compute, at step
``t`` (from 1)::

    alpha = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
    m += (g - m) * (1 - beta1)
    v += (g * g - v) * (1 - beta2)
    var -= m * alpha / (sqrt(v) + epsilon)

so epsilon enters at the same place in both: it is added to ``sqrt(v)`` of the
*uncorrected* second moment (Kingma & Ba's "epsilon hat", the formula just
before their section 2.1), which equals Algorithm 1's form
``m_hat / (sqrt(v_hat) + eps / sqrt(1 - beta2**t))``.  The differences are:

* the default epsilon: TF1 1e-8, Keras 1e-7.  ``KERAS_ADAM`` passes 1e-7, so
  the formulas match exactly;
* ``beta**t``: TF1 keeps ``beta1_power``/``beta2_power`` variables multiplied
  by beta after every step; Keras computes ``pow(beta, t)``.  Both float32:
  round-off only;
* TF1 runs one fused kernel per variable, Keras a chain of element-wise ops:
  round-off only.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import tensorflow as tf

from tfv1_mnist import ops
from tfv1_mnist.cnn import inputs, shapes
from tfv1_mnist.errors import ConfigError

__all__ = [
    "KERAS_ADAM",
    "VARIABLES",
    "placeholder_inputs",
    "inference",
    "loss",
    "training",
    "evaluation",
    "fill_feed_dict",
    "do_eval",
]

#: ``tf.compat.v1.train.AdamOptimizer`` arguments equal to ``keras.optimizers.Adam()``'s defaults.
KERAS_ADAM = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}

#: ``(variable scope, variable name, shape)`` of the graph's variables, in Keras
#: Sequential order (``shapes.WEIGHT_SHAPES``, what ``model.get_weights()`` returns).
VARIABLES: tuple[tuple[str, str, tuple[int, ...]], ...] = tuple(
    (layer, kind, shape) for (layer, kind), shape in zip(
        ((layer, kind) for layer in shapes.LAYER_NAMES for kind in ("weights", "biases")),
        shapes.WEIGHT_SHAPES))


def placeholder_inputs(image_dtype=None):
    """Creates the input placeholders in the default graph.

    Args:
      image_dtype: dtype of the images fed, ``tf.uint8`` (raw 0-255 pixels, the
        default) or ``tf.float32``.

    Returns:
      ``(images_placeholder, labels_placeholder)``: images of ``image_dtype``
      [None, 28, 28] and labels int64 [None] (class indices).
    """
    image_dtype = tf.uint8 if image_dtype is None else image_dtype
    size = shapes.IMAGE_SIZE
    images = tf.compat.v1.placeholder(image_dtype, [None, size, size], name="images")
    labels = tf.compat.v1.placeholder(tf.int64, [None], name="labels")
    return images, labels


def _variable(name: str, shape, initial, seed):
    if initial is not None:
        value = np.asarray(initial, dtype=np.float32)
        if value.shape != tuple(shape):
            raise ConfigError(
                f"initial weight {name!r} has shape {value.shape}, expected {tuple(shape)}: "
                "pass the 8 arrays in Keras Sequential order (model.get_weights())"
            )
        init = tf.constant_initializer(value)
    elif name == "biases":
        init = tf.compat.v1.zeros_initializer()
    else:
        # Keras' Conv2D/Dense default: Glorot-uniform kernels, zero biases.
        init = tf.compat.v1.glorot_uniform_initializer(seed=seed)
    return tf.compat.v1.get_variable(name, shape=shape, dtype=tf.float32, initializer=init)


def inference(images, *, normalize: bool = False, initial_weights: Sequence[np.ndarray] | None = None,
              seed: int | None = None):
    """Builds the seed's CNN up to the logits.

    Conv 28@3x3 ReLU, max-pool 2, conv 10@4x4 ReLU, max-pool 2, flatten (250),
    dense 20 ReLU, dense 10 (logits; the softmax lives in the loss).  Every
    layer has its own variable scope holding ``weights`` and ``biases``.

    Args:
      images: images placeholder, uint8 or float32 [batch_size, 28, 28].
      normalize: scale pixels to [0, 1]; the seed fed raw 0-255 values.
      initial_weights: 8 numpy arrays in Keras Sequential order (see
        ``shapes.WEIGHT_SHAPES``), or None for Glorot-uniform kernels and zero biases.
      seed: graph-level op seed of the Glorot initializers (ignored when
        ``initial_weights`` is given).

    Returns:
      Logits tensor, float32 [batch_size, 10].
    """
    if initial_weights is not None and len(initial_weights) != len(VARIABLES):
        raise ConfigError(
            f"initial_weights has {len(initial_weights)} arrays, expected {len(VARIABLES)} "
            "(Keras Sequential order: kernel, bias for conv1, conv2, dense1, dense2)"
        )
    params = {}
    for i, (scope, name, shape) in enumerate(VARIABLES):
        with tf.compat.v1.variable_scope(scope):
            initial = None if initial_weights is None else initial_weights[i]
            params[scope, name] = _variable(name, shape, initial, None if seed is None else seed + i)

    x = inputs.as_nhwc(inputs.scale_images(images, normalize))
    with tf.name_scope("conv1"):
        x = tf.nn.conv2d(x, params["conv1", "weights"], strides=1, padding="VALID")
        x = tf.nn.relu(tf.nn.bias_add(x, params["conv1", "biases"]))
        x = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
    with tf.name_scope("conv2"):
        x = tf.nn.conv2d(x, params["conv2", "weights"], strides=1, padding="VALID")
        x = tf.nn.relu(tf.nn.bias_add(x, params["conv2", "biases"]))
        x = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
    with tf.name_scope("dense1"):
        # Row-major flatten of NHWC, as Keras' Flatten does.
        x = tf.reshape(x, [-1, 250])
        x = tf.nn.relu(tf.matmul(x, params["dense1", "weights"]) + params["dense1", "biases"])
    with tf.name_scope("dense2"):
        logits = tf.matmul(x, params["dense2", "weights"]) + params["dense2", "biases"]
    return logits


def loss(logits, labels):
    """Mean sparse softmax cross-entropy of a batch.

    Args:
      logits: logits tensor, float32 [batch_size, 10].
      labels: labels tensor, int64 [batch_size].

    Returns:
      Loss tensor, float32 scalar.
    """
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
    return tf.reduce_mean(xent, name="xentropy_mean")


def training(loss_tensor, learning_rate: float, adam: Mapping[str, float] | None = None):
    """Adds the Adam training op, with Keras' hyperparameters (``KERAS_ADAM``).

    Args:
      loss_tensor: loss tensor, float32 scalar, from ``loss()``.
      learning_rate: Adam's learning rate.
      adam: ``beta1``, ``beta2``, ``epsilon`` overriding ``KERAS_ADAM``.

    Returns:
      The op that applies one update and increments ``global_step``.
    """
    optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate, **{**KERAS_ADAM, **dict(adam or {})})
    global_step = tf.compat.v1.train.get_or_create_global_step()
    return optimizer.minimize(loss_tensor, global_step=global_step)


def evaluation(logits, labels):
    """Number of examples whose arg-max logit is the true class (``ops.correct_count``).

    The TF1 tutorial used ``in_top_k``, which counts a row of NaN logits as
    wrong; ``ops.correct_count`` (``tf.argmax``) lets it predict class 0, as
    ``v2`` and Keras do, so every implementation counts alike.

    Args:
      logits: logits tensor, float32 [batch_size, 10].
      labels: labels tensor, int64 [batch_size].

    Returns:
      int32 scalar tensor: the count of correct predictions.
    """
    return ops.correct_count(labels, logits)


def fill_feed_dict(images: np.ndarray, labels: np.ndarray, index: np.ndarray, images_pl, labels_pl) -> dict:
    """Feeds the examples at ``index``.

    Args:
      images: uint8 [N, 28, 28] (or float32) images.
      labels: uint8 or int [N] class indices.
      index: int64 [batch_size] rows to feed.
      images_pl, labels_pl: from ``placeholder_inputs``.

    Returns:
      The feed dict for ``Session.run``.
    """
    return {images_pl: images[index], labels_pl: labels[index].astype(np.int64)}


def do_eval(sess, loss_sum, correct, images_pl, labels_pl, images: np.ndarray, labels: np.ndarray,
            batch_size: int = 1000) -> dict:
    """Loss and accuracy over a whole set, in batches.

    Args:
      sess: the Session.
      loss_sum: float32 scalar tensor, the *summed* cross-entropy of the fed batch.
      correct: int32 scalar tensor from ``evaluation``.
      images_pl, labels_pl: the placeholders.
      images: uint8 [N, 28, 28]; labels: uint8 [N].
      batch_size: examples per ``Session.run``.

    Returns:
      ``{"loss": mean cross-entropy, "accuracy": fraction correct}``; both NaN
      for an empty set, as ``v2.evaluate`` gives.
    """
    n = images.shape[0]
    if n == 0:
        return {"loss": float("nan"), "accuracy": float("nan")}
    total_loss = 0.0
    total_correct = 0
    for start in range(0, n, batch_size):
        index = np.arange(start, min(start + batch_size, n))
        l, c = sess.run([loss_sum, correct], fill_feed_dict(images, labels, index, images_pl, labels_pl))
        total_loss += float(l)
        total_correct += int(c)
    return {"loss": total_loss / n, "accuracy": total_correct / n}
