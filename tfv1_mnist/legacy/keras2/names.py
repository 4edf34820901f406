"""What Keras 2.2.4 (and TF 1.x's ``tf.keras``) exposed that tf_keras 2.21 lacks, and where it went.

Read from keras-team/keras at tag 2.2.4 (``keras/__init__.py``,
``keras/utils/__init__.py``, ``keras/optimizers.py``, ``keras/objectives.py``,
``keras/layers/*.py``, ``keras/engine/__init__.py``, ``keras/backend/*.py``,
``keras/initializers.py``, ``keras/constraints.py``, ``keras/legacy/*.py``)
and compared with ``tf_keras.api._v1.keras`` (TF 1.x's ``tf.keras`` surface).

* `ALIASES`: Keras 2.2.4 modules whose names now live in another module
  (``keras.objectives`` is ``keras.losses``, ``keras.layers.core`` and the
  other layer modules are ``keras.layers``...);
* `additions`: names that moved or were renamed (``np_utils``,
  ``K.image_dim_ordering``, ``initializers.zero``, ``constraints.maxnorm``...);
* `MISSING_NAMES` / `MISSING_MODULES`: what has no counterpart, with what to
  use instead (a `LegacySymbolError` / `LegacyImportError` says it).

Paths are relative to the Keras root (``""`` is ``keras`` itself).

Pattern: tables, read by `tfv1_mnist.legacy.keras2.tree`.
"""

from __future__ import annotations

__all__ = ["ALIASES", "MISSING_MODULES", "MISSING_NAMES", "additions"]

_LAYER_MODULES = ("core", "convolutional", "pooling", "merge", "normalization", "advanced_activations",
                  "recurrent", "embeddings", "noise", "wrappers", "local", "convolutional_recurrent",
                  "cudnn_recurrent")
_ENGINE_MODULES = ("topology", "training", "sequential", "network", "input_layer", "base_layer", "saving")

#: Keras 2.2.4 module -> the modules (relative paths) whose names it has now.
ALIASES = {
    "objectives": ("losses",),
    "backend.tensorflow_backend": ("backend",),
    "backend.common": ("backend",),
    "utils.np_utils": (),
    "legacy": (),
    "legacy.layers": (),
    **{f"layers.{name}": ("layers",) for name in _LAYER_MODULES},
    "engine": (),
    **{f"engine.{name}": ("engine",) for name in _ENGINE_MODULES},
}

_TF_KERAS_MODULES = {  # Keras 2.2.4's utils submodules: tf_keras' own modules of the same job
    "utils.generic_utils": "tf_keras.src.utils.generic_utils",
    "utils.data_utils": "tf_keras.src.utils.data_utils",
    "utils.conv_utils": "tf_keras.src.utils.conv_utils",
    "utils.layer_utils": "tf_keras.src.utils.layer_utils",
    "utils.io_utils": "tf_keras.src.utils.io_utils",
    "utils.vis_utils": "tf_keras.src.utils.vis_utils",
}
ALIASES.update({path: () for path in _TF_KERAS_MODULES})

_DISTRIBUTE = "tf.distribute.MirroredStrategy"
#: relative module path -> name -> what to use instead.
MISSING_NAMES = {
    "layers": {
        **{name: "Conv2D(..., dilation_rate=...)" for name in ("AtrousConvolution2D", "AtrousConv2D")},
        **{name: "Conv1D(..., dilation_rate=...)" for name in ("AtrousConvolution1D", "AtrousConv1D")},
        "Recurrent": "keras.layers.RNN with a cell", "ConvRecurrent2D": "keras.layers.ConvLSTM2D",
        "ConvRNN2D": "keras.layers.ConvLSTM2D",
        "Merge": "keras.layers.Concatenate / Add / Multiply (Keras 2's merge layers)",
        "MaxoutDense": "Dense followed by a max over a reshaped axis", "Highway": "a Dense-based gate",
    },
    "utils": {"multi_gpu_model": _DISTRIBUTE, "HDF5Matrix": "h5py arrays, or numpy arrays",
              "convert_all_kernels_in_model": "nothing: kernels need no flipping with TensorFlow"},
    "backend": {"set_image_dim_ordering": "keras.backend.set_image_data_format"},
}
MISSING_NAMES["legacy.layers"] = MISSING_NAMES["layers"]  # where Keras 2.2.4 kept MaxoutDense, Highway...
MISSING_MODULES = {
    "wrappers": "the scikeras package (KerasClassifier) or a plain model.fit",
    "wrappers.scikit_learn": "the scikeras package (KerasClassifier) or a plain model.fit",
    "backend.theano_backend": "the TensorFlow backend (keras.backend)",
    "backend.cntk_backend": "the TensorFlow backend (keras.backend)",
}


def _image_dim_ordering() -> str:
    """Keras 2.2.4's ``K.image_dim_ordering()``: ``'th'`` for channels_first, else ``'tf'``."""
    from tf_keras.src import backend

    return "th" if backend.image_data_format() == "channels_first" else "tf"


def _set_image_dim_ordering(dim_ordering: str) -> None:
    """Keras 2.2.4's ``K.set_image_dim_ordering('tf' | 'th')``."""
    from tf_keras.src import backend

    if dim_ordering not in ("tf", "th"):
        raise ValueError("Unknown dim_ordering:", dim_ordering)  # Keras 2.2.4's text
    backend.set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


def _engine(api) -> dict:
    from tf_keras.src.utils.layer_utils import get_source_inputs

    return {"Layer": api.layers.Layer, "InputSpec": api.layers.InputSpec, "Input": api.Input,
            "InputLayer": api.layers.InputLayer, "Model": api.Model, "Network": api.Model,
            "Container": api.Model, "Sequential": api.Sequential, "get_source_inputs": get_source_inputs}


def _backend(api) -> dict:
    from tf_keras.src import backend

    return {"image_dim_ordering": _image_dim_ordering, "set_image_dim_ordering": _set_image_dim_ordering,
            "get_variable_shape": backend.int_shape, "identity": backend.identity,
            "logsumexp": backend.logsumexp, "_get_available_gpus": backend._get_available_gpus}


def _utils(api) -> dict:
    from tf_keras.src.utils.layer_utils import print_summary

    return {"print_summary": print_summary}


def _layers(api) -> dict:
    layers = api.layers
    return {"Deconvolution2D": layers.Conv2DTranspose, "Deconv2D": layers.Conv2DTranspose,
            "Deconvolution3D": layers.Conv3DTranspose, "Deconv3D": layers.Conv3DTranspose}


def _tf_keras_module(name: str):
    import importlib

    return lambda api: dict(vars(importlib.import_module(name)))


_ADDITIONS = {
    "utils": _utils,
    "utils.np_utils": lambda api: {"to_categorical": api.utils.to_categorical, "normalize": api.utils.normalize},
    "backend": _backend,
    "backend.tensorflow_backend": _backend,
    "engine": _engine,
    **{f"engine.{name}": _engine for name in _ENGINE_MODULES},
    "layers": _layers,
    **{f"layers.{name}": _layers for name in _LAYER_MODULES},
    "initializers": lambda api: {"zero": api.initializers.Zeros, "one": api.initializers.Ones},
    "constraints": lambda api: {"maxnorm": api.constraints.MaxNorm, "nonneg": api.constraints.NonNeg,
                                "unitnorm": api.constraints.UnitNorm},
    **{path: _tf_keras_module(module) for path, module in _TF_KERAS_MODULES.items()},
}


def additions(path: str, api) -> dict:
    """The names Keras 2.2.4 had in module ``path`` that tf_keras has elsewhere or under another name.

    Args:
      path: a module path relative to the Keras root (``"utils"``, ``"backend"``...).
      api: ``tf_keras.api._v1.keras``.

    Returns:
      dict: name -> value (empty when the module needs none).
    """
    build = _ADDITIONS.get(path)
    return {} if build is None else build(api)
