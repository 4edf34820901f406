"""Tests of tfv1_mnist.pipelines.softmax: the job behind ``tfv1-mnist softmax``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

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
    assert run.files == ("metrics.json", "loss.png", "checkpoint/", "tensorboard/")
    assert (run.workdir / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert any((run.workdir / "checkpoint").iterdir())
    events = list((run.workdir / "tensorboard").glob("events.out.tfevents.*"))
    assert len(events) == 1
    steps = []
    for record in tf.data.TFRecordDataset(str(events[0])):
        event = tf.compat.v1.Event.FromString(record.numpy())
        for value in event.summary.value:
            assert value.tag == "loss"
            steps.append((event.step, float(tf.make_ndarray(value.tensor))))
    assert [s for s, _ in steps] == list(range(6))
    np.testing.assert_allclose([v for _, v in steps], run.result.loss)


def test_bad_impl_and_batch_size(tiny, tmp_path):
    with pytest.raises(ConfigError, match="impl must be one of v1, v2"):
        pipeline.train_and_evaluate(SoftmaxConfig(steps=1), tiny, tmp_path, impl="v3")
    with pytest.raises(ConfigError, match="--batch-size 500 is larger than the training set of tiny"):
        pipeline.train_and_evaluate(SoftmaxConfig(steps=1, batch_size=500), tiny, tmp_path / "x")
    assert not (tmp_path / "x").exists()
