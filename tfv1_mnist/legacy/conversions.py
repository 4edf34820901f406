"""TF 1.x conversions that TensorFlow 2.21 (with NumPy 2) refuses, accepted where TF 1.15 accepted them.

Checked against TF 1.15's sources (see docs/legacy.md):

* **Shapes from NumPy integer scalars.**  ``tf.random_normal([n])``,
  ``truncated_normal``, ``random_uniform`` and the initializers built on them
  convert their shape with ``tensor_util.shape_tensor`` (``shape_util`` in
  2.21), which asks for no dtype, so the NumPy values' own dtype reaches the
  op.  Under NumPy 1, ``labels.max() + 1`` (a uint8 scalar plus a Python int)
  was an int64; under NumPy 2 (NEP 50) it stays uint8, and the op refuses it:
  ``Value passed to parameter 'shape' has DataType uint8 not in list of
  allowed values: int32, int64``.  `install` turns NumPy integer *scalars* in
  a shape list into Python ints, as NumPy 1 arithmetic had made them.  A
  whole ``np.array(..., np.uint8)`` shape is left alone: TF 1.15 refused it
  too for these ops (ops with a default shape dtype, ``tf.reshape``,
  ``tf.zeros``, ``tf.fill``, ``tf.tile``, convert it to int32 in both).
* **NumPy integer flag defaults.**  TF 1.15's ``tf.app.flags`` is absl's,
  whose ``IntegerParser`` accepted any ``int`` instance; on the Python 2.7
  TF 1.15 also supported, ``np.int64`` *was* an ``int``.  `install` lets
  integer flags take any NumPy integer default (as a Python int).
* **Private names that moved.**  TF 1.15's
  ``tensorflow/python/framework/ops.py`` defined ``Tensor``, ``IndexedSlices``,
  ``IndexedSlicesValue`` and ``register_tensor_conversion_function``; in 2.21
  they live in ``tensor``, ``indexed_slices`` and
  ``tensor_conversion_registry``.  `install` names them in ``ops`` again.

Pattern: patches applied once, in the child only, each with its TF 1.15 reason.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["MOVED_OPS_NAMES", "install", "plain_shape"]

#: ``ops.<name>`` of TF 1.15 -> (module of TF 2.21, name there).
MOVED_OPS_NAMES: dict[str, tuple[str, str]] = {
    "Tensor": ("tensorflow.python.framework.tensor", "Tensor"),
    "IndexedSlices": ("tensorflow.python.framework.indexed_slices", "IndexedSlices"),
    "IndexedSlicesValue": ("tensorflow.python.framework.indexed_slices", "IndexedSlicesValue"),
    "register_tensor_conversion_function": (
        "tensorflow.python.framework.tensor_conversion_registry", "register_tensor_conversion_function"),
}


def plain_shape(shape):
    """``shape`` with NumPy integer scalars of a list or tuple as Python ints; anything else unchanged.

    Args:
      shape: what a script passed as a shape: a list/tuple (of ints, NumPy
        scalars, tensors, Dimensions), an array, a tensor.

    Returns:
      The same kind of value: a list/tuple with NumPy integer scalars
      replaced by ``int``; any other value as given.
    """
    if isinstance(shape, (list, tuple)) and any(isinstance(d, np.integer) for d in shape):
        return type(shape)(int(d) if isinstance(d, np.integer) else d for d in shape)
    return shape


def _shape_tensors() -> None:
    from tensorflow.python.ops import shape_util

    original = shape_util.shape_tensor
    if getattr(original, "_tfv1_mnist", False):
        return

    def shape_tensor(shape):
        return original(plain_shape(shape))

    shape_tensor._tfv1_mnist = True
    shape_tensor.__doc__ = original.__doc__
    shape_util.shape_tensor = shape_tensor


def _integer_flags() -> None:
    from absl.flags import _argument_parser

    parser = _argument_parser.IntegerParser
    original = parser.convert
    if getattr(original, "_tfv1_mnist", False):
        return

    def convert(self, argument):
        if isinstance(argument, np.integer) and isinstance(argument, numbers.Integral):
            argument = int(argument)
        return original(self, argument)

    convert._tfv1_mnist = True
    parser.convert = convert


def _moved_ops_names() -> None:
    import importlib

    from tensorflow.python.framework import ops

    for name, (module, attribute) in MOVED_OPS_NAMES.items():
        if not hasattr(ops, name):
            setattr(ops, name, getattr(importlib.import_module(module), attribute))


def install() -> None:
    """Applies the three conversions above to this process's TensorFlow and absl (once)."""
    _shape_tensors()
    _integer_flags()
    _moved_ops_names()
