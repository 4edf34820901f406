"""A CNN run's history: the lists every implementation records, and its contract result."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tfv1_mnist import contract

__all__ = ["HISTORY_KEYS", "EPOCH_KEYS", "empty_history", "train_result"]

#: The lists of a training history, the same for every implementation: one value
#: per epoch for the first five (``EPOCH_KEYS``), one per step for ``step_loss``.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "step_loss")
EPOCH_KEYS = HISTORY_KEYS[:5]


def empty_history() -> dict[str, list]:
    """A history with every ``HISTORY_KEYS`` list empty."""
    return {k: [] for k in HISTORY_KEYS}


def train_result(weights: Sequence[np.ndarray], history: dict, native: Any) -> contract.TrainResult:
    """The ``contract.TrainResult`` of one CNN run, from its ``train_and_evaluate`` history.

    Args:
      weights: the 8 trained float32 arrays, in Keras order.
      history: the run's ``HISTORY_KEYS`` lists (every step's loss is taken
        before its update, as Keras' ``train_step`` does).
      native: the implementation's own result (a ``v2.CNN``, a Keras model, the v1 weights).

    Returns:
      A ``contract.TrainResult``: the last epoch's ``val_accuracy`` is the test
      accuracy, the sum of ``epoch_seconds`` the training time.
    """
    return contract.TrainResult(
        weights=weights, step_loss=history["step_loss"], loss_timing=contract.LOSS_BEFORE_UPDATE,
        test_accuracy=history["val_accuracy"][-1], train_seconds=float(sum(history["epoch_seconds"])),
        history={k: history[k] for k in EPOCH_KEYS}, native=native)
