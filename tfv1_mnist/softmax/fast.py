"""The softmax regressor's fast path: all the steps in one XLA-compiled loop.

Pattern: one step builder shared by both twins.  ``make_steps(config)`` returns a ``tf.function`` with
``jit_compile=True`` holding a functional ``While`` over a table of batch
indices: per step it gathers the batch from the resident training set,
differentiates the config's loss (``ops.model_loss``, the seed's
``-reduce_sum(y_ * log(softmax(logits)))`` by default) with a
``GradientTape``, applies plain gradient descent and records the batch's loss
after the update, as the seed's second ``Session.run`` did.  ``v1.train`` calls it from
its graph (a call op that XLA compiles when the ``Session`` first runs it) and
``v2.train`` eagerly, so the two fast paths run the same compiled program.

XLA fuses the elementwise ops and picks its own reduction order, so the
losses differ from the faithful path (``v1.train`` without ``config.xla``) by
float32 round-off, which the seed's raw sum-loss and 1000 steps amplify;
``tfv1-mnist compare`` reports the gap.  The first call compiles the loop for
the shape of its index table; the trainers make that call with
``num_steps=0`` before the clock starts (``SoftmaxResult.compile_seconds``).
"""

from __future__ import annotations

import tensorflow as tf

from tfv1_mnist import ops
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import resident

__all__ = ["make_steps"]


def make_steps(config: SoftmaxConfig):
    """Builds the XLA-compiled step loop for ``config``.

    Args:
      config: its ``loss``, ``reduction``, ``learning_rate`` and
        ``stop_on_nan`` are used.

    Returns:
      ``steps(batch_indices, num_steps, weights, biases, images, labels)``, a
      ``tf.function`` (``jit_compile=True``) without side effects: int64
      [K, batch_size] rows of ``images`` (one per step), int32 scalar (how many
      rows to train on; 0 only compiles), float32 W [784, 10] and b [10], uint8
      or float32 images [N, 784] (``resident.pack``), float32 one-hot labels
      [N, 10].  It returns ``(losses, done, weights, biases)``: float32 [K], each
      step's loss after its update, valid in the first ``done`` (int32:
      ``num_steps``, or fewer when ``config.stop_on_nan`` stops the loop after a
      non-finite loss); W and b after the last step.
    """
    kind, reduction, stop_on_nan = config.loss, config.reduction, config.stop_on_nan

    def batch_loss(images, labels, weights_t, biases, kind):
        # weights_t is W transposed, float32 [10, 784]: x @ W as x @ weights_t^T.
        return ops.model_loss(labels, tf.matmul(images, weights_t, transpose_b=True) + biases,
                              kind=kind, reduction=reduction)

    @tf.function(jit_compile=True, autograph=False)
    def steps(batch_indices, num_steps, weights, biases, images, labels):
        learning_rate = tf.constant(config.learning_rate, tf.float32)
        # XLA needs the array's size at compile time: K, the table's rows.
        losses = tf.TensorArray(tf.float32, size=tf.shape(batch_indices)[0], element_shape=[])

        def cond(i, weights_t, biases, last, losses):
            more = i < num_steps
            return tf.logical_and(more, tf.math.is_finite(last)) if stop_on_nan else more

        def body(i, weights_t, biases, last, losses):
            index = batch_indices[i]
            batch_images = resident.unpack(tf.gather(images, index))
            batch_labels = tf.gather(labels, index)
            with tf.GradientTape() as tape:
                tape.watch([weights_t, biases])
                loss = batch_loss(batch_images, batch_labels, weights_t, biases, kind)
            grad_w, grad_b = tape.gradient(loss, [weights_t, biases])
            weights_t = weights_t - learning_rate * grad_w
            biases = biases - learning_rate * grad_b
            # The loss read after the update goes through log-softmax with either
            # loss: in the seed's second Session.run, Grappler rewrites the naive
            # log(softmax(z)) into LogSoftmax, so that is what the seed recorded.
            # (The gradient above keeps the naive graph, and its NaN.)
            after = batch_loss(batch_images, batch_labels, weights_t, biases, "stable")
            return i + 1, weights_t, biases, after, losses.write(i, after)

        # The loop carries W transposed, [10, 784]: then both of a step's matmul
        # kinds (x @ W^T and the gradient g^T @ x) read the batch row by row,
        # with no transposed copy of it per step.
        done, weights_t, biases, _, losses = tf.while_loop(
            cond, body, (tf.constant(0), tf.transpose(weights), biases, tf.constant(0.0), losses))
        return losses.stack(), done, tf.transpose(weights_t), biases

    return steps
