"""The seed's Keras CNN, rebuilt from raw ``tf.nn`` ops and trained by a custom loop.

Pattern (Flax ``examples/mnist`` + Sonnet 2): ``CNN`` is a ``tf.Module`` whose
variables are created once in ``__init__`` and whose ``__call__`` computes the
logits; ``train_step(model, optimizer, images, labels)`` is one ``tf.function``
update with ``GradientTape`` and Adam; ``evaluate(model, x, y)`` returns a dict;
``train_and_evaluate(config, data, workdir)`` runs the epochs, checkpoints each
one and returns ``(model, history)``.  State and seeds are passed in; nothing
reads a global or a file except the checkpoint folder it is given.

Architecture (the seed's, 10,000 parameters)::

    conv 3x3x28 + ReLU (VALID) -> max-pool 2 -> conv 4x4x10 + ReLU -> max-pool 2
    -> flatten (250) -> dense 20 + ReLU -> dense 10 (logits)

Randomness is explicit everywhere: the initial weights come from
``initial_weights(seed)`` (NumPy, Glorot-uniform kernels, zero biases) and each
epoch's order from ``epoch_indices(n, seed, epoch)``.  No TensorFlow random op
is used, so the code runs unchanged with or without op determinism, and a
resumed run sees the same batches as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import pathlib
import shutil
import tempfile
import time
from typing import Any, Sequence

import numpy as np
import tensorflow as tf

from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import ConfigError, DataError

__all__ = [
    "CNN",
    "WEIGHT_SHAPES",
    "NUM_PARAMS",
    "TRAIN_FLOPS_PER_EXAMPLE",
    "initial_weights",
    "check_weights",
    "epoch_indices",
    "draw_run_seed",
    "check_data",
    "check_batches",
    "scale_images",
    "make_dataset",
    "train_step",
    "StepRunner",
    "train_epoch",
    "evaluate",
    "predict_proba",
    "train_and_evaluate",
    "export",
    "load_exported",
    "ExportedModel",
    "count_params",
]

_log = logging.getLogger(__name__)

IMAGE_SIZE = 28
NUM_CLASSES = 10

#: Shapes of the weights, in Keras ``Sequential.get_weights()`` order.
WEIGHT_SHAPES: tuple[tuple[int, ...], ...] = (
    (3, 3, 1, 28), (28,),      # conv1: kernel HWIO, bias
    (4, 4, 28, 10), (10,),     # conv2
    (250, 20), (20,),          # dense1 (flattened 5x5x10, NHWC order as Keras' Flatten)
    (20, 10), (10,),           # dense2 (logits)
)
_LAYER_NAMES = ("conv1", "conv2", "dense1", "dense2")

NUM_PARAMS = int(sum(np.prod(s) for s in WEIGHT_SHAPES))  # 10,000


def _train_flops_per_example() -> float:
    # Multiply-adds of the forward pass, x2 for FLOPs, x3 for forward + two backward
    # products (input and weight gradients); the first conv's input gradient is not
    # needed but is small.
    conv1 = 26 * 26 * 28 * (3 * 3 * 1)
    conv2 = 10 * 10 * 10 * (4 * 4 * 28)
    dense = 250 * 20 + 20 * 10
    return 3 * 2 * float(conv1 + conv2 + dense)


#: About 3.7 MFLOP per training example (forward and backward).
TRAIN_FLOPS_PER_EXAMPLE = _train_flops_per_example()


def _fan_in_out(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def initial_weights(seed: int) -> list[np.ndarray]:
    """Draws the initial weights the way Keras does, from an explicit seed.

    Kernels are Glorot-uniform (``U(-l, l)``, ``l = sqrt(6 / (fan_in + fan_out))``),
    biases are zero.  NumPy's PCG64, seeded with ``(seed, layer)``, draws them, so
    they are the same on every platform and need no TensorFlow random op.

    Args:
      seed: a non-negative int.

    Returns:
      8 float32 arrays with shapes ``WEIGHT_SHAPES`` (Keras Sequential order).
    """
    if seed is None or int(seed) < 0:
        raise ConfigError(f"initial_weights needs a non-negative int seed, got {seed!r}")
    weights = []
    for i, shape in enumerate(WEIGHT_SHAPES):
        if i % 2:  # bias
            weights.append(np.zeros(shape, np.float32))
            continue
        fan_in, fan_out = _fan_in_out(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        rng = np.random.default_rng([int(seed), 0x5EED, i // 2])
        weights.append(rng.uniform(-limit, limit, size=shape).astype(np.float32))
    return weights


def epoch_indices(num_examples: int, seed: int, epoch: int) -> np.ndarray:
    """The training order of one epoch, derived from ``(seed, epoch)`` only.

    Args:
      num_examples: training set size N.
      seed: a non-negative int (the run's seed).
      epoch: 0-based epoch number.

    Returns:
      int64 [N], a permutation of ``range(N)``; batches are its consecutive
      ``batch_size`` slices, the last one partial (as Keras does).
    """
    rng = np.random.default_rng([int(seed), 0xBA7C, int(epoch)])
    return rng.permutation(int(num_examples)).astype(np.int64)


def check_batches(batches, num_examples: int, epochs: int) -> list[np.ndarray] | None:
    """Checks given training orders, one per epoch, before any epoch trains.

    Used by ``cnn_v1``, ``cnn_v2`` and ``keras_reference`` alike.

    Args:
      batches: a sequence of int [M] row indices into the training set, at
        least ``epochs`` of them, each non-empty; or None.
      num_examples: training set size N.
      epochs: how many epochs will train.

    Returns:
      The first ``epochs`` orders as int64 [M] arrays, or None for None.

    Raises:
      ConfigError: too few orders, or one that is not a non-empty 1-D array of
        indices in [0, N).
    """
    if batches is None:
        return None
    if len(batches) < epochs:
        raise ConfigError(f"batches holds {len(batches)} epochs but config.epochs is {epochs}")
    orders = []
    for epoch in range(epochs):
        order = np.asarray(batches[epoch], dtype=np.int64)
        if order.ndim != 1 or order.size == 0:
            raise ConfigError(
                f"batches[{epoch}] must be a non-empty 1-D index array, got shape {order.shape}")
        if order.min() < 0 or order.max() >= num_examples:
            raise ConfigError(
                f"batches[{epoch}] holds indices outside the training set (0..{num_examples - 1})")
        orders.append(order)
    return orders


def scale_images(images: tf.Tensor, normalize: bool) -> tf.Tensor:
    """Casts pixels to float32 and, with ``normalize``, divides by 255.

    Args:
      images: uint8 or float [..., 28, 28(, 1)] pixels in 0..255.
      normalize: divide by 255 (``x / 255``, exactly what the Keras reference does
        to its NumPy input) or keep raw 0..255 values (the seed).

    Returns:
      float32 tensor of the same shape.
    """
    x = tf.cast(images, tf.float32)
    return x / 255.0 if normalize else x


def _as_nhwc(images: tf.Tensor) -> tf.Tensor:
    """Reshapes [N,28,28] or [N,28,28,1] to [N,28,28,1]."""
    return tf.reshape(images, [-1, IMAGE_SIZE, IMAGE_SIZE, 1])


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
          weights: 8 arrays in Keras order (``WEIGHT_SHAPES``), or None to draw
            ``initial_weights(seed)``.
          normalize: scale inputs to [0, 1] before the first conv.
          seed: used only when ``weights`` is None.
          name: module name.

        Raises:
          ConfigError: ``weights`` has the wrong number or shapes of arrays.
        """
        super().__init__(name=name)
        self.normalize = bool(normalize)
        if weights is None:
            weights = initial_weights(seed)
        check_weights(weights)
        ordered = []
        with self.name_scope:
            for layer, (kernel, bias) in zip(_LAYER_NAMES, zip(weights[0::2], weights[1::2])):
                with tf.name_scope(layer):
                    ordered.append(tf.Variable(np.asarray(kernel, np.float32), name="weights"))
                    ordered.append(tf.Variable(np.asarray(bias, np.float32), name="biases"))
        # A list keeps Keras order; tf.Module would otherwise sort by attribute name.
        self.ordered_variables = ordered

    @property
    def num_params(self) -> int:
        """Number of trainable parameters (10,000)."""
        return count_params(self)

    def get_weights(self) -> list[np.ndarray]:
        """Returns copies of the 8 weight arrays, in Keras Sequential order (float32)."""
        return [v.numpy().copy() for v in self.ordered_variables]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Assigns 8 arrays in Keras Sequential order (shapes ``WEIGHT_SHAPES``)."""
        check_weights(weights)
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
        x = _as_nhwc(scale_images(images, self.normalize))
        # bias_add + relu right after conv2d lets grappler fuse them into one oneDNN op.
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k1, 1, "VALID"), b1))   # [N,26,26,28]
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")                                # [N,13,13,28]
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k2, 1, "VALID"), b2))   # [N,10,10,10]
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")                                # [N,5,5,10]
        x = tf.reshape(x, [-1, 250])
        x = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w3), b3))                  # [N,20]
        return tf.nn.bias_add(tf.matmul(x, w4), b4)                           # [N,10]


def check_weights(weights: Sequence[np.ndarray]) -> None:
    """Raises ConfigError unless ``weights`` are 8 arrays of ``WEIGHT_SHAPES``, in order."""
    shapes = tuple(tuple(np.shape(w)) for w in weights)
    if shapes != WEIGHT_SHAPES:
        raise ConfigError(
            f"CNN weights must be 8 arrays with shapes {WEIGHT_SHAPES} (Keras Sequential "
            f"order), got {shapes}"
        )


def count_params(model: CNN) -> int:
    """Total number of trainable scalars in ``model``."""
    return int(sum(int(np.prod(v.shape)) for v in model.trainable_variables))


def _losses_and_correct(model: CNN, images: tf.Tensor, labels: tf.Tensor):
    """Per-example losses and the count of right answers of one batch.

    Args:
      model: the ``CNN``.
      images: uint8/float32 [B,28,28(,1)] pixels 0..255.
      labels: integer [B] class ids.

    Returns:
      ``(losses, correct)``: float32 [B] sparse softmax cross-entropies and an
      int32 scalar.
    """
    logits = model(images)
    labels = tf.cast(labels, tf.int32)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), labels),
                                    tf.int32))
    return losses, correct


@tf.function
def train_step(model: CNN, optimizer, images: tf.Tensor, labels: tf.Tensor):
    """One Adam update on one batch.

    Args:
      model: the ``CNN``.
      optimizer: a built ``keras.optimizers.Adam`` (or any Keras optimizer).
      images: uint8/float32 [B,28,28(,1)] pixels 0..255.
      labels: integer [B] class ids.

    Returns:
      ``(loss, correct)``: float32 scalar mean sparse softmax cross-entropy of the
      batch computed before the update, and int32 scalar count of correct
      predictions (also before the update, as Keras' training accuracy).
    """
    with tf.GradientTape() as tape:
        losses, correct = _losses_and_correct(model, images, labels)
        loss = tf.reduce_mean(losses)
    grads = tape.gradient(loss, model.ordered_variables)
    optimizer.apply_gradients(zip(grads, model.ordered_variables))
    return loss, correct


def make_dataset(x: np.ndarray | tf.Tensor, y: np.ndarray | tf.Tensor, indices: np.ndarray,
                 batch_size: int) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of one epoch's batches, in the given order.

    The order is passed in (``epoch_indices`` reshuffles every epoch from
    ``(seed, epoch)``), so the pipeline itself holds no random state.

    Args:
      x: images [N, ...]: uint8 [N,28,28] here; ``keras_reference`` passes
        its float32 [N,28,28,1].
      y: labels [N]: uint8 here, int64 in ``keras_reference``.
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


class StepRunner:
    """Runs ``k`` training steps per call inside one ``tf.function`` (like Keras'
    ``steps_per_execution``), collecting each step's loss and correct count.

    Fewer Python round trips per epoch are most of the speed difference between
    a per-step loop and a whole-epoch ``tf.function``.
    """

    def __init__(self, model: CNN, optimizer):
        self.model = model
        self.optimizer = optimizer

        @tf.function
        def run(iterator, num_steps):
            losses = tf.TensorArray(tf.float32, size=num_steps)
            corrects = tf.TensorArray(tf.int32, size=num_steps)
            sizes = tf.TensorArray(tf.int32, size=num_steps)
            for i in tf.range(num_steps):
                images, labels = next(iterator)
                loss, correct = train_step(model, optimizer, images, labels)
                losses = losses.write(i, loss)
                corrects = corrects.write(i, correct)
                sizes = sizes.write(i, tf.shape(labels)[0])
            return losses.stack(), corrects.stack(), sizes.stack()

        self._run = run

    def __call__(self, iterator, num_steps: int):
        """Takes ``num_steps`` batches from ``iterator`` and trains on each.

        Args:
          iterator: an iterator over ``make_dataset`` batches.
          num_steps: how many steps (the iterator must hold at least that many).

        Returns:
          ``(losses float32 [k], corrects int32 [k], sizes int32 [k])`` per step.
        """
        return self._run(iterator, tf.constant(num_steps, tf.int32))


def train_epoch(runner: StepRunner, dataset: tf.data.Dataset, num_steps: int, *,
                steps_per_call: int, progbar=None) -> dict:
    """Trains one pass over ``dataset``.

    Args:
      runner: a ``StepRunner`` for the model and optimizer.
      dataset: batches from ``make_dataset``.
      num_steps: number of batches in ``dataset``.
      steps_per_call: steps per ``tf.function`` call (progress granularity).
      progbar: a ``keras.utils.Progbar`` with ``target=num_steps``, or None.

    Returns:
      dict with ``step_loss`` (list of float, one per step), ``loss`` (mean over
      examples), ``accuracy`` and ``seconds`` (wall time of the pass).
    """
    start = time.perf_counter()
    iterator = iter(dataset)
    step_loss: list[np.ndarray] = []
    total_loss, total_correct, total_n, done = 0.0, 0, 0, 0
    while done < num_steps:
        k = min(steps_per_call, num_steps - done)
        losses, corrects, sizes = runner(iterator, k)
        losses, corrects, sizes = losses.numpy(), corrects.numpy(), sizes.numpy()
        step_loss.append(losses)
        total_loss += float(np.dot(losses.astype(np.float64), sizes))
        total_correct += int(corrects.sum())
        total_n += int(sizes.sum())
        done += k
        if progbar is not None:
            progbar.update(done, [("loss", total_loss / total_n),
                                  ("accuracy", total_correct / total_n)], finalize=False)
    seconds = time.perf_counter() - start
    return {
        "step_loss": [float(v) for v in np.concatenate(step_loss)] if step_loss else [],
        "loss": total_loss / max(total_n, 1),
        "accuracy": total_correct / max(total_n, 1),
        "seconds": seconds,
    }


@tf.function
def _eval_batch(model: CNN, images: tf.Tensor, labels: tf.Tensor):
    """``(float32 summed loss, int32 correct count)`` of one batch."""
    losses, correct = _losses_and_correct(model, images, labels)
    return tf.reduce_sum(losses), correct


def check_data(data) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checks a data set's arrays before training on it.

    Used by ``cnn_v1``, ``cnn_v2`` and ``keras_reference`` alike.

    Args:
      data: a ``datasets.Mnist`` (or anything with its ``x_train``, ``y_train``,
        ``x_test``, ``y_test``).

    Returns:
      ``(x_train [N,28,28], y_train [N], x_test [M,28,28], y_test [M])`` as
      numpy arrays of the dtypes given (uint8 for MNIST).

    Raises:
      DataError: images not [N,28,28(,1)], labels and images of different
        lengths, or an empty training set.
    """
    x_train = _check_images(data.x_train, "x_train")
    x_test = _check_images(data.x_test, "x_test")
    y_train, y_test = np.asarray(data.y_train), np.asarray(data.y_test)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test) or len(x_train) == 0:
        raise DataError(
            f"data set {getattr(data, 'name', '?')!r}: images and labels differ in length "
            f"or the training set is empty ({len(x_train)}/{len(y_train)}, "
            f"{len(x_test)}/{len(y_test)})")
    return x_train, y_train, x_test, y_test


def _check_images(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError(f"{what} must be images [N,28,28], got shape {x.shape}")
    return x


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
    x = _check_images(x, "evaluate: x")
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
    x = _check_images(x, "predict_proba: x")
    out = [_proba_batch(model, tf.convert_to_tensor(x[s:s + batch_size])).numpy()
           for s in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)


# ---------------------------------------------------------------------------
# train_and_evaluate, with checkpoints and resume


#: The lists of a training history, the same for ``cnn_v1``, ``cnn_v2`` and
#: ``keras_reference``: one value per epoch for the first five, one per step for
#: ``step_loss``.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "step_loss")


def _empty_history() -> dict:
    return {k: [] for k in HISTORY_KEYS}


def _config_fingerprint(config: CNNConfig, run_seed: int) -> dict:
    d = dataclasses.asdict(config)
    d.pop("epochs")
    d["run_seed"] = int(run_seed)
    return d


def draw_run_seed() -> int:
    """A fresh seed in [0, 2**31) for an unseeded run (``cnn_v2``, ``keras_reference``)."""
    return int(np.random.SeedSequence().entropy % (2**31))


def train_and_evaluate(
    config: CNNConfig,
    data: Any,
    workdir: str | os.PathLike | None = None,
    *,
    initial_weights: Sequence[np.ndarray] | None = None,
    batches: Sequence[np.ndarray] | None = None,
    resume: bool = False,
    progress: bool = True,
    steps_per_call: int | None = None,
) -> tuple[CNN, dict]:
    """Trains the CNN with Adam for ``config.epochs`` epochs, validating on the test set.

    Args:
      config: a ``CNNConfig``.  ``config.seed`` seeds the initial weights and every
        epoch's order; None draws a fresh seed (kept in the checkpoint, so
        ``resume`` continues the same order).
      data: a ``datasets.Mnist`` (uint8 x_train [N,28,28], y_train [N], x_test
        [M,28,28], y_test [M]).
      workdir: folder for ``checkpoints/`` (one checkpoint per epoch), or None for
        no checkpoints.
      initial_weights: 8 arrays in Keras order, or None for
        ``initial_weights(seed)`` (ignored when resuming from a checkpoint).
      batches: one int64 index array per epoch (at least ``config.epochs``), or
        None for ``epoch_indices(N, seed, epoch)``.
      resume: continue from the latest checkpoint in ``workdir/checkpoints``.
        Without it, existing checkpoints there are removed.
      progress: show a ``keras.utils.Progbar`` per epoch.
      steps_per_call: training steps per ``tf.function`` call (default: about 20
        progress updates per epoch).

    Returns:
      ``(model, history)``: the trained ``CNN`` and a dict of lists ``loss``,
      ``accuracy``, ``val_loss``, ``val_accuracy``, ``epoch_seconds`` (one per
      epoch) and ``step_loss`` (one per training step: the batch's loss before
      its update).

    Raises:
      ConfigError: ``batches`` is too short or holds a bad epoch order
        (``check_batches``), or ``resume`` meets a checkpoint
        written with other settings.
      DataError: the arrays have the wrong shapes.
    """
    import keras
    from keras.src.utils import io_utils

    x_train, y_train, x_test, y_test = check_data(data)
    # Checked before any epoch trains or checkpoints.
    batches = check_batches(batches, len(x_train), config.epochs)

    ckpt_dir = pathlib.Path(workdir) / "checkpoints" if workdir is not None else None
    latest = tf.train.latest_checkpoint(str(ckpt_dir)) if resume and ckpt_dir is not None else None
    if resume and ckpt_dir is None:
        raise ConfigError("resume needs a workdir (--out) holding checkpoints/")
    if resume and latest is None:
        _log.info("no checkpoint in %s; starting from epoch 1", ckpt_dir)
    if latest is not None:
        run_seed = _check_resumable(latest, config)
    else:
        run_seed = config.seed if config.seed is not None else draw_run_seed()
        if ckpt_dir is not None and ckpt_dir.exists():
            _log.info("removing old checkpoints in %s (pass --resume to continue them)", ckpt_dir)
            shutil.rmtree(ckpt_dir)

    model = CNN(initial_weights if latest is None else None, normalize=config.normalize,
                seed=run_seed)
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
    optimizer.build(model.ordered_variables)
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    history_var = tf.Variable(json.dumps(_empty_history()), dtype=tf.string, trainable=False,
                              name="history")
    settings_var = tf.Variable(json.dumps(_config_fingerprint(config, run_seed)), dtype=tf.string,
                               trainable=False, name="settings")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch_var,
                                     history=history_var, settings=settings_var)
    manager = None
    history = _empty_history()
    if ckpt_dir is not None:
        manager = tf.train.CheckpointManager(checkpoint, str(ckpt_dir), max_to_keep=2,
                                             checkpoint_name="ckpt")
    if latest is not None:
        checkpoint.restore(latest).assert_existing_objects_matched()
        history = json.loads(history_var.numpy().decode())
        _log.info("resumed from %s after epoch %d", latest, int(epoch_var.numpy()))

    start_epoch = int(epoch_var.numpy())
    runner = StepRunner(model, optimizer)
    n = len(x_train)
    num_steps = math.ceil(n / config.batch_size)
    if steps_per_call is None:
        steps_per_call = max(1, math.ceil(num_steps / 20))
    x_train_t, y_train_t = tf.constant(x_train), tf.constant(y_train)

    if start_epoch >= config.epochs:
        _log.info("checkpoint is already at epoch %d of %d; nothing to train", start_epoch,
                  config.epochs)
    for epoch in range(start_epoch, config.epochs):
        order = batches[epoch] if batches is not None else epoch_indices(n, run_seed, epoch)
        steps = math.ceil(len(order) / config.batch_size)
        dataset = make_dataset(x_train_t, y_train_t, order, config.batch_size)
        progbar = None
        if progress:
            io_utils.print_msg(f"Epoch {epoch + 1}/{config.epochs}")  # as fit(verbose=1) does
            progbar = keras.utils.Progbar(steps, stateful_metrics=["loss", "accuracy",
                                                                   "val_loss", "val_accuracy"])
        stats = train_epoch(runner, dataset, steps, steps_per_call=steps_per_call, progbar=progbar)
        val = evaluate(model, x_test, y_test)
        history["loss"].append(stats["loss"])
        history["accuracy"].append(stats["accuracy"])
        history["val_loss"].append(val["loss"])
        history["val_accuracy"].append(val["accuracy"])
        history["epoch_seconds"].append(stats["seconds"])
        history["step_loss"].extend(stats["step_loss"])
        if progbar is not None:
            progbar.update(steps, [("loss", stats["loss"]), ("accuracy", stats["accuracy"]),
                                   ("val_loss", val["loss"]), ("val_accuracy", val["accuracy"])],
                           finalize=True)
        _log.debug("epoch %d: %s", epoch + 1, {k: history[k][-1] for k in HISTORY_KEYS[:5]})
        if manager is not None:
            epoch_var.assign(epoch + 1)
            history_var.assign(json.dumps(history))
            manager.save(checkpoint_number=epoch + 1)
    model.run_seed = int(run_seed)
    return model, history


def _check_resumable(latest: str, config: CNNConfig) -> int:
    """Returns the run seed stored in ``latest``; raises ConfigError if settings differ."""
    reader = tf.train.load_checkpoint(latest)
    saved = json.loads(reader.get_tensor("settings/.ATTRIBUTES/VARIABLE_VALUE").decode())
    run_seed = int(saved["run_seed"])
    wanted = _config_fingerprint(config, run_seed)
    if config.seed is None:  # an unseeded resume continues the checkpoint's drawn seed
        wanted["seed"] = saved.get("seed")
    diff = {k: (saved.get(k), v) for k, v in wanted.items() if saved.get(k) != v}
    if diff:
        flags = ", ".join(f"{k}: checkpoint {a!r} vs now {b!r}" for k, (a, b) in diff.items())
        raise ConfigError(
            f"cannot resume from {latest}: settings differ ({flags}); "
            "pass the same flags, or drop --resume to start over")
    return run_seed


# ---------------------------------------------------------------------------
# Export: SavedModel with two signatures, and a Keras file


def _image_spec(dtype) -> tf.TensorSpec:
    # Unknown rank, so [N,28,28] and [N,28,28,1] both match one signature.
    return tf.TensorSpec(shape=None, dtype=dtype, name="images")


class _Serving(tf.Module):
    """What the SavedModel holds: the CNN's variables and two signatures."""

    def __init__(self, model: CNN):
        super().__init__(name="serving")
        self.model = model
        self.normalize = tf.Variable(model.normalize, trainable=False, name="normalize")

        @tf.function(input_signature=[_image_spec(tf.float32)])
        def serving_default(images):
            """images: float32 [N,28,28(,1)] in [0, 1] -> {'probabilities': float32 [N,10]}."""
            x = _checked(images)
            return {"probabilities": tf.nn.softmax(self.model(x * 255.0))}

        @tf.function(input_signature=[_image_spec(tf.uint8)])
        def serving_uint8(images):
            """images: uint8 [N,28,28(,1)] in 0..255 -> {'probabilities': float32 [N,10]}."""
            x = _checked(images)
            return {"probabilities": tf.nn.softmax(self.model(x))}

        self.serving_default = serving_default
        self.serving_uint8 = serving_uint8


def _checked(images: tf.Tensor) -> tf.Tensor:
    shape = tf.shape(images)
    rank = tf.rank(images)
    ok = tf.logical_and(
        tf.logical_or(tf.equal(rank, 3), tf.logical_and(tf.equal(rank, 4),
                                                        tf.equal(shape[-1], 1))),
        tf.reduce_all(tf.equal(tf.concat([shape, [0, 0, 0]], 0)[1:3], [28, 28])))
    with tf.control_dependencies([tf.debugging.Assert(ok, ["images must be [N,28,28] or "
                                                           "[N,28,28,1], got shape", shape])]):
        return tf.reshape(images, [-1, 28, 28, 1])


def export(model: CNN, out_dir: str | os.PathLike) -> dict:
    """Writes ``out_dir/saved_model`` (two signatures) and ``out_dir/model.keras``.

    ``serving_default`` takes float32 [N,28,28] or [N,28,28,1] in [0, 1];
    ``serving_uint8`` takes uint8 0..255.  Both return
    ``{"probabilities": float32 [N,10]}`` and embed the training-time scaling.
    ``model.keras`` is ``keras_reference.build_model()`` holding the same weights;
    like the seed's ``model.save``, it expects inputs scaled as in training
    (raw 0..255 unless trained with ``normalize``).

    Both are written to a temporary name and renamed into place.

    Returns:
      ``{"saved_model": path, "keras": path}``.
    """
    from tfv1_mnist import keras_reference
    from tfv1_mnist.outputs import atomic_path

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "saved_model"
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=".saved_model.", dir=out))
    tf_logger = logging.getLogger("tensorflow")
    old_level = tf_logger.level
    try:
        # tf.saved_model.save logs renamed inputs and "Assets written" at INFO.
        tf_logger.setLevel(max(old_level, logging.WARNING))
        serving = _Serving(model)
        tf.saved_model.save(serving, str(tmp), signatures={
            "serving_default": serving.serving_default,
            "serving_uint8": serving.serving_uint8,
        })
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        tf_logger.setLevel(old_level)
    keras_model = keras_reference.build_model()
    keras_model.set_weights(model.get_weights())
    # Build the (fresh) optimizer so the file loads without a variable-count warning.
    keras_model.optimizer.build(keras_model.trainable_variables)
    keras_path = out / "model.keras"
    with atomic_path(keras_path) as tmp_keras:
        keras_model.save(tmp_keras)
    return {"saved_model": str(target), "keras": str(keras_path)}


class ExportedModel:
    """A loaded ``saved_model`` folder, used by ``predict`` and ``evaluate``."""

    def __init__(self, path: pathlib.Path, loaded):
        self.path = path
        self._loaded = loaded
        self._uint8 = loaded.signatures["serving_uint8"]
        self._float = loaded.signatures["serving_default"]

    def predict_proba(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Probabilities for uint8 [N,28,28(,1)] (0..255) or float32 (0..1) images.

        Returns:
          float32 [N, 10].
        """
        images = np.asarray(images)
        fn = self._uint8 if images.dtype == np.uint8 else self._float
        if images.dtype != np.uint8:
            images = images.astype(np.float32)
        out = [fn(images=tf.constant(images[s:s + batch_size]))["probabilities"].numpy()
               for s in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)


def load_exported(path: str | os.PathLike) -> ExportedModel:
    """Loads ``path`` (a run folder OUT or ``OUT/saved_model``).

    Raises:
      DataError: no SavedModel with the two signatures is there.
    """
    path = pathlib.Path(path)
    if (path / "saved_model").is_dir():
        path = path / "saved_model"
    if not (path / "saved_model.pb").is_file():
        raise DataError(f"{path} holds no SavedModel (saved_model.pb): pass the --out folder of "
                        "`tfv1-mnist cnn`, or its saved_model/ subfolder")
    try:
        loaded = tf.saved_model.load(str(path))
        return ExportedModel(path, loaded)
    except (KeyError, OSError, ValueError, tf.errors.OpError) as err:
        raise DataError(f"cannot load the SavedModel in {path}: {err}") from err
