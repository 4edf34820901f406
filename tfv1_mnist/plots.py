"""Figures, drawn with matplotlib's Agg backend and written atomically.

Pattern: one function per figure, taking plain arrays or a history dict and a
path; nothing here trains or reads data files.  ``plot_loss`` and
``plot_history`` redraw the seed's two figures.
"""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # never open a window; plt.show() is never called here
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tfv1_mnist.outputs import atomic_path  # noqa: E402

__all__ = ["plot_loss", "plot_history", "save_figure"]


def save_figure(fig, path: str | os.PathLike, dpi: int = 100) -> None:
    """Saves ``fig`` atomically to ``path`` (format from its suffix) and closes it."""
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)


def plot_loss(
    losses: Sequence[float], path: str | os.PathLike, title: str = "Training loss"
) -> None:
    """Draws the seed's softmax-regression loss curve: loss against step.

    Args:
      losses: float [steps], one loss per step; NaN/inf/None leave gaps, and a
        note on the figure counts them.
      path: where to write the figure (PNG by suffix).
      title: the figure title.
    """
    y = np.array([np.nan if v is None else v for v in losses], dtype=np.float64)
    bad = ~np.isfinite(y)
    y[bad] = np.nan
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot(np.arange(1, y.size + 1), y, linewidth=1.0)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if bad.any():
        ax.text(
            0.99, 0.97, f"{int(bad.sum())} non-finite steps not drawn",
            transform=ax.transAxes, ha="right", va="top", color="tab:red", fontsize=9,
        )
    ax.grid(alpha=0.3)
    save_figure(fig, path)


def plot_history(history: Mapping[str, Sequence[float]], path: str | os.PathLike) -> None:
    """Draws the seed's CNN figure: 1x2 panels of accuracy and of loss per epoch.

    Args:
      history: lists (one value per epoch) under ``accuracy``, ``val_accuracy``,
        ``loss`` and ``val_loss``, as Keras' ``History.history``.
      path: where to write the figure.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, label in ((axes[0], "accuracy", "Accuracy"), (axes[1], "loss", "Loss")):
        train = history.get(key, [])
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, marker="o", label=f"Training {label.lower()}")
        val = history.get(f"val_{key}", [])
        if len(val):
            ax.plot(np.arange(1, len(val) + 1), val, marker="o", label=f"Validation {label.lower()}")
        ax.set_title(f"Training and validation {label.lower()}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    save_figure(fig, path)
