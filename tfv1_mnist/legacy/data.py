"""Where a legacy script's MNIST comes from: TF1's ``input_data`` and Keras' ``mnist.load_data``.

Under run-legacy (and ``pytest --tf1``) no MNIST is ever downloaded.  TF1's
``input_data`` paths get `tfv1_mnist.input_data` with
``read_data_sets(if_missing="local")``; ``tf.keras.datasets.mnist.load_data``
reads ``$TFV1_MNIST_DATA``, else Keras' own ``~/.keras/datasets/mnist.npz``
(or the path it is given) when that file exists, else the cache, else the
embedded sample, and says which in one log line.

Pattern: configured entry points (a module object whose functions carry the
mode), instead of a switch inside `tfv1_mnist.input_data`.
"""

from __future__ import annotations

import functools
import logging
import os
import pathlib
import types

import numpy as np

from tfv1_mnist import datasets, input_data

__all__ = ["keras_mnist_load_data", "legacy_input_data", "load_dataset", "redirect_keras_mnist"]

_log = logging.getLogger(__name__)

INPUT_DATA_MODULE = "tensorflow.examples.tutorials.mnist.input_data"


def legacy_input_data() -> types.ModuleType:
    """TF1's ``input_data`` module as legacy code sees it: a folder without files never downloads.

    Returns:
      A module with `tfv1_mnist.input_data`'s public names, whose
      ``read_data_sets`` and ``load_mnist`` default to ``if_missing="local"``.
    """
    module = types.ModuleType(INPUT_DATA_MODULE, input_data.__doc__)
    for name in input_data.__all__:
        module.__dict__[name] = getattr(input_data, name)

    @functools.wraps(input_data.read_data_sets)
    def read_data_sets(*args, **kwargs):
        kwargs.setdefault("if_missing", "local")
        return input_data.read_data_sets(*args, **kwargs)

    def load_mnist(train_dir="MNIST-data"):
        """``read_data_sets(train_dir)`` with TF1's defaults, never downloading."""
        return read_data_sets(train_dir)

    module.__dict__.update(read_data_sets=read_data_sets, load_mnist=load_mnist)
    return module


def load_dataset(name, size="small", test_with_fake_data=False):
    """TF 1.x's ``tf.contrib.learn.datasets.load_dataset``, for ``'mnist'``.

    Args:
      name: the data set; only ``"mnist"`` has a counterpart here.
      size, test_with_fake_data: TF1's arguments for ``dbpedia``; ignored.

    Returns:
      ``Datasets(train, validation, test)``, as ``load_mnist()``.

    Raises:
      ValueError: an unknown name (TF1's message).
      tfv1_mnist.legacy.LegacySymbolError: a TF1 data set run-legacy does not provide.
    """
    del size, test_with_fake_data
    if name == "mnist":
        return legacy_input_data().load_mnist()
    if name in ("iris", "boston", "dbpedia"):
        from tfv1_mnist.legacy.common import LegacySymbolError

        raise LegacySymbolError(
            f"load_dataset({name!r}): run-legacy provides only 'mnist'; load {name} with scikit-learn "
            "(sklearn.datasets) or read the CSV yourself"
        )
    raise ValueError("Name of dataset is not found: %s" % name)  # TF1's text


def _keras_cache_file(path: str | os.PathLike) -> pathlib.Path:
    # Keras' get_file(path, cache_subdir="datasets") puts a relative name under ~/.keras/datasets.
    path = pathlib.Path(path).expanduser()
    if path.is_absolute():
        return path
    keras_home = pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path("~/.keras").expanduser()))
    return keras_home / "datasets" / path


def keras_mnist_load_data(path="mnist.npz"):
    """``tf.keras.datasets.mnist.load_data`` without the network.

    Args:
      path: Keras' file name, relative to ``~/.keras/datasets`` (or absolute).

    Returns:
      ``(x_train, y_train), (x_test, y_test)``: uint8 images [N, 28, 28] and
      uint8 labels [N], as Keras returns them.
    """
    spec = os.environ.get(input_data.DATA_ENV, "").strip()
    if spec:
        data = datasets.load(spec, announce=False)
        _log.info("mnist.load_data(): using %s, as %s says", datasets.describe(data), input_data.data_env_origin())
    else:
        local = _keras_cache_file(path)
        if local.is_file():
            data = datasets.read_npz(local, checksum=False)
            _log.info("mnist.load_data(): reading Keras' file %s", local)
        else:
            data = datasets.load(None)
            _log.info(
                "mnist.load_data(): no %s; reading %s from %s instead (never the network; pass --data PATH to "
                "choose)", local, data.name, data.path,
            )
    return (np.asarray(data.x_train), np.asarray(data.y_train)), (np.asarray(data.x_test), np.asarray(data.y_test))


def redirect_keras_mnist() -> None:
    """Makes tf_keras' ``mnist.load_data`` (every public path to it) `keras_mnist_load_data`.

    Imports tf_keras' data set modules; call it only where Keras 2 is wanted
    (the run-legacy child, ``pytest --tf1``).
    """
    import importlib

    from tfv1_mnist.legacy.common import rebind

    source = importlib.import_module("tf_keras.src.datasets.mnist")
    original = source.load_data
    if original is keras_mnist_load_data:
        return
    rebind(("tf_keras.src.datasets.mnist", "tf_keras.datasets.mnist", "tf_keras.api._v1.keras.datasets.mnist",
            "tf_keras.api._v2.keras.datasets.mnist"), "load_data", original, keras_mnist_load_data)
