"""The seed's softmax regression in PyTorch (eager, autograd): a peer of ``softmax.v1.train``.

The seed's graph as written, ``-(y_ * log(softmax(x @ W + b))).sum()``, its
gradient from autograd, a plain SGD update under ``no_grad``, then the batch's
loss after the update (the seed's second ``Session.run``).  Run from the
interpreter named by ``BENCH_PEER_PYTHON``; PyTorch is never a dependency of
the project.

    python softmax_torch.py WORKLOAD.npz [LOSSES.npy]
"""

import time

import numpy as np

import workload

import_start = time.perf_counter()
import torch  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


def train(w, _):
    x, y = torch.from_numpy(w["x_train"]), torch.from_numpy(w["y_train"])
    batches = torch.from_numpy(w["batches"])
    W = torch.tensor(w["weights"], requires_grad=True)
    b = torch.tensor(w["biases"], requires_grad=True)
    lr = float(w["learning_rate"])
    losses = torch.empty(batches.shape[0])
    with workload.Clock() as clock:
        for i in range(batches.shape[0]):
            xb, yb = x[batches[i]], y[batches[i]]
            loss = -(yb * torch.log(torch.softmax(xb @ W + b, dim=1))).sum()
            gW, gb = torch.autograd.grad(loss, (W, b))
            with torch.no_grad():
                W -= lr * gW
                b -= lr * gb
                losses[i] = -(yb * torch.log_softmax(xb @ W + b, dim=1)).sum()
    with torch.no_grad():
        pred = (torch.from_numpy(w["x_test"]) @ W + b).argmax(1).numpy()
    losses = losses.numpy()
    return {**clock.record(), "test_accuracy": float((pred == w["y_test"].argmax(1)).mean()),
            "nan_steps": int((~np.isfinite(losses)).sum()),
            "torch": torch.__version__, "threads": torch.get_num_threads()}, losses


if __name__ == "__main__":
    workload.run(train, IMPORT_SECONDS)
