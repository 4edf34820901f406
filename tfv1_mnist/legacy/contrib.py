"""``tf.contrib`` for legacy scripts: the parts with a faithful counterpart, and clear errors.

TF 1.15's ``tf.contrib`` is gone from TensorFlow 2.  Under run-legacy:

======================================  ==========================================
``tf.contrib.layers``                   ``tf_slim.layers`` (``fully_connected``, ``conv2d``, ``flatten``,
                                        ``xavier_initializer``, ``l2_regularizer``, ``batch_norm``...)
``tf.contrib.slim``                     ``tf_slim``
``tf.contrib.framework``                ``tf_slim``'s ``arg_scope`` family and variable helpers
``tf.contrib.rnn``                      `tfv1_mnist.legacy.rnn` (TF 2's v1 cells, ``static_rnn``...,
                                        ``stack_bidirectional_rnn`` ported from TF 1.15)
``tf.contrib.eager``                    `tfv1_mnist.legacy.eager` (``Iterator``, ``implicit_gradients``, ``Variable``...)
``tf.contrib.learn.datasets``           ``mnist`` and ``load_dataset('mnist')`` from `tfv1_mnist.input_data`
``tf.contrib.learn``                    ``DNNClassifier``, ``SKCompat``, ``RunConfig``,
                                        ``infer_real_valued_columns_from_input`` (`tfv1_mnist.legacy.contrib_learn`)
``...learn.python.learn.datasets.mnist``  the same ``input_data`` module
======================================  ==========================================

Any other name, as an attribute (``tf.contrib.factorization.KMeans``) or an
import (``import tensorflow.contrib.factorization``), raises
`LegacySymbolError` / `LegacyImportError` naming the symbol, the script line
and what replaces it.  Modules are built on first use, so a script that never
touches ``tf.contrib`` never imports ``tf_slim``.

Pattern: one `ContribTree` object owns the module tree (no globals); an
import finder and the ``tensorflow.contrib`` package both ask it for modules.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import types
from typing import Callable

from tfv1_mnist.legacy.common import LegacyImportError, LegacySymbolError, caller_symbol

__all__ = ["ContribTree", "ROOT", "contrib_message"]

ROOT = "tensorflow.contrib"
_SYMBOL = r"[A-Za-z_]\w*\.contrib(?:\.[A-Za-z_]\w*)*"
_PROVIDED = ("tf.contrib.layers, slim, framework, rnn, learn.datasets, learn's DNNClassifier/SKCompat/RunConfig "
             "and a small eager")

# What replaces contrib modules run-legacy does not provide.
_REPLACEMENTS = {
    "factorization": "k-means and GMMs: scikit-learn (sklearn.cluster.KMeans, sklearn.mixture), "
                     "or the algorithm written with tf.compat.v1 ops",
    "tensor_forest": "TensorFlow Decision Forests or scikit-learn's ensembles",
    "boosted_trees": "TensorFlow Decision Forests or scikit-learn's gradient boosting",
    "eager": "tf.GradientTape and tf.keras metrics (run-legacy's tf.contrib.eager has Iterator, "
             "implicit_gradients, implicit_value_and_gradients, Variable and Checkpoint)",
    "keras": "tf.keras (Keras 2 under run-legacy)",
    "data": "tf.data",
    "distributions": "tensorflow_probability.distributions",
    "metrics": "tf.compat.v1.metrics",
    "losses": "tf.compat.v1.losses",
    "training": "tf.compat.v1.train",
    "summary": "tf.compat.v1.summary",
    "lookup": "tf.lookup",
    "seq2seq": "tf.keras layers, or a port of the few functions the script uses",
    "tpu": "tf.distribute.TPUStrategy",
    "quantize": "tensorflow_model_optimization",
    "estimator": "tf.estimator (run-legacy's subset)",
    "learn": "tf.estimator (run-legacy's subset) or tf.keras; of tf.contrib.learn run-legacy provides datasets, "
             "DNNClassifier, SKCompat, RunConfig and infer_real_valued_columns_from_input",
}


def contrib_message(symbol: str, where: str) -> str:
    """The error text for a ``tf.contrib`` symbol without a counterpart."""
    at = f" (at {where})" if where else ""
    parts = symbol.split(".")
    head = parts[parts.index("contrib") + 1] if "contrib" in parts[:-1] else ""
    sub = parts[parts.index("contrib") + 2] if head == "rnn" and len(parts) > parts.index("contrib") + 2 else ""
    from tfv1_mnist.legacy.rnn import REPLACEMENTS as RNN_REPLACEMENTS

    hint = RNN_REPLACEMENTS.get(sub) or _REPLACEMENTS.get(head) or "tf.compat.v1 or tf.keras (see docs/legacy.md)"
    return (
        f"{symbol}{at} has no counterpart: tf.contrib was removed in TensorFlow 2, and run-legacy provides "
        f"{_PROVIDED} only. Use {hint} instead"
    )


class _Namespace(types.ModuleType):
    """A ``tensorflow.contrib...`` module: its own names, then those of ``sources``, else a `LegacySymbolError`."""

    def __init__(self, name: str, sources: tuple = (), doc: str | None = None, package: bool = False):
        super().__init__(name, doc)
        self.__dict__["_sources"] = sources
        if package:
            self.__path__ = []  # submodules go through the import system (and ContribTree's finder)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        for source in self.__dict__["_sources"]:
            try:
                return getattr(source, name)
            except AttributeError:
                pass
        resolver = self.__dict__.get("_resolve")
        if resolver is not None:
            module = resolver(f"{self.__name__}.{name}")
            if module is not None:
                return module
        symbol, where = caller_symbol(_SYMBOL, f"{self.__name__}.{name}".replace("tensorflow.", "tf.", 1))
        raise LegacySymbolError(contrib_message(symbol, where))

    def __dir__(self):
        names = set(self.__dict__) - {"_sources", "_resolve"}
        for source in self.__dict__["_sources"]:
            names.update(n for n in dir(source) if not n.startswith("_"))
        return sorted(names)


class _Loader(importlib.abc.Loader):
    def __init__(self, module: types.ModuleType):
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:  # built already
        pass


class ContribTree(importlib.abc.MetaPathFinder):
    """The ``tensorflow.contrib`` modules of one process, built on first use.

    Also a meta path finder: ``import tensorflow.contrib.X`` gets the module
    for a provided X and a `LegacyImportError` for any other.

    Args:
      input_data: the module legacy code gets for TF1's ``input_data``; the
        ``contrib.learn`` MNIST paths get the same object.
    """

    def __init__(self, input_data: types.ModuleType):
        self._input_data = input_data
        self._builders: dict[str, Callable[[], types.ModuleType]] = {
            ROOT: lambda: self._package(ROOT),
            f"{ROOT}.layers": self._layers,
            f"{ROOT}.slim": self._slim,
            f"{ROOT}.framework": self._framework,
            f"{ROOT}.rnn": self._rnn,
            f"{ROOT}.eager": self._eager,
            f"{ROOT}.learn": self._learn,
            f"{ROOT}.learn.datasets": lambda: self._datasets(f"{ROOT}.learn.datasets"),
            f"{ROOT}.learn.datasets.mnist": lambda: input_data,
            f"{ROOT}.learn.python": lambda: self._package(f"{ROOT}.learn.python"),
            f"{ROOT}.learn.python.learn": lambda: self._package(f"{ROOT}.learn.python.learn"),
            f"{ROOT}.learn.python.learn.datasets": lambda: self._datasets(f"{ROOT}.learn.python.learn.datasets"),
            f"{ROOT}.learn.python.learn.datasets.mnist": lambda: input_data,
        }

    # -- the modules

    def _package(self, name: str) -> types.ModuleType:
        module = _Namespace(name, package=True)
        module.__dict__["_resolve"] = self.module
        return module

    def _learn(self) -> types.ModuleType:
        from tfv1_mnist.legacy import contrib_learn
        from tfv1_mnist.legacy.estimator import RunConfig

        module = self._package(f"{ROOT}.learn")
        module.__dict__.update({name: getattr(contrib_learn, name) for name in contrib_learn.__all__
                                if name != "real_valued_column"}, RunConfig=RunConfig)
        return module

    def _datasets(self, name: str) -> types.ModuleType:
        from tfv1_mnist.legacy.data import load_dataset

        module = self._package(name)
        module.__dict__["load_dataset"] = load_dataset
        return module

    def _layers(self) -> types.ModuleType:
        import importlib

        # The package: its attribute tf_slim.layers is shadowed by tf_slim.layers.layers (a star import).
        from tfv1_mnist.legacy.contrib_learn import real_valued_column

        package = importlib.import_module("tf_slim.layers")
        module = _Namespace(f"{ROOT}.layers", (package,), "TF 1.15's tf.contrib.layers, from tf_slim.layers.")
        module.__dict__["real_valued_column"] = real_valued_column
        return module

    def _slim(self) -> types.ModuleType:
        import tf_slim

        return _Namespace(f"{ROOT}.slim", (tf_slim,), "TF 1.15's tf.contrib.slim: tf_slim.")

    def _framework(self) -> types.ModuleType:
        import tensorflow as tf
        from tf_slim.ops import arg_scope, variables

        module = _Namespace(f"{ROOT}.framework", (arg_scope, variables),
                            "TF 1.15's tf.contrib.framework: tf_slim's arg_scope and variable helpers.")
        module.__dict__["nest"] = tf.nest
        return module

    @staticmethod
    def _wrapped(built: types.ModuleType) -> types.ModuleType:
        """``built``'s names in a `_Namespace`, so that a name it lacks raises `LegacySymbolError`."""
        module = _Namespace(built.__name__, (), built.__doc__)
        module.__dict__.update({k: v for k, v in vars(built).items() if not k.startswith("__")})
        return module

    def _rnn(self) -> types.ModuleType:
        from tfv1_mnist.legacy.rnn import contrib_rnn

        return self._wrapped(contrib_rnn(f"{ROOT}.rnn"))

    def _eager(self) -> types.ModuleType:
        from tfv1_mnist.legacy.eager import contrib_eager

        return self._wrapped(contrib_eager(f"{ROOT}.eager"))

    # -- lookup

    def module(self, fullname: str) -> types.ModuleType | None:
        """The module for ``fullname`` (built and put in ``sys.modules`` once), or None if not provided."""
        if fullname in sys.modules:
            return sys.modules[fullname]
        builder = self._builders.get(fullname)
        if builder is None:
            return None
        module = builder()
        sys.modules[fullname] = module
        parent, _, child = fullname.rpartition(".")
        if parent in sys.modules:
            sys.modules[parent].__dict__[child] = module
        return module

    def root(self) -> types.ModuleType:
        """The ``tensorflow.contrib`` package (what ``tf.contrib`` is)."""
        return self.module(ROOT)

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ROOT and not fullname.startswith(ROOT + "."):
            return None
        module = self.module(fullname)
        if module is None:
            _, where = caller_symbol(_SYMBOL, fullname)
            raise LegacyImportError(contrib_message(fullname, where), name=fullname)
        return importlib.util.spec_from_loader(fullname, _Loader(module))
