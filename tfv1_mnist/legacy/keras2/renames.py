"""Keras 1 keywords that Keras 2.2.4 still accepted (``Dense(output_dim=...)``, ``Convolution2D(32, 3, 3)``).

Keras 2.2.4's ``keras/legacy/interfaces.py`` converted Keras 1 arguments of
its layers with a warning; tf_keras refuses them.  `renamed_layers` gives the
layers that MNIST-era scripts call with them, as subclasses that convert the
arguments the same way (and say so once per keyword, as a warning) and then
build tf_keras' layer.

Pattern: one table of conversions (Keras 2.2.4's), one subclass factory.
"""

from __future__ import annotations

import functools
import warnings

__all__ = ["MODEL_RENAMES", "RENAMES", "renamed_layers", "renamed_model"]

_KERNEL = (("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
           ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
           ("b_constraint", "bias_constraint"), ("bias", "use_bias"))
_CONV = (("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
         ("dim_ordering", "data_format")) + _KERNEL
_POOL = (("border_mode", "padding"), ("dim_ordering", "data_format"))
_DIM_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": None}

#: layer name -> Keras 1 keyword -> Keras 2 keyword (Keras 2.2.4's legacy_*_support tables).
RENAMES = {
    "Dense": (("output_dim", "units"),) + _KERNEL,
    "Dropout": (("p", "rate"),),
    "Conv2D": _CONV,
    "Convolution2D": _CONV,
    "MaxPooling2D": _POOL,
    "AveragePooling2D": _POOL,
    "MaxPool2D": _POOL,
    "AvgPool2D": _POOL,
}
#: Keras 2.2.4's legacy_model_constructor_support: ``Model(input=..., output=...)``.
MODEL_RENAMES = (("input", "inputs"), ("output", "outputs"))


def _kernel_size(args: tuple, kwargs: dict) -> tuple:
    """``Convolution2D(32, 3, 3)`` / ``(32, 3, nb_col=3)`` / ``(32, nb_row=3, nb_col=3)`` -> ``kernel_size``."""
    if len(args) == 3 and all(isinstance(a, int) for a in args[1:]):
        return (args[0], (args[1], args[2])), kwargs
    if len(args) == 2 and isinstance(args[1], int) and "nb_col" in kwargs:
        return (args[0], (args[1], kwargs.pop("nb_col"))), kwargs
    if "nb_row" in kwargs and "nb_col" in kwargs:
        kwargs["kernel_size"] = (kwargs.pop("nb_row"), kwargs.pop("nb_col"))
    return args, kwargs


def _convert(layer: str, args: tuple, kwargs: dict) -> tuple:
    if layer in ("Conv2D", "Convolution2D"):
        args, kwargs = _kernel_size(args, kwargs)
    for old, new in RENAMES.get(layer, MODEL_RENAMES):
        if old not in kwargs:
            continue
        if new in kwargs:  # Keras 2.2.4's raise_duplicate_arg_error
            raise TypeError(f"For the `{new}` argument, the layer received both the legacy keyword argument "
                            f"`{old}` and the Keras 2 keyword argument `{new}`. Stick to the latter!")
        value = kwargs.pop(old)
        kwargs[new] = _DIM_ORDERING.get(value, value) if old == "dim_ordering" else value
        warnings.warn(f"Update your `{layer}` call to the Keras 2 API: `{new}` instead of `{old}`", stacklevel=3)
    return args, kwargs


def renamed_layers(layers) -> dict:
    """Subclasses of ``layers``' classes named in `RENAMES` that accept Keras 1 keywords.

    Args:
      layers: tf_keras' layers module (``tf_keras.api._v1.keras.layers``).

    Returns:
      dict: layer name -> subclass, whose ``get_config`` is the base class's.
    """
    classes = {}
    for name in RENAMES:
        base = getattr(layers, name)

        def __init__(self, *args, _layer=name, _base=base, **kwargs):
            args, kwargs = _convert(_layer, args, kwargs)
            _base.__init__(self, *args, **kwargs)

        classes[name] = type(name, (base,), {"__init__": __init__, "__module__": "keras.layers",
                                             "__doc__": f"Keras 2.2.4's {name}: tf_keras' with Keras 1 keywords."})
    return classes


@functools.cache
def renamed_model(model_class):
    """``Model`` of Keras 2.2.4: ``model_class`` (tf_keras' v1 ``Model``), also taking ``input=``/``output=``.

    Calling it builds ``model_class`` itself (a functional model when given
    inputs and outputs), so that tf_keras never rewrites this class's bases
    the way it does for a subclass built as a functional model; a script's
    subclass of it is an ordinary ``Model`` subclass.  One class per
    ``model_class``: ``keras.Model``, ``keras.models.Model`` and
    ``keras.engine.training.Model`` are the same object.
    """

    def __new__(cls, *args, **kwargs):
        if cls is renamed:
            args, kwargs = _convert("Model", args, kwargs)
            return model_class(*args, **kwargs)
        return model_class.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        args, kwargs = _convert("Model", args, kwargs)
        model_class.__init__(self, *args, **kwargs)

    base_meta = type(model_class)

    def __instancecheck__(cls, obj):  # every tf_keras model is a keras.models.Model, as in Keras 2.2.4
        return isinstance(obj, model_class) if cls is renamed else base_meta.__instancecheck__(cls, obj)

    meta = type("ModelType", (base_meta,), {"__instancecheck__": __instancecheck__})
    renamed = meta("Model", (model_class,), {
        "__new__": __new__, "__init__": __init__, "__module__": "keras.models",
        "__doc__": "Keras 2.2.4's Model: tf_keras' v1 Model, also taking input=/output=."})
    return renamed
