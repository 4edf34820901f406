"""What ``import tensorflow`` gives legacy code, and the import hook that gives it.

`TensorFlowV1` is ``tf.compat.v1`` plus TF1's extras: ``tf.contrib`` (a
`ContribTree`), ``tf.estimator`` (`tfv1_mnist.legacy.estimator`),
``tf.examples``, and a ``tf.compat`` whose ``v1`` is this module again (so
``tf.compat.v1.estimator`` works as in TF 1.15).  `LegacyImport` replaces
``builtins.__import__``: code of the script's folder (and ``__main__``) that
imports ``tensorflow`` gets the shim, and ``import keras`` (and ``from
tensorflow.keras... import``) gets Keras 2 as TF1-era code knew it
(`tfv1_mnist.legacy.keras2`); libraries, tfv1_mnist included, get the real modules.

Pattern: a module proxy plus an ``__import__`` wrapper that looks at who imports.
"""

from __future__ import annotations

import os
import sys
import types

from tfv1_mnist.legacy.common import LegacySymbolError

__all__ = ["LegacyImport", "TensorFlowV1"]

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _CompatV1(types.ModuleType):
    """``tf.compat`` as legacy code sees it: ``v1`` is the shim, the rest is TensorFlow's."""

    def __init__(self, real: types.ModuleType, shim: types.ModuleType):
        super().__init__("tensorflow.compat", real.__doc__)
        self.__dict__.update(_real=real, v1=shim)

    def __getattr__(self, name: str):
        return getattr(self.__dict__["_real"], name)


class TensorFlowV1(types.ModuleType):
    """``tf.compat.v1`` with TF1's extras, as seen by a script under run-legacy.

    Args:
      tf: the real ``tensorflow`` module.
      contrib: the `ContribTree` whose root is ``tf.contrib``.
      keras: the `tfv1_mnist.legacy.keras2.KerasTree` whose ``tensorflow.keras``
        is ``tf.keras`` (None: ``tf.compat.v1.keras``).
    """

    def __init__(self, tf: types.ModuleType, contrib, keras=None):
        super().__init__("tensorflow", "tf.compat.v1, as seen by a script under tfv1-mnist run-legacy")
        self.__dict__.update(_v1=tf.compat.v1, _contrib=contrib, _keras=keras,
                             compat=_CompatV1(tf.compat, self))

    def __getattr__(self, name: str):
        if name == "contrib":
            return self.__dict__["_contrib"].root()
        if name == "estimator":
            from tfv1_mnist.legacy import estimator

            return estimator
        if name == "examples":
            return sys.modules["tensorflow.examples"]
        if name == "keras" and self.__dict__["_keras"] is not None:
            return self.__dict__["_keras"].import_module("tensorflow.keras", ("*",))
        try:
            return getattr(self.__dict__["_v1"], name)
        except AttributeError:
            if name.startswith("__"):
                raise
            raise LegacySymbolError(
                f"tf.{name} does not exist in tf.compat.v1, which run-legacy gives the script as `tensorflow`; "
                "it was removed or renamed after TF 1.15 (see docs/legacy.md)"
            ) from None

    def __dir__(self):
        return sorted(set(dir(self.__dict__["_v1"])) | {"contrib", "estimator", "examples", "compat"})


class LegacyImport:
    """``builtins.__import__`` that gives legacy code TF1's ``tensorflow`` and Keras 2.

    Args:
      original: the ``__import__`` it wraps.
      shim: what legacy code's ``import tensorflow`` returns.
      script_dir: modules under it (and ``__main__``) are legacy code, unless
        they lie in an installed library or in tfv1_mnist.
      keras: the `tfv1_mnist.legacy.keras2.KerasTree` that answers legacy
        code's ``import keras`` and ``from tensorflow[.python].keras... import``
        (None: ``import keras`` is ``import tf_keras``).
      proxies: top-level module name -> the module legacy code gets instead
        (e.g. ``{"numpy": NumPy1}``); its submodules stay the real ones.
      hooks: top-level module name -> called after legacy code imports it
        (e.g. matplotlib's headless set-up); each runs until it returns.
    """

    def __init__(self, original, shim: types.ModuleType, script_dir: str, keras=None, *,
                 proxies=None, hooks=None):
        self._original = original
        self._shim = shim
        self._keras = keras
        self._proxies = dict(proxies or {})
        self._hooks = dict(hooks or {})
        self._script_dir = os.path.join(os.path.abspath(script_dir), "")
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, _PACKAGE_ROOT}
        roots.update(p for p in sys.path if "site-packages" in p or "dist-packages" in p)
        self._library_roots = tuple(os.path.join(os.path.abspath(r), "") for r in roots if r)

    def _is_legacy(self, globals_) -> bool:
        if not globals_:
            return False
        if globals_.get("__name__") == "__main__":
            return True
        filename = globals_.get("__file__")
        if not filename:
            return False
        filename = os.path.abspath(filename)
        return filename.startswith(self._script_dir) and not filename.startswith(self._library_roots)

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        top = name.partition(".")[0]
        if level == 0 and (top in self._proxies or top in self._hooks) and self._is_legacy(globals):
            module = self._original(name, globals, locals, fromlist, level)
            hook = self._hooks.pop(top, None)
            if hook is not None:
                hook()
            if top in self._proxies and (not fromlist or name == top):
                return self._proxies[top]
            return module
        if level == 0 and top in ("tensorflow", "keras") and self._is_legacy(globals):
            keras = self._keras
            if top == "keras":  # TF1-era standalone Keras code: Keras 2, like its tf.keras
                if keras is not None:
                    return keras.import_module(name, fromlist)
                return self._original("tf_keras" + name[len("keras"):], globals, locals, fromlist, level)
            if fromlist and keras is not None and keras.root_of(name) is not None:
                return keras.import_module(name, fromlist)
            module = self._original(name, globals, locals, fromlist, level)
            if not fromlist or name == "tensorflow":
                return self._shim
            return module
        return self._original(name, globals, locals, fromlist, level)
