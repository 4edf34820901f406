"""``tfv1-mnist compare``: v1 against v2 from identical weights on identical batches.

Writes ``OUT/compare.json`` (schema in docs/compare.md), ``OUT/compare.md`` and
the loss overlay figures.  The comparison runs in a child process with
``TF_ENABLE_ONEDNN_OPTS=0`` (unless ``--onednn``), op determinism on and TF32 off.
"""

from __future__ import annotations

import argparse
import os
import time

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument, check_seed

__all__ = ["register", "run_compare", "add_compare_arguments", "comparison_kwargs", "run_kwargs", "command_line",
           "DEFAULT_STEPS", "DEFAULT_EPOCHS", "DEFAULT_CURVE_STEPS"]

DEFAULT_STEPS = 1000
DEFAULT_EPOCHS = 2
DEFAULT_CURVE_STEPS = 300


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    """The comparison's own flags."""
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, metavar="N",
                        help=f"softmax training steps (default: {DEFAULT_STEPS}, the seed's)")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, metavar="N",
                        help=f"CNN epochs (default: {DEFAULT_EPOCHS})")
    parser.add_argument("--curve-steps", type=int, default=DEFAULT_CURVE_STEPS, metavar="N",
                        help=f"leading CNN steps whose per-step loss is compared (default: {DEFAULT_CURVE_STEPS})")
    parser.add_argument("--onednn", action="store_true",
                        help="leave oneDNN's reordered kernels on (TF_ENABLE_ONEDNN_OPTS=1); "
                             "default is off, so only the implementations differ")


def register(subparsers) -> None:
    """Adds ``compare`` to ``subparsers``."""
    parser = subparsers.add_parser(
        "compare",
        help="compare v1 (graph, Session) and v2 (tf.function, Keras) implementations step by step",
        description="Trains each implementation from the same initial values on the same batch "
                    "schedule and reports how far their losses, weights and accuracies drift apart, "
                    "and whether the differences are round-off or different formulas.",
    )
    parser.add_argument("--model", choices=("softmax", "cnn", "all"), default="all",
                        help="which model to compare (default: all)")
    add_data_argument(parser)
    add_out_argument(parser, "runs/compare")
    add_seed_argument(parser, default=0)
    add_compare_arguments(parser)
    parser.set_defaults(func=run_compare)


def run_kwargs(model: str, steps: int, epochs: int, seed: int, curve_steps: int) -> dict:
    """``compare.run`` arguments for a comparison of ``model`` (also what ``reproduce`` runs)."""
    return {"model": model, "steps": steps, "epochs": epochs, "seed": seed,
            "cnn_options": {"curve_steps": curve_steps}}


def comparison_kwargs(args: argparse.Namespace) -> dict:
    """``compare.run`` arguments from parsed flags; raises ConfigError on impossible values."""
    from tfv1_mnist.errors import ConfigError

    for flag in ("steps", "epochs", "curve_steps"):
        if getattr(args, flag) < 1:
            raise ConfigError(f"--{flag.replace('_', '-')} must be >= 1, got {getattr(args, flag)}")
    return run_kwargs(args.model, args.steps, args.epochs, check_seed(args.seed), args.curve_steps)


def command_line(args: argparse.Namespace) -> str:
    """The ``tfv1-mnist compare`` command that reproduces this run, every setting explicit."""
    parts = ["tfv1-mnist compare", f"--model {args.model}"]
    if args.data is not None:
        parts.append(f"--data {args.data}")
    parts += [f"--out {args.out}", f"--seed {args.seed}", f"--steps {args.steps}", f"--epochs {args.epochs}",
              f"--curve-steps {args.curve_steps}"]
    if args.onednn:
        parts.append("--onednn")
    return " ".join(parts)


def run_compare(args: argparse.Namespace) -> int:
    """Runs ``tfv1-mnist compare``; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tfv1_mnist import compare, datasets

    kwargs = comparison_kwargs(args)
    data = datasets.load(args.data)
    start = time.perf_counter()
    result = compare.run_isolated(data, onednn=args.onednn, **kwargs)
    written = compare.write_outputs(result, args.out, dataset=data,
                                    extra_provenance={"command": command_line(args),
                                                      "wall_seconds": time.perf_counter() - start})
    print(compare.to_markdown(result), end="")
    for name in written:
        print(f"wrote {os.path.join(args.out, name)}")
    return 0
