"""Which models and implementations a comparison runs: the ``Registry``.

Pattern: Sonnet 2's conformance registry, as an object rather than a module
global.  ``default_registry()`` builds a fresh one holding the package's own
models (the softmax regressor and the CNN) and their implementations; a user
builds their own, or extends a ``copy()`` of the default, and passes it to
``compare.run``.  On the command line, ``tfv1-mnist compare --impl
package.module:object`` names one (``load_registry``).

Every implementation of a model is compared with that model's reference by the
same checks; nothing here or in ``compare`` branches on a name.
"""

from __future__ import annotations

import importlib
from typing import Iterable

from tfv1_mnist.contract import Implementation, ModelSpec
from tfv1_mnist.errors import ConfigError

__all__ = ["Registry", "default_registry", "load_registry"]


class Registry:
    """Models (``contract.ModelSpec``) and their implementations (``contract.Implementation``).

    Implementations keep the order they were added in; the model's reference
    is listed first wherever the order matters.
    """

    def __init__(self):
        self._models: dict[str, ModelSpec] = {}
        self._impls: dict[str, dict[str, Implementation]] = {}

    def add_model(self, spec: ModelSpec) -> ModelSpec:
        """Registers a model; raises ConfigError if its name is taken."""
        if not isinstance(spec, ModelSpec):
            raise ConfigError(f"add_model needs a contract.ModelSpec, got {type(spec).__name__}")
        if spec.name in self._models:
            raise ConfigError(f"model {spec.name!r} is registered already; copy() the registry and "
                              "register yours under another name")
        self._models[spec.name] = spec
        self._impls[spec.name] = {}
        return spec

    def add(self, impl: Implementation) -> Implementation:
        """Registers an implementation of a registered model; raises ConfigError on a clash."""
        if not isinstance(impl, Implementation):
            raise ConfigError(f"add needs a contract.Implementation, got {type(impl).__name__}")
        impls = self._impls.get(impl.model)
        if impls is None:
            raise ConfigError(f"implementation {impl.name!r} is of model {impl.model!r}, which is not registered; "
                              f"add_model its ModelSpec first (registered: {', '.join(self._models) or 'none'})")
        if impl.name in impls:
            raise ConfigError(f"model {impl.model!r} has an implementation {impl.name!r} already")
        impls[impl.name] = impl
        return impl

    def register(self, spec: ModelSpec, implementations: Iterable[Implementation]) -> "Registry":
        """Registers a model and its implementations at once; returns self."""
        self.add_model(spec)
        for impl in implementations:
            self.add(impl)
        return self

    def copy(self) -> "Registry":
        """A new registry holding the same entries, to extend without changing this one."""
        other = Registry()
        for name, spec in self._models.items():
            other.register(spec, self._impls[name].values())
        return other

    @property
    def models(self) -> tuple[str, ...]:
        """The registered models' names, in registration order."""
        return tuple(self._models)

    def model(self, name: str) -> ModelSpec:
        """The ``ModelSpec`` named ``name``; ConfigError listing the choices if there is none."""
        try:
            return self._models[name]
        except KeyError:
            raise ConfigError(f"no model {name!r} is registered; choose from {', '.join(self._models) or 'none'}") \
                from None

    def implementations(self, model: str) -> tuple[Implementation, ...]:
        """The model's implementations, its reference first.

        Raises:
          ConfigError: the model is unknown, or its reference is not registered.
        """
        spec = self.model(model)
        impls = self._impls[model]
        if spec.reference not in impls:
            raise ConfigError(f"model {model!r}: its reference implementation {spec.reference!r} is not registered "
                              f"(registered: {', '.join(impls) or 'none'})")
        return (impls[spec.reference], *(i for n, i in impls.items() if n != spec.reference))

    def __repr__(self) -> str:
        inner = "; ".join(f"{m}: {', '.join(i)}" for m, i in self._impls.items())
        return f"Registry({inner})"


def default_registry() -> Registry:
    """A new registry with the package's models: ``softmax`` (v1, v2) and ``cnn`` (v2, keras, v1, mirrored)."""
    from tfv1_mnist import cnn, softmax

    registry = Registry()
    for package in (softmax, cnn):
        registry.register(package.MODEL, package.IMPLEMENTATIONS)
    return registry


def load_registry(spec: str) -> Registry:
    """The registry that ``package.module:object`` names.

    ``object`` is a ``Registry``, or a callable returning one (such as a
    function that extends ``default_registry().copy()``).

    Raises:
      ConfigError: the text is not ``module:object``, the module cannot be
        imported, it has no such object, or the object is no registry.
    """
    module_name, sep, attr = str(spec).partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"--impl {spec!r}: write it as package.module:object, the object a Registry "
                          "or a function returning one")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(f"--impl {spec!r}: cannot import {module_name!r} ({err}); is its folder on "
                          "PYTHONPATH, or the package installed?") from None
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"--impl {spec!r}: {module_name} has no {attr!r}")
        obj = getattr(obj, part)
    if callable(obj) and not isinstance(obj, Registry):
        obj = obj()
    if not isinstance(obj, Registry):
        raise ConfigError(f"--impl {spec!r} is a {type(obj).__name__}, not a tfv1_mnist.compare.Registry "
                          "(or a function returning one)")
    return obj
