"""The seed's CNN in PyTorch (eager), one epoch: a peer of ``cnn.v2``.

Conv(28, 3x3) -> ReLU -> MaxPool -> Conv(10, 4x4) -> ReLU -> MaxPool ->
Dense 20 -> ReLU -> Dense 10, cross-entropy, Adam (lr 1e-3, eps 1e-7 as
Keras), raw 0-255 pixels, batch 32, from the workload's Keras-order weights
(kernels transposed to OIHW; the flatten goes through NHWC as Keras' does) and
order.  Run from the interpreter named by ``BENCH_PEER_PYTHON``.

    python cnn_torch.py WORKLOAD.npz [LOSSES.npy]
"""

import time

import numpy as np

import workload

import_start = time.perf_counter()
import torch  # noqa: E402
from torch import nn  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


class SeedCNN(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 28, 3), nn.Conv2d(28, 10, 4)
        self.dense1, self.dense2 = nn.Linear(250, 20), nn.Linear(20, 10)
        with torch.no_grad():
            for conv, k, b in ((self.conv1, w[0], w[1]), (self.conv2, w[2], w[3])):
                conv.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
                conv.bias.copy_(torch.from_numpy(b))
            for dense, k, b in ((self.dense1, w[4], w[5]), (self.dense2, w[6], w[7])):
                dense.weight.copy_(torch.from_numpy(k.T.copy()))
                dense.bias.copy_(torch.from_numpy(b))

    def forward(self, x):  # x: float32 [B, 1, 28, 28]
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.permute(0, 2, 3, 1).reshape(-1, 250)  # Keras' NHWC flatten
        return self.dense2(torch.relu(self.dense1(x)))


def train(w, _):
    x = torch.from_numpy(w["x_train"].astype(np.float32)).unsqueeze(1)
    y = torch.from_numpy(w["y_train"].astype(np.int64))
    order = torch.from_numpy(w["order"])
    batch_size = int(w["batch_size"])
    model = SeedCNN([w[f"w{i}"] for i in range(8)])
    optimizer = torch.optim.Adam(model.parameters(), lr=float(w["learning_rate"]), eps=1e-7)
    losses = []
    with workload.Clock() as clock:
        for begin in range(0, len(order), batch_size):
            index = order[begin:begin + batch_size]
            loss = nn.functional.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        losses = torch.stack(losses).numpy()
    return {**clock.record(), "epoch_loss": float(losses.mean()), "torch": torch.__version__,
            "threads": torch.get_num_threads()}, losses


if __name__ == "__main__":
    workload.run(train, IMPORT_SECONDS)
