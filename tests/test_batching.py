"""The TF1 ``next_batch`` order, checked against a line-by-line copy of TF 1.x's code."""

import numpy as np
import pytest

from tf1_reference import Tf1DataSet
from tfv1_mnist import batching
from tfv1_mnist.batching import EpochCursor, tf1_batch_indices


def _tf1(indices, seed):
    """TF1's DataSet over ``indices`` (as images, unscaled, and as labels), its RNG seeded."""
    return Tf1DataSet(indices, indices, dtype=np.uint8, reshape=False, numpy_seed=seed)


@pytest.mark.parametrize("n,batch,steps", [(10, 3, 20), (12, 4, 9), (7, 7, 5), (100, 30, 11), (0, 3, 2)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_cursor_matches_tf1_next_batch(n, batch, steps, shuffle):
    reference = _tf1(np.arange(n), seed=42)
    expected = [reference.next_batch(batch, shuffle=shuffle)[0] for _ in range(steps)]
    np.random.seed(42)
    cursor = EpochCursor(n, shuffle=shuffle)
    got = [cursor.next(batch) for _ in range(steps)]
    for step, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_array_equal(g, e, err_msg=f"step {step}")
    assert cursor.epochs_completed == reference._epochs_completed


def test_batch_larger_than_data_set_follows_tf1_arithmetic():
    sizes = [32, 32, 100, 5]
    reference = _tf1(np.arange(40), seed=3)
    expected = [reference.next_batch(b)[0] for b in sizes]
    np.random.seed(3)
    cursor = EpochCursor(40)
    got = [cursor.next(b) for b in sizes]
    assert [len(g) for g in got] == [len(e) for e in expected] == [32, 32, 56, 40]
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)


def test_order_is_a_read_only_view_of_the_current_epoch():
    cursor = EpochCursor(10, rng=np.random.RandomState(0))
    batch = cursor.next(4)
    np.testing.assert_array_equal(cursor.order[:4], batch)
    with pytest.raises(ValueError):
        cursor.order[0] = 99


def test_private_random_state_gives_the_global_seeded_order_and_leaves_global_alone():
    reference = _tf1(np.arange(50), seed=5)
    expected = np.stack([reference.next_batch(8)[0] for _ in range(20)])
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    got = tf1_batch_indices(50, 8, 20, np.random.RandomState(5))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    assert got.dtype == np.int64 and got.shape == (20, 8)


def test_epochs_completed_counts_lazily_like_tf1():
    cursor = EpochCursor(6, rng=np.random.RandomState(0))
    cursor.next(3)
    cursor.next(3)  # the epoch's last full batch: TF1 had not counted it yet
    assert cursor.epochs_completed == 0
    cursor.next(3)
    assert cursor.epochs_completed == 1


def test_every_example_once_per_epoch_when_batches_divide():
    idx = tf1_batch_indices(20, 5, 8, np.random.RandomState(1))
    for epoch in idx.reshape(2, 20):
        assert sorted(epoch.tolist()) == list(range(20))


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="num_examples"):
        EpochCursor(-1)
    with pytest.raises(ValueError, match="training set's size"):
        tf1_batch_indices(5, 6, 1, np.random.RandomState(0))


def test_tf1_validation_size_scales_tf1s_split():
    assert batching.tf1_validation_size(60000) == 5000
    assert batching.tf1_validation_size(4000) == 333
    assert batching.tf1_validation_size(200) == 16
