"""TF1's seeds for ``DataSet``: ``get_seed``'s arithmetic, and the private RNG that replaces the global one.

Pattern: ``tensorflow/python/framework/random_seed.py``'s ``get_seed``, read
without its side effects: ``tf1_numpy_seed`` is the seed TF1's ``DataSet``
gave ``numpy.random.seed``, and ``private_rng`` a ``RandomState`` that
reproduces that order without touching NumPy's global RNG.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["tf1_numpy_seed", "private_rng"]

# tensorflow/python/framework/random_seed.py truncates seeds modulo this.
_MAXINT32 = 2**31 - 1


def _global_seed() -> int | None:
    """The graph-level (graph mode) or global (eager) seed, read without side effects.

    ``tf.compat.v1.get_seed`` would advance the eager op-seed counter, so the
    seed is read directly.  If TensorFlow was never imported, no seed can have
    been set.
    """
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    try:
        if tf.executing_eagerly():
            from tensorflow.python.eager import context

            return context.global_seed()
        return tf.compat.v1.get_default_graph().seed
    except Exception:  # pragma: no cover - a partly imported or unusual TF
        _log.debug("could not read TensorFlow's global seed", exc_info=True)
        return None


def tf1_numpy_seed(seed: int | None) -> int | None:
    """What TF1's ``DataSet`` passed to ``numpy.random.seed`` for ``seed``.

    TF1: ``seed1, seed2 = random_seed.get_seed(seed)``, then
    ``numpy.random.seed(seed1 if seed is None else seed2)``.  ``seed1`` is the
    graph-level seed (``DEFAULT_GRAPH_SEED`` only matters when an op seed is
    given, and then ``seed2`` is used); ``get_seed`` turns ``(0, 0)`` into
    ``(0, 2**31 - 1)``.
    """
    global_seed = _global_seed()
    if seed is None:
        return None if global_seed is None else global_seed % _MAXINT32
    op_seed = seed % _MAXINT32
    if global_seed is not None and global_seed % _MAXINT32 == 0 and op_seed == 0:
        return _MAXINT32  # get_seed avoids (0, 0)
    return op_seed


def private_rng(seed: int | None, rng):
    """``rng`` as a private RNG (see `_as_rng`), or None when not given; refuses both ``seed`` and ``rng``."""
    if rng is None:
        return None
    if seed is not None:
        raise ValueError(
            "pass seed (TF1's seeding of the global numpy RNG) or rng (a private "
            "numpy.random.RandomState), not both"
        )
    return _as_rng(rng)


def _as_rng(rng):
    """A private RNG from ``rng``: a RandomState/Generator, or an int seed."""
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    if not hasattr(rng, "shuffle"):
        raise TypeError(
            f"rng must be a numpy.random.RandomState (or Generator, or an int seed), got {type(rng).__name__}"
        )
    return rng
