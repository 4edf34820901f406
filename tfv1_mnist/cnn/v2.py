"""The seed's Keras CNN, rebuilt from raw ``tf.nn`` ops and trained by a custom loop (TF2).

Pattern (Flax ``examples/mnist`` + Sonnet 2): ``CNN`` is a ``tf.Module`` whose
variables are created once in ``__init__`` and whose ``__call__`` computes the
logits; the step and the loop that runs it live in ``tfv1_mnist.cnn.steps``,
the checkpoints in ``tfv1_mnist.cnn.checkpoints``;
``train_and_evaluate(config, data, workdir)`` runs the epochs and returns
``(model, history)``; ``evaluate(model, x, y)`` returns a dict.
``train_on_schedule`` is the ``contract`` trainer, registered as
``IMPLEMENTATION`` (the CNN's reference).  State and seeds are passed in;
nothing reads a global or a file except the checkpoint folder it is given.

Training runs under a ``tf.distribute.Strategy`` (``strategy=``; TensorFlow's
custom-training-loop guide, ``cnn.steps``, docs/distribute.md); the model and
the optimizer are created inside ``strategy.scope()``.

The architecture and checks (``shapes``), the initial weights and epoch
orders (``seeded``) and the input scaling (``inputs``) are shared with the
``v1`` graph twin and the ``keras_reference``.  Export (SavedModel,
``model.keras``) lives in ``tfv1_mnist.cnn.export``.
"""

from __future__ import annotations

import math
import os
from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.cnn import inputs, results, seeded, shapes
from tfv1_mnist.cnn.checkpoints import EpochCheckpoints
from tfv1_mnist.cnn.steps import StepRunner, epoch_batches, losses_and_correct, train_epoch
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import DataError
from tfv1_mnist.progress import progress_bar

__all__ = [
    "CNN",
    "train_and_evaluate",
    "evaluate",
    "predict_proba",
    "train_on_schedule",
    "IMPLEMENTATION",
]

class CNN(tf.Module):
    """The seed's CNN as a ``tf.Module`` of raw ``tf.nn`` ops.

    Each layer's variables live in a name scope (``conv1``, ``conv2``, ``dense1``,
    ``dense2``) and are named ``weights``/``biases``.  The input scaling chosen at
    training time (``normalize``) is part of the model, so callers always pass
    pixels in 0..255.
    """

    def __init__(self, weights: Sequence[np.ndarray] | None = None, *, normalize: bool = False,
                 seed: int = 0, name: str | None = "cnn"):
        """Creates the variables.

        Args:
          weights: 8 arrays in Keras order (``shapes.WEIGHT_SHAPES``), or None to draw
            ``seeded.initial_weights(seed)``.
          normalize: scale inputs to [0, 1] before the first conv.
          seed: draws the weights when ``weights`` is None; kept as ``seed``,
            the run's seed (its epoch orders derive from it too).
          name: module name.

        Raises:
          ConfigError: ``weights`` has the wrong number or shapes of arrays.
        """
        super().__init__(name=name)
        self.normalize = bool(normalize)
        #: The seed of the initial weights and of the epoch orders trained with.
        self.seed = int(seed)
        if weights is None:
            weights = seeded.initial_weights(seed)
        shapes.check_weights(weights)
        ordered = []
        with self.name_scope:
            for layer, (kernel, bias) in zip(shapes.LAYER_NAMES, zip(weights[0::2], weights[1::2])):
                with tf.name_scope(layer):
                    ordered.append(tf.Variable(np.asarray(kernel, np.float32), name="weights"))
                    ordered.append(tf.Variable(np.asarray(bias, np.float32), name="biases"))
        # A list keeps Keras order; tf.Module would otherwise sort by attribute name.
        self.ordered_variables = ordered

    @property
    def num_params(self) -> int:
        """Number of trainable parameters (10,000)."""
        return int(sum(int(np.prod(v.shape)) for v in self.trainable_variables))

    def get_weights(self) -> list[np.ndarray]:
        """Returns copies of the 8 weight arrays, in Keras Sequential order (float32)."""
        return [v.numpy().copy() for v in self.ordered_variables]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Assigns 8 arrays in Keras Sequential order (shapes ``shapes.WEIGHT_SHAPES``)."""
        shapes.check_weights(weights)
        for v, w in zip(self.ordered_variables, weights):
            v.assign(np.asarray(w, np.float32))

    def __call__(self, images: tf.Tensor) -> tf.Tensor:
        """Computes the logits.

        Args:
          images: uint8 or float32 [N,28,28] or [N,28,28,1], pixels in 0..255.

        Returns:
          float32 [N, 10] logits (the softmax lives in the loss).
        """
        k1, b1, k2, b2, w3, b3, w4, b4 = self.ordered_variables
        x = inputs.as_nhwc(inputs.scale_images(images, self.normalize))
        # bias_add + relu right after conv2d lets grappler fuse them into one oneDNN op.
        # The name scopes name each op's layer (and its gradients') in profiles.
        with tf.name_scope("conv1"):
            x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k1, 1, "VALID"), b1))   # [N,26,26,28]
        with tf.name_scope("pool1"):
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")                                # [N,13,13,28]
        with tf.name_scope("conv2"):
            x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k2, 1, "VALID"), b2))   # [N,10,10,10]
        with tf.name_scope("pool2"):
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")                                # [N,5,5,10]
        x = tf.reshape(x, [-1, 250])
        with tf.name_scope("dense1"):
            x = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w3), b3))                  # [N,20]
        with tf.name_scope("dense2"):
            return tf.nn.bias_add(tf.matmul(x, w4), b4)                           # [N,10]


@tf.function
def _eval_batch(model: CNN, images: tf.Tensor, labels: tf.Tensor):
    """``(float32 summed loss, int32 correct count)`` of one batch."""
    losses, correct = losses_and_correct(model, images, labels)
    return tf.reduce_sum(losses), correct



def train_and_evaluate(config: CNNConfig, data: Any, workdir: str | os.PathLike | None = None, *,
                       initial_weights: Sequence[np.ndarray] | None = None,
                       batches: Sequence[np.ndarray] | None = None, resume: bool = False,
                       progress: bool = True, steps_per_call: int | None = None, strategy=None,
                       write_dir: str | os.PathLike | None = None) -> tuple[CNN, dict]:
    """Trains the CNN with Adam for ``config.epochs`` epochs, validating on the test set.

    Args:
      config: a ``CNNConfig``; ``config.seed`` None draws a seed (``model.seed``).
      data: a ``datasets.Mnist`` (uint8 x_train [N,28,28], y_train [N], x_test, y_test).
      workdir, write_dir, resume: the checkpoints (``checkpoints.EpochCheckpoints``);
        None: no checkpoints.
      initial_weights: 8 arrays in Keras order, or None for ``seeded.initial_weights``.
      batches: one int64 index array per epoch, or None for ``seeded.epoch_indices``.
      progress: show progress per epoch (``progress.progress_bar``: a bar on a terminal).
      steps_per_call: steps per ``tf.function`` call (default: about 20 per epoch).
      strategy: the ``tf.distribute.Strategy``; None for the current one.

    Returns:
      ``(model, history)``: the trained ``CNN`` and ``results.HISTORY_KEYS``' lists,
      one value per epoch, and ``step_loss`` one per step (before its update).

    Raises:
      ConfigError: bad ``batches``, or a checkpoint written with other settings.
      DataError: the arrays have the wrong shapes.
    """
    x_train, y_train, x_test, y_test = shapes.check_data(data)
    batches = seeded.check_batches(batches, len(x_train), config.epochs)  # before any epoch trains
    strategy = tf.distribute.get_strategy() if strategy is None else strategy
    checkpoints = EpochCheckpoints(config, workdir, write_dir=write_dir, resume=resume)
    with strategy.scope():  # Keras 3's Adam must be built in the scope, too
        model = CNN(initial_weights if checkpoints.latest is None else None,
                    normalize=config.normalize, seed=checkpoints.run_seed)
        optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
        optimizer.build(model.ordered_variables)
    start_epoch, history = checkpoints.restore(model, optimizer)
    runner = StepRunner(model, optimizer, strategy)
    n = len(x_train)
    if steps_per_call is None:
        steps_per_call = max(1, math.ceil(math.ceil(n / config.batch_size) / 20))
    x_train_t, y_train_t = tf.constant(x_train), tf.constant(y_train)
    for epoch in range(start_epoch, config.epochs):
        order = batches[epoch] if batches is not None else seeded.epoch_indices(n, model.seed, epoch)
        steps = math.ceil(len(order) / config.batch_size)
        dataset = epoch_batches(strategy, x_train_t, y_train_t, order, config.batch_size)
        progbar = _epoch_progbar(epoch, config.epochs, steps) if progress else None
        stats = train_epoch(runner, dataset, steps, steps_per_call=steps_per_call, progbar=progbar)
        val = evaluate(model, x_test, y_test)
        _record_epoch(history, stats, val)
        if progbar is not None:
            progbar.update(steps, [(k, history[k][-1]) for k in results.EPOCH_KEYS[:4]], finalize=True)
        checkpoints.save(epoch + 1, history)
    return model, history


def _epoch_progbar(epoch: int, epochs: int, steps: int):
    """``Epoch e/E`` and a progress display over its ``steps`` (``progress.progress_bar``), as ``fit(verbose=1)``."""
    print(f"Epoch {epoch + 1}/{epochs}", flush=True)
    return progress_bar(steps, stateful_metrics=["loss", "accuracy", "val_loss", "val_accuracy"], lines=1)


def _record_epoch(history: dict, stats: dict, val: dict) -> None:
    """Appends one epoch's training ``stats`` (``steps.train_epoch``) and validation to ``history``."""
    history["loss"].append(stats["loss"])
    history["accuracy"].append(stats["accuracy"])
    history["val_loss"].append(val["loss"])
    history["val_accuracy"].append(val["accuracy"])
    history["epoch_seconds"].append(stats["seconds"])
    history["step_loss"].extend(stats["step_loss"])


def evaluate(model: CNN, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> dict:
    """Mean loss and accuracy of ``model`` on a data set.

    Args:
      model: a ``CNN``.
      x: uint8 [N,28,28] images (pixels 0..255).
      y: integer [N] labels.
      batch_size: examples per forward pass (does not change the result beyond rounding).

    Returns:
      ``{"loss": float, "accuracy": float}``; both NaN when N is 0.

    Raises:
      DataError: ``x`` is not [N,28,28(,1)], or ``y`` is not [N].
    """
    x = shapes.as_image_batch(x, "evaluate: x")
    y = np.asarray(y)
    if y.shape != (len(x),):
        raise DataError(f"evaluate: y must be labels [{len(x)}], one per image, got shape {y.shape}")
    if len(x) == 0:
        return {"loss": float("nan"), "accuracy": float("nan")}
    total_loss, total_correct = 0.0, 0
    bs = int(batch_size)
    for start in range(0, len(x), bs):
        xb = tf.convert_to_tensor(x[start:start + bs])
        yb = tf.convert_to_tensor(y[start:start + bs])
        loss, correct = _eval_batch(model, xb, yb)
        total_loss += float(loss)
        total_correct += int(correct)
    return {"loss": total_loss / len(x), "accuracy": total_correct / len(x)}



@tf.function
def _proba_batch(model: CNN, images: tf.Tensor) -> tf.Tensor:
    return tf.nn.softmax(model(images))


def predict_proba(model: CNN, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities.

    Args:
      model: a ``CNN``.
      x: uint8 (or float, 0..255) [N,28,28] or [N,28,28,1] images.
      batch_size: examples per forward pass.

    Returns:
      float32 [N, 10].
    """
    x = shapes.as_image_batch(x, "predict_proba: x")
    out = [_proba_batch(model, tf.convert_to_tensor(x[s:s + batch_size])).numpy()
           for s in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, shapes.NUM_CLASSES), np.float32)


# ---------------------------------------------------------------------------
# The contract trainer


def train_on_schedule(config: CNNConfig, data: Any, schedule: contract.Schedule,
                      initial: Sequence[np.ndarray], *, strategy=None) -> contract.TrainResult:
    """``contract.Trainer``: ``train_and_evaluate`` on the schedule's batches, from ``initial``.

    ``config``'s ``epochs`` and ``batch_size`` must be the schedule's
    (``seeded.schedule_batches`` raises ConfigError otherwise); ``initial`` is
    8 arrays in Keras order; ``strategy`` as in ``train_and_evaluate``.
    ``native`` is the trained ``CNN``.
    """
    batches = seeded.schedule_batches(config, data, schedule)
    model, history = train_and_evaluate(config, data, initial_weights=initial, batches=batches,
                                        progress=False, strategy=strategy)
    return results.train_result(model.get_weights(), history, native=model)


IMPLEMENTATION = contract.Implementation(
    model="cnn", name="v2", train=train_on_schedule,
    summary="TF2 custom loop: tf.Module of raw tf.nn ops, tf.function train_step, "
            "GradientTape and keras.optimizers.Adam",
    note="the reference: every other CNN implementation is compared with it")
