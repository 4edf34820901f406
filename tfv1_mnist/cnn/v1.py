"""The seed's Keras CNN as a TF1 program: placeholders, a Session, AdamOptimizer.

It exists so that the comparison can set a graph-mode, session-based program
beside the TF2 custom loop (``v2``) and the seed's ``model.fit``
(``keras_reference``), all three from the same initial weights on the same
batches (``tfv1_mnist.cnn.seeded``).

Pattern: TF 1.x ``fully_connected_feed.py``.  The graph builders live in
``tfv1_mnist.cnn.graph`` (TF1's ``mnist.py``, with the notes on TF1's Adam
against Keras'); the runners here (``train_and_evaluate``, ``evaluate``,
``predict_proba``, and the ``contract`` trainer ``train_on_schedule``, the
same names as ``v2``'s) build them into their own ``tf.Graph``, feed batches
with ``fill_feed_dict`` and close their Session.  Nothing here calls
``disable_v2_behavior``, so v1 and v2 code share a process.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Mapping, Sequence

import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.cnn import results, seeded, shapes
from tfv1_mnist.cnn.graph import (
    do_eval,
    evaluation,
    inference,
    loss,
    placeholder_inputs,
    training,
)
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.progress import progress_bar

__all__ = [
    "train_and_evaluate",
    "evaluate",
    "predict_proba",
    "train_on_schedule",
    "IMPLEMENTATION",
]

_log = logging.getLogger(__name__)


def _epoch_order(n: int, config: CNNConfig, epoch: int, batches) -> np.ndarray:
    if batches is not None:
        return batches[epoch]
    if config.seed is not None:
        return seeded.epoch_indices(n, config.seed, epoch)
    return np.random.permutation(n).astype(np.int64)


def _train_epoch(step, x_train: np.ndarray, y_train: np.ndarray, order: np.ndarray, batch_size: int,
                 progress: bool, history: dict) -> None:
    """Runs one epoch of ``step`` (a ``Session.make_callable``) over ``order``; appends to ``history``.

    Records every step's loss, and the epoch's example-weighted mean loss and
    accuracy of the batches before their updates (what Keras' ``fit`` logs).
    """
    num_steps = -(-order.size // batch_size)
    bar = progress_bar(num_steps, unit_name="step", lines=1) if progress else None
    start = time.perf_counter()
    loss_total = 0.0
    correct_total = 0
    for i in range(num_steps):
        index = order[i * batch_size:(i + 1) * batch_size]
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


def _end_epoch(history: dict, val: dict, epoch: int, epochs: int) -> None:
    """Appends the epoch's validation to ``history`` and logs the epoch."""
    history["val_loss"].append(val["loss"])
    history["val_accuracy"].append(val["accuracy"])
    _log.info("cnn v1 epoch %d/%d: loss %.4f accuracy %.4f val_loss %.4f val_accuracy %.4f",
              epoch + 1, epochs, history["loss"][-1], history["accuracy"][-1], val["loss"], val["accuracy"])


def train_and_evaluate(config: CNNConfig, data, workdir: str | os.PathLike | None = None, *,
                       initial_weights: Sequence[np.ndarray] | None = None,
                       batches: Sequence[np.ndarray] | None = None, progress: bool = False,
                       eval_batch_size: int = 1000, adam: Mapping[str, float] | None = None):
    """Trains the CNN in a Session, evaluating on the test set after every epoch.

    The graph lives in its own ``tf.Graph``; the Session is closed on return.

    Args:
      config: ``CNNConfig`` (epochs, batch_size, learning_rate, normalize, seed).
      data: a ``datasets.Mnist``; the test set is the validation data, as in the seed.
      workdir: None; taken for ``v2.train_and_evaluate``'s signature (no checkpoints).
      initial_weights: 8 arrays in Keras order, or None (Glorot-uniform from ``config.seed``).
      batches: one int64 index array per epoch, cut into ``batch_size`` slices (the last
        may be short, as in Keras); None: ``seeded.epoch_indices`` when seeded, else a
        fresh permutation.
      progress: show progress per epoch (``progress.progress_bar``: a bar on a terminal).
      eval_batch_size: batch size of the per-epoch test-set evaluation.
      adam: ``beta1``/``beta2``/``epsilon`` overriding ``graph.KERAS_ADAM``.

    Returns:
      ``(weights, history)``: the 8 trained float32 arrays in Keras order, and
      ``results.HISTORY_KEYS``' lists (``loss``/``accuracy``: the batches' mean before
      each update, as Keras' ``fit`` logs it).

    Raises:
      DataError: the arrays have the wrong shapes.
      ConfigError: bad ``batches`` or ``initial_weights``, or a ``workdir``.
    """
    if workdir is not None:
        raise ConfigError(f"the v1 CNN twin writes no checkpoints, so it takes no workdir "
                          f"(got {workdir!r}): pass workdir=None")
    x_train, y_train, x_test, y_test = shapes.check_data(data)
    n = x_train.shape[0]
    batches = seeded.check_batches(batches, n, config.epochs)
    history = results.empty_history()
    with tf.Graph().as_default() as graph:
        if config.seed is not None:
            tf.compat.v1.set_random_seed(config.seed)
        images_pl, labels_pl = placeholder_inputs(tf.as_dtype(x_train.dtype))
        logits = inference(images_pl, normalize=config.normalize, initial_weights=initial_weights,
                           seed=config.seed)
        loss_op = loss(logits, labels_pl)
        train_op = training(loss_op, config.learning_rate, adam)
        correct = evaluation(logits, labels_pl)
        loss_sum = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels_pl, logits=logits))
        params = tf.compat.v1.trainable_variables()  # creation order = Keras order
        init = tf.compat.v1.global_variables_initializer()
        graph.finalize()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            # One callable per step: the batch's loss and correct count before its update (Keras').
            step = sess.make_callable([train_op, loss_op, correct], [images_pl, labels_pl])
            for epoch in range(config.epochs):
                order = _epoch_order(n, config, epoch, batches)
                _train_epoch(step, x_train, y_train, order, config.batch_size, progress, history)
                _end_epoch(history, do_eval(sess, loss_sum, correct, images_pl, labels_pl, x_test, y_test,
                                            eval_batch_size), epoch, config.epochs)
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
    images = shapes.as_image_batch(images, "evaluate: images")
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise DataError(f"evaluate: labels must be [{len(images)}], one per image, "
                        f"got shape {labels.shape}")
    with tf.Graph().as_default() as graph:
        images_pl, labels_pl = placeholder_inputs(tf.as_dtype(images.dtype))
        logits = inference(images_pl, normalize=normalize, initial_weights=weights)
        loss_sum = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels_pl, logits=logits))
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
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, shapes.NUM_CLASSES), np.float32)


def train_on_schedule(config: CNNConfig, data: Any, schedule: contract.Schedule,
                      initial: Sequence[np.ndarray]) -> contract.TrainResult:
    """``contract.Trainer``: the graph twin's ``train_and_evaluate`` on the schedule's batches.

    ``config``'s ``epochs`` and ``batch_size`` must be the schedule's
    (``seeded.schedule_batches`` raises ConfigError otherwise); ``initial`` is
    8 arrays in Keras order.  ``native`` is the list of trained weights.
    """
    batches = seeded.schedule_batches(config, data, schedule)
    weights, history = train_and_evaluate(config, data, initial_weights=initial, batches=batches)
    return results.train_result(weights, history, native=weights)


IMPLEMENTATION = contract.Implementation(
    model="cnn", name="v1", train=train_on_schedule,
    summary="TF1 graph twin: placeholders, a Session, tf.compat.v1.train.AdamOptimizer",
    note="same network, loss and Adam formula as v2; the gap starts at the second step, from "
         "Adam's constants: TF1's ApplyAdam kernel forms 1-beta in float32 from float32 beta "
         "(1-0.999f = 0.0009999871, 1.3e-5 below Keras' 0.001; 1-0.9f = 0.100000024), Keras "
         "forms 1-beta in float64 and rounds once. Later, TF1's running product beta^t vs "
         "Keras' pow(beta, t) adds round-off")
