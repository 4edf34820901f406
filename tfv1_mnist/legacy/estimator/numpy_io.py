"""``tf.estimator.inputs.numpy_input_fn``: batches of numpy arrays for an Estimator, as TF 1.15 made them.

TF 1.15 (``tensorflow_estimator/python/estimator/inputs/numpy_io.py``) fed the
arrays through a queue: examples in order from index 0 (or, with
``shuffle=True``, from a random index, wrapping around), ``num_epochs`` times
over; with ``shuffle`` they went through a ``RandomShuffleQueue`` of
``queue_capacity`` examples, so each batch is drawn at random from the
examples in the queue, and batches cross epoch boundaries.  ``num_epochs=None``
repeats forever in full batches (``dequeue_many``); otherwise the last batch
may be short (``dequeue_up_to``), and the input ends with ``OutOfRangeError``,
which stops a ``MonitoredSession``.

Here a generator emulates that queue with numpy and feeds a ``tf.data``
one-shot iterator.  The order is not TF1's bit for bit (its threads did not
repeat themselves either), but a graph with a seed (``tf.set_random_seed``,
``RunConfig(tf_random_seed=...)``) gives the same batches on every run.

Pattern: TF1's function, signature and checks, over a small pure order function.
"""

from __future__ import annotations

import collections
from typing import Iterator

import numpy as np

__all__ = ["batch_order", "numpy_input_fn"]

_DIRECT_KEY = "__direct_np_input_key__"  # TF1's key for an array x
_TARGET_KEY = "__target_key__"


def batch_order(n: int, batch_size: int, num_epochs: int | None, shuffle: bool, capacity: int,
                rng: np.random.RandomState) -> Iterator[np.ndarray]:
    """The example indices of each batch, as TF1's feeding queue produced them.

    Args:
      n: number of examples.
      batch_size: examples per batch.
      num_epochs: passes over the data; None: forever.
      shuffle: start at a random index and draw each batch at random from a
        buffer of ``capacity`` examples (a ``RandomShuffleQueue``); else in order.
      capacity: the queue's capacity (at least ``batch_size``).
      rng: the random state (used only with ``shuffle``).

    Yields:
      int64 arrays [batch_size] (the last one shorter when ``num_epochs`` is set).
    """
    total = None if num_epochs is None else num_epochs * n
    start = int(rng.randint(n)) if shuffle else 0

    def stream():
        count, i = 0, start
        while total is None or count < total:
            yield i
            i = (i + 1) % n
            count += 1

    examples = stream()
    if not shuffle:
        while True:
            batch = [i for _, i in zip(range(batch_size), examples)]
            if not batch:
                return
            yield np.asarray(batch, np.int64)
    buffer: list[int] = []
    exhausted = False
    while True:
        while not exhausted and len(buffer) < capacity:  # the enqueue thread keeps the queue full
            try:
                buffer.append(next(examples))
            except StopIteration:
                exhausted = True
        if not buffer:
            return
        picks = []
        for _ in range(min(batch_size, len(buffer))):
            j = int(rng.randint(len(buffer)))
            buffer[j], buffer[-1] = buffer[-1], buffer[j]
            picks.append(buffer.pop())
        yield np.asarray(picks, np.int64)


def _validate_and_convert_features(x) -> "collections.OrderedDict[str, np.ndarray]":
    if isinstance(x, dict):
        if not x:
            raise ValueError("x cannot be an empty dict")
        return collections.OrderedDict(sorted(x.items(), key=lambda t: t[0]))
    if isinstance(x, np.ndarray):
        if x.size == 0:
            raise ValueError("x cannot be an empty array")
        return collections.OrderedDict([(_DIRECT_KEY, x)])
    raise TypeError("x must be a dict or array; got {}".format(type(x).__name__))


def _add_labels(data: collections.OrderedDict, y) -> list | str | None:
    """Adds ``y`` to ``data`` (the features) and checks all lengths match (TF1's checks and messages).

    Returns:
      The label keys: None without ``y``, the one key of an array ``y``, or the
      sorted keys of a dict ``y``.
    """
    feature_keys = list(data)
    if y is None:
        target_keys = None
    elif isinstance(y, dict):
        if not y:
            raise ValueError("y cannot be empty dict, use None instead.")
        ordered_y = collections.OrderedDict(sorted(y.items(), key=lambda t: t[0]))
        target_keys = list(ordered_y)
        duplicates = set(feature_keys) & set(target_keys)
        if duplicates:
            raise ValueError("{} duplicate keys are found in both x and y: {}".format(len(duplicates), duplicates))
        data.update(ordered_y)
    else:
        target_keys = _TARGET_KEY
        data[target_keys] = y
    if len({np.asarray(v).shape[0] for v in data.values()}) != 1:
        shapes_x = {k: data[k].shape for k in feature_keys}
        shapes_y = None if target_keys is None else (
            y.shape if isinstance(target_keys, str) else {k: data[k].shape for k in target_keys})
        raise ValueError("Length of tensors in x and y is mismatched. All elements in x and y must have the "
                         "same length.\nShapes in x: {}\nShapes in y: {}\n".format(shapes_x, shapes_y))
    return target_keys


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1):
    """An ``input_fn`` that yields batches of numpy arrays (TF 1.15's ``numpy_input_fn``).

    Args:
      x: a numpy array (one feature) or a dict of them, each [N, ...].
      y: labels: an array [N, ...], a dict of them, or None.
      batch_size: examples per batch.
      num_epochs: passes over the data; None: forever.
      shuffle: required bool; True draws batches at random (see `batch_order`).
      queue_capacity: examples held in the shuffle queue.
      num_threads: TF1's enqueue threads; accepted, one generator here.

    Returns:
      A function of no argument returning ``features`` (a tensor when ``x`` is
      an array, else a dict of tensors, each [batch, ...] of the arrays' dtype)
      or ``(features, labels)`` when ``y`` is given.

    Raises:
      ValueError: ``shuffle`` is not a bool, empty ``x`` or ``y``, keys in both,
        lengths that differ (TF1's messages), or ``queue_capacity < batch_size``.
      TypeError: ``x`` is neither an array nor a dict.
    """
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided and explicitly set as boolean "
                         "(it is recommended to set it as True for training); got {}".format(shuffle))
    if queue_capacity < batch_size:
        raise ValueError(f"queue_capacity ({queue_capacity}) must be at least batch_size ({batch_size}); "
                         "TF1's queue would wait forever")
    del num_threads

    def input_fn():
        import tensorflow as tf

        data = _validate_and_convert_features(x)
        feature_keys = list(data)
        target_keys = _add_labels(data, y)
        arrays = [np.asarray(v) for v in data.values()]
        seed = tf.compat.v1.get_default_graph().seed  # the graph's seed: a seeded run repeats itself

        def batches():
            rng = np.random.RandomState(seed)
            for idx in batch_order(len(arrays[0]), batch_size, num_epochs, shuffle, queue_capacity, rng):
                yield tuple(a[idx] for a in arrays)

        signature = tuple(tf.TensorSpec((None,) + a.shape[1:], tf.as_dtype(a.dtype)) for a in arrays)
        dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
        batch = list(tf.compat.v1.data.make_one_shot_iterator(dataset).get_next())
        if isinstance(x, np.ndarray):
            features = batch[0]
        else:
            features = dict(zip(feature_keys, batch[: len(feature_keys)]))
        if target_keys is None:
            return features
        if isinstance(target_keys, str):
            return features, batch[-1]
        return features, dict(zip(target_keys, batch[-len(target_keys):]))

    return input_fn
