"""The seed's Keras CNN rebuilt as a TF1 graph: placeholders, a Session, AdamOptimizer.

It exists so that the comparison can set a graph-mode, session-based program
beside the TF2 custom loop (``v2``) and the seed's ``model.fit``
(``keras_reference``), all three from the same initial weights on the same
batches (``tfv1_mnist.cnn.common``).

Pattern: TF 1.x ``mnist.py`` / ``fully_connected_feed.py``.  The graph builders
``placeholder_inputs``, ``inference``, ``loss``, ``training`` and ``evaluation``
only build; the runners below them (``train_and_evaluate``, ``evaluate``,
``predict_proba``, and the ``contract`` trainer ``train_on_schedule``, the
same names as ``v2``'s) build them into their own ``tf.Graph``, feed batches
with ``fill_feed_dict`` and close their Session.  Nothing here calls
``disable_v2_behavior``, so v1 and v2 code share a process.

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

import logging
import os
import time
from typing import Any, Mapping, Sequence

import numpy as np
import tensorflow as tf

from tfv1_mnist import contract, ops
from tfv1_mnist.cnn import common
from tfv1_mnist.cnn.common import KERAS_ADAM
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import ConfigError, DataError
from tfv1_mnist.progress import progress_bar

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
    "train_and_evaluate",
    "evaluate",
    "predict_proba",
    "train_on_schedule",
    "IMPLEMENTATION",
]

_log = logging.getLogger(__name__)

#: ``(variable scope, variable name, shape)`` of the graph's variables, in Keras
#: Sequential order (``common.WEIGHT_SHAPES``, what ``model.get_weights()`` returns).
VARIABLES: tuple[tuple[str, str, tuple[int, ...]], ...] = tuple(
    (layer, kind, shape) for (layer, kind), shape in zip(
        ((layer, kind) for layer in common.LAYER_NAMES for kind in ("weights", "biases")),
        common.WEIGHT_SHAPES))


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
    size = common.IMAGE_SIZE
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
        ``common.WEIGHT_SHAPES``), or None for Glorot-uniform kernels and zero biases.
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

    x = common.as_nhwc(common.scale_images(images, normalize))
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


def _epoch_order(n: int, config: CNNConfig, epoch: int, batches) -> np.ndarray:
    if batches is not None:
        return batches[epoch]
    if config.seed is not None:
        return common.epoch_indices(n, config.seed, epoch)
    return np.random.permutation(n).astype(np.int64)


def train_and_evaluate(config: CNNConfig, data, workdir: str | os.PathLike | None = None, *,
                       initial_weights: Sequence[np.ndarray] | None = None,
                       batches: Sequence[np.ndarray] | None = None, progress: bool = False,
                       eval_batch_size: int = 1000, adam: Mapping[str, float] | None = None):
    """Trains the CNN in a Session, evaluating on the test set after every epoch.

    The graph lives in its own ``tf.Graph``; the Session is closed on return.

    Args:
      config: ``CNNConfig`` (epochs, batch_size, learning_rate, normalize, seed).
      data: a ``datasets.Mnist`` (x_train uint8 [N,28,28], y_train uint8 [N],
        x_test, y_test).  The test set is the validation data, as in the seed.
      workdir: None; taken for ``v2.train_and_evaluate``'s signature, but the
        twin writes no checkpoints.
      initial_weights: 8 numpy arrays in Keras order, or None (Glorot-uniform
        from ``config.seed``).
      batches: one int64 index array per epoch; the epoch's batches are its
        consecutive ``batch_size`` slices (the last may be short, as in Keras).
        None: ``common.epoch_indices(N, seed, epoch)`` when seeded, else a fresh
        permutation.
      progress: show progress per epoch (``progress.progress_bar``: a bar on a terminal).
      eval_batch_size: batch size of the per-epoch test-set evaluation.
      adam: ``beta1``/``beta2``/``epsilon`` overriding ``KERAS_ADAM`` (e.g. to
        show that the float32 constants ``1 - beta`` explain the gap to Keras).

    Returns:
      ``(weights, history)``: ``weights`` the 8 trained float32 arrays in Keras
      order; ``history`` a dict of lists with one value per epoch for
      ``loss`` and ``accuracy`` (the training batches' example-weighted mean
      before each update, which is what Keras' ``fit`` logs), ``val_loss``,
      ``val_accuracy`` and ``epoch_seconds`` (training only), plus
      ``step_loss`` (every step's batch loss before its update).

    Raises:
      DataError: the arrays have the wrong shapes (``common.check_data``).
      ConfigError: ``batches`` is too short or holds a bad epoch order
        (``common.check_batches``), ``initial_weights`` has the wrong shapes, or
        a ``workdir`` is given.
    """
    if workdir is not None:
        raise ConfigError(f"the v1 CNN twin writes no checkpoints, so it takes no workdir "
                          f"(got {workdir!r}): pass workdir=None")
    x_train, y_train, x_test, y_test = common.check_data(data)
    n = x_train.shape[0]
    batches = common.check_batches(batches, n, config.epochs)
    history = common.empty_history()
    with tf.Graph().as_default() as graph:
        if config.seed is not None:
            tf.compat.v1.set_random_seed(config.seed)
        images_pl, labels_pl = placeholder_inputs(tf.as_dtype(x_train.dtype))
        logits = inference(images_pl, normalize=config.normalize, initial_weights=initial_weights,
                           seed=config.seed)
        loss_op = loss(logits, labels_pl)
        train_op = training(loss_op, config.learning_rate, adam)
        correct = evaluation(logits, labels_pl)
        loss_sum = tf.reduce_sum(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels_pl, logits=logits))
        params = tf.compat.v1.trainable_variables()  # creation order = Keras order
        init = tf.compat.v1.global_variables_initializer()
        graph.finalize()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            # One callable per step: fetches the loss and correct count of the batch as the
            # update sees it (before the update), like Keras' train_step.
            step = sess.make_callable([train_op, loss_op, correct], [images_pl, labels_pl])
            for epoch in range(config.epochs):
                order = _epoch_order(n, config, epoch, batches)
                num_steps = -(-order.size // config.batch_size)
                bar = None
                if progress:
                    bar = progress_bar(num_steps, unit_name="step", lines=1)
                start = time.perf_counter()
                loss_total = 0.0
                correct_total = 0
                for i in range(num_steps):
                    index = order[i * config.batch_size:(i + 1) * config.batch_size]
                    _, step_loss, step_correct = step(x_train[index], y_train[index].astype(np.int64))
                    step_loss = float(step_loss)
                    history["step_loss"].append(step_loss)
                    loss_total += step_loss * index.size
                    correct_total += int(step_correct)
                    if bar is not None:
                        bar.update(i + 1, values=[("loss", step_loss)])
                history["epoch_seconds"].append(time.perf_counter() - start)
                history["loss"].append(loss_total / order.size)
                history["accuracy"].append(correct_total / order.size)
                val = do_eval(sess, loss_sum, correct, images_pl, labels_pl, x_test, y_test,
                              eval_batch_size)
                history["val_loss"].append(val["loss"])
                history["val_accuracy"].append(val["accuracy"])
                _log.info("cnn v1 epoch %d/%d: loss %.4f accuracy %.4f val_loss %.4f val_accuracy %.4f",
                          epoch + 1, config.epochs, history["loss"][-1], history["accuracy"][-1],
                          val["loss"], val["accuracy"])
            weights = [np.asarray(w, dtype=np.float32) for w in sess.run(params)]
    return weights, history


def evaluate(weights: Sequence[np.ndarray], images: np.ndarray, labels: np.ndarray, *,
             normalize: bool = False, batch_size: int = 1000) -> dict:
    """Mean loss and accuracy of the v1 CNN with the given weights, in its own Session.

    Args:
      weights: 8 float32 arrays in Keras order (e.g. from ``train_and_evaluate``).
      images: uint8 [N, 28, 28] (or [N, 28, 28, 1]) images, pixels 0..255.
      labels: integer [N] class indices.
      normalize: whether the weights were trained on pixels scaled to [0, 1].
      batch_size: examples per ``Session.run``.

    Returns:
      ``{"loss": float, "accuracy": float}`` (``do_eval``); both NaN when N is 0.

    Raises:
      DataError: ``images`` is not [N,28,28(,1)], or ``labels`` is not [N].
    """
    images = common.check_images(images, "evaluate: images")
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise DataError(f"evaluate: labels must be [{len(images)}], one per image, "
                        f"got shape {labels.shape}")
    with tf.Graph().as_default() as graph:
        images_pl, labels_pl = placeholder_inputs(tf.as_dtype(images.dtype))
        logits = inference(images_pl, normalize=normalize, initial_weights=weights)
        loss_sum = tf.reduce_sum(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels_pl, logits=logits))
        correct = evaluation(logits, labels_pl)
        init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            return do_eval(sess, loss_sum, correct, images_pl, labels_pl, images, labels, batch_size)


def predict_proba(weights: Sequence[np.ndarray], images: np.ndarray, *, normalize: bool = False,
                  batch_size: int = 1000) -> np.ndarray:
    """Class probabilities of the v1 CNN with the given weights.

    Args:
      weights: 8 float32 arrays in Keras order (e.g. from ``train_and_evaluate``).
      images: uint8 [N, 28, 28] (or float32 on the scale the weights were trained on).
      normalize: whether the weights were trained on pixels scaled to [0, 1].
      batch_size: examples per ``Session.run``.

    Returns:
      float32 [N, 10] softmax probabilities.
    """
    with tf.Graph().as_default() as graph:
        images_pl, _ = placeholder_inputs(tf.as_dtype(images.dtype))
        probs = tf.nn.softmax(inference(images_pl, normalize=normalize, initial_weights=weights))
        init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            out = [sess.run(probs, {images_pl: images[s:s + batch_size]})
                   for s in range(0, images.shape[0], batch_size)]
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, common.NUM_CLASSES), np.float32)


def train_on_schedule(config: CNNConfig, data: Any, schedule: contract.Schedule,
                      initial: Sequence[np.ndarray]) -> contract.TrainResult:
    """``contract.Trainer``: the graph twin's ``train_and_evaluate`` on the schedule's batches.

    ``config``'s ``epochs`` and ``batch_size`` must be the schedule's
    (``common.schedule_batches`` raises ConfigError otherwise); ``initial`` is
    8 arrays in Keras order.  ``native`` is the list of trained weights.
    """
    batches = common.schedule_batches(config, data, schedule)
    weights, history = train_and_evaluate(config, data, initial_weights=initial, batches=batches)
    return common.train_result(weights, history, native=weights)


IMPLEMENTATION = contract.Implementation(
    model="cnn", name="v1", train=train_on_schedule,
    summary="TF1 graph twin: placeholders, a Session, tf.compat.v1.train.AdamOptimizer",
    note="same network, loss and Adam formula as v2; the gap starts at the second step, from "
         "Adam's constants: TF1's ApplyAdam kernel forms 1-beta in float32 from float32 beta "
         "(1-0.999f = 0.0009999871, 1.3e-5 below Keras' 0.001; 1-0.9f = 0.100000024), Keras "
         "forms 1-beta in float64 and rounds once. Later, TF1's running product beta^t vs "
         "Keras' pow(beta, t) adds round-off")
