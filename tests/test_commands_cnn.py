"""Tests for the ``cnn``, ``predict`` and ``evaluate`` commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("tensorflow")

from tfv1_mnist import cli, datasets, determinism  # noqa: E402


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One epoch on the embedded sample (normalised, batch 32): a model that reads digits."""
    out = tmp_path_factory.mktemp("cnn")
    rc = cli.main(["-q", "cnn", "--data", "sample", "--epochs", "1", "--normalize",
                   "--out", str(out)])
    assert rc == 0
    return out


def test_cnn_writes_every_output(sample_run):
    metrics = json.loads((sample_run / "metrics.json").read_text())
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(metrics["history"][key]) == 1
    assert metrics["params"] == 10_000
    assert metrics["config"] == {"epochs": 1, "batch_size": 32, "learning_rate": 0.001,
                                 "normalize": True, "seed": None}
    assert metrics["test_accuracy"] == pytest.approx(metrics["history"]["val_accuracy"][-1])
    assert metrics["test_accuracy"] > 0.5  # one epoch on 4,000 real digits; chance is 0.1
    assert len(metrics["epoch_seconds"]) == 1 and metrics["train_seconds"] > 0
    assert metrics["examples_per_second"] > 0
    assert metrics["provenance"]["dataset"]["name"] == "sample"
    for name in ("history.png", "model.keras", "saved_model/saved_model.pb",
                 "checkpoints/checkpoint"):
        assert (sample_run / name).exists(), name
    assert list((sample_run / "tensorboard").glob("events.out.tfevents.*"))


def test_predict_reads_a_drawn_png(sample_run, tmp_path, capsys):
    from tfv1_mnist import imaging
    from tfv1_mnist.cnn import export

    data = datasets.load("sample")
    model = export.load_exported(sample_run)
    proba = model.predict_proba(data.x_test[:500])
    # A test digit the model reads confidently, drawn dark on a large white RGB page.
    i = int(np.flatnonzero((proba.argmax(1) == data.y_test[:500]) & (proba.max(1) > 0.9))[0])
    big = np.asarray(Image.fromarray(data.x_test[i]).resize((100, 100), Image.Resampling.BICUBIC))
    page = np.zeros((160, 120), np.uint8)
    page[30:130, 10:110] = big
    rgb = np.repeat((255 - page)[..., None], 3, axis=-1)
    path = tmp_path / "my digit.png"
    Image.fromarray(rgb, "RGB").save(path)
    capsys.readouterr()
    assert cli.main(["predict", "--model", str(sample_run / "saved_model"), str(path)]) == 0
    line = capsys.readouterr().out.strip()
    match = re.fullmatch(r"(.+): digit (\d) \(p=([0-9.]+)\)", line)
    assert match, line
    assert match.group(1) == str(path)
    assert int(match.group(2)) == int(data.y_test[i])
    expected = model.predict_proba(imaging.load_png(path)[None])[0]
    assert float(match.group(3)) == pytest.approx(expected.max(), abs=1e-3)


def test_predict_npz_one_line_per_image(sample_run, tmp_path, capsys):
    np.savez(tmp_path / "few.npz", images=datasets.load("sample").x_test[:3])
    capsys.readouterr()
    assert cli.main(["predict", "--model", str(sample_run), str(tmp_path / "few.npz")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"{tmp_path / 'few.npz'}[{k}]"
                                                     for k in range(3)]


def test_predict_bad_file_exits_1_naming_it(sample_run, tmp_path, capsys):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    assert cli.main(["predict", "--model", str(sample_run), str(bad)]) == 1
    assert "broken.png" in capsys.readouterr().err


def test_evaluate_prints_accuracy_and_confusion_matrix(sample_run, capsys):
    capsys.readouterr()
    assert cli.main(["evaluate", "--model", str(sample_run), "--data", "sample"]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"accuracy (\d\.\d+)", out).group(1))
    metrics = json.loads((sample_run / "metrics.json").read_text())
    assert accuracy == pytest.approx(metrics["test_accuracy"], abs=1e-4)
    rows = [line.split() for line in out.splitlines() if re.match(r"^\d\s", line)]
    assert len(rows) == 10
    matrix = np.array([[int(v) for v in r[1:]] for r in rows])
    assert matrix.sum() == 1000
    assert np.trace(matrix) / 1000 == pytest.approx(accuracy, abs=1e-4)


@pytest.mark.slow
def test_seeded_cnn_runs_in_a_child_and_resumes_here(tiny_arrays, tmp_path):
    data_path = tmp_path / "tiny.npz"
    datasets.write_npz(data_path, **tiny_arrays)
    out = tmp_path / "run"
    args = ["-q", "cnn", "--data", str(data_path), "--batch-size", "50", "--out", str(out)]
    assert cli.main(args + ["--epochs", "1", "--seed", "3"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["provenance"]["op_determinism"] is True
    assert not determinism.is_enabled()  # this process never switched
    # Without --seed, --resume continues the checkpoint's seed and order, in this process.
    assert cli.main(args + ["--epochs", "2", "--resume"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["history"]["loss"]) == 2
    assert metrics["provenance"]["resumed"] is True
    assert metrics["provenance"]["run_seed"] == 3


def test_bad_flags_exit_2(capsys):
    assert cli.main(["cnn", "--data", "sample", "--epochs", "0", "--out", "unused"]) == 2
    assert "--epochs" in capsys.readouterr().err


def test_the_commands_process_does_not_load_tensorflow_for_a_job_that_trains_in_a_child():
    """A seeded or mirrored run trains in a spawned child: the cnn command's own imports stay TensorFlow-free."""
    code = ("import sys; from tfv1_mnist.commands import cnn; from tfv1_mnist.pipelines import cnn as pipeline; "
            "assert 'tensorflow' not in sys.modules, sorted(m for m in sys.modules if 'tensorflow' in m)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
