"""The seed's softmax regression as a hand-written NumPy loop: a peer of ``softmax_v1.train``.

Forward, backward and update in a Python ``for``, float32, following the chain
rule of the seed's exact graph, op by op as TensorFlow differentiates it:
``loss = -reduce_sum(y_ * log(softmax(x @ W + b)))``, so the gradient of
``log`` is ``g / p`` and a probability that underflowed to 0 gives NaN (or
-inf) exactly where TensorFlow's does.  The recorded loss is the batch's loss
after the update, as the seed's second ``Session.run`` measured it; Grappler
turns that run's ``log(softmax(z))`` into ``LogSoftmax``, and so does this loop.

Run from the project's interpreter (NumPy is its dependency) by
``scripts/benchmarks/bench_softmax.py``, with ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` removed from this process's environment only.

    python softmax_numpy.py WORKLOAD.npz [LOSSES.npy]
"""

import time

import numpy as np

import workload


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def train(x, y, batches, W, b, lr):
    """1000 steps of the seed; returns float32 [steps] losses after each update."""
    losses = np.empty(batches.shape[0], np.float32)
    lr = np.float32(lr)
    with np.errstate(all="ignore"):  # NaN is a result here, as in TensorFlow
        for i, index in enumerate(batches):
            xb, yb = x[index], y[index]
            p = softmax(xb @ W + b)
            # d loss / d log(p) = -y_; d log(p) / d p = 1 / p (TensorFlow's Reciprocal).
            g_p = -yb * np.reciprocal(p)
            # Softmax's gradient: (g - sum(g * p)) * p.
            g_z = (g_p - (g_p * p).sum(axis=1, keepdims=True)) * p
            W -= lr * (xb.T @ g_z)
            b -= lr * g_z.sum(axis=0)
            losses[i] = -(yb * log_softmax(xb @ W + b)).sum()
    return losses


def main():
    path, losses_path = workload.argv()
    w = workload.load(path)
    x, y, batches = w["x_train"], w["y_train"], w["batches"]
    W, b = w["weights"].copy(), w["biases"].copy()
    start, start_cpu = time.perf_counter(), time.process_time()
    losses = train(x, y, batches, W, b, float(w["learning_rate"]))
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    correct = int((np.argmax(w["x_test"] @ W + b, 1) == np.argmax(w["y_test"], 1)).sum())
    workload.emit({
        "train_seconds": seconds, "train_cpu_seconds": cpu,
        "total_seconds": time.perf_counter() - workload.STARTED,
        "test_accuracy": correct / len(w["x_test"]),
        "nan_steps": int((~np.isfinite(losses)).sum()),
        "numpy": np.__version__, "blas": workload.blas_info(),
    }, losses, losses_path)


if __name__ == "__main__":
    main()
