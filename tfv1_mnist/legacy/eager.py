"""The small ``tf.contrib.eager`` surface TF1-era eager MNIST scripts use, on TF 2's eager mode.

TF 1.15's ``tf.contrib.eager`` (``tfe``) held eager helpers before TF 2 made
them core.  Provided, with TF1's behaviour:

* ``tfe.Iterator(dataset)``: iterates a ``tf.data.Dataset`` eagerly
  (``next()``, ``get_next()`` and Python iteration);
* ``tfe.implicit_value_and_gradients(f)`` / ``tfe.implicit_gradients(f)``:
  gradients of ``f``'s result with respect to the trainable variables ``f``
  reads, as ``(gradient, variable)`` pairs (TF1's order: first use);
* ``tfe.Variable``: a resource variable (``tf.compat.v1.Variable(use_resource=True)``);
* ``tfe.Checkpoint``, ``tfe.executing_eagerly``, ``tfe.num_gpus``,
  ``tfe.enable_eager_execution``.

They need eager execution: ``tf.enable_eager_execution()`` at the script's
start, as TF1 required (TF 2 honours it after ``disable_v2_behavior()``).

Pattern: thin re-implementations over ``tf.GradientTape`` and dataset iteration.
"""

from __future__ import annotations

import types

__all__ = ["Iterator", "contrib_eager", "implicit_gradients", "implicit_value_and_gradients"]


class Iterator:
    """TF1's ``tfe.Iterator``: an eager iterator over a ``tf.data.Dataset``.

    Raises:
      RuntimeError: eager execution is off (TF1's message).
    """

    def __init__(self, dataset):
        import tensorflow as tf

        if not tf.executing_eagerly():
            raise RuntimeError("{} objects can only be used when eager execution is enabled, use "
                               "tf.data.Dataset.make_initializable_iterator or "
                               "tf.data.Dataset.make_one_shot_iterator for graph construction".format(type(self)))
        self._iterator = iter(dataset)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._iterator)

    def next(self):
        """The next element (TF1's Python 2 spelling)."""
        return next(self._iterator)

    def get_next(self, name=None):
        """The next element; raises ``tf.errors.OutOfRangeError`` at the end, as TF1."""
        del name
        return self._iterator.get_next()


def implicit_value_and_gradients(f):
    """``f`` wrapped to return ``(value, [(gradient, variable), ...])`` for the trainable variables it reads.

    Raises (when called):
      ValueError: ``f`` read no trainable variable (TF1's message).
    """
    import tensorflow as tf

    def grad_fn(*args, **kwargs):
        with tf.GradientTape() as tape:
            value = f(*args, **kwargs)
        variables = [v for v in tape.watched_variables() if v.trainable]
        if not variables:
            raise ValueError("No trainable variables were accessed while the function was being computed.")
        gradients = tape.gradient(value, variables)
        return value, list(zip(gradients, variables))

    return grad_fn


def implicit_gradients(f):
    """``f`` wrapped to return ``[(gradient, variable), ...]`` (TF1's ``tfe.implicit_gradients``)."""
    value_and_gradients = implicit_value_and_gradients(f)

    def grad_fn(*args, **kwargs):
        return value_and_gradients(*args, **kwargs)[1]

    return grad_fn


def contrib_eager(name: str = "tensorflow.contrib.eager") -> types.ModuleType:
    """The ``tf.contrib.eager`` names above, as a new module."""
    import tensorflow as tf

    def variable(*args, **kwargs):
        kwargs["use_resource"] = True
        return tf.compat.v1.Variable(*args, **kwargs)

    module = types.ModuleType(name, "TF 1.15's tf.contrib.eager, its small MNIST surface (tfv1_mnist.legacy.eager).")
    module.__dict__.update(
        Iterator=Iterator, implicit_gradients=implicit_gradients,
        implicit_value_and_gradients=implicit_value_and_gradients, Variable=variable,
        Checkpoint=tf.train.Checkpoint, executing_eagerly=tf.executing_eagerly,
        enable_eager_execution=tf.compat.v1.enable_eager_execution,
        num_gpus=lambda: len(tf.config.list_logical_devices("GPU")),
    )
    return module
