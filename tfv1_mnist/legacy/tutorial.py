"""TF 1.x's tutorial graph builder, ``tensorflow.examples.tutorials.mnist.mnist``.

TF1's ``fully_connected_feed.py`` imports it next to ``input_data``.  Built on
the ``tf.compat.v1`` module it is given, with TF1's variable names and scopes.

Pattern: TF1's ``mnist.py`` itself: ``inference`` / ``loss`` / ``training`` / ``evaluation``.
"""

from __future__ import annotations

import types

__all__ = ["MODULE_NAME", "tutorial_mnist"]

MODULE_NAME = "tensorflow.examples.tutorials.mnist.mnist"


def tutorial_mnist(tf) -> types.ModuleType:
    """TF 1.x's ``tensorflow/examples/tutorials/mnist/mnist.py``, built on ``tf`` (``tf.compat.v1``).

    The tutorial's graph builder, imported by its ``fully_connected_feed.py``:
    ``inference`` (two ReLU layers, then linear logits), ``loss``,
    ``training`` and ``evaluation``, with TF1's variable names and scopes.
    """
    import math

    module = types.ModuleType(
        MODULE_NAME,
        "Builds the MNIST network (TF 1.x's tutorial module): inference, loss, training, evaluation.",
    )
    num_classes, image_size = 10, 28
    image_pixels = image_size * image_size

    def inference(images, hidden1_units, hidden2_units):
        """Logits, float - [batch_size, NUM_CLASSES], from images float - [batch_size, IMAGE_PIXELS]."""
        with tf.name_scope("hidden1"):
            weights = tf.Variable(
                tf.truncated_normal([image_pixels, hidden1_units], stddev=1.0 / math.sqrt(float(image_pixels))),
                name="weights")
            biases = tf.Variable(tf.zeros([hidden1_units]), name="biases")
            hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
        with tf.name_scope("hidden2"):
            weights = tf.Variable(
                tf.truncated_normal([hidden1_units, hidden2_units], stddev=1.0 / math.sqrt(float(hidden1_units))),
                name="weights")
            biases = tf.Variable(tf.zeros([hidden2_units]), name="biases")
            hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
        with tf.name_scope("softmax_linear"):
            weights = tf.Variable(
                tf.truncated_normal([hidden2_units, num_classes], stddev=1.0 / math.sqrt(float(hidden2_units))),
                name="weights")
            biases = tf.Variable(tf.zeros([num_classes]), name="biases")
            logits = tf.matmul(hidden2, weights) + biases
        return logits

    def loss(logits, labels):
        """Mean cross-entropy, float scalar; labels int - [batch_size]."""
        labels = tf.to_int64(labels)
        return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)

    def training(loss, learning_rate):
        """The train op: a loss summary, then plain gradient descent with a global step."""
        tf.summary.scalar("loss", loss)
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        global_step = tf.Variable(0, name="global_step", trainable=False)
        return optimizer.minimize(loss, global_step=global_step)

    def evaluation(logits, labels):
        """The number of examples whose true label is the top logit, int32 scalar."""
        correct = tf.nn.in_top_k(logits, labels, 1)
        return tf.reduce_sum(tf.cast(correct, tf.int32))

    module.__dict__.update(
        NUM_CLASSES=num_classes, IMAGE_SIZE=image_size, IMAGE_PIXELS=image_pixels,
        inference=inference, loss=loss, training=training, evaluation=evaluation,
    )
    return module
