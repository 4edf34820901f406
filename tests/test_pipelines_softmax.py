"""Tests of tfv1_mnist.pipelines.softmax: the job behind ``tfv1-mnist softmax``."""

from __future__ import annotations

import json

import pytest

from tfv1_mnist import datasets
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.pipelines import softmax as pipeline


@pytest.fixture
def tiny(tiny_arrays) -> datasets.Mnist:
    return datasets.Mnist(**tiny_arrays, name="tiny")


def test_train_and_evaluate_writes_the_outputs(tiny, tmp_path):
    config = SoftmaxConfig(steps=6, batch_size=20, seed=1)
    run = pipeline.train_and_evaluate(config, tiny, tmp_path / "out", impl="v2")
    assert run.metrics_path == tmp_path / "out" / "metrics.json"
    metrics = json.loads(run.metrics_path.read_text())
    assert metrics["impl"] == "v2" and len(metrics["loss"]) == 6
    assert metrics["test_accuracy"] == run.result.test_accuracy
    assert metrics["examples_per_second"] == pytest.approx(run.result.examples_per_second)
    assert run.loss_plot.read_bytes()[:4] == b"\x89PNG"
    assert any(run.checkpoint_dir.iterdir())
    assert len(list(run.tensorboard_dir.glob("events.out.tfevents.*"))) == 1


def test_bad_impl_and_batch_size(tiny, tmp_path):
    with pytest.raises(ConfigError, match="impl must be one of v1, v2"):
        pipeline.train_and_evaluate(SoftmaxConfig(steps=1), tiny, tmp_path, impl="v3")
    with pytest.raises(ConfigError, match="--batch-size 500 is larger than the training set of tiny"):
        pipeline.train_and_evaluate(SoftmaxConfig(steps=1, batch_size=500), tiny, tmp_path / "x")
    assert not (tmp_path / "x").exists()
