"""The seed's softmax regression as a hand-written NumPy loop: a peer of ``softmax.v1.train``.

Forward, backward and update in a Python ``for``, float32, following the chain
rule of the seed's exact graph, op by op as TensorFlow differentiates it:
``loss = -reduce_sum(y_ * log(softmax(x @ W + b)))``, so the gradient of
``log`` is ``g / p`` and a probability that underflowed to 0 gives NaN (or
-inf) exactly where TensorFlow's does.  The recorded loss is the batch's loss
after the update, as the seed's second ``Session.run`` measured it; Grappler
turns that run's ``log(softmax(z))`` into ``LogSoftmax``, and so does this loop.

With ``--bytes`` the loop keeps the training images as uint8 (they are
``input_data``'s ``float32(k) * float32(1/255)``, checked) and converts each
batch as it is drawn, the same floats from a quarter of the memory: what
``softmax.resident`` does for the project's trainers, done here too so that
the comparison is like for like.

Run from the project's interpreter (NumPy is its dependency) by
``scripts/benchmarks/bench_softmax.py``, with ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` removed from this process's environment only.

    python softmax_numpy.py [--bytes] WORKLOAD.npz [LOSSES.npy]
"""

import sys
import time

import numpy as np

import workload


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


SCALE = np.float32(1.0 / 255.0)


def as_bytes(x):
    """uint8 images whose ``float32(k) * float32(1/255)`` are ``x``, bit for bit."""
    packed = np.rint(x * np.float32(255.0)).astype(np.uint8)
    if not np.array_equal((packed * SCALE).view(np.uint32), x.view(np.uint32)):
        sys.exit("softmax_numpy.py --bytes: the workload's images are not bytes / 255")
    return packed


def train(x, y, batches, W, b, lr):
    """1000 steps of the seed; returns float32 [steps] losses after each update.

    ``x`` is float32 [N, 784], or uint8 [N, 784] converted per batch.
    """
    losses = np.empty(batches.shape[0], np.float32)
    lr = np.float32(lr)
    with np.errstate(all="ignore"):  # NaN is a result here, as in TensorFlow
        for i, index in enumerate(batches):
            xb, yb = x[index], y[index]
            if xb.dtype == np.uint8:
                xb = xb * SCALE
            p = softmax(xb @ W + b)
            # d loss / d log(p) = -y_; d log(p) / d p = 1 / p (TensorFlow's Reciprocal).
            g_p = -yb * np.reciprocal(p)
            # Softmax's gradient: (g - sum(g * p)) * p.
            g_z = (g_p - (g_p * p).sum(axis=1, keepdims=True)) * p
            W -= lr * (xb.T @ g_z)
            b -= lr * g_z.sum(axis=0)
            losses[i] = -(yb * log_softmax(xb @ W + b)).sum()
    return losses


def run_train(w, own):
    x, y, batches = w["x_train"], w["y_train"], w["batches"]
    if "--bytes" in own:
        x = as_bytes(x)
    W, b = w["weights"].copy(), w["biases"].copy()
    with workload.Clock() as clock:
        losses = train(x, y, batches, W, b, float(w["learning_rate"]))
    correct = int((np.argmax(w["x_test"] @ W + b, 1) == np.argmax(w["y_test"], 1)).sum())
    return {**clock.record(), "total_seconds": time.perf_counter() - workload.STARTED,
            "test_accuracy": correct / len(w["x_test"]), "nan_steps": int((~np.isfinite(losses)).sum()),
            "numpy": np.__version__, "blas": workload.blas_info()}, losses


if __name__ == "__main__":
    workload.run(run_train)
