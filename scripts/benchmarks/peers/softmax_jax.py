"""The seed's softmax regression in JAX, all steps in one jitted ``lax.scan``: a peer.

The seed's loss as written, ``-sum(y_ * log(softmax(x @ W + b)))``, its
gradient from ``jax.grad``, a plain SGD update and the batch's loss after it,
one ``lax.scan`` step per batch over the resident training set.  The XLA
compile is timed apart (``compile_seconds``) from the steps
(``train_seconds``).  Run from the interpreter named by ``BENCH_PEER_PYTHON``;
JAX is never a dependency of the project.

    python softmax_jax.py WORKLOAD.npz [LOSSES.npy]
"""

import time

import numpy as np

import workload

import_start = time.perf_counter()
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_start


def seed_loss(params, xb, yb):
    W, b = params
    return -jnp.sum(yb * jnp.log(jax.nn.softmax(xb @ W + b)))


def make_train(lr):
    def step(carry, index):
        params, x, y = carry
        xb, yb = x[index], y[index]
        grads = jax.grad(seed_loss)(params, xb, yb)
        params = tuple(p - lr * g for p, g in zip(params, grads))
        W, b = params
        after = -jnp.sum(yb * jax.nn.log_softmax(xb @ W + b))
        return (params, x, y), after

    @jax.jit
    def train(params, x, y, batches):
        (params, _, _), losses = jax.lax.scan(step, (params, x, y), batches)
        return params, losses

    return train


def run_train(w, _):
    x, y = jnp.asarray(w["x_train"]), jnp.asarray(w["y_train"])
    batches = jnp.asarray(w["batches"].astype(np.int32))
    params = (jnp.asarray(w["weights"]), jnp.asarray(w["biases"]))
    train = make_train(np.float32(w["learning_rate"]))
    start = time.perf_counter()
    compiled = train.lower(params, x, y, batches).compile()
    compile_seconds = time.perf_counter() - start
    with workload.Clock() as clock:
        (W, b), losses = compiled(params, x, y, batches)
        losses = np.asarray(jax.block_until_ready(losses))
    pred = np.asarray(jnp.asarray(w["x_test"]) @ W + b).argmax(1)
    return {**clock.record(), "compile_seconds": compile_seconds,
            "test_accuracy": float((pred == w["y_test"].argmax(1)).mean()),
            "nan_steps": int((~np.isfinite(losses)).sum()),
            "jax": jax.__version__, "backend": jax.default_backend()}, losses


if __name__ == "__main__":
    workload.run(run_train, IMPORT_SECONDS)
