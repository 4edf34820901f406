"""The Keras a TF1-era script imports under run-legacy: Keras 2.2.4's names over tf_keras' v1 API.

Three roots, each a tree of module objects built on first use:

* ``keras`` (standalone Keras 2.2.4, as ``import keras`` gave it next to
  TF 1.x): tf_keras' v1 API (``tf_keras.api._v1.keras``), plus Keras 2.2.4's
  modules and names (`tfv1_mnist.legacy.keras2.names`), its optimizers with
  ``lr``/``decay`` and Keras 2.2.4's defaults
  (`tfv1_mnist.legacy.keras2.optimizers`) and its Keras 1 keywords
  (`tfv1_mnist.legacy.keras2.renames`);
* ``tensorflow.keras`` (``tf.keras``) and ``tensorflow.python.keras``: TF 1.x's
  ``tf.keras``, i.e. the same v1 API, whose optimizers already are tf_keras'
  legacy ones with TF 1.15's defaults, plus the same Keras 2.2.4 module names;
  ``tensorflow.python.keras.X`` also reaches tf_keras' internal ``tf_keras.src.X``
  (where TF 1.15 kept tf.keras' implementation).

Every optimizer a script meets is a legacy one: tf_keras' new optimizers
cannot be compiled into a TF1 graph (``model.compile`` converts them through
``get_config``, which reads ``.numpy()``), which is what stopped Keras 2.2
``model.fit`` scripts.  A name with no counterpart raises `LegacySymbolError`
(an import, `LegacyImportError`) naming it and what to use instead.

Pattern: one `KerasTree` object owns the modules (no globals); run-legacy's
import hook and ``tf.keras`` ask it for them.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
from typing import Callable

from tfv1_mnist.legacy.common import LegacyImportError, LegacySymbolError
from tfv1_mnist.legacy.keras2 import names

__all__ = ["KerasTree", "ROOTS"]

_V1_API = "tf_keras.api._v1.keras"
_SRC = "tf_keras.src"
# Where Keras 2.2.4 had Model (keras/__init__.py, models.py, engine/__init__.py, engine/training.py...).
_MODEL_PATHS = ("", "models", "engine", "engine.training", "engine.network", "engine.topology")


def _keras_2_2_4(path: str, api) -> dict:
    """Names standalone Keras 2.2.4 defined differently from tf_keras' v1 API."""
    if path == "optimizers":
        from tfv1_mnist.legacy.keras2.optimizers import keras_optimizers

        return keras_optimizers()
    if path == "layers":  # its submodules (layers.core...) take their names from it
        from tfv1_mnist.legacy.keras2.renames import renamed_layers

        return renamed_layers(api.layers)
    if path in _MODEL_PATHS:
        from tfv1_mnist.legacy.keras2.renames import renamed_model

        return {"Model": renamed_model(api.Model)}
    return {}


@dataclasses.dataclass(frozen=True)
class _Flavour:
    """One Keras of the TF1 era: its name in messages and its own names per module path."""

    label: str
    own_names: Callable[[str, object], dict]


KERAS_2_2_4 = _Flavour("Keras 2.2.4", _keras_2_2_4)
TF_KERAS_1_15 = _Flavour("TF 1.15's tf.keras", lambda path, api: {})

#: import root -> the Keras it stands for.
ROOTS = {"keras": KERAS_2_2_4, "tensorflow.keras": TF_KERAS_1_15, "tensorflow.python.keras": TF_KERAS_1_15}


def _import(name: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class _KerasModule(types.ModuleType):
    """A Keras module as TF1-era code saw it: its own names, then its submodules, then its sources' names."""

    def __init__(self, name: str, tree: "KerasTree", path: str, sources: tuple, own: dict):
        super().__init__(name, f"{name} of {tree.flavour(name).label}, over tf_keras' v1 API (run-legacy)")
        self.__dict__.update(_tree=tree, _path=path, _sources=sources, **own)
        if not path or any(hasattr(s, "__path__") for s in sources):
            self.__path__ = []

    def __getattr__(self, name: str):
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)
        tree, path = self.__dict__["_tree"], self.__dict__["_path"]
        if name == "__all__":
            return sorted(n for n in dir(self) if not n.startswith("_"))
        child = f"{path}.{name}" if path else name
        if tree.is_module(child) or any(isinstance(getattr(s, name, None), types.ModuleType)
                                        for s in self.__dict__["_sources"]):
            module = tree.module(f"{self.__name__}.{name}", attribute=True)
            if module is not None:
                return module
        for source in self.__dict__["_sources"]:
            try:
                return getattr(source, name)
            except AttributeError:
                pass
        hints = [names.MISSING_NAMES.get(p, {}).get(name) for p in (path, *names.ALIASES.get(path, ()))]
        raise LegacySymbolError(tree.missing_message(f"{self.__name__}.{name}", next(filter(None, hints), None)))

    def __dir__(self):
        found = {n for n in self.__dict__ if not n.startswith("_")}
        for source in self.__dict__["_sources"]:
            found.update(n for n in dir(source) if not n.startswith("_"))
        return sorted(found)


class KerasTree:
    """The ``keras`` / ``tensorflow.keras`` / ``tensorflow.python.keras`` modules of one process.

    Args:
      on_first_use: called once, before the first module is built (e.g. to
        point tf_keras' MNIST loader at local data).
    """

    def __init__(self, on_first_use: Callable[[], None] | None = None):
        self._on_first_use = on_first_use
        self._modules: dict[str, types.ModuleType] = {}

    @staticmethod
    def root_of(fullname: str) -> str | None:
        """The `ROOTS` entry ``fullname`` lies under (the longest), or None."""
        found = [r for r in ROOTS if fullname == r or fullname.startswith(r + ".")]
        return max(found, key=len) if found else None

    def flavour(self, fullname: str) -> _Flavour:
        return ROOTS[self.root_of(fullname)]

    @staticmethod
    def is_module(path: str) -> bool:
        """Whether Keras 2.2.4 had a module at ``path`` that tf_keras' v1 API lacks."""
        return path in names.ALIASES or path in names.MISSING_MODULES

    def missing_message(self, fullname: str, instead: str | None) -> str:
        label = self.flavour(fullname).label
        hint = f"; use {instead} instead" if instead else " (see docs/legacy.md)"
        return (f"{fullname} has no counterpart under run-legacy: it is not in tf_keras, which stands in for "
                f"{label} there{hint}")

    def module(self, fullname: str, attribute: bool = False) -> types.ModuleType | None:
        """The module for ``fullname`` (built once), or None when neither Keras 2.2.4 nor tf_keras has one.

        Raises:
          LegacyImportError: a Keras 2.2.4 module with no counterpart
            (`LegacySymbolError` when reached as an attribute).
        """
        if fullname in self._modules:
            return self._modules[fullname]
        root = self.root_of(fullname)
        path = fullname[len(root) + 1:]
        if path in names.MISSING_MODULES:
            message = self.missing_message(fullname, names.MISSING_MODULES[path])
            raise LegacySymbolError(message) if attribute else LegacyImportError(message, name=fullname)
        if self._on_first_use is not None:
            self._on_first_use()
            self._on_first_use = None
        api = importlib.import_module(_V1_API)
        suffix = f".{path}" if path else ""
        aliases = tuple(self.module(f"{root}.{alias}") for alias in names.ALIASES.get(path, ()))
        sources = aliases + tuple(m for m in (_import(_V1_API + suffix), path and _import(_SRC + suffix)) if m)
        own = {**names.additions(path, api), **ROOTS[root].own_names(path, api)}
        if not sources and not own and path not in names.ALIASES:
            return None
        module = self._modules[fullname] = _KerasModule(fullname, self, path, sources, own)
        if not path:
            module.__version__ = api.__version__ if hasattr(api, "__version__") else _import("tf_keras").__version__
        return module

    def import_module(self, name: str, fromlist) -> types.ModuleType:
        """What ``import name`` (``from name import ...`` when ``fromlist``) gives legacy code.

        Raises:
          LegacyImportError: ``name`` is not a Keras module run-legacy provides.
        """
        module = self.module(name)
        if module is None:
            raise LegacyImportError(self.missing_message(name, None), name=name)
        return module if fromlist else self.module(self.root_of(name))
