"""The seed's Keras CNN, rebuilt from raw ``tf.nn`` ops and trained by a custom loop (TF2).

Pattern (Flax ``examples/mnist`` + Sonnet 2): ``CNN`` is a ``tf.Module`` whose
variables are created once in ``__init__`` and whose ``__call__`` computes the
logits; the step (``replica_step``, ``train_step``) and the loop that runs it
(``StepRunner``, ``train_epoch``) live in ``tfv1_mnist.cnn.steps`` and are
re-exported here; ``train_and_evaluate(config, data, workdir)`` runs the epochs, checkpoints each
one and returns ``(model, history)``;
``evaluate(model, x, y)`` returns a dict.  ``train_on_schedule`` is the
``contract`` trainer, registered as ``IMPLEMENTATION`` (the CNN's reference).
State and seeds are passed in; nothing reads a global or a file except the
checkpoint folder it is given.

Training runs under a ``tf.distribute.Strategy`` (``strategy=``; TensorFlow's
custom-training-loop guide).  Under the default strategy the loop is the
single-device one, bit for bit.  Under any other, each global batch keeps its
size and rows, split across the replicas (``distribute.distribute_batches``);
each replica's loss is ``tf.nn.compute_average_loss`` over the global batch
size, Keras' Adam sums the gradients across replicas and applies them once.
The model and the optimizer are created inside ``strategy.scope()``.
Checkpoints hold one copy of each variable, so a run can resume with another
number of replicas.

The architecture, the initial weights, the epoch orders and the input scaling
come from ``tfv1_mnist.cnn.common``, shared with the ``v1`` graph twin and the
``keras_reference``.  Export (SavedModel, ``model.keras``) lives in
``tfv1_mnist.cnn.export``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import pathlib
import shutil
from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfv1_mnist import contract
from tfv1_mnist.cnn import common
from tfv1_mnist.cnn.steps import (
    StepRunner,
    epoch_batches,
    is_default_strategy,
    losses_and_correct,
    replica_step,
    train_epoch,
    train_step,
)
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import ConfigError, DataError
from tfv1_mnist.progress import progress_bar

__all__ = [
    "CNN",
    "count_params",
    "replica_step",
    "train_step",
    "is_default_strategy",
    "epoch_batches",
    "StepRunner",
    "train_epoch",
    "train_and_evaluate",
    "evaluate",
    "predict_proba",
    "train_on_schedule",
    "IMPLEMENTATION",
]

_log = logging.getLogger(__name__)


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
          weights: 8 arrays in Keras order (``common.WEIGHT_SHAPES``), or None to draw
            ``common.initial_weights(seed)``.
          normalize: scale inputs to [0, 1] before the first conv.
          seed: used only when ``weights`` is None.
          name: module name.

        Raises:
          ConfigError: ``weights`` has the wrong number or shapes of arrays.
        """
        super().__init__(name=name)
        self.normalize = bool(normalize)
        if weights is None:
            weights = common.initial_weights(seed)
        common.check_weights(weights)
        ordered = []
        with self.name_scope:
            for layer, (kernel, bias) in zip(common.LAYER_NAMES, zip(weights[0::2], weights[1::2])):
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
        """Assigns 8 arrays in Keras Sequential order (shapes ``common.WEIGHT_SHAPES``)."""
        common.check_weights(weights)
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
        x = common.as_nhwc(common.scale_images(images, self.normalize))
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


def count_params(model: CNN) -> int:
    """Total number of trainable scalars in ``model``."""
    return int(sum(int(np.prod(v.shape)) for v in model.trainable_variables))


@tf.function
def _eval_batch(model: CNN, images: tf.Tensor, labels: tf.Tensor):
    """``(float32 summed loss, int32 correct count)`` of one batch."""
    losses, correct = losses_and_correct(model, images, labels)
    return tf.reduce_sum(losses), correct



# ---------------------------------------------------------------------------
# train_and_evaluate, with checkpoints and resume


def _config_fingerprint(config: CNNConfig, run_seed: int) -> dict:
    d = dataclasses.asdict(config)
    d.pop("epochs")
    d["run_seed"] = int(run_seed)
    return d



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
    strategy=None,
    write_dir: str | os.PathLike | None = None,
) -> tuple[CNN, dict]:
    """Trains the CNN with Adam for ``config.epochs`` epochs, validating on the test set.

    Args:
      config: a ``CNNConfig``.  ``config.seed`` seeds the initial weights and every
        epoch's order; None draws a fresh seed (kept in the checkpoint, so
        ``resume`` continues the same order).
      data: a ``datasets.Mnist`` (uint8 x_train [N,28,28], y_train [N], x_test
        [M,28,28], y_test [M]).
      workdir: folder for ``checkpoints/`` (one checkpoint per epoch), or None for
        no checkpoints.  With several workers, a folder every worker sees: each
        resumes from it.
      initial_weights: 8 arrays in Keras order, or None for
        ``common.initial_weights(seed)`` (ignored when resuming from a checkpoint).
      batches: one int64 index array per epoch (at least ``config.epochs``), or
        None for ``common.epoch_indices(N, seed, epoch)``.
      resume: continue from the latest checkpoint in ``workdir/checkpoints``.
        Without it, existing checkpoints there are removed.
      progress: show progress per epoch (``progress.progress_bar``: a bar on a terminal).
      steps_per_call: training steps per ``tf.function`` call (default: about 20
        progress updates per epoch).
      strategy: the ``tf.distribute.Strategy`` to train under; None for the
        current one (the default strategy outside any scope).
      write_dir: where this process writes ``checkpoints/``, if not ``workdir``:
        a worker other than the chief passes a temporary folder
        (``distribute.write_dir``), since only the chief writes to ``workdir``.

    Returns:
      ``(model, history)``: the trained ``CNN`` and a dict of lists ``loss``,
      ``accuracy``, ``val_loss``, ``val_accuracy``, ``epoch_seconds`` (one per
      epoch) and ``step_loss`` (one per training step: the batch's loss before
      its update).

    Raises:
      ConfigError: ``batches`` is too short or holds a bad epoch order
        (``common.check_batches``), or ``resume`` meets a checkpoint
        written with other settings.
      DataError: the arrays have the wrong shapes.
    """
    x_train, y_train, x_test, y_test = common.check_data(data)
    # Checked before any epoch trains or checkpoints.
    batches = common.check_batches(batches, len(x_train), config.epochs)

    strategy = tf.distribute.get_strategy() if strategy is None else strategy
    ckpt_dir = pathlib.Path(workdir) / "checkpoints" if workdir is not None else None
    save_dir = pathlib.Path(write_dir) / "checkpoints" if write_dir is not None else ckpt_dir
    latest = tf.train.latest_checkpoint(str(ckpt_dir)) if resume and ckpt_dir is not None else None
    if resume and ckpt_dir is None:
        raise ConfigError("resume needs a workdir (--out) holding checkpoints/")
    if resume and latest is None:
        _log.info("no checkpoint in %s; starting from epoch 1", ckpt_dir)
    if latest is not None:
        run_seed = _check_resumable(latest, config)
    else:
        run_seed = config.seed if config.seed is not None else common.draw_run_seed()
        if save_dir is not None and save_dir.exists():
            _log.info("removing old checkpoints in %s (pass --resume to continue them)", save_dir)
            shutil.rmtree(save_dir)

    with strategy.scope():  # Keras 3's Adam must be built in the scope, too
        model = CNN(initial_weights if latest is None else None, normalize=config.normalize,
                    seed=run_seed)
        optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
        optimizer.build(model.ordered_variables)
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    history_var = tf.Variable(json.dumps(common.empty_history()), dtype=tf.string, trainable=False,
                              name="history")
    settings_var = tf.Variable(json.dumps(_config_fingerprint(config, run_seed)), dtype=tf.string,
                               trainable=False, name="settings")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch_var,
                                     history=history_var, settings=settings_var)
    manager = None
    history = common.empty_history()
    if save_dir is not None:
        manager = tf.train.CheckpointManager(checkpoint, str(save_dir), max_to_keep=2,
                                             checkpoint_name="ckpt")
    if latest is not None:
        checkpoint.restore(latest).assert_existing_objects_matched()
        history = json.loads(history_var.numpy().decode())
        _log.info("resumed from %s after epoch %d", latest, int(epoch_var.numpy()))

    start_epoch = int(epoch_var.numpy())
    runner = StepRunner(model, optimizer, strategy)
    n = len(x_train)
    num_steps = math.ceil(n / config.batch_size)
    if steps_per_call is None:
        steps_per_call = max(1, math.ceil(num_steps / 20))
    x_train_t, y_train_t = tf.constant(x_train), tf.constant(y_train)

    if start_epoch >= config.epochs:
        _log.info("checkpoint is already at epoch %d of %d; nothing to train", start_epoch,
                  config.epochs)
    for epoch in range(start_epoch, config.epochs):
        order = batches[epoch] if batches is not None else common.epoch_indices(n, run_seed, epoch)
        steps = math.ceil(len(order) / config.batch_size)
        dataset = epoch_batches(strategy, x_train_t, y_train_t, order, config.batch_size)
        progbar = None
        if progress:
            print(f"Epoch {epoch + 1}/{config.epochs}", flush=True)  # as fit(verbose=1) does
            progbar = progress_bar(steps, stateful_metrics=["loss", "accuracy", "val_loss", "val_accuracy"],
                                   lines=1)
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
        _log.debug("epoch %d: %s", epoch + 1, {k: history[k][-1] for k in common.EPOCH_KEYS})
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
    x = common.check_images(x, "evaluate: x")
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
    x = common.check_images(x, "predict_proba: x")
    out = [_proba_batch(model, tf.convert_to_tensor(x[s:s + batch_size])).numpy()
           for s in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, common.NUM_CLASSES), np.float32)


# ---------------------------------------------------------------------------
# The contract trainer


def train_on_schedule(config: CNNConfig, data: Any, schedule: contract.Schedule,
                      initial: Sequence[np.ndarray], *, strategy=None) -> contract.TrainResult:
    """``contract.Trainer``: ``train_and_evaluate`` on the schedule's batches, from ``initial``.

    ``config``'s ``epochs`` and ``batch_size`` must be the schedule's
    (``common.schedule_batches`` raises ConfigError otherwise); ``initial`` is
    8 arrays in Keras order; ``strategy`` as in ``train_and_evaluate``.
    ``native`` is the trained ``CNN``.
    """
    batches = common.schedule_batches(config, data, schedule)
    model, history = train_and_evaluate(config, data, initial_weights=initial, batches=batches,
                                        progress=False, strategy=strategy)
    return common.train_result(model.get_weights(), history, native=model)


IMPLEMENTATION = contract.Implementation(
    model="cnn", name="v2", train=train_on_schedule,
    summary="TF2 custom loop: tf.Module of raw tf.nn ops, tf.function train_step, "
            "GradientTape and keras.optimizers.Adam",
    note="the reference: every other CNN implementation is compared with it")
