"""Runs every registered implementation from one start on one schedule, and measures the drift.

Pattern: TensorFlow's migration guide's "validate numerical equivalence", as a
library.  For each model of a ``Registry``, and each of the model's variants,
``compare_model`` draws the initial weights and the batch schedule from the
config's seed *once*, trains every implementation from copies of them, and
hands the results to ``metrics.compare_results``.  Any difference then comes
from the computation alone.

``run`` does that in this process.  ``run_in_child`` does it in a child
process (``determinism.run_isolated``), because the known sources of spurious
difference must be switched before TensorFlow starts or cannot be switched
back: ``TF_ENABLE_ONEDNN_OPTS`` is read once at import, op determinism is
process-wide and irreversible, TF32 is turned off.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import Any, Mapping, Sequence

import numpy as np

from tfv1_mnist.compare.explanations import explain
from tfv1_mnist.compare import metrics
from tfv1_mnist.compare.registry import Registry, default_registry, load_registry
from tfv1_mnist.errors import ConfigError

__all__ = ["SCHEMA_VERSION", "environment", "compare_model", "run", "run_in_child"]

_log = logging.getLogger(__name__)

#: ``compare.json``'s layout (docs/compare.md): one section per model under ``models``.
SCHEMA_VERSION = 3
_CHILD_ENV = "TFV1_MNIST_COMPARE_CHILD"


def environment() -> dict:
    """The settings that decide whether two runs can match bit for bit.

    Returns:
      ``onednn`` (``TF_ENABLE_ONEDNN_OPTS`` as this process saw it at import:
      ``"0"``, ``"1"`` or ``"default"``), ``op_determinism`` (bool), ``tf32``
      (bool; only matters on GPUs), ``devices`` (the physical device types) and
      ``isolated`` (whether this is a child process started by ``run_in_child``).
    """
    import tensorflow as tf

    from tfv1_mnist import determinism

    return {
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        "op_determinism": determinism.is_enabled(),
        "tf32": bool(tf.config.experimental.tensor_float_32_execution_enabled()),
        "devices": sorted({d.device_type for d in tf.config.list_physical_devices()}),
        "isolated": os.environ.get(_CHILD_ENV) == "1",
    }


def _subset(data, train_examples: int | None, test_examples: int | None):
    changes = {}
    if train_examples is not None:
        changes.update(x_train=data.x_train[:train_examples], y_train=data.y_train[:train_examples])
    if test_examples is not None:
        changes.update(x_test=data.x_test[:test_examples], y_test=data.y_test[:test_examples])
    return dataclasses.replace(data, **changes) if changes else data


def _chosen(registry: Registry, model: str, reference: str, names: Sequence[str] | None) -> tuple:
    """The model's implementations to run: the reference and ``names`` (None: all); ConfigError for an unknown name."""
    impls = registry.implementations(model)
    if names is None:
        return impls
    known = [i.name for i in impls]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown {model} implementation {unknown[0]!r}; choose from {', '.join(known)}")
    return tuple(i for i in impls if i.name == reference or i.name in names)


def compare_model(registry: Registry, model: str, data, *, seed: int = 0,
                  settings: Mapping[str, Any] | None = None, curve_steps: int | None = None,
                  implementations: Sequence[str] | None = None) -> dict:
    """One model's section of ``compare.json``: every implementation against the reference.

    Args:
      registry: the ``Registry`` holding ``model``.
      model: the model's name.
      data: a ``datasets.Mnist``.
      seed: the config's seed: it draws the initial weights and the schedule.
      settings: ``{field: value}`` for the model's config; a field the config
        does not have is skipped (``--steps`` means nothing to the CNN).
      curve_steps: leading steps compared and kept; None for the model's
        ``ModelSpec.curve_steps``.
      implementations: the names to run besides the reference; None for all.

    Returns:
      ``{"settings": {...}, "variants": {label: entry}}`` (entry: ``metrics.compare_results``).

    Raises:
      ConfigError: an unknown implementation, an impossible setting, or a
        result that breaks the contract.
    """
    spec = registry.model(model)
    impls = _chosen(registry, model, spec.reference, implementations)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    overrides = {k: v for k, v in dict(settings or {}).items() if k in fields}
    curve_steps = spec.curve_steps if curve_steps is None else curve_steps
    configs = spec.configs(**{**overrides, "seed": seed})
    section: dict[str, Any] = {
        "settings": {
            "model": model, "reference": spec.reference, "seed": seed,
            "implementations": {i.name: i.summary for i in impls},
            "config": dataclasses.asdict(configs[0][1]),
            "variants": {label: dataclasses.asdict(c) for label, c in configs},
            "train_examples": int(data.num_train), "test_examples": int(data.num_test),
            "curve_steps": curve_steps, "tolerance": spec.tolerance, "weight_names": list(spec.weight_names),
            "notes": {i.name: i.note for i in impls if i.note},
            "model_notes": [list(n) for n in spec.notes],
        },
        "variants": {},
    }
    for label, config in configs:
        initial = [np.asarray(w) for w in spec.initial_weights(config)]
        if len(initial) != len(spec.weight_names):
            raise ConfigError(f"model {model!r}: initial_weights gave {len(initial)} arrays for "
                              f"{len(spec.weight_names)} weight names")
        schedule = spec.schedule(config, data)
        results, wall = {}, {}
        for impl in impls:
            _log.info("%s%s: training %s for %d steps", model, f" {label}" if len(configs) > 1 else "",
                      impl.name, schedule.num_steps)
            start = time.perf_counter()
            results[impl.name] = impl.train(config, data, schedule, [w.copy() for w in initial])
            wall[impl.name] = time.perf_counter() - start
        section["variants"][label] = {
            **metrics.compare_results(results, spec.reference, weight_shapes=[w.shape for w in initial],
                                      num_steps=schedule.num_steps, curve_steps=curve_steps,
                                      tolerance=spec.tolerance), "wall_seconds": wall}
    return section


def run(data, *, registry: Registry | None = None, model: str = "all", seed: int = 0,
        settings: Mapping[str, Any] | None = None, curve_steps: int | None = None,
        implementations: Mapping[str, Sequence[str]] | None = None, train_examples: int | None = None,
        test_examples: int | None = None, deterministic: bool = False) -> dict:
    """Runs the comparison in this process.

    Args:
      data: a ``datasets.Mnist``.
      registry: the ``Registry``; None for ``default_registry()``.
      model: a registered model's name, or ``"all"``.
      seed: seeds every model's initial weights and schedule.
      settings: config fields applied to every model whose config has them
        (``{"steps": 1000, "epochs": 2}``).
      curve_steps: leading steps compared per model; None for each model's own.
      implementations: ``{model: [names]}`` to run besides each reference; None for all.
      train_examples, test_examples: use only the first examples (a short run).
      deterministic: enable op determinism (irreversible for this process, and
        unseeded random ops raise afterwards) and turn TF32 off first.
        ``run_in_child`` does this, in a child process.

    Returns:
      ``{"schema_version", "model", "environment", "models": {name: section},
      "differences", "seconds"}``.
    """
    registry = default_registry() if registry is None else registry
    names = registry.models if model == "all" else (model,)
    if model != "all" and model not in registry.models:
        raise ConfigError(f"--model must be one of {', '.join((*registry.models, 'all'))}, got {model!r}")
    import tensorflow as tf

    if deterministic:
        import keras

        tf.config.experimental.enable_tensor_float_32_execution(False)
        tf.config.experimental.enable_op_determinism()
        keras.utils.set_random_seed(seed)
    data = _subset(data, train_examples, test_examples)
    start = time.perf_counter()
    result: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "model": model, "environment": environment(),
                              "models": {}}
    for name in names:
        result["models"][name] = compare_model(registry, name, data, seed=seed, settings=settings,
                                               curve_steps=curve_steps,
                                               implementations=(implementations or {}).get(name))
    result["differences"] = explain(result)
    result["seconds"] = time.perf_counter() - start
    return result


def _child_run(data, registry, kwargs: dict) -> dict:
    from tfv1_mnist import outputs

    if isinstance(registry, str):
        registry = load_registry(registry)
    result = run(data, registry=registry, deterministic=True, **kwargs)
    return outputs.to_jsonable(result)  # as compare.json holds it: non-finite numbers are None


def run_in_child(data, *, onednn: bool = False, timeout: float | None = None,
                 registry: Registry | str | None = None, **kwargs) -> dict:
    """Runs ``run(data, **kwargs)`` in a child process with a chosen oneDNN setting.

    Args:
      data: a ``datasets.Mnist``.
      onednn: ``TF_ENABLE_ONEDNN_OPTS=1`` (oneDNN's reordered kernels) instead of ``0``.
      timeout: seconds before the child is killed, or None.
      registry: a picklable ``Registry`` (its trainers module-level functions),
        a ``package.module:object`` text loaded in the child, or None for the default.
      **kwargs: the other arguments of ``run`` (``model``, ``seed``, ``settings``, ...).

    Returns:
      ``run``'s dict, with non-finite numbers as None (as ``compare.json`` holds them).

    Raises:
      The child's exception (e.g. ConfigError), re-raised here;
      subprocess.TimeoutExpired: the child ran longer than ``timeout`` and was killed.
    """
    from tfv1_mnist import determinism

    env = {"TF_ENABLE_ONEDNN_OPTS": "1" if onednn else "0", _CHILD_ENV: "1"}
    _log.info("comparing in a child process (TF_ENABLE_ONEDNN_OPTS=%s)", env["TF_ENABLE_ONEDNN_OPTS"])
    return determinism.run_isolated(None, _child_run, data, registry, kwargs, env=env, timeout=timeout)
