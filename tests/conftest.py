"""Shared fixtures.  Tests use only what the project holds or generates;
anything from ../shared or Fashion-MNIST skips cleanly when absent."""

from __future__ import annotations

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def shared_t10k_dir() -> pathlib.Path:
    """The official MNIST test set (IDX, gzipped), or skip."""
    d = SHARED_DATA / "mnist-t10k"
    if not (d / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("../shared/data/mnist-t10k is not present")
    return d


@pytest.fixture
def fashion_dir() -> pathlib.Path:
    """Full-size Fashion-MNIST (Debian's dataset-fashion-mnist), or skip."""
    if not FASHION_DIR.is_dir() or not any(FASHION_DIR.iterdir()):
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    return FASHION_DIR


@pytest.fixture
def tiny_arrays() -> dict[str, np.ndarray]:
    """A small, seeded, MNIST-shaped data set in the Keras layout.

    Each class is a distinct blob of bright pixels plus noise, so a model can
    learn it: x_* uint8 [N, 28, 28], y_* uint8 [N]; 200 train and 50 test.
    """
    rng = np.random.RandomState(1234)

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = (np.arange(n) % 10).astype(np.uint8)
        rng.shuffle(y)
        x = rng.randint(0, 60, size=(n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(y):
            r, c = divmod(int(label), 5)
            x[i, 4 + 10 * r: 12 + 10 * r, 2 + 5 * c: 6 + 5 * c] = 255
        return x, y

    x_train, y_train = make(200)
    x_test, y_test = make(50)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
