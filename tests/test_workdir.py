"""workdir.run_folder: one live run per folder, outputs staged and published whole."""

from __future__ import annotations

import os

import pytest

from tfv1_mnist import workdir
from tfv1_mnist.errors import FolderInUseError


def test_success_replaces_the_earlier_outputs_whole(tmp_path):
    out = tmp_path / "run"
    with workdir.run_folder(out) as stage:
        (stage / "tensorboard").mkdir()
        (stage / "tensorboard" / "events.1").write_text("first")
        (stage / "loss.png").write_text("first")
    (out / "mine.txt").write_text("not an output")
    with workdir.run_folder(out) as stage:
        assert stage.parent == out and stage.name.startswith(workdir.STAGING_PREFIX)
        (stage / "tensorboard").mkdir()
        (stage / "tensorboard" / "events.2").write_text("second")
    assert sorted(os.listdir(out)) == [workdir.MANIFEST_NAME, "mine.txt", "tensorboard"]
    assert os.listdir(out / "tensorboard") == ["events.2"]


def test_failure_leaves_the_folder_as_it_was(tmp_path):
    out = tmp_path / "run"
    with workdir.run_folder(out) as stage:
        (stage / "metrics.json").write_text("first")
    with pytest.raises(RuntimeError):
        with workdir.run_folder(out) as stage:
            (stage / "metrics.json").write_text("second")
            raise RuntimeError("training failed")
    assert sorted(os.listdir(out)) == [workdir.MANIFEST_NAME, "metrics.json"]
    assert (out / "metrics.json").read_text() == "first"
    with pytest.raises(RuntimeError):
        with workdir.run_folder(tmp_path / "new"):
            raise RuntimeError("training failed")
    assert not (tmp_path / "new").exists()


def test_carry_copies_the_earlier_checkpoints_in(tmp_path):
    out = tmp_path / "run"
    with workdir.run_folder(out) as stage:
        (stage / "checkpoints").mkdir()
        (stage / "checkpoints" / "ckpt-1").write_text("epoch 1")
    with workdir.run_folder(out, carry=("checkpoints",)) as stage:
        assert (stage / "checkpoints" / "ckpt-1").read_text() == "epoch 1"
        (stage / "checkpoints" / "ckpt-2").write_text("epoch 2")
    assert sorted(os.listdir(out / "checkpoints")) == ["ckpt-1", "ckpt-2"]


def test_a_live_lock_is_refused_naming_its_process(tmp_path):
    out = tmp_path / "run"
    with workdir.run_folder(out):
        (out / workdir.LOCK_NAME).write_text(f"{os.getppid()} {os.uname().nodename}\n")
        with pytest.raises(FolderInUseError, match=f"in use by a running tfv1-mnist \\(process {os.getppid()}\\)"):
            with workdir.run_folder(out):
                pass
