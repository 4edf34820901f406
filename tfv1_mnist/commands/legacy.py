"""The ``legacy``-group commands of ``tfv1-mnist``: ``run-legacy``.

``tfv1-mnist run-legacy [--data PATH] SCRIPT [ARGS...]`` runs an unmodified
TF1-era MNIST script (see `tfv1_mnist.legacy`); its exit status is the
command's.  ``python -m tfv1_mnist.legacy`` is the same command on its own
(`main`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from tfv1_mnist.commands import add_data_argument

__all__ = ["add_arguments", "main", "register", "run_legacy"]

_DATA_HELP = (
    "an .npz file, a folder of IDX files, or 'sample': every read_data_sets and "
    "tf.keras.datasets.mnist.load_data call reads it. Default: the folder the script names if it "
    "holds MNIST files, else the full MNIST in the cache if fetched, else the embedded sample "
    "(never the network)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds ``[--data PATH] SCRIPT [ARGS...]`` to ``parser``."""
    add_data_argument(parser, help=_DATA_HELP)
    parser.add_argument(
        "--no-compat", dest="compat", action="store_false",
        help="leave out the NumPy 1 and matplotlib 3.5 names run-legacy adds back (np.float, np.asfarray, "
             "canvas.set_window_title...): the script sees the installed NumPy and matplotlib as they are",
    )
    parser.add_argument(
        "--out", default=None, metavar="DIR",
        help="the run's folder; plt.show() saves the script's open figures in DIR/figures (default: runs/legacy)",
    )
    parser.add_argument("script", metavar="SCRIPT", help="the TF1-era Python script, unmodified")
    parser.add_argument(
        "args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments passed to the script (its sys.argv[1:])"
    )


def register(subparsers) -> None:
    """Adds this group's commands to ``subparsers``."""
    parser = subparsers.add_parser(
        "run-legacy",
        help="run an unmodified TF1-era MNIST script (input_data, Session, tf.layers, contrib, Estimator)",
        description=(
            "Run an unmodified TF1-era script in a child process where `import tensorflow` gives "
            "tf.compat.v1 (v2 behaviour disabled) with Keras 2 as tf.keras, tf.contrib's layers, slim, "
            "framework, rnn and learn.datasets, a tf.estimator subset, soft device placement, "
            "TF1's input_data module as this package's, plt.show() that does not block, and data that "
            "never comes from the network silently. The script's output and exit status pass through. "
            "-v keeps TensorFlow's deprecation warnings."
        ),
        epilog=(
            "Exit status: the script's own (128+N if signal N ended it); 2 if SCRIPT does not exist. "
            "Example: tfv1-mnist run-legacy --data sample scripts/legacy/seed_softmax.py"
        ),
    )
    add_arguments(parser)
    # The parent only starts the child: TensorFlow is imported there, not here.
    parser.set_defaults(func=run_legacy, tensorflow=False)


def run_legacy(args) -> int:
    """Runs the script; returns its exit status."""
    from tfv1_mnist.legacy import runner

    verbose = getattr(args, "verbose", 0)
    if getattr(args, "quiet", False):
        level = logging.WARNING
    elif verbose > 1:
        level = logging.DEBUG
    else:
        level = logging.INFO
    return runner.run(args.script, args.args, data=args.data, log_level=level, show_deprecations=verbose > 0,
                      compat=getattr(args, "compat", True), out=getattr(args, "out", None))


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
        return run_legacy(args)
    except ConfigError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except DataError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
