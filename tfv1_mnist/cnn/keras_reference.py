"""The seed's Keras CNN program, kept as a reference implementation.

Pattern: the seed's own code path — a ``keras.Sequential`` compiled with
``adam``, ``sparse_categorical_crossentropy`` and ``accuracy``, trained by
``model.fit(..., validation_data=(x_test, y_test))`` — wrapped so that it can
start from ``seeded.initial_weights`` and replay ``seeded.epoch_indices``'
order, as ``v2`` does.
With the same config both implementations then see identical inputs, and any
difference in their histories comes from the numerics alone.

How the batch order is replayed: each epoch is one ``fit`` call (``initial_epoch=e,
epochs=e+1``) on a ``tf.data.Dataset`` that yields that epoch's pre-ordered
batches (``fit`` never shuffles a dataset).  The optimizer state carries over
between calls, so this is the same as one ``fit`` over all epochs.

How the per-step loss is measured (exactly, not from running means): ``train``
compiles with ``_RecordedLoss``, a ``SparseCategoricalCrossentropy`` that also
keeps the value of its latest call in a variable; a callback reads it at
``on_train_batch_end``.  It is the very loss ``fit`` differentiates, so it is the
batch's loss before that batch's update.  (Recovering it from Keras' running
means, ``(m_i * n_i - m_{i-1} * n_{i-1}) / b_i``, loses about 1e-4 late in a 60k
epoch to float32 rounding.)
"""

from __future__ import annotations

import logging
import time
from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.cnn import inputs, results, seeded, shapes
from tfv1_mnist.config import CNNConfig

__all__ = ["build_model", "train", "train_on_schedule", "IMPLEMENTATION"]

_log = logging.getLogger(__name__)


def build_model(learning_rate: float = 0.001,
                loss: str | keras.losses.Loss = "sparse_categorical_crossentropy",
                ) -> keras.Sequential:
    """The seed's CNN (10,000 parameters), compiled as the seed compiled it.

    Args:
      learning_rate: Adam's rate (the seed used Keras' default, 0.001).
      loss: the loss to compile with; the seed's by default (``train`` passes
        the same loss, recording each batch's value).

    Returns:
      A compiled ``keras.Sequential``: input float32 [N,28,28,1], output softmax
      probabilities float32 [N,10].  Its ``get_weights()`` order is the
      canonical one (``shapes.WEIGHT_SHAPES``).
    """
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(28, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(10, kernel_size=(4, 4), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(20, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="seed_cnn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=loss, metrics=["accuracy"])
    return model


class _RecordedLoss(keras.losses.SparseCategoricalCrossentropy):
    """``sparse_categorical_crossentropy`` that keeps its latest value in ``self.last``."""

    def __init__(self):
        super().__init__(name="sparse_categorical_crossentropy")
        self.last = tf.Variable(float("nan"), trainable=False, dtype=tf.float32,
                                name="last_batch_loss")

    def __call__(self, y_true, y_pred, sample_weight=None):
        value = super().__call__(y_true, y_pred, sample_weight=sample_weight)
        self.last.assign(tf.cast(value, tf.float32))
        return value


class _StepLoss(keras.callbacks.Callback):
    """Collects ``_RecordedLoss.last`` after every training batch."""

    def __init__(self, loss: _RecordedLoss):
        super().__init__()
        self.loss = loss
        self.losses: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(self.loss.last.numpy()))


def train(config: CNNConfig, data: Any, *, initial_weights: Sequence[np.ndarray] | None = None,
          batches: Sequence[np.ndarray] | None = None, verbose: int = 0,
          ) -> tuple[keras.Sequential, dict]:
    """Trains the seed's Keras model with ``fit``, validating on the test set.

    Args:
      config: a ``CNNConfig`` (epochs, batch_size, learning_rate, normalize, seed).
      data: a ``datasets.Mnist`` (uint8 x_train [N,28,28], y_train [N], x_test
        [M,28,28], y_test [M]).
      initial_weights: 8 arrays in Keras order, or None for
        ``seeded.initial_weights(seed)`` — the same start as ``v2``.
      batches: one int64 index array per epoch, or None for
        ``seeded.epoch_indices(N, seed, epoch)`` — the same order as ``v2``.
        With ``config.seed`` None a seed is drawn for both.
      verbose: ``fit``'s verbosity (0 silent, 1 progress bar).

    Returns:
      ``(model, history)``: history has lists ``loss``, ``accuracy``,
      ``val_loss``, ``val_accuracy``, ``epoch_seconds`` (one per epoch, training
      and validation as ``fit`` times them) and ``step_loss`` (one per step).

    Raises:
      DataError: the arrays have the wrong shapes (``shapes.check_data``).
      ConfigError: ``batches`` is too short or holds a bad epoch order
        (``seeded.check_batches``), or ``initial_weights`` are not
        ``shapes.WEIGHT_SHAPES``.
    """
    x_train, y_train, x_test, y_test = shapes.check_data(data)
    batches = seeded.check_batches(batches, len(x_train), config.epochs)
    seed = config.seed if config.seed is not None else seeded.draw_run_seed()
    recorded = _RecordedLoss()
    model = build_model(config.learning_rate, loss=recorded)
    if initial_weights is not None:
        shapes.check_weights(initial_weights)
    model.set_weights(list(initial_weights) if initial_weights is not None
                      else seeded.initial_weights(seed))
    x_train = inputs.prepare_images(x_train, config.normalize)
    x_test = inputs.prepare_images(x_test, config.normalize)
    y_train = y_train.astype(np.int64)
    y_test = y_test.astype(np.int64)
    # Uploaded once; each epoch's dataset gathers its batches from these.
    x_train_t, y_train_t = tf.constant(x_train), tf.constant(y_train)
    history = results.empty_history()
    for epoch in range(config.epochs):
        order = (batches[epoch] if batches is not None
                 else seeded.epoch_indices(len(x_train), seed, epoch))
        step_cb = _StepLoss(recorded)
        start = time.perf_counter()
        fit = model.fit(inputs.make_dataset(x_train_t, y_train_t, order, config.batch_size),
                        validation_data=(x_test, y_test), initial_epoch=epoch, epochs=epoch + 1,
                        shuffle=False, verbose=verbose, callbacks=[step_cb])
        history["epoch_seconds"].append(time.perf_counter() - start)
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            history[key].append(float(fit.history[key][-1]))
        history["step_loss"].extend(step_cb.losses)
    return model, history


def train_on_schedule(config: CNNConfig, data: Any, schedule: contract.Schedule,
                      initial: Sequence[np.ndarray]) -> contract.TrainResult:
    """``contract.Trainer``: ``train`` (the seed's ``fit``) on the schedule's batches, from ``initial``.

    ``config``'s ``epochs`` and ``batch_size`` must be the schedule's
    (``seeded.schedule_batches`` raises ConfigError otherwise); ``initial`` is
    8 arrays in Keras order.  ``native`` is the Keras model; ``step_loss`` is
    the loss ``fit`` differentiated.
    """
    batches = seeded.schedule_batches(config, data, schedule)
    model, history = train(config, data, initial_weights=initial, batches=batches)
    return results.train_result(model.get_weights(), history, native=model)


IMPLEMENTATION = contract.Implementation(
    model="cnn", name="keras", train=train_on_schedule,
    summary="the seed's program: keras.Sequential compiled with adam, trained by model.fit",
    note="Keras model.fit runs Keras' Adam on the same cross-entropy as v2; fit's per-step loss is "
         "read after every batch from the loss object fit differentiates (keras_reference), so it "
         "is the step's own loss, not one recovered from Keras' running mean")
