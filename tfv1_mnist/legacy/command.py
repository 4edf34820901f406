"""The ``run-legacy`` command's arguments and its stand-alone entry point.

``add_arguments`` and ``run_command`` serve both ``tfv1-mnist run-legacy``
(registered by ``tfv1_mnist.commands.legacy``) and ``python -m
tfv1_mnist.legacy`` (``main``), so the two cannot drift apart and this package
never imports the commands layer above it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

__all__ = ["add_arguments", "run_command", "main"]

_DATA_HELP = (
    "an .npz file, a folder of IDX files, or 'sample': every read_data_sets and "
    "tf.keras.datasets.mnist.load_data call reads it. Default: the folder the script names if it "
    "holds MNIST files, else the full MNIST in the cache if fetched, else the embedded sample "
    "(never the network)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds ``[--data PATH] SCRIPT [ARGS...]`` to ``parser``."""
    parser.add_argument("--data", metavar="PATH", default=None, help=_DATA_HELP)
    parser.add_argument("script", metavar="SCRIPT", help="the TF1-era Python script, unmodified")
    parser.add_argument(
        "args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments passed to the script (its sys.argv[1:])"
    )


def run_command(args: argparse.Namespace) -> int:
    """Runs ``args.script`` with ``args.args``; returns its exit status."""
    from tfv1_mnist.legacy import runner

    verbose = getattr(args, "verbose", 0)
    if getattr(args, "quiet", False):
        level = logging.WARNING
    elif verbose > 1:
        level = logging.DEBUG
    else:
        level = logging.INFO
    return runner.run(args.script, args.args, data=args.data, log_level=level, show_deprecations=verbose > 0)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tfv1_mnist.legacy [-q] [-v] [--data PATH] SCRIPT [ARGS...]``."""
    from tfv1_mnist.errors import ConfigError, DataError

    parser = argparse.ArgumentParser(
        prog="python -m tfv1_mnist.legacy",
        description="Run an unmodified TF1-era MNIST script on today's TensorFlow.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="keep TensorFlow's deprecation warnings; twice: debug messages too")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_command(args)
    except ConfigError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except DataError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
