"""Tests of the comparison runner on a user's own pair: the MLP of docs/compare.md,
in this process, in the isolated child (--impl on the command line), and what
happens when a pair differs or breaks the contract."""

from __future__ import annotations

import dataclasses
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import compare_user_pair  # noqa: E402
from tfv1_mnist import cli, compare, contract, datasets, verdicts  # noqa: E402
from tfv1_mnist.errors import ConfigError  # noqa: E402


@pytest.fixture(scope="module")
def user_mlp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user_pair")
    compare_user_pair.write_module(folder)
    sys.path.insert(0, str(folder))
    try:
        import user_mlp

        yield user_mlp
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("user_mlp", None)


@pytest.fixture
def tiny(tiny_arrays):
    return datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")


def _short(user_mlp, **changes):
    """The documented registry with a shorter config (fewer steps, smaller batches)."""
    spec = dataclasses.replace(user_mlp.MODEL, config=dataclasses.replace(user_mlp.MODEL.config, **changes))
    return compare.Registry().register(spec, user_mlp.registry.implementations("mlp"))


def test_user_pair_is_compared_step_by_step(user_mlp, tiny):
    result = compare.run(tiny, registry=_short(user_mlp, steps=30, batch_size=20), model="mlp", seed=2)
    section = result["models"]["mlp"]
    assert section["settings"]["reference"] == "v1" and section["settings"]["config"]["seed"] == 2
    e = section["variants"]["default"]
    assert e["steps"] == e["curve_steps"] == 30 and len(e["step_loss"]["v2"]) == 30
    assert e["verdict"]["v2"] in ("identical", "round-off")
    assert e["max_rel_step_loss_diff"]["v2"] <= compare.ROUND_OFF_REL
    assert e["max_abs_weight_diff"]["v2"] <= 1e-6
    losses = np.array(e["step_loss"]["v1"])
    assert losses[-5:].mean() < losses[:5].mean()  # it learned: the agreement is not vacuous
    assert e["max_rel_epoch_loss_diff"]["v2"] is None  # plain steps: no epoch history
    assert {d["between"] for d in result["differences"]} == {"mlp: v2 vs v1", "environment"}


def test_a_pair_that_computes_something_else_is_unexplained(user_mlp, tiny):
    def doubled_lr(config, data, schedule, initial):
        return user_mlp.train_v2(dataclasses.replace(config, learning_rate=2 * config.learning_rate), data,
                                 schedule, initial)

    registry = _short(user_mlp, steps=30, batch_size=20)
    registry.add(contract.Implementation("mlp", "buggy", doubled_lr, summary="a port with a wrong rate"))
    result = compare.run(tiny, registry=registry, model="mlp", implementations={"mlp": ["buggy"]})
    e = result["models"]["mlp"]["variants"]["default"]
    assert set(e["verdict"]) == {"buggy"}  # v2 was not asked for
    assert e["verdict"]["buggy"] == "different"
    assert e["first_diff_step"]["buggy"] == 1  # the first step's loss comes before any update
    sources = {d["between"]: d["source"] for d in result["differences"]}
    assert sources["mlp: buggy vs v1"] == verdicts.DIFFERENT  # the table's word


def test_results_that_break_the_contract_are_config_errors(user_mlp, tiny):
    def wrong_order(config, data, schedule, initial):
        r = user_mlp.train_v2(config, data, schedule, initial)
        return dataclasses.replace(r, weights=r.weights[::-1])

    def after_update(config, data, schedule, initial):
        return dataclasses.replace(user_mlp.train_v2(config, data, schedule, initial),
                                   loss_timing=contract.LOSS_AFTER_UPDATE)

    for train, message in ((wrong_order, "map the variables to that order"),
                           (after_update, "record them alike"),
                           (lambda *a: {"loss": []}, "not a contract.TrainResult")):
        registry = _short(user_mlp, steps=3, batch_size=10)
        registry.add(contract.Implementation("mlp", "bad", train))
        with pytest.raises(ConfigError, match=message):
            compare.run(tiny, registry=registry, model="mlp", implementations={"mlp": ["bad"]})
    with pytest.raises(ConfigError, match="unknown mlp implementation 'jax'; choose from v1, v2"):
        compare.run(tiny, registry=_short(user_mlp), model="mlp", implementations={"mlp": ["jax"]})
    with pytest.raises(ConfigError, match="--model must be one of mlp, all"):
        compare.run(tiny, registry=_short(user_mlp), model="rnn")


@pytest.mark.slow
def test_impl_on_the_command_line_runs_the_user_pair_in_the_child(user_mlp, tmp_path, capsys):
    out = tmp_path / "out"
    status = cli.main(["compare", "--impl", "user_mlp:registry", "--model", "mlp", "--data", "sample",
                       "--steps", "40", "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    doc = json.loads((out / "compare.json").read_text())
    assert doc["schema_version"] == compare.SCHEMA_VERSION
    assert doc["environment"]["isolated"] is True and doc["environment"]["op_determinism"] is True
    assert doc["environment"]["onednn"] == "0"
    e = doc["models"]["mlp"]["variants"]["default"]
    assert e["steps"] == 40 and e["verdict"]["v2"] in ("identical", "round-off")
    assert "--impl user_mlp:registry" in doc["provenance"]["command"]
    assert (out / "mlp_loss_overlay.png").stat().st_size > 0
    _, rows = compare.table_rows(doc)
    assert rows and all("| " + " | ".join(row) + " |" in printed for row in rows)


def test_impl_errors_are_usage_errors(capsys):
    assert cli.main(["compare", "--impl", "no_colon"]) == 2
    assert "package.module:object" in capsys.readouterr().err
    assert cli.main(["compare", "--steps", "0", "--data", "sample"]) == 2
    assert "--steps" in capsys.readouterr().err


def test_run_in_child_reports_the_childs_error(tiny):
    with pytest.raises(ConfigError, match="cannot import"):
        compare.run_in_child(tiny, registry="tfv1_mnist_no_such_module:registry", model="mlp")
