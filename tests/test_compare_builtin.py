"""The package's own models through the comparison: softmax v1 against v2 on the embedded
sample, the CNN three ways on one short epoch, the isolated child, and compare.json's layout."""

from __future__ import annotations

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tfv1_mnist import cli, compare, datasets, verdicts  # noqa: E402
from tfv1_mnist.errors import ConfigError  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    return datasets.load("sample")


@pytest.fixture(scope="module")
def registry():
    return compare.default_registry()


@pytest.fixture(scope="module")
def softmax_200(sample, registry):
    """Softmax v1 and v2, both losses, 200 steps on the embedded sample."""
    return compare.compare_model(registry, "softmax", sample, seed=0, settings={"steps": 200})


@pytest.fixture(scope="module")
def cnn_short(sample, registry):
    """The CNN three ways, one epoch of 320 examples (10 steps of 32)."""
    import dataclasses

    small = dataclasses.replace(sample, x_train=sample.x_train[:320], y_train=sample.y_train[:320],
                                x_test=sample.x_test[:200], y_test=sample.y_test[:200])
    return compare.compare_model(registry, "cnn", small, seed=0, settings={"epochs": 1},
                                 implementations=("keras", "v1"))


def test_default_registry_holds_the_package_models(registry):
    assert registry.models == ("softmax", "cnn")
    assert [i.name for i in registry.implementations("softmax")][:2] == ["v1", "v2"]
    assert [i.name for i in registry.implementations("cnn")][:3] == ["v2", "keras", "v1"]
    assert registry.model("cnn").curve_steps == 300 and registry.model("softmax").curve_steps is None


def test_softmax_v1_v2_agree_per_step_on_the_sample(softmax_200):
    assert softmax_200["settings"]["reference"] == "v1"
    assert set(softmax_200["variants"]) == {"naive", "stable"}
    for variant, e in softmax_200["variants"].items():
        assert e["steps"] == e["curve_steps"] == 200
        assert e["max_rel_step_loss_diff"]["v2"] <= 1e-5, variant
        assert e["nonfinite_mismatch_steps"]["v2"] == 0
        assert e["max_abs_weight_diff"]["v2"] <= 1e-4
        assert e["test_accuracy"]["v1"] == pytest.approx(e["test_accuracy"]["v2"], abs=2e-3)
        assert e["test_accuracy"]["v1"] > 0.6  # it learned: the equality is not vacuous
        assert e["loss_timing"] == {"v1": "after update", "v2": "after update",
                                    "v1_xla": "after update"}
        # The fast path: round-off from the seed's graph, never NaN where it is finite.
        assert 0 < e["max_rel_step_loss_diff"]["v1_xla"] <= 1e-5, variant
        assert e["nonfinite_mismatch_steps"]["v1_xla"] == 0
        losses = np.array(e["step_loss"]["v1"], dtype=float)
        assert losses[-20:].mean() < losses[:20].mean()


def test_softmax_nan_steps_match_and_json_holds_null(tmp_path, tiny_arrays, registry):
    # A huge learning rate drives the naive loss to log(0) within a few steps, in both versions.
    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    section = compare.compare_model(registry, "softmax", data, seed=1,
                                    settings={"steps": 30, "batch_size": 20, "learning_rate": 50.0})
    e = section["variants"]["naive"]
    assert e["nan_steps"]["v1"] > 0
    assert e["nan_steps"]["v1"] == e["nan_steps"]["v2"]
    assert e["nonfinite_mismatch_steps"]["v2"] == 0
    result = {"model": "softmax", "environment": {}, "models": {"softmax": section}}
    result["differences"] = compare.explain(result)
    written = compare.write_outputs(result, tmp_path, dataset=data)
    def no_constants(name):
        raise AssertionError(f"compare.json holds the non-JSON number {name}")

    doc = json.loads((tmp_path / "compare.json").read_text(), parse_constant=no_constants)
    assert None in doc["models"]["softmax"]["variants"]["naive"]["step_loss"]["v1"]
    assert "softmax_loss_overlay.png" in written and (tmp_path / "softmax_loss_overlay.png").exists()


def test_softmax_batch_larger_than_the_data_is_a_config_error(tiny_arrays, registry):
    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    with pytest.raises(ConfigError, match="--batch-size 5000 is larger than the training set"):
        compare.compare_model(registry, "softmax", data, settings={"steps": 5, "batch_size": 5000})


def test_cnn_keras_fit_matches_v2_loop(cnn_short):
    e = cnn_short["variants"]["default"]
    assert cnn_short["settings"]["train_examples"] == 320 and cnn_short["settings"]["reference"] == "v2"
    assert len(e["step_loss"]["v2"]) == len(e["step_loss"]["keras"]) == 10
    assert e["max_rel_step_loss_diff"]["keras"] <= 0.01
    assert e["max_rel_epoch_loss_diff"]["keras"] <= 0.01
    assert e["verdict"]["keras"] == "identical" and e["max_abs_weight_diff"]["keras"] == 0.0
    steps = np.array(e["step_loss"]["v2"])
    assert steps[-3:].mean() < steps[:3].mean()


def test_cnn_v1_twin_is_close_to_v2(cnn_short):
    e = cnn_short["variants"]["default"]
    assert e["max_rel_early_step_loss_diff"]["v1"] <= compare.EARLY_REL
    assert e["max_rel_step_loss_diff"]["v1"] <= 1e-3
    assert e["max_rel_epoch_loss_diff"]["v1"] <= 1e-3
    assert e["verdict"]["v1"] in ("round-off", "amplified round-off")
    # The first step sees the same weights in every implementation: bit-identical forward pass.
    assert e["step_loss"]["v1"][0] == e["step_loss"]["v2"][0]
    assert set(e["test_accuracy"]) == {"v2", "keras", "v1"}


def test_unknown_cnn_implementation_is_rejected_before_training(monkeypatch, sample, registry):
    from tfv1_mnist.cnn import v2

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking implementations")

    monkeypatch.setattr(v2, "train_and_evaluate", no_training)
    with pytest.raises(ConfigError, match="unknown cnn implementation 'jax'"):
        compare.compare_model(registry, "cnn", sample, implementations=("keras", "jax"))


@pytest.mark.slow
def test_run_in_child_sets_the_environment_in_a_child_only(tiny_arrays):
    from tfv1_mnist import determinism

    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    result = compare.run_in_child(data, model="softmax", seed=3, settings={"steps": 20, "batch_size": 20})
    env = result["environment"]
    assert env == {**env, "onednn": "0", "op_determinism": True, "tf32": False, "isolated": True}
    assert not determinism.is_enabled()  # nothing leaked into this process
    assert result["models"]["softmax"]["variants"]["stable"]["steps"] == 20
    assert result["models"]["softmax"]["settings"]["seed"] == 3


def test_run_in_child_kills_a_child_that_overruns_its_timeout(tiny_arrays):
    import subprocess
    import time

    data = datasets.Mnist(**tiny_arrays, name="tiny", path="", sha256="")
    start = time.perf_counter()
    with pytest.raises(subprocess.TimeoutExpired):
        compare.run_in_child(data, timeout=0.5, model="softmax")
    assert time.perf_counter() - start < 30


def test_compare_json_schema(tmp_path, softmax_200, cnn_short, sample):
    result = {"schema_version": compare.SCHEMA_VERSION, "model": "all",
              "environment": {"onednn": "0", "op_determinism": True, "tf32": False},
              "models": {"softmax": softmax_200, "cnn": cnn_short}}
    result["differences"] = compare.explain(result)
    written = compare.write_outputs(result, tmp_path, dataset=sample, extra_provenance={"command": "test"})
    assert set(written) == {"compare.json", "compare.md", "softmax_loss_overlay.png",
                            "cnn_step_loss_overlay.png", "cnn_epoch_loss_overlay.png"}
    doc = json.loads((tmp_path / "compare.json").read_text())
    assert doc["provenance"]["dataset"]["name"] == "sample" and doc["provenance"]["command"] == "test"
    for variant in ("naive", "stable"):
        e = doc["models"]["softmax"]["variants"][variant]
        for key in ("max_abs_step_loss_diff", "max_rel_step_loss_diff", "max_abs_weight_diff"):
            assert isinstance(e[key]["v2"], (int, float)), (variant, key)
        assert set(e["test_accuracy"]) == {"v1", "v2", "v1_xla"}
    e = doc["models"]["cnn"]["variants"]["default"]
    assert set(e["test_accuracy"]) == {"v2", "keras", "v1"}
    assert set(e["max_rel_epoch_loss_diff"]) == {"keras", "v1"}
    sources = {d["source"] for d in doc["differences"]}
    assert verdicts.FORMULA in sources and sources <= set(verdicts.SOURCES)
    md = (tmp_path / "compare.md").read_text()
    header, rows = compare.table_rows(result)
    assert len(rows) == 6  # softmax: v2 and v1_xla against v1, both losses; cnn: keras and v1
    for row in rows:
        assert "| " + " | ".join(row) + " |" in md
    assert f"{doc['models']['softmax']['variants']['stable']['test_accuracy']['v1']:.4f}" in md


def test_cli_rejects_impossible_flags(capsys):
    assert cli.main(["compare", "--epochs", "0", "--data", "sample"]) == 2
    assert "--epochs" in capsys.readouterr().err
    assert cli.main(["compare", "--model", "rnn", "--data", "sample"]) == 2
    assert "--model must be one of softmax, cnn, all" in capsys.readouterr().err


def _visible_points(ax) -> int:
    """How many data points of ``ax``'s lines can be seen: marked points, or points joined to a neighbour."""
    seen = 0
    for line in ax.get_lines():
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        finite = np.isfinite(x) & np.isfinite(y)
        if line.get_marker() not in (None, "None", "", " "):
            seen += int(finite.sum())
        else:
            seen += int((finite[1:] & finite[:-1]).sum())
    return seen


def test_one_epoch_comparison_figures_have_no_empty_panel(tmp_path, monkeypatch, softmax_200, cnn_short, sample):
    from tfv1_mnist import plots

    assert all(len(h["loss"]) == 1 for h in cnn_short["variants"]["default"]["history"].values())
    panels = {}
    save = plots.save_figure

    def inspect(fig, path, **kwargs):
        panels[pathlib.Path(path).name] = [(ax.get_title(), _visible_points(ax)) for ax in fig.axes]
        save(fig, path, **kwargs)

    monkeypatch.setattr(plots, "save_figure", inspect)
    result = {"schema_version": compare.SCHEMA_VERSION, "model": "all", "models": {"softmax": softmax_200,
                                                                                  "cnn": cnn_short}}
    written = compare.write_outputs(result, tmp_path, dataset=sample)
    figures = {name for name in written if name.endswith(".png")}
    assert figures == set(panels) == {"softmax_loss_overlay.png", "cnn_step_loss_overlay.png",
                                      "cnn_epoch_loss_overlay.png"}
    for name, axes in panels.items():
        for title, seen in axes:
            assert seen >= 1, f"{name}: the panel {title!r} shows no data"


def test_an_overlay_with_nothing_to_draw_is_not_written(tmp_path):
    from tfv1_mnist import plots

    assert not plots.plot_loss_overlay({"v1": [np.nan], "v2": [None]}, tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()
    assert plots.plot_loss_overlay({"v1": [1.0], "v2": [1.0]}, tmp_path / "equal.png")  # one panel, a marker each
