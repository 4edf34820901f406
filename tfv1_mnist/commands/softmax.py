"""The ``softmax``-group commands of ``tfv1-mnist``: ``softmax``.

Pattern (Flax's ``main.py``): flags override ``SoftmaxConfig`` fields, the
command loads the data and calls ``pipelines.softmax.train_and_evaluate``
(training through ``softmax.v1.train``, graph mode, the default, or
``softmax.v2.train``, TF2), then prints.  TensorFlow is imported only when the
command runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument, staged_out
from tfv1_mnist.config import SoftmaxConfig

__all__ = ["register", "run_softmax", "config_from_args"]

IMPLS = ("v1", "v2")


def register(subparsers) -> None:
    """Adds ``softmax`` to ``subparsers``."""
    d = SoftmaxConfig()
    p = subparsers.add_parser(
        "softmax", help="train the seed's softmax regression (TF1 graph mode, or TF2 with --impl v2)",
        description="Trains y = softmax(xW + b) with plain gradient descent, as the seed did: "
        "1000 steps of 100 examples, learning rate 0.01, W and b from random_normal, loss "
        "-reduce_sum(y_ * log(y)). Writes OUT/metrics.json (loss per step, null where not "
        "finite), OUT/loss.png, a checkpoint in OUT/checkpoint/ and the loss scalar in "
        "OUT/tensorboard/. The last line printed is the test accuracy. The seed's loss goes "
        "NaN once a probability underflows to 0 (try Fashion-MNIST): that is counted and "
        "logged once; --loss stable fixes it.")
    add_data_argument(p)
    p.add_argument("--steps", type=int, default=d.steps, help=f"training steps (default: {d.steps})")
    p.add_argument("--batch-size", type=int, default=d.batch_size,
                   help=f"examples per step (default: {d.batch_size})")
    p.add_argument("--learning-rate", type=float, default=d.learning_rate,
                   help=f"gradient-descent step size (default: {d.learning_rate})")
    p.add_argument("--loss", choices=SoftmaxConfig.LOSSES, default=d.loss,
                   help="naive: the seed's -reduce_sum(y_ * log(softmax(logits))), NaN once a "
                   "probability underflows; stable: cross-entropy through log-softmax "
                   f"(default: {d.loss})")
    p.add_argument("--reduction", choices=SoftmaxConfig.REDUCTIONS, default=d.reduction,
                   help=f"sum the loss over the batch (the seed) or average it (default: {d.reduction})")
    p.add_argument("--init", choices=SoftmaxConfig.INITS, default=d.init,
                   help=f"initial W and b: random_normal with stddev 1 (the seed) or zeros "
                   f"(default: {d.init})")
    add_seed_argument(p)
    p.add_argument("--impl", choices=IMPLS, default="v1",
                   help="v1: placeholders and a tf.compat.v1.Session; v2: tf.Module, "
                   "GradientTape and tf.function (default: v1)")
    add_out_argument(p, "runs/softmax")
    p.add_argument("--xla", action="store_true",
                   help="the fast path: all steps in one XLA-compiled loop (with --impl v1 or v2); "
                   "its losses differ from the seed's by float32 round-off (default: off, the "
                   "seed's losses bit for bit)")
    p.add_argument("--stop-on-nan", action="store_true",
                   help="stop with exit status 1 at the first non-finite loss (default: carry "
                   "on, as the seed did)")
    p.add_argument("--verbose", dest="print_weights", action="store_true",
                   help="print the weight matrix after every step, as the seed did "
                   "(so does the global -v)")
    p.set_defaults(func=run_softmax)


def config_from_args(args: argparse.Namespace) -> SoftmaxConfig:
    """The ``SoftmaxConfig`` the flags ask for; ``ConfigError`` if impossible."""
    return SoftmaxConfig(
        steps=args.steps, batch_size=args.batch_size, learning_rate=args.learning_rate,
        loss=args.loss, reduction=args.reduction, init=args.init, seed=args.seed,
        stop_on_nan=bool(args.stop_on_nan), xla=bool(getattr(args, "xla", False)))


def _print_weights(step: int, loss: float, weights, biases) -> None:
    # The seed printed W after every step.
    print(f"step {step}: loss {loss}")
    print(weights)
    sys.stdout.flush()


def run_softmax(args: argparse.Namespace) -> int:
    """``tfv1-mnist softmax``: trains, writes the outputs, prints the test accuracy."""
    config = config_from_args(args)
    from tfv1_mnist import datasets

    mnist = datasets.load(args.data)  # a bad --data answers before TensorFlow is loaded
    from tfv1_mnist.pipelines import softmax as pipeline

    print_weights = bool(args.print_weights) or getattr(args, "verbose", 0) > 0
    progress = not getattr(args, "quiet", False) and not print_weights
    with staged_out(args) as stage:
        run = pipeline.train_and_evaluate(
            config, mnist, stage, impl=args.impl, progress=progress,
            step_callback=_print_weights if print_weights else None)
    result = run.result
    print(dataclasses.replace(run, workdir=pathlib.Path(args.out)).describe())  # not the staging folder
    if result.nan_steps:
        print(f"{result.nan_steps} of {config.steps} steps had a non-finite loss"
              + (" (use --loss stable)" if config.loss == "naive" else ""))
    print(f"test accuracy: {result.test_accuracy:.4f}")
    return 0
