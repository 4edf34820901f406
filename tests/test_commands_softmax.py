"""Tests of ``tfv1-mnist softmax``: flags, outputs, exit statuses, the NaN case."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfv1_mnist import cli, datasets
from tfv1_mnist.commands import softmax as softmax_command
from tfv1_mnist.config import SoftmaxConfig


@pytest.fixture
def tiny_npz(tiny_arrays, tmp_path):
    path = tmp_path / "tiny.npz"
    datasets.write_npz(path, **tiny_arrays)
    return path


def _run(capsys, *argv):
    status = cli.main(["softmax", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_flags_map_onto_the_config():
    args = cli.build_parser().parse_args(
        ["softmax", "--steps", "7", "--batch-size", "5", "--learning-rate", "0.5", "--loss",
         "stable", "--reduction", "mean", "--init", "zeros", "--seed", "3", "--stop-on-nan",
         "--impl", "v2"])
    assert softmax_command.config_from_args(args) == SoftmaxConfig(
        steps=7, batch_size=5, learning_rate=0.5, loss="stable", reduction="mean", init="zeros",
        seed=3, stop_on_nan=True)
    assert args.impl == "v2" and args.out == "runs/softmax" and args.data is None
    defaults = softmax_command.config_from_args(cli.build_parser().parse_args(["softmax"]))
    assert defaults == SoftmaxConfig()  # the seed's settings
    fast = softmax_command.config_from_args(cli.build_parser().parse_args(["softmax", "--xla"]))
    assert fast == SoftmaxConfig(xla=True)


@pytest.mark.parametrize("impl", ["v1", "v2"])
def test_writes_every_output_and_ends_with_the_accuracy(impl, tiny_npz, tmp_path, capsys):
    out = tmp_path / "out"
    status, stdout, _ = _run(capsys, "--data", tiny_npz, "--steps", 30, "--batch-size", 20,
                             "--learning-rate", 0.001, "--seed", 1, "--impl", impl, "--out", out)
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["impl"] == impl
    assert len(metrics["loss"]) == 30 and all(isinstance(v, float) for v in metrics["loss"])
    assert metrics["nan_steps"] == 0
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["train_seconds"] > 0 and metrics["examples_per_second"] > 0
    assert metrics["config"] == {"steps": 30, "batch_size": 20, "learning_rate": 0.001,
                                 "loss": "naive", "reduction": "sum", "init": "normal",
                                 "seed": 1, "stop_on_nan": False, "xla": False}
    assert metrics["provenance"]["dataset"]["name"] == "tiny"
    assert metrics["provenance"]["seed"] == 1
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert any((out / "checkpoint").glob("*.index"))
    assert len(list((out / "tensorboard").glob("events.out.tfevents.*"))) == 1
    last = stdout.strip().splitlines()[-1]
    assert last == f"test accuracy: {metrics['test_accuracy']:.4f}"


def test_same_seed_same_losses_in_v1_and_v2(tiny_npz, tmp_path, capsys):
    losses = {}
    for impl in ("v1", "v2"):
        _run(capsys, "--data", tiny_npz, "--steps", 10, "--batch-size", 20, "--learning-rate",
             0.001, "--seed", 5, "--impl", impl, "--out", tmp_path / impl)
        losses[impl] = json.loads((tmp_path / impl / "metrics.json").read_text())["loss"]
    np.testing.assert_allclose(losses["v2"], losses["v1"], rtol=1e-5)


def test_nan_losses_are_null_in_json_and_the_run_carries_on(tiny_npz, tmp_path, capsys, caplog):
    out = tmp_path / "nan"
    status, stdout, _ = _run(capsys, "--data", tiny_npz, "--steps", 10, "--batch-size", 20,
                             "--learning-rate", 100, "--seed", 3, "--out", out)
    assert status == 0
    text = (out / "metrics.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    metrics = json.loads(text)
    assert metrics["nan_steps"] >= 1
    assert metrics["loss"].count(None) == metrics["nan_steps"]
    assert "non-finite loss (use --loss stable)" in stdout
    assert stdout.strip().splitlines()[-1].startswith("test accuracy: ")


def test_stop_on_nan_exits_1(tiny_npz, tmp_path, capsys):
    status, _, err = _run(capsys, "--data", tiny_npz, "--steps", 10, "--batch-size", 20,
                          "--learning-rate", 100, "--seed", 3, "--stop-on-nan",
                          "--out", tmp_path / "stop")
    assert status == cli.EXIT_FAILURE
    assert "tfv1-mnist softmax: error: step" in err and "--loss stable" in err
    assert not (tmp_path / "stop" / "metrics.json").exists()


def test_a_failed_run_leaves_the_previous_runs_outputs(tiny_npz, tmp_path, capsys):
    out = tmp_path / "out"
    common = ["--data", tiny_npz, "--steps", 10, "--batch-size", 20, "--seed", 3, "--out", out]
    assert _run(capsys, *common)[0] == 0
    before = {p.name: p.read_bytes() for p in (out / "tensorboard").iterdir()}
    assert _run(capsys, *common, "--learning-rate", 100, "--stop-on-nan")[0] == cli.EXIT_FAILURE
    assert {p.name: p.read_bytes() for p in (out / "tensorboard").iterdir()} == before
    assert _run(capsys, *common)[0] == 0  # a good run replaces the events
    after = list((out / "tensorboard").iterdir())
    assert len(after) == 1 and after[0].name not in before


@pytest.mark.parametrize("flags,message", [
    (["--steps", "0"], "steps must be > 0"),
    (["--learning-rate", "-1"], "--learning-rate"),
    (["--batch-size", "500"], "--batch-size 500 is larger than the training set"),
])
def test_impossible_flags_exit_2(flags, message, tiny_npz, tmp_path, capsys):
    status, _, err = _run(capsys, "--data", tiny_npz, "--out", tmp_path / "x", *flags)
    assert status == cli.EXIT_USAGE
    assert message in err


def test_unknown_choice_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["softmax", "--loss", "exact"])
    assert exc.value.code == cli.EXIT_USAGE


@pytest.mark.parametrize("flag_first", [False, True])
def test_verbose_prints_the_weights_every_step(flag_first, tiny_npz, tmp_path, capsys):
    argv = ["--data", tiny_npz, "--steps", 3, "--batch-size", 20, "--seed", 2,
            "--out", tmp_path / "v"]
    if flag_first:  # the global -v
        status = cli.main(["-v", "softmax", *map(str, argv)])
        stdout = capsys.readouterr().out
    else:
        status, stdout, _ = _run(capsys, *argv, "--verbose")
    assert status == 0
    assert [line.split(":")[0] for line in stdout.splitlines() if line.startswith("step ")] == [
        "step 0", "step 1", "step 2"]
    assert stdout.count("[[") == 3  # one weight matrix per step
    assert stdout.strip().splitlines()[-1].startswith("test accuracy: ")
