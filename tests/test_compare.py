"""Tests of the v1/v2 comparison: the metrics, softmax v1 against v2 on the embedded sample,
the CNN three ways on one short epoch, the child process, and compare.json's schema."""

from __future__ import annotations

import json
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tfv1_mnist import cli, compare, datasets  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    return datasets.load("sample")


@pytest.fixture(scope="module")
def softmax_200(sample):
    """Softmax v1 and v2, both losses, 200 steps on the embedded sample."""
    return compare.compare_softmax(sample, steps=200, seed=0)


@pytest.fixture(scope="module")
def cnn_short(sample):
    """The CNN three ways, one epoch of 320 examples (10 steps of 32)."""
    return compare.compare_cnn(sample, epochs=1, seed=0, train_examples=320, test_examples=200)


# --------------------------------------------------------------------------- metrics


def test_curve_diff_treats_nan_at_the_same_step_as_equal():
    d = compare.curve_diff([1.0, np.nan, 3.0, None], [1.0, np.nan, 3.003, np.nan])
    assert d["nonfinite_mismatch_steps"] == 0
    assert d["max_abs"] == pytest.approx(0.003)
    assert d["max_rel"] == pytest.approx(0.003 / 3.003)
    assert d["first_diff_step"] == 2 and d["identical_steps"] == 3 and d["steps"] == 4


def test_curve_diff_counts_nan_at_different_steps():
    d = compare.curve_diff([1.0, np.nan, 2.0], [1.0, 2.0, np.inf])
    assert d["nonfinite_mismatch_steps"] == 2
    assert d["max_abs"] == 0.0 and d["first_diff_step"] == 1
    assert compare.verdict(d["max_rel"], d["nonfinite_mismatch_steps"]) == "different"


def test_max_abs_diff_and_verdicts():
    a = [np.array([1.0, np.nan]), np.array([2.0])]
    assert compare.max_abs_diff(a, [np.array([1.5, np.nan]), np.array([2.0])]) == 0.5
    assert compare.max_abs_diff(a, [np.array([1.0, 0.0]), np.array([2.0])]) == math.inf
    with pytest.raises(ValueError, match="shapes"):
        compare.max_abs_diff([np.zeros(2)], [np.zeros(3)])
    assert compare.verdict(0.0) == "identical"
    assert compare.verdict(1e-6) == "round-off"
    assert compare.verdict(1e-3, tolerance=1e-2) == "amplified round-off"
    assert compare.verdict(0.3, tolerance=1e-2) == "different"
    assert compare.verdict(0.3, tolerance=1e-2, early_rel=1e-6) == "amplified round-off"
    assert compare.verdict(0.3, tolerance=1e-2, early_rel=1e-2) == "different"


def test_seed_validation_size():
    assert compare.seed_validation_size(60000) == 5000
    assert compare.seed_validation_size(4000) == 333


# --------------------------------------------------------------------------- softmax


def test_softmax_v1_v2_agree_per_step_on_the_sample(softmax_200):
    for variant in ("naive", "stable"):
        e = softmax_200[variant]
        assert e["steps"] == 200
        assert e["max_rel_loss_diff"] <= 1e-5, variant
        assert e["nonfinite_mismatch_steps"] == 0
        assert e["max_abs_weight_diff"] <= 1e-4
        assert e["test_accuracy"]["v1"] == pytest.approx(e["test_accuracy"]["v2"], abs=2e-3)
        assert e["test_accuracy"]["v1"] > 0.6  # it learned: the equality is not vacuous
        losses = np.array(e["loss"]["v1"], dtype=float)
        assert losses[-20:].mean() < losses[:20].mean()
    assert softmax_200["max_rel_loss_diff"] == softmax_200["stable"]["max_rel_loss_diff"]
    assert softmax_200["test_accuracy"] == softmax_200["stable"]["test_accuracy"]


def test_softmax_nan_steps_match_and_json_holds_null(tmp_path, tiny_arrays):
    # A huge learning rate drives the naive loss to log(0) within a few steps, in both versions.
    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    res = compare.compare_softmax(data, steps=30, batch_size=20, learning_rate=50.0, seed=1, losses=("naive",))
    e = res["naive"]
    assert e["nan_steps"] > 0
    assert e["nan_steps_by_impl"]["v1"] == e["nan_steps_by_impl"]["v2"] == e["nan_steps"]
    assert e["nonfinite_mismatch_steps"] == 0
    assert res["max_rel_loss_diff"] == e["max_rel_loss_diff"]  # flat keys fall back to the only variant
    written = compare.write_outputs({"model": "softmax", "environment": {}, "softmax": res,
                                     "differences": compare.explain({"softmax": res})}, tmp_path, dataset=data)
    text = (tmp_path / "compare.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    doc = json.loads(text)
    assert None in doc["softmax"]["naive"]["loss"]["v1"]
    assert "softmax_loss_overlay.png" in written and (tmp_path / "softmax_loss_overlay.png").exists()


# --------------------------------------------------------------------------- CNN


def test_cnn_keras_fit_matches_v2_loop_within_one_percent(cnn_short):
    assert cnn_short["settings"]["train_examples"] == 320
    assert len(cnn_short["step_loss"]["v2"]) == len(cnn_short["step_loss"]["keras"]) == 10
    assert cnn_short["max_rel_step_loss_diff"]["keras"] <= 0.01
    assert cnn_short["max_rel_epoch_loss_diff"]["keras"] <= 0.01
    steps = np.array(cnn_short["step_loss"]["v2"])
    assert steps[-3:].mean() < steps[:3].mean()


def test_cnn_v1_twin_is_close_to_v2(cnn_short):
    assert cnn_short["max_rel_early_step_loss_diff"]["v1"] <= compare.EARLY_REL
    assert cnn_short["max_rel_step_loss_diff"]["v1"] <= 1e-3
    assert cnn_short["max_rel_epoch_loss_diff"]["v1"] <= 1e-3
    assert cnn_short["verdict"]["v1"] in ("round-off", "amplified round-off")
    # The first step sees the same weights in every implementation: bit-identical forward pass.
    assert cnn_short["step_loss"]["v1"][0] == cnn_short["step_loss"]["v2"][0]
    assert set(cnn_short["test_accuracy"]) == {"v2", "keras", "v1"}


# --------------------------------------------------------------------------- child process and outputs


def test_run_isolated_sets_the_environment_in_a_child_only(tiny_arrays):
    from tfv1_mnist import determinism

    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    result = compare.run_isolated(data, model="softmax", steps=20, seed=3,
                                  softmax_options={"batch_size": 20, "losses": ("stable",)})
    env = result["environment"]
    assert env == {**env, "onednn": "0", "op_determinism": True, "tf32": False, "isolated": True}
    assert not determinism.is_enabled()  # nothing leaked into this process
    assert result["softmax"]["stable"]["steps"] == 20
    assert result["softmax"]["settings"]["seed"] == 3


def test_run_isolated_reports_the_childs_error(tiny_arrays):
    from tfv1_mnist.errors import Tfv1MnistError

    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    with pytest.raises(Tfv1MnistError, match="--model must be one of"):
        compare.run_isolated(data, model="rnn")


def test_compare_json_schema(tmp_path, softmax_200, cnn_short, sample):
    result = {"model": "all", "environment": {"onednn": "0", "op_determinism": True, "tf32": False},
              "softmax": softmax_200, "cnn": cnn_short}
    result["differences"] = compare.explain(result)
    written = compare.write_outputs(result, tmp_path, dataset=sample, extra_provenance={"command": "test"})
    assert set(written) == {"compare.json", "compare.md", "softmax_loss_overlay.png",
                            "cnn_step_loss_overlay.png", "cnn_epoch_loss_overlay.png"}
    doc = json.loads((tmp_path / "compare.json").read_text())
    assert doc["provenance"]["dataset"]["name"] == "sample" and doc["provenance"]["command"] == "test"
    for variant in ("naive", "stable"):
        for key in ("max_abs_loss_diff", "max_rel_loss_diff", "max_abs_weight_diff", "nan_steps"):
            assert isinstance(doc["softmax"][variant][key], (int, float)), (variant, key)
    for key in ("max_abs_loss_diff", "max_rel_loss_diff", "max_abs_weight_diff"):
        assert doc["softmax"][key] == doc["softmax"]["stable"][key]
    assert set(doc["softmax"]["test_accuracy"]) == {"v1", "v2"}
    assert set(doc["cnn"]["test_accuracy"]) == {"v2", "keras", "v1"}
    assert set(doc["cnn"]["max_rel_epoch_loss_diff"]) == {"keras", "v1"}
    sources = {d["source"] for d in doc["differences"]}
    assert "formula" in sources and sources <= {"none", "round-off", "formula", "unexplained"}
    md = (tmp_path / "compare.md").read_text()
    header, rows = compare.table_rows(result)
    assert len(rows) == 4
    for row in rows:
        assert "| " + " | ".join(row) + " |" in md
    assert f"{doc['softmax']['stable']['test_accuracy']['v1']:.4f}" in md


def test_cli_rejects_impossible_flags(capsys):
    assert cli.main(["compare", "--steps", "0", "--data", "sample"]) == 2
    assert "--steps" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["compare", "--model", "rnn"])
    assert exc.value.code == 2


def test_unknown_cnn_implementation_is_rejected_before_training(monkeypatch, sample):
    from tfv1_mnist import cnn_v2
    from tfv1_mnist.errors import ConfigError

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking impls")

    monkeypatch.setattr(cnn_v2, "train_and_evaluate", no_training)
    with pytest.raises(ConfigError, match="unknown CNN implementation 'jax'"):
        compare.compare_cnn(sample, impls=("v2", "jax"))


def test_max_abs_diff_rejects_a_missing_array():
    with pytest.raises(ValueError, match="2 arrays with 1"):
        compare.max_abs_diff([np.zeros(2), np.zeros(1)], [np.zeros(2)])


def test_run_isolated_kills_a_silent_child_that_overruns_its_timeout(tiny_arrays, tmp_path, monkeypatch):
    import subprocess
    import sys

    silent = tmp_path / "silent-python"  # prints nothing for 5 s, then marks that it ran to its end
    silent.write_text(f"#!{sys.executable}\nimport sys, time\ntime.sleep(5)\nopen(sys.argv[0] + '.done', 'w').close()\n")
    silent.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(silent))
    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    with pytest.raises(subprocess.TimeoutExpired):
        compare.run_isolated(data, timeout=0.5, model="softmax")
    assert not (tmp_path / "silent-python.done").exists(), "the child ran to its end instead of being killed"


def test_softmax_comparison_of_no_loss_is_a_config_error(tiny_arrays):
    from tfv1_mnist.errors import ConfigError

    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    with pytest.raises(ConfigError, match="at least one loss"):
        compare.compare_softmax(data, steps=5, batch_size=20, losses=())
