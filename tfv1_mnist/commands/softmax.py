"""The ``softmax``-group commands of ``tfv1-mnist``: ``softmax``.

Pattern (Flax's ``main.py``): flags override ``SoftmaxConfig`` fields, and the
work happens in ``softmax_v1.train`` (graph mode, the default) or
``softmax_v2.train`` (TF2).  TensorFlow is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import pathlib
import sys

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument
from tfv1_mnist.config import SoftmaxConfig

__all__ = ["register", "run_softmax", "config_from_args", "validation_size_for"]

_log = logging.getLogger(__name__)

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
        stop_on_nan=bool(args.stop_on_nan))


def validation_size_for(num_train: int) -> int:
    """TF1's validation split (5000 of 60000), scaled down for smaller training sets.

    ``compare.seed_validation_size``, so the command and the comparison hold out
    the same examples: 333 of the sample's 4000.
    """
    from tfv1_mnist.compare import seed_validation_size

    return seed_validation_size(num_train)


def _print_weights(step: int, loss: float, weights, biases) -> None:
    # The seed printed W after every step.
    print(f"step {step}: loss {loss}")
    print(weights)
    sys.stdout.flush()


def run_softmax(args: argparse.Namespace) -> int:
    """``tfv1-mnist softmax``: trains, writes the outputs, prints the test accuracy."""
    config = config_from_args(args)
    from tfv1_mnist import datasets, input_data, plots
    from tfv1_mnist.errors import ConfigError
    from tfv1_mnist.outputs import provenance, write_json

    if args.impl == "v2":
        from tfv1_mnist import softmax_v2 as impl
    else:
        from tfv1_mnist import softmax_v1 as impl

    mnist = datasets.load(args.data)
    n = int(mnist.x_train.shape[0])
    ds = input_data.from_mnist(mnist, one_hot=True, validation_size=validation_size_for(n),
                               seed=config.seed)
    if config.batch_size > ds.train.num_examples:
        raise ConfigError(
            f"--batch-size {config.batch_size} is larger than the training set of {mnist.name} "
            f"({ds.train.num_examples} examples after the validation split): pass a smaller one")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # A previous run's event files go once this run has written its own, so a
    # run that fails leaves the folder as it was.
    old_events = _event_files(out / "tensorboard")
    print_weights = bool(args.print_weights) or getattr(args, "verbose", 0) > 0
    progress = not getattr(args, "quiet", False) and not print_weights
    _log.info("training the softmax regression (%s) on %s (%d training examples) into %s",
              args.impl, mnist.name, ds.train.num_examples, out)
    result = impl.train(config, ds, workdir=out, progress=progress,
                        step_callback=_print_weights if print_weights else None)
    for path in old_events:
        path.unlink(missing_ok=True)
    metrics = {
        "impl": args.impl,
        "test_accuracy": result.test_accuracy,
        "loss": result.loss,
        "nan_steps": result.nan_steps,
        "train_seconds": result.train_seconds,
        "examples_per_second": result.examples_per_second,
        "config": dataclasses.asdict(config),
        "provenance": provenance(dataset=mnist, seed=config.seed, command="softmax", impl=args.impl),
    }
    write_json(out / "metrics.json", metrics)
    title = f"softmax regression ({args.impl}, loss {config.loss}, {mnist.name})"
    plots.plot_loss(result.loss, out / "loss.png", title=title)
    print(f"wrote {out / 'metrics.json'}, {out / 'loss.png'}, {out / 'checkpoint'}/ and "
          f"{out / 'tensorboard'}/")
    if result.nan_steps:
        print(f"{result.nan_steps} of {config.steps} steps had a non-finite loss"
              + (" (use --loss stable)" if config.loss == "naive" else ""))
    print(f"test accuracy: {result.test_accuracy:.4f}")
    return 0


def _event_files(folder: pathlib.Path) -> list[pathlib.Path]:
    """The TensorBoard event files in ``folder``; removed after training, so
    TensorBoard shows the latest run's only."""
    return sorted(folder.glob("events.out.tfevents.*")) if folder.is_dir() else []
