"""The softmax regressor's start: its variable scope and TF1's seeded ``random_normal`` W and b.

``initial_values(config)`` is the (W, b) that ``v1.train`` draws in its graph
and that ``v2.train`` starts from, so both twins start alike; the graph-level
seed plus fixed op seeds make it depend on ``config.seed`` alone.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.softmax.data import IMAGE_PIXELS, NUM_CLASSES

__all__ = [
    "SCOPE",
    "WEIGHTS_SEED",
    "BIASES_SEED",
    "initializers",
    "seeded_graph",
    "initial_values",
    "initial_weights",
    "check_initial",
]

#: The variable scope of the model: its variables are ``softmax_linear/weights``
#: and ``softmax_linear/biases`` (v1's graph variables, v2's module variables).
SCOPE = "softmax_linear"

#: Op-level seeds of the two initializers.  With the graph-level seed set to
#: ``config.seed`` they make the initial values depend on the seed alone, not on
#: how many ops were built before them, so ``initial_values`` matches ``v1.train``.
WEIGHTS_SEED = 1
BIASES_SEED = 2


def initializers(init: str, initial=None):
    """The initializers of W and b: given values, zeros, or the seed's ``random_normal``.

    Args:
      init: ``"normal"`` (mean 0, stddev 1, seeded by the default graph's seed
        when it has one) or ``"zeros"``.
      initial: optional (W float32 [784, 10], b float32 [10]); wins over ``init``.

    Returns:
      (weights initializer, biases initializer), ``tf.compat.v1`` initializers.

    Raises:
      ConfigError: ``init`` is neither, or ``initial`` has the wrong shapes.
    """
    if initial is not None:
        weights, biases = check_initial(initial)
        return tf.compat.v1.constant_initializer(weights), tf.compat.v1.constant_initializer(biases)
    if init == "zeros":
        return tf.compat.v1.zeros_initializer(), tf.compat.v1.zeros_initializer()
    if init != "normal":
        raise ConfigError(f"init must be 'normal' or 'zeros', got {init!r}: fix --init")
    seeded = tf.compat.v1.get_default_graph().seed is not None
    # The seed's tf.random_normal(shape): mean 0, stddev 1.
    return (
        tf.compat.v1.random_normal_initializer(0.0, 1.0, seed=WEIGHTS_SEED if seeded else None),
        tf.compat.v1.random_normal_initializer(0.0, 1.0, seed=BIASES_SEED if seeded else None),
    )


def seeded_graph(config: SoftmaxConfig) -> tf.Graph:
    """A new ``tf.Graph`` whose graph-level seed is ``config.seed`` (unseeded when None)."""
    graph = tf.Graph()
    if config.seed is not None:
        graph.seed = config.seed
    return graph


def initial_values(config: SoftmaxConfig) -> tuple[np.ndarray, np.ndarray]:
    """The initial (W, b) that ``v1.train(config, ...)`` draws, and ``v2.train`` starts from.

    Identical to ``v1.train``'s draw when ``config.seed`` is set (the graph-level
    seed plus fixed op seeds); a fresh random draw when it is None.

    Returns:
      weights float32 [784, 10], biases float32 [10].
    """
    with seeded_graph(config).as_default() as graph:
        w_init, b_init = initializers(config.init)
        values = (w_init([IMAGE_PIXELS, NUM_CLASSES], tf.float32), b_init([NUM_CLASSES], tf.float32))
        with tf.compat.v1.Session(graph=graph) as sess:
            return tuple(sess.run(values))


def initial_weights(config: SoftmaxConfig) -> list[np.ndarray]:
    """``initial_values`` as the contract's list in canonical order: ``[W, b]``."""
    return list(initial_values(config))

def check_initial(initial) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) as float32 arrays; ConfigError unless they are [784, 10] and [10]."""
    weights, biases = (np.asarray(v, dtype=np.float32) for v in initial)
    if weights.shape != (IMAGE_PIXELS, NUM_CLASSES) or biases.shape != (NUM_CLASSES,):
        raise ConfigError(
            f"initial values must be W [{IMAGE_PIXELS}, {NUM_CLASSES}] and b [{NUM_CLASSES}], "
            f"got {weights.shape} and {biases.shape}")
    return weights, biases
