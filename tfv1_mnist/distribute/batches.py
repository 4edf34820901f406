"""One epoch's global batches, split across the replicas of a strategy, in their exact order.

Pattern: ``tf.distribute.Strategy.distribute_datasets_from_function`` with the
split made explicit.  A global batch keeps the single-device size and rows;
replica ``r`` of ``R`` takes its ``r``-th consecutive slice (``replica_sizes``:
the first ``B mod R`` replicas take one row more), so the replicas of one step
together see exactly the rows of the single-device step, also in a partial
last batch (a replica may get none).  Each element carries the global batch's
real size, the divisor of ``tf.nn.compute_average_loss``.

Each input pipeline (one per worker) builds only its own replicas' slices,
from index arrays alone: every worker holds the same arrays, so nothing but
indices is computed per worker and no data crosses the network.
"""

from __future__ import annotations

import numpy as np

__all__ = ["replica_sizes", "pipeline_rows", "distribute_batches"]


def replica_sizes(batch: int, replicas: int) -> np.ndarray:
    """How many rows of a ``batch``-row global batch each of ``replicas`` replicas takes.

    Returns:
      int64 [replicas], summing to ``batch``; the first ``batch % replicas`` take one more.
    """
    base, extra = divmod(int(batch), int(replicas))
    return base + (np.arange(int(replicas)) < extra).astype(np.int64)


def pipeline_rows(order: np.ndarray, batch_size: int, num_replicas: int, pipeline_id: int = 0,
                  num_pipelines: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The row indices one input pipeline feeds to its replicas, step after step.

    Args:
      order: int [N] the epoch's row order; consecutive ``batch_size`` slices
        are the global batches, the last one possibly short.
      batch_size: rows per global batch.
      num_replicas: replicas in sync, over all workers.
      pipeline_id, num_pipelines: this worker's input pipeline, and how many
        there are; the pipeline feeds replicas ``pipeline_id * L .. + L - 1``,
        ``L = num_replicas / num_pipelines``, as ``tf.distribute`` numbers them.

    Returns:
      ``(values int64 [M], row_lengths int64 [steps * L], global_sizes int32
      [steps * L])``: the rows of each (step, local replica) slice in turn, and
      the size of the global batch that slice belongs to.
    """
    order = np.asarray(order, np.int64)
    local = int(num_replicas) // int(num_pipelines)
    first = int(pipeline_id) * local
    values, lengths, sizes = [], [], []
    for start in range(0, order.size, int(batch_size)):
        batch = order[start:start + int(batch_size)]
        bounds = np.concatenate([[0], np.cumsum(replica_sizes(batch.size, num_replicas))])
        for r in range(first, first + local):
            values.append(batch[bounds[r]:bounds[r + 1]])
            lengths.append(bounds[r + 1] - bounds[r])
            sizes.append(batch.size)
    flat = np.concatenate(values) if values else np.zeros(0, np.int64)
    return flat, np.asarray(lengths, np.int64), np.asarray(sizes, np.int32)


def distribute_batches(strategy, x, y, order: np.ndarray, batch_size: int):
    """One epoch of ``(images, labels, global_size)`` per replica, for ``strategy.run``.

    Args:
      strategy: a ``tf.distribute.Strategy``.
      x: images [N, ...] (a tensor or array; uint8 [N,28,28] for MNIST).
      y: labels [N].
      order: int [M] the epoch's row order.
      batch_size: rows per global batch.

    Returns:
      A distributed dataset (``strategy.distribute_datasets_from_function``)
      whose per-replica elements are images [b, ...] and labels [b] of ``x``'s
      and ``y``'s dtypes (``b`` the replica's slice, possibly 0) and the int32
      scalar size of the whole global batch.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y)
    replicas = strategy.num_replicas_in_sync

    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        values, lengths, sizes = pipeline_rows(order, batch_size, replicas, context.input_pipeline_id,
                                               context.num_input_pipelines)
        rows = tf.RaggedTensor.from_row_lengths(values, lengths)
        ds = tf.data.Dataset.from_tensor_slices((rows, sizes))
        ds = ds.map(lambda idx, n: (tf.gather(x, idx), tf.gather(y, idx), n),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return ds.prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)
