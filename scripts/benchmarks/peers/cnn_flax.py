"""The seed's CNN in Flax (linen) with a jitted train step, one epoch: a peer of ``cnn.v2``.

The seed's layers in NHWC with Keras' HWIO kernels as they are, softmax
cross-entropy, ``optax.adam(1e-3, eps=1e-7)`` (Keras' epsilon), raw 0-255
pixels, batch 32, from the workload's weights and order.  The step is
compiled first, timed apart (``compile_seconds``, both batch sizes of the
epoch); ``train_seconds`` is the epoch, each batch gathered on the host and
passed to the jitted step.  Run from the interpreter named by
``BENCH_PEER_PYTHON``.

    python cnn_flax.py WORKLOAD.npz [LOSSES.npy]
"""

import time

import numpy as np

import workload

import_start = time.perf_counter()
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from flax import linen as nn  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


class SeedCNN(nn.Module):
    @nn.compact
    def __call__(self, x):  # x: float32 [B, 28, 28, 1]
        x = nn.max_pool(nn.relu(nn.Conv(28, (3, 3), padding="VALID", name="conv1")(x)), (2, 2), (2, 2))
        x = nn.max_pool(nn.relu(nn.Conv(10, (4, 4), padding="VALID", name="conv2")(x)), (2, 2), (2, 2))
        x = x.reshape((x.shape[0], -1))
        x = nn.relu(nn.Dense(20, name="dense1")(x))
        return nn.Dense(10, name="dense2")(x)


def train(w, _):
    x = w["x_train"].astype(np.float32)[..., None]
    y = w["y_train"].astype(np.int32)
    order, batch_size = w["order"], int(w["batch_size"])
    names = ("conv1", "conv2", "dense1", "dense2")
    params = {"params": {n: {"kernel": jnp.asarray(w[f"w{2 * i}"]), "bias": jnp.asarray(w[f"w{2 * i + 1}"])}
                         for i, n in enumerate(names)}}
    model = SeedCNN()
    tx = optax.adam(float(w["learning_rate"]), eps=1e-7)
    opt_state = tx.init(params)

    @jax.jit
    def step(params, opt_state, images, labels):
        def loss_fn(p):
            logits = model.apply(p, images)
            return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    start = time.perf_counter()
    sizes = sorted({min(batch_size, len(order) - b) for b in range(0, len(order), batch_size)})
    for size in sizes:
        step.lower(params, opt_state, x[:size], y[:size]).compile()
        step(params, opt_state, x[:size], y[:size])
    compile_seconds = time.perf_counter() - start
    losses = []
    with workload.Clock() as clock:
        for begin in range(0, len(order), batch_size):
            index = order[begin:begin + batch_size]
            params, opt_state, loss = step(params, opt_state, x[index], y[index])
            losses.append(loss)
        losses = np.asarray(jax.block_until_ready(jnp.stack(losses)))
    return {**clock.record(), "compile_seconds": compile_seconds, "epoch_loss": float(losses.mean()),
            "jax": jax.__version__}, losses


if __name__ == "__main__":
    workload.run(train, IMPORT_SECONDS)
