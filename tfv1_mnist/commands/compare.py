"""``tfv1-mnist compare``: a model's implementations from identical weights on identical batches.

Writes ``OUT/compare.json`` (schema in docs/compare.md), ``OUT/compare.md`` and
the loss overlay figures.  The comparison runs in a child process with
``TF_ENABLE_ONEDNN_OPTS=0`` (unless ``--onednn``), op determinism on and TF32 off.
``--impl package.module:object`` compares the models of a user's own registry.
"""

from __future__ import annotations

import argparse
import os
import time

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument
from tfv1_mnist.config import check_seed

__all__ = ["register", "run_compare", "add_compare_arguments", "comparison_kwargs", "command_line"]


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    """The comparison's own flags."""
    parser.add_argument("--steps", type=int, default=None, metavar="N",
                        help="training steps of every model whose config has a 'steps' field "
                             "(default: each model's own; the softmax's is 1000, the seed's)")
    parser.add_argument("--epochs", type=int, default=None, metavar="N",
                        help="epochs of every model whose config has an 'epochs' field "
                             "(default: each model's own; the CNN's is 2)")
    parser.add_argument("--curve-steps", type=int, default=None, metavar="N",
                        help="leading steps whose per-step losses are compared and kept "
                             "(default: each model's own; all for the softmax, 300 for the CNN)")
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
    parser.add_argument("--model", default="all", metavar="NAME",
                        help="which registered model to compare: softmax, cnn (or a model of --impl's "
                             "registry), or all (default: all)")
    parser.add_argument("--impl", default=None, metavar="MODULE:OBJECT",
                        help="compare the models of your own registry: package.module:object, the object "
                             "a tfv1_mnist.compare.Registry or a function returning one (docs/compare.md)")
    add_data_argument(parser)
    add_out_argument(parser, "runs/compare")
    add_seed_argument(parser, default=0)
    add_compare_arguments(parser)
    parser.set_defaults(func=run_compare)


def comparison_kwargs(args: argparse.Namespace) -> dict:
    """``compare.run`` arguments from parsed flags; raises ConfigError on impossible values."""
    from tfv1_mnist.errors import ConfigError

    for flag in ("steps", "epochs", "curve_steps"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag.replace('_', '-')} must be >= 1, got {value}")
    settings = {k: getattr(args, k) for k in ("steps", "epochs") if getattr(args, k) is not None}
    return {"model": args.model, "seed": check_seed(args.seed, required=True), "settings": settings,
            "curve_steps": args.curve_steps}


def command_line(args: argparse.Namespace) -> str:
    """The ``tfv1-mnist compare`` command that reproduces this run, every given setting explicit."""
    parts = ["tfv1-mnist compare", f"--model {args.model}"]
    for flag in ("impl", "data"):
        if getattr(args, flag) is not None:
            parts.append(f"--{flag} {getattr(args, flag)}")
    parts += [f"--out {args.out}", f"--seed {args.seed}"]
    for flag in ("steps", "epochs", "curve_steps"):
        if getattr(args, flag) is not None:
            parts.append(f"--{flag.replace('_', '-')} {getattr(args, flag)}")
    if args.onednn:
        parts.append("--onednn")
    return " ".join(parts)


def run_compare(args: argparse.Namespace) -> int:
    """Runs ``tfv1-mnist compare``; returns the exit status."""
    from tfv1_mnist import compare, datasets
    from tfv1_mnist.errors import ConfigError

    kwargs = comparison_kwargs(args)
    # Checked here, before any data is read or a child started; the child loads it again.
    registry = compare.load_registry(args.impl) if args.impl else compare.default_registry()
    if args.model != "all" and args.model not in registry.models:
        raise ConfigError(f"--model must be one of {', '.join((*registry.models, 'all'))}, got {args.model!r}")
    data = datasets.load(args.data)
    start = time.perf_counter()
    result = compare.run_in_child(data, onednn=args.onednn, registry=args.impl, **kwargs)
    written = compare.write_outputs(result, args.out, dataset=data,
                                    extra_provenance={"command": command_line(args),
                                                      "wall_seconds": time.perf_counter() - start})
    print(compare.to_markdown(result), end="")
    for name in written:
        print(f"wrote {os.path.join(args.out, name)}")
    return 0
