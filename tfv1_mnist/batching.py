"""TF1's ``DataSet.next_batch`` order, as indices.

TF 1.x's ``input_data`` shuffled its arrays in place with numpy's global RNG:
once at the start of the first epoch, and again at every epoch boundary, where
the batch is the tail of the old order joined to the head of the new one so
that every batch is full.  ``EpochCursor`` reproduces that order exactly as
indices into the *unshuffled* arrays, so the same schedule can be replayed by
``input_data.DataSet``, by the graph-mode and TF2 trainers, and by the
comparison, without copying the data.

It also holds TF1's one validation split (`tf1_validation_size`), which
``input_data``, the softmax trainers and the comparison all use.

Pattern: a small stateful cursor plus a pure function that unrolls it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TF1_TRAIN", "TF1_VALIDATION", "MAX_TABLE_BYTES", "EpochCursor", "check_table_size",
           "tf1_batch_indices", "tf1_validation_size"]

#: TF1's ``read_data_sets``: 5000 of MNIST's 60000 training images held out for validation.
TF1_TRAIN = 60000
TF1_VALIDATION = 5000
#: The largest batch table (int64 [steps, batch_size]) a run may build: 2 GiB.
MAX_TABLE_BYTES = 2 << 30


def check_table_size(steps: int, batch_size: int, limit: int = MAX_TABLE_BYTES) -> None:
    """Refuses, before anything is allocated, a batch table larger than ``limit`` bytes.

    Args:
      steps, batch_size: the table's shape.
      limit: bytes allowed.

    Raises:
      ConfigError: ``steps * batch_size * 8 > limit``; the message gives the
        largest ``--steps`` that fits.
    """
    from tfv1_mnist.errors import ConfigError

    need = int(steps) * int(batch_size) * 8
    if need > limit:
        raise ConfigError(
            f"--steps {steps} of --batch-size {batch_size} needs a {need / 2**30:.1f} GiB table of batch "
            f"indices (and a loss per step); at most {limit // (8 * int(batch_size))} steps fit in "
            f"{limit / 2**30:g} GiB: pass fewer --steps")


def tf1_validation_size(num_train: int) -> int:
    """TF1's validation split, scaled to the training set's size.

    TF1 held out the first 5000 of 60000 training images; a smaller set keeps
    that ratio (333 of the embedded sample's 4000), a larger one keeps 5000.

    Args:
      num_train: training examples before the split, >= 0.

    Returns:
      int, the number of leading training examples held out.
    """
    return min(TF1_VALIDATION, int(num_train) * TF1_VALIDATION // TF1_TRAIN)


class EpochCursor:
    """Walks a data set of ``num_examples`` in TF1's ``next_batch`` order.

    Args:
      num_examples: number of examples, ``>= 0`` (TF1 allowed an empty set,
        e.g. ``validation_size=0``, and returned empty batches).
      rng: object with a ``shuffle(array)`` method (``numpy.random`` module, a
        ``numpy.random.RandomState``, or a ``numpy.random.Generator``).  TF1
        used the ``numpy.random`` module (the global RNG).
      shuffle: if False, examples come in file order, as ``shuffle=False`` did.
    """

    def __init__(self, num_examples: int, rng=np.random, shuffle: bool = True):
        if num_examples < 0:
            raise ValueError(f"num_examples must be >= 0, got {num_examples}")
        self._n = int(num_examples)
        self._rng = rng
        self._shuffle = shuffle
        self._order = np.arange(self._n)
        self._index_in_epoch = 0
        self.epochs_completed = 0

    @property
    def num_examples(self) -> int:
        """Size of the data set the cursor walks, ``>= 0``."""
        return self._n

    @property
    def order(self) -> np.ndarray:
        """The current epoch's order: int64 [num_examples] indices into the unshuffled data."""
        view = self._order.view()
        view.flags.writeable = False
        return view

    def _reshuffle(self) -> None:
        perm = np.arange(self._n)
        self._rng.shuffle(perm)
        # TF1 permuted the already-permuted arrays: compose, don't replace.
        self._order = self._order[perm]

    def next(self, batch_size: int, shuffle: bool | None = None) -> np.ndarray:
        """Returns the next batch's indices, int64 [batch_size].

        Mirrors TF 1.x ``DataSet.next_batch`` step for step, including its lazy
        ``epochs_completed`` count (incremented when a batch first crosses the
        end of an epoch, not when the last full batch is served).
        """
        shuffle = self._shuffle if shuffle is None else shuffle
        start = self._index_in_epoch
        if self.epochs_completed == 0 and start == 0 and shuffle:
            self._reshuffle()
        if start + batch_size > self._n:
            self.epochs_completed += 1
            rest = self._order[start:self._n]
            if shuffle:
                self._reshuffle()
            # TF1's arithmetic, kept even where it is odd: after a batch larger
            # than the data set, ``start`` can pass the end and the next batch
            # is then longer than asked.
            self._index_in_epoch = batch_size - (self._n - start)
            return np.concatenate((rest, self._order[: self._index_in_epoch]))
        self._index_in_epoch += batch_size
        return self._order[start:self._index_in_epoch]


def tf1_batch_indices(
    num_examples: int, batch_size: int, num_batches: int, rng, shuffle: bool = True
) -> np.ndarray:
    """Unrolls ``num_batches`` calls of TF1's ``next_batch`` into an index table.

    Args:
      num_examples: size of the training set.
      batch_size: examples per batch.  Like TF1, a batch larger than the data
        set is not supported (TF1 returned a short batch); it raises here.
      num_batches: number of steps.
      rng: RNG with ``shuffle``; ``np.random.RandomState(seed)`` reproduces what
        TF1's ``read_data_sets(..., seed=seed)`` followed by ``next_batch`` saw.

    Returns:
      int64 array [num_batches, batch_size] of row indices into the unshuffled
      training arrays.
    """
    if not 0 < batch_size <= num_examples:
        raise ValueError(
            f"batch_size {batch_size} must be in [1, {num_examples}] (the training set's size)"
        )
    cursor = EpochCursor(num_examples, rng=rng, shuffle=shuffle)
    out = np.empty((num_batches, batch_size), dtype=np.int64)
    for i in range(num_batches):
        out[i] = cursor.next(batch_size)
    return out
