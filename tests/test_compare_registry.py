"""Tests of the Registry and of load_registry (--impl): registration rules and their errors."""

from __future__ import annotations

import dataclasses
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import compare_user_pair  # noqa: E402
from tfv1_mnist import contract  # noqa: E402
from tfv1_mnist.compare import Registry, load_registry  # noqa: E402
from tfv1_mnist.errors import ConfigError  # noqa: E402


@dataclasses.dataclass(frozen=True)
class _Config:
    steps: int = 3
    seed: int = 0


def _train(config, data, schedule, initial):
    return contract.TrainResult(weights=initial, step_loss=np.zeros(schedule.num_steps),
                                loss_timing=contract.LOSS_BEFORE_UPDATE, test_accuracy=1.0, train_seconds=0.0)


def _spec(name="toy", reference="v1"):
    return contract.ModelSpec(name=name, config=_Config(), initial_weights=lambda c: [np.zeros(2, np.float32)],
                              schedule=lambda c, d: contract.Schedule.from_table(np.zeros((c.steps, 1), int)),
                              weight_names=("w",), reference=reference)


def test_implementations_list_the_reference_first_and_copies_are_independent():
    registry = Registry().register(_spec(), [contract.Implementation("toy", "v2", _train),
                                             contract.Implementation("toy", "v1", _train)])
    assert [i.name for i in registry.implementations("toy")] == ["v1", "v2"]
    extended = registry.copy()
    extended.add(contract.Implementation("toy", "fast", _train))
    assert [i.name for i in extended.implementations("toy")] == ["v1", "v2", "fast"]
    assert [i.name for i in registry.implementations("toy")] == ["v1", "v2"]
    assert registry.models == ("toy",)


def test_registration_errors_say_what_to_do():
    registry = Registry().register(_spec(), [contract.Implementation("toy", "v1", _train)])
    with pytest.raises(ConfigError, match="registered already; copy"):
        registry.add_model(_spec())
    with pytest.raises(ConfigError, match="has an implementation 'v1' already"):
        registry.add(contract.Implementation("toy", "v1", _train))
    with pytest.raises(ConfigError, match="model 'other', which is not registered; add_model"):
        registry.add(contract.Implementation("other", "v1", _train))
    with pytest.raises(ConfigError, match="no model 'nope' is registered; choose from toy"):
        registry.model("nope")
    lonely = Registry().register(_spec("lonely", reference="v9"), [contract.Implementation("lonely", "v1", _train)])
    with pytest.raises(ConfigError, match="reference implementation 'v9' is not registered"):
        lonely.implementations("lonely")
    with pytest.raises(ConfigError, match="non-empty name"):
        contract.Implementation("toy", "has space", _train)
    with pytest.raises(ConfigError, match="train must be callable"):
        contract.Implementation("toy", "v3", "not a function")


def test_model_spec_configs_apply_overrides_per_variant():
    spec = dataclasses.replace(_spec(), variants=(("a", {"steps": 5}), ("b", {})))
    assert [(label, c.steps, c.seed) for label, c in spec.configs(seed=4)] == [("a", 5, 4), ("b", 3, 4)]
    assert _spec().configs()[0][0] == "default"
    with pytest.raises(ConfigError, match="has no setting 'epochs'"):
        spec.configs(epochs=2)


def test_load_registry_finds_the_documented_pair(tmp_path, monkeypatch):
    compare_user_pair.write_module(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        registry = load_registry(f"{compare_user_pair.MODULE}:registry")
        assert registry.models == ("mlp",)
        assert [i.name for i in registry.implementations("mlp")] == ["v1", "v2"]
    finally:
        sys.modules.pop(compare_user_pair.MODULE, None)


@pytest.mark.parametrize("spec, message", [
    ("no_colon", "write it as package.module:object"),
    ("tfv1_mnist_no_such_module:registry", "cannot import 'tfv1_mnist_no_such_module'"),
    ("tfv1_mnist.contract:missing", "has no 'missing'"),
    ("tfv1_mnist.contract:LOSS_AFTER_UPDATE", "is a str, not a tfv1_mnist.compare.Registry"),
])
def test_load_registry_errors_name_the_spec(spec, message):
    with pytest.raises(ConfigError, match=message):
        load_registry(spec)


def test_schedule_checks_its_indices_and_tables():
    s = contract.Schedule((np.arange(5), np.arange(4)), batch_size=2)
    assert s.steps_per_epoch == (3, 2) and s.num_steps == 5
    assert [b.tolist() for b in s.batches()][2] == [4]
    with pytest.raises(ConfigError, match="does not divide into batches of 2"):
        s.table()
    with pytest.raises(ConfigError, match=r"outside \[0, 4\)"):
        s.check(4)
    with pytest.raises(ConfigError, match="1-D integer index array"):
        contract.Schedule((np.zeros(3),), batch_size=1)
    table = np.arange(6).reshape(3, 2)
    assert np.array_equal(contract.Schedule.from_table(table).table(), table)
