"""Tests of ``tfv1_mnist.progress``: a bar on a terminal, plain lines into files and pipes."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from tfv1_mnist import datasets, progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_writes_one_line_per_tenth_and_no_escape_codes():
    out = io.StringIO()
    bar = progress.PlainProgress(1000, stream=out)
    for step in range(1, 1001):
        bar.update(step, values=[("loss", 1.0 / step)])
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0].startswith(" 100/1000 steps - ") and lines[-1].startswith("1000/1000 steps - ")
    assert lines[-1].endswith("loss: 0.0010")
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()


def test_plain_progress_with_one_line_waits_for_finalize():
    out = io.StringIO()
    bar = progress.PlainProgress(50, lines=1, stream=out)
    bar.update(50, [("loss", 2.0)], finalize=False)  # the epoch's steps are done, validation is not
    assert out.getvalue() == ""
    bar.update(50, [("loss", 2.0), ("val_loss", 1.5)], finalize=True)
    bar.update(50, [("loss", 3.0)], finalize=True)  # a second finalize writes nothing
    assert len(out.getvalue().splitlines()) == 1
    assert out.getvalue().rstrip().endswith("loss: 2.0000 - val_loss: 1.5000")


def test_a_terminal_gets_the_keras_bar_unless_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert progress.wants_bar(_Tty())
    assert not progress.wants_bar(io.StringIO())
    assert type(progress.progress_bar(10, stream=io.StringIO())) is progress.PlainProgress
    monkeypatch.setenv("NO_COLOR", "1")
    assert not progress.wants_bar(_Tty())
    assert type(progress.progress_bar(10, stream=_Tty())) is progress.PlainProgress


@pytest.mark.parametrize("argv", [
    ["softmax", "--steps", "40", "--batch-size", "20", "--seed", "1"],
    pytest.param(["cnn", "--epochs", "1", "--batch-size", "50", "--seed", "1"], marks=pytest.mark.slow),
])
def test_a_command_writing_to_a_file_has_no_escape_codes(argv, tiny_arrays, tmp_path):
    data = tmp_path / "tiny.npz"
    datasets.write_npz(data, **tiny_arrays)
    log = tmp_path / "log.txt"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("NO_COLOR", None)
    with open(log, "wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "tfv1_mnist", *argv, "--data", str(data),
                               "--out", str(tmp_path / "out")], stdout=stdout, stderr=subprocess.STDOUT,
                              env=env, timeout=300)
    text = log.read_text()
    assert done.returncode == 0, text
    assert "\x1b" not in text and "\r" not in text
    unit = "40/40 steps" if argv[0] == "softmax" else "4/4 steps"
    assert unit in text
