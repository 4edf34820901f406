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

from tfv1_mnist.datasets import MNIST_CLASS_NAMES  # noqa: E402
from tfv1_mnist.outputs import atomic_path  # noqa: E402

__all__ = [
    "plot_loss",
    "plot_history",
    "save_figure",
    "plot_loss_overlay",
    "plot_weight_templates",
    "plot_confusion_matrix",
    "plot_worst_digits",
]


def save_figure(fig, path: str | os.PathLike, dpi: int = 100) -> None:
    """Saves ``fig`` atomically to ``path`` (format from its suffix) and closes it."""
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)


#: A line with at most this many points also gets a marker at each, so that a curve of one
#: point (one epoch) is still visible and a short one shows where its values are.
FEW_POINTS = 30


def _marker(n: int) -> dict:
    """Line keyword arguments for a curve of ``n`` points: markers when there are few."""
    return {"marker": "o", "markersize": 4} if n <= FEW_POINTS else {}


def _as_float_array(values) -> np.ndarray:
    """float64 [len(values)]; None becomes NaN."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


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
    y = _as_float_array(losses)
    bad = ~np.isfinite(y)
    y[bad] = np.nan
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot(np.arange(1, y.size + 1), y, linewidth=1.0, **_marker(y.size))
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    # The count goes in the title, clear of the curve.
    ax.set_title(f"{title}\n({int(bad.sum())} non-finite steps not drawn)" if bad.any() else title)
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


# Comparison and report figures: overlays of implementations, and the pictures of a
# trained model (weight templates, confusion matrix, worst-classified digits).


# over 60 lines: one figure, its left panel (the curves) then its right (their distances).
def plot_loss_overlay(
    curves: Mapping[str, Sequence[float]],
    path: str | os.PathLike,
    *,
    reference: str | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    title: str = "Loss per step",
    xlabel: str = "step",
) -> bool:
    """Overlays several implementations' loss curves, and their distance to one of them.

    Left panel: every curve on one set of axes.  Right panel: ``|curve - reference|``
    per step on a log scale.  Steps where the two are exactly equal (or both
    non-finite) cannot be drawn on a log axis; the panel's title counts them,
    and when no step differs at all there is no right panel, only the count in
    the figure's title.  Lines of few points get markers.  A figure without a
    single finite loss is not written.

    Args:
      curves: name -> float [steps] losses (None/NaN/inf leave gaps).  Curves
        may differ in length; differences use the common prefix.
      path: where to write the figure.
      reference: the name the differences are taken against (default: the first);
        ignored when ``pairs`` is given.
      pairs: ``(name, reference)`` pairs to difference instead, e.g. one pair per
        loss variant when the curves hold two models.
      title: the figure title.
      xlabel: label of the x axis (``step`` or ``epoch``).

    Returns:
      True if the figure was written, False if there was nothing to draw.

    Raises:
      ValueError: no curves, or ``reference``/``pairs`` name a curve that is not given.
    """
    names = list(curves)
    if not names:
        raise ValueError("plot_loss_overlay needs at least one curve")
    reference = names[0] if reference is None else reference
    if pairs is None:
        pairs = [(name, reference) for name in names if name != reference]
    unknown = sorted({name for pair in pairs for name in pair} - set(names))
    if unknown:
        raise ValueError(f"no curve named {', '.join(map(repr, unknown))}; the curves are {', '.join(names)}")
    ys = {name: np.where(np.isfinite(y), y, np.nan) for name, y in
          ((name, _as_float_array(curves[name])) for name in names)}
    if not any(np.isfinite(y).any() for y in ys.values()):
        return False
    diffs, notes = _differences(ys, pairs, xlabel)
    fig, axes = plt.subplots(1, 2 if diffs else 1, figsize=(12 if diffs else 6.5, 4), squeeze=False)
    ax = axes[0, 0]
    for name, y in ys.items():
        ax.plot(np.arange(1, y.size + 1), y, linewidth=1.0, label=name, alpha=0.8, **_marker(y.size))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.legend()
    if not diffs:
        ax.set_title("\n".join([title, *notes]), fontsize=10 if notes else None)
        save_figure(fig, path)
        return True
    ax.set_title(title)
    dax = axes[0, 1]
    for label, d in diffs.items():
        dax.semilogy(np.arange(1, d.size + 1), d, linewidth=0.8, label=label, **_marker(d.size))
    dax.set_xlabel(xlabel)
    dax.set_ylabel("absolute difference (log)")
    # The counts of equal steps go in the title, clear of the curves.
    dax.set_title("\n".join(["Difference between implementations", *notes]), fontsize=10 if notes else None)
    dax.grid(alpha=0.3, which="both")
    dax.legend()
    save_figure(fig, path)
    return True


def _differences(ys: Mapping[str, np.ndarray], pairs, xlabel: str) -> tuple[dict, list[str]]:
    """``{"|a - b|": float64 [k] with NaN where equal}`` for pairs that differ somewhere, and the equal-step notes."""
    diffs, notes = {}, []
    for name, ref_name in pairs:
        y, ref = ys[name], ys[ref_name]
        k = min(y.size, ref.size)
        d = np.abs(y[:k] - ref[:k])
        same = (y[:k] == ref[:k]) | (np.isnan(y[:k]) & np.isnan(ref[:k]))
        d[same | ~np.isfinite(d)] = np.nan
        if np.isfinite(d).any():
            diffs[f"|{name} - {ref_name}|"] = d
        if same.any():
            notes.append(f"{name}: {int(same.sum())} of {k} {xlabel}s exactly equal")
    return diffs, notes


def plot_weight_templates(
    weights: np.ndarray,
    path: str | os.PathLike,
    class_names: Sequence[str] = MNIST_CLASS_NAMES,
    title: str = "Softmax weights per class",
) -> None:
    """Draws a softmax regressor's weights as ten 28x28 class templates.

    Red pixels raise a class's score and blue pixels lower it; each template has
    its own symmetric colour scale.

    Args:
      weights: float [784, 10] (``W`` of ``x @ W + b``); NaN pixels show blank.
      path: where to write the figure.
      class_names: 10 labels for the panels.
      title: the figure title.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (784, 10):
        raise ValueError(f"weights must have shape (784, 10), got {w.shape}")
    fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
    for k, ax in enumerate(axes.flat):
        img = w[:, k].reshape(28, 28)
        finite = img[np.isfinite(img)]
        lim = float(np.abs(finite).max()) if finite.size else 1.0
        ax.imshow(img, cmap="seismic", vmin=-lim or -1.0, vmax=lim or 1.0)
        ax.set_title(str(class_names[k]))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    save_figure(fig, path)


def plot_confusion_matrix(
    matrix: np.ndarray,
    path: str | os.PathLike,
    class_names: Sequence[str] = MNIST_CLASS_NAMES,
    title: str = "Confusion matrix",
) -> None:
    """Draws a confusion matrix with its counts.

    Args:
      matrix: int [10, 10]; row = true class, column = predicted class.
      path: where to write the figure.
      class_names: 10 labels for the axes.
      title: the figure title; the accuracy is appended.
    """
    m = np.asarray(matrix, dtype=np.int64)
    total = int(m.sum())
    acc = float(np.trace(m)) / total if total else float("nan")
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    im = ax.imshow(m, cmap="Blues")
    ticks = np.arange(m.shape[0])
    ax.set_xticks(ticks, [str(c) for c in class_names], rotation=45 if max(map(len, class_names)) > 2 else 0)
    ax.set_yticks(ticks, [str(c) for c in class_names])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title} (accuracy {acc:.4f})")
    threshold = m.max() / 2 if m.size else 0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > threshold else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    save_figure(fig, path)


def plot_worst_digits(
    images: np.ndarray,
    true_labels: Sequence[int],
    predicted: Sequence[int],
    confidence: Sequence[float],
    path: str | os.PathLike,
    class_names: Sequence[str] = MNIST_CLASS_NAMES,
    title: str = "Worst-classified test digits",
    columns: int = 8,
    true_probability: Sequence[float] | None = None,
) -> None:
    """Draws a grid of test images, each titled with its true and predicted label.

    Args:
      images: uint8 or float [K, 28, 28], K >= 1.
      true_labels: int [K] true classes.
      predicted: int [K] predicted classes.
      confidence: float [K] probability the model gave its (wrong) prediction.
      path: where to write the figure.
      true_probability: float [K] probability the model gave the true class,
        the grid's sort key (``report.worst_examples``); shown in each caption
        and named in the title when given.
      class_names: 10 labels.
      title: the figure title.
      columns: images per row.
    """
    images = np.asarray(images)
    k = images.shape[0]
    if k == 0:
        raise ValueError("plot_worst_digits needs at least one image")
    cols = min(columns, k)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.75 * rows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= k:
            ax.axis("off")
            continue
        ax.imshow(images[i], cmap="gray_r")
        t, p = int(true_labels[i]), int(predicted[i])
        true_p = "" if true_probability is None else f" (p={float(true_probability[i]):.2g})"
        ax.set_title(f"true {class_names[t]}{true_p}\npred {class_names[p]} ({float(confidence[i]):.2f})",
                     fontsize=8, color="tab:red" if t != p else "black")
    if true_probability is not None:
        title += "\nsorted by p, the probability given to the true class (lowest first)"
    fig.suptitle(title, y=1.0, va="bottom")  # above the first row's captions
    save_figure(fig, path)
