"""``tfv1-mnist reproduce``: the seed's two programs, the v1/v2 comparison, one report.

Parses the flags and calls ``pipelines.reproduce.reproduce``, which runs, all
seeded (``--seed``, default 0): the softmax regressor in v1 with the seed's
settings and with the stable loss, the CNN in v2 with the seed's settings, and
the comparison in a child process with oneDNN off; then writes
``OUT/report.md``, ``OUT/report.html`` (figures embedded) and ``OUT/report.json``.
``--quick`` runs the comparison's CNN for 1 epoch instead of 2, on the embedded
sample unless ``--data`` is given.
"""

from __future__ import annotations

import argparse
import os

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument
from tfv1_mnist.config import check_seed
from tfv1_mnist.pipelines.reproduce_plan import EXPECTED_FULL, FULL, QUICK

__all__ = ["register", "run_reproduce"]


def register(subparsers) -> None:
    """Adds ``reproduce`` to ``subparsers``."""
    parser = subparsers.add_parser(
        "reproduce",
        help="reproduce the seed's softmax and CNN programs, compare v1 with v2, write a report",
        description="Trains the seed's softmax regressor (v1, seed settings and stable loss) and CNN "
                    "(v2, seed settings), runs the v1/v2 comparison, and writes OUT/report.md and "
                    f"OUT/report.html. The full run takes {EXPECTED_FULL}. --quick compares the CNN "
                    "for 1 epoch instead of 2, on the embedded sample unless --data is given: under 3 "
                    "minutes on 2 cores.",
    )
    add_data_argument(parser)
    add_out_argument(parser, "runs/reproduce")
    add_seed_argument(parser, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="comparison CNN 1 epoch (not 2), embedded sample by default")
    parser.set_defaults(func=run_reproduce)


def run_reproduce(args: argparse.Namespace) -> int:
    """Runs ``tfv1-mnist reproduce``; returns the exit status."""
    from tfv1_mnist import datasets
    from tfv1_mnist.pipelines.reproduce import reproduce

    check_seed(args.seed, required=True)
    spec = args.data if args.data is not None else ("sample" if args.quick else None)
    data = datasets.load(spec)
    summary = reproduce(data, args.out, plan=QUICK if args.quick else FULL, seed=args.seed,
                        data_arg=spec, quick=args.quick)
    for run in summary["runs"]:
        print(f"{run['name']}: test accuracy {run['test_accuracy']:.4f} ({run['train_seconds']:.1f} s training)")
    print(f"wrote {os.path.join(args.out, 'report.md')} and report.html in {summary['wall_seconds']:.0f} s")
    return 0
