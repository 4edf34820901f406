"""Turning image files into MNIST-style inputs, for ``tfv1-mnist predict``.

Pattern: the recipe MNIST itself was made with (LeCun et al.), as plain NumPy +
Pillow functions from file to array: read the image (any size; grey, RGB or
RGBA), make the digit bright on a dark background (dark-on-light images are
inverted), crop it to its bounding box, scale it to fit a 20x20 box keeping its
aspect ratio (anti-aliased), and place it in a 28x28 field so that its centre of
mass falls on pixel (14, 14).  No model code here; the model takes the result.
"""

from __future__ import annotations

import os
import pathlib
import zipfile

import numpy as np

from tfv1_mnist.errors import DataError

__all__ = ["read_grey", "to_mnist", "load_png", "load_npz_images", "load_images"]

FIELD = 28
BOX = 20
#: MNIST's centre of mass, in pixel indices (measured on the training digits: 14.0, 14.0).
CENTRE = 14.0


def read_grey(path: str | os.PathLike) -> np.ndarray:
    """Reads an image file as grey levels.

    Colour is converted to luminance.  Transparent pixels are composited over
    white; if that leaves no contrast (light strokes on a transparent
    background), the alpha channel itself is taken as the ink.

    Args:
      path: a PNG (or any format Pillow reads).

    Returns:
      uint8 [H, W].

    Raises:
      DataError: the file is missing or not a readable image.
    """
    from PIL import Image, UnidentifiedImageError

    path = pathlib.Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            has_alpha = img.mode in ("RGBA", "LA", "PA") or (
                img.mode == "P" and "transparency" in img.info)
            if has_alpha:
                rgba = np.asarray(img.convert("RGBA"), np.float32)
                alpha = rgba[..., 3:] / 255.0
                rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)
                grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
                if np.ptp(grey) < 32 and np.ptp(alpha) > 0.1:
                    grey = 255.0 * (1.0 - alpha[..., 0])  # the ink is where alpha is
                return np.clip(np.rint(grey), 0, 255).astype(np.uint8)
            return np.asarray(img.convert("L"), np.uint8)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError) as err:
        raise DataError(f"{path}: not a readable image ({err}); pass a PNG file") from err


def to_mnist(grey: np.ndarray, *, where: str = "image") -> np.ndarray:
    """Prepares one grey image the way MNIST's digits were prepared.

    Args:
      grey: uint8 (or float 0..255) [H, W], a single digit, either polarity.
      where: names the source in error messages.

    Returns:
      uint8 [28, 28], digit bright (up to 255) on 0, fitted into 20x20, centre
      of mass at (14, 14).

    Raises:
      DataError: the image is blank (no digit to find).
    """
    from PIL import Image

    g = np.asarray(grey, np.float32)
    if g.ndim != 2 or min(g.shape) < 1:
        raise DataError(f"{where}: expected a 2-D grey image, got shape {g.shape}")
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) > 127:  # dark ink on light paper: make the ink bright
        g = 255.0 - g
        border = 255.0 - border
    g = np.clip(g - np.median(border), 0, None)  # the paper becomes 0
    peak = float(g.max())
    if peak < 16:
        raise DataError(f"{where}: the image is blank; no digit to classify")
    g *= 255.0 / peak
    ink = g > 0.1 * 255.0  # ignore faint noise when finding the digit's box
    rows, cols = np.nonzero(ink.any(1))[0], np.nonzero(ink.any(0))[0]
    g = g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = g.shape
    scale = BOX / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray(np.clip(np.rint(g), 0, 255).astype(np.uint8)).resize(
        (new_w, new_h), Image.Resampling.LANCZOS)
    small = np.asarray(small, np.float32)
    total = small.sum()
    if total <= 0:
        raise DataError(f"{where}: the image is blank; no digit to classify")
    cy = float((small.sum(1) * np.arange(new_h)).sum() / total)
    cx = float((small.sum(0) * np.arange(new_w)).sum() / total)
    top, left = int(round(CENTRE - cy)), int(round(CENTRE - cx))
    field = np.zeros((FIELD, FIELD), np.float32)
    # Paste with clipping, in case centring by mass pushes an edge outside.
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + new_h, FIELD), min(left + new_w, FIELD)
    field[y0:y1, x0:x1] = small[y0 - top:y1 - top, x0 - left:x1 - left]
    return np.clip(np.rint(field), 0, 255).astype(np.uint8)


def load_png(path: str | os.PathLike) -> np.ndarray:
    """``to_mnist(read_grey(path))``: uint8 [28, 28].

    Raises:
      DataError: naming ``path``, when it is unreadable or blank.
    """
    return to_mnist(read_grey(path), where=str(path))


def load_npz_images(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Reads images (and labels, if any) from an ``.npz``.

    The images are the array ``images``, ``x_test``, ``x`` or the only array in
    the file; labels are ``labels``, ``y_test`` or ``y`` when present.  Images may
    be [N,28,28], [N,28,28,1] or [N,784], uint8 0..255 or float 0..1.

    Returns:
      ``(images uint8 [N,28,28], labels int64 [N] or None)``.

    Raises:
      DataError: naming ``path``, when it is unreadable or holds no images.
    """
    path = pathlib.Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"{path}: not a readable .npz file ({err})") from err
    key = next((k for k in ("images", "x_test", "x") if k in arrays), None)
    if key is None and len(arrays) == 1:
        key = next(iter(arrays))
    if key is None:
        raise DataError(f"{path}: no image array; name it 'images' (or x_test / x); "
                        f"found {sorted(arrays)}")
    x = arrays[key]
    if x.ndim == 2 and x.shape[1] == FIELD * FIELD:
        x = x.reshape(-1, FIELD, FIELD)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (FIELD, FIELD):
        raise DataError(f"{path}: array {key!r} has shape {x.shape}; expected [N,28,28], "
                        "[N,28,28,1] or [N,784]")
    if len(x) == 0:
        raise DataError(f"{path}: array {key!r} holds no images")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise DataError(f"{path}: array {key!r} has dtype {x.dtype}; expected uint8 pixels "
                        "0..255 or floats 0..1")
    if x.dtype != np.uint8:
        x = x.astype(np.float64)
        if not np.isfinite(x).all():
            raise DataError(f"{path}: array {key!r} holds NaN or inf")
        if x.max(initial=0) <= 1.0:
            x = x * 255.0
        x = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    return x, _npz_labels(path, arrays, len(x))


def _npz_labels(path: pathlib.Path, arrays: dict, n: int) -> np.ndarray | None:
    """The labels of an ``.npz``'s ``n`` images as int64 [n] (``labels``, ``y_test`` or ``y``), or None."""
    label_key = next((k for k in ("labels", "y_test", "y") if k in arrays), None)
    if label_key is None:
        return None
    labels = np.asarray(arrays[label_key])
    if not np.issubdtype(labels.dtype, np.number):
        raise DataError(f"{path}: labels {label_key!r} have dtype {labels.dtype}; expected "
                        "class numbers [N] or one-hot rows [N, 10]")
    if labels.ndim == 0 or len(labels) != n:
        raise DataError(f"{path}: labels {label_key!r} must hold one label per image "
                        f"({n}), got shape {labels.shape}")
    labels = labels.reshape(n, -1)
    return (labels.argmax(1) if labels.shape[1] > 1 else labels[:, 0]).astype(np.int64)


def load_images(paths) -> list[tuple[str, np.ndarray]]:
    """Loads every file: PNGs (one image each) and ``.npz`` files (many).

    Args:
      paths: file paths.

    Returns:
      A list of ``(name, uint8 [28, 28])``; an ``.npz`` entry is named ``file[i]``.

    Raises:
      DataError: naming the first bad file.
    """
    out: list[tuple[str, np.ndarray]] = []
    for p in paths:
        p = pathlib.Path(p)
        if p.suffix.lower() == ".npz":
            x, _ = load_npz_images(p)
            out.extend((f"{p}[{i}]", img) for i, img in enumerate(x))
        else:
            out.append((str(p), load_png(p)))
    return out
