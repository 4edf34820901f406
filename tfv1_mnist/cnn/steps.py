"""The CNN's training step and the loop that runs it, on one device or under a ``tf.distribute.Strategy``.

Pattern: TensorFlow's custom-training-loop guide.  ``replica_step`` is one
Adam update as one replica computes it (``tf.nn.compute_average_loss`` over the
global batch size, the optimizer's all-reduce, one apply); ``train_step`` runs
it on a whole batch as one ``tf.function``.  ``StepRunner`` runs ``k`` steps
per call (Keras' ``steps_per_execution``), and ``train_epoch`` one pass with
its running loss and accuracy.  Under the default strategy the steps are the
single-device ones, bit for bit; under any other, ``epoch_batches`` splits each
global batch across the replicas in its single-device order.  ``cnn.v2``
builds the model and the optimizer and drives these.
"""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

from tfv1_mnist import ops
from tfv1_mnist.cnn import inputs
from tfv1_mnist.distribute import distribute_batches

__all__ = [
    "losses_and_correct",
    "replica_step",
    "train_step",
    "is_default_strategy",
    "epoch_batches",
    "StepRunner",
    "train_epoch",
]


def losses_and_correct(model: tf.Module, images: tf.Tensor, labels: tf.Tensor):
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
    correct = ops.correct_count(labels, logits)
    return losses, correct


def replica_step(model: tf.Module, optimizer, images: tf.Tensor, labels: tf.Tensor,
                 global_size: tf.Tensor):
    """One Adam update, as one replica computes it (in a replica context).

    The loss is the replica's share of the global batch's mean
    (``tf.nn.compute_average_loss``: its rows' summed loss over the global
    batch size), so the replicas' gradients sum to the single-device gradient;
    Keras' optimizer all-reduces them (a sum) and applies the result once.

    Args:
      model: the ``CNN`` (created in the strategy's scope).
      optimizer: a ``keras.optimizers.Adam`` built in the strategy's scope.
      images: uint8/float32 [b,28,28(,1)] pixels 0..255, this replica's rows.
      labels: integer [b] class ids.
      global_size: int32 scalar, rows of the whole global batch (its real
        size, also for a short last batch).

    Returns:
      ``(loss, correct)``: float32 scalar, this replica's share of the batch's
      mean sparse softmax cross-entropy before the update, and int32 scalar
      count of its correct predictions (also before the update).
    """
    with tf.GradientTape() as tape:
        losses, correct = losses_and_correct(model, images, labels)
        loss = tf.nn.compute_average_loss(losses, global_batch_size=global_size)
    grads = tape.gradient(loss, model.ordered_variables)
    optimizer.apply_gradients(zip(grads, model.ordered_variables))
    return loss, correct


@tf.function(autograph=False)
def train_step(model: tf.Module, optimizer, images: tf.Tensor, labels: tf.Tensor):
    """One Adam update on one whole batch, on one device.

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
    return replica_step(model, optimizer, images, labels, tf.shape(labels)[0])


def is_default_strategy(strategy) -> bool:
    """Whether ``strategy`` is TensorFlow's default (one device, no distribution)."""
    with strategy.scope():
        return not tf.distribute.has_strategy()


def epoch_batches(strategy, x: tf.Tensor, y: tf.Tensor, order: np.ndarray, batch_size: int):
    """One epoch's batches for ``StepRunner``: whole batches on one device, else split.

    Args:
      strategy: the ``tf.distribute.Strategy`` the run trains under.
      x: uint8 [N,28,28] images; y: integer [N] labels.
      order: int64 [M] the epoch's row order.
      batch_size: rows per (global) batch.

    Returns:
      Under the default strategy, ``inputs.make_dataset``'s ``(images, labels)``
      batches; under any other, ``distribute_batches``' per-replica
      ``(images, labels, global_size)``.
    """
    if is_default_strategy(strategy):
        return inputs.make_dataset(x, y, order, batch_size)
    return distribute_batches(strategy, x, y, order, batch_size)


class StepRunner:
    """Runs ``k`` training steps per call inside one ``tf.function`` (like Keras'
    ``steps_per_execution``), collecting each step's loss and correct count.

    Fewer Python round trips per epoch are most of the speed difference between
    a per-step loop and a whole-epoch ``tf.function``.  Under the default
    strategy each step is ``train_step`` on a whole batch; under any other it
    is ``replica_step`` on every replica (``strategy.run``), the replicas'
    losses and counts summed.
    """

    def __init__(self, model: tf.Module, optimizer, strategy=None):
        """Args: the ``CNN``, its optimizer, and the strategy they were built under (None: the current)."""
        self.model = model
        self.optimizer = optimizer
        self.strategy = tf.distribute.get_strategy() if strategy is None else strategy
        step = _single_device_step if is_default_strategy(self.strategy) else _replicated_step

        # The loop is written as tf.while_loop, so AutoGraph need not convert it nor the
        # optimizer's code below it (a large part of the first call's trace).
        @tf.function(autograph=False)
        def run(iterator, num_steps):
            def body(i, losses, corrects, sizes):
                loss, correct, size = step(self.strategy, model, optimizer, next(iterator))
                return i + 1, losses.write(i, loss), corrects.write(i, correct), sizes.write(i, size)

            arrays = [tf.TensorArray(dtype, size=num_steps) for dtype in (tf.float32, tf.int32, tf.int32)]
            _, losses, corrects, sizes = tf.while_loop(lambda i, *_: i < num_steps, body,
                                                       [tf.constant(0), *arrays])
            return losses.stack(), corrects.stack(), sizes.stack()

        self._run = run

    def __call__(self, iterator, num_steps: int):
        """Takes ``num_steps`` batches from ``iterator`` and trains on each.

        Args:
          iterator: an iterator over ``epoch_batches``.
          num_steps: how many steps (the iterator must hold at least that many).

        Returns:
          ``(losses float32 [k], corrects int32 [k], sizes int32 [k])`` per step.
        """
        return self._run(iterator, tf.constant(num_steps, tf.int32))


def _single_device_step(strategy, model: tf.Module, optimizer, batch):
    """``(loss, correct, size)`` of one whole batch ``(images, labels)``."""
    images, labels = batch
    loss, correct = train_step(model, optimizer, images, labels)
    return loss, correct, tf.shape(labels)[0]


def _replicated_step(strategy, model: tf.Module, optimizer, batch):
    """``(loss, correct, size)`` of one global batch, its replicas' parts summed."""
    images, labels, global_size = batch
    loss, correct = strategy.run(
        lambda x, y, n: replica_step(model, optimizer, x, y, n), args=(images, labels, global_size))
    total = strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None)
    right = strategy.reduce(tf.distribute.ReduceOp.SUM, correct, axis=None)
    return total, right, strategy.experimental_local_results(global_size)[0]


def train_epoch(runner: StepRunner, dataset: tf.data.Dataset, num_steps: int, *,
                steps_per_call: int, progbar=None) -> dict:
    """Trains one pass over ``dataset``.

    Args:
      runner: a ``StepRunner`` for the model and optimizer.
      dataset: batches from ``epoch_batches``.
      num_steps: number of batches in ``dataset``.
      steps_per_call: steps per ``tf.function`` call (progress granularity).
      progbar: a ``progress.progress_bar`` display with ``target=num_steps``, or None.

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
