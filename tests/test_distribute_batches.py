"""Tests for tfv1_mnist.distribute.batches: replicas see exactly the single-device batches."""

from __future__ import annotations

import numpy as np
import pytest

from tfv1_mnist.distribute import batches


@pytest.mark.parametrize("batch, replicas, sizes", [
    (32, 2, [16, 16]), (17, 2, [9, 8]), (1, 2, [1, 0]), (10, 4, [3, 3, 2, 2]), (5, 1, [5]),
])
def test_replica_sizes_split_a_batch_in_order(batch, replicas, sizes):
    assert batches.replica_sizes(batch, replicas).tolist() == sizes


@pytest.mark.parametrize("n, batch_size, replicas, pipelines", [(70, 32, 2, 1), (70, 32, 2, 2), (33, 8, 4, 2)])
def test_every_step_sees_the_single_device_rows(n, batch_size, replicas, pipelines):
    order = np.random.default_rng(0).permutation(n)
    per_step: dict[int, list[np.ndarray]] = {}
    local = replicas // pipelines
    for p in range(pipelines):
        values, lengths, sizes = batches.pipeline_rows(order, batch_size, replicas, p, pipelines)
        assert lengths.sum() == values.size
        slices = np.split(values, np.cumsum(lengths)[:-1])
        for k, rows in enumerate(slices):
            step, r = divmod(k, local)
            assert sizes[k] == min(batch_size, n - step * batch_size)
            per_step.setdefault(step, [None] * replicas)[p * local + r] = rows
    assert len(per_step) == -(-n // batch_size)
    for step, parts in per_step.items():
        np.testing.assert_array_equal(np.concatenate(parts), order[step * batch_size:(step + 1) * batch_size])


def test_default_strategy_yields_whole_batches_and_their_size():
    import tensorflow as tf

    x = np.arange(10 * 28 * 28, dtype=np.uint8).reshape(10, 28, 28)
    y = np.arange(10, dtype=np.uint8)
    order = np.array([3, 1, 4, 0, 5, 9, 2, 6, 8, 7])
    got = list(batches.distribute_batches(tf.distribute.get_strategy(), x, y, order, 4))
    assert [int(n) for _, _, n in got] == [4, 4, 2]
    for k, (images, labels, _) in enumerate(got):
        rows = order[4 * k:4 * k + 4]
        np.testing.assert_array_equal(images.numpy(), x[rows])
        np.testing.assert_array_equal(labels.numpy(), y[rows])
        assert images.dtype == tf.uint8
