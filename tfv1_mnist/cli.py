"""The ``tfv1-mnist`` command line.

Pattern (Flax's ``main.py``): a few lines of flag parsing.  Each command lives
in ``tfv1_mnist.commands.<group>``, which exposes ``register(subparsers)`` and
imports TensorFlow only when its command runs, so ``--help`` is instant.

Output: the package's own log lines go to stderr through the ``tfv1_mnist``
logger (``console.configure_logging``).  A command that uses TensorFlow runs inside
``console.quiet()``, so TensorFlow's known C++ noise does not reach the
terminal; ``-v`` lets it through.  A command that needs no
TensorFlow sets ``tensorflow=False`` in its parser's defaults.

Exit status: 0 success; 1 a failure (bad data, a failed download, a non-finite
loss with ``--stop-on-nan``, a full or read-only disk, a damaged checkpoint:
every failure, turned into one line by ``failures.typed``; ``-v`` adds the
traceback); 2 bad usage (an unknown flag or an impossible setting); 130
interrupted by Ctrl-C, 143 by SIGTERM, after the command's children have
stopped (``lifeline``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback

from tfv1_mnist import __version__, console, failures, lifeline, workdir
from tfv1_mnist.errors import ConfigError

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_INTERRUPTED",
           "EXIT_TERMINATED"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = lifeline.EXIT_TERMINATED

# Command groups, in the order ``--help`` lists them.
_COMMAND_MODULES = (
    "tfv1_mnist.commands.reproduce",
    "tfv1_mnist.commands.softmax",
    "tfv1_mnist.commands.cnn",
    "tfv1_mnist.commands.compare",
    "tfv1_mnist.commands.data",
    "tfv1_mnist.commands.legacy",
)

def build_parser() -> argparse.ArgumentParser:
    """Returns the top-level parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="tfv1-mnist",
        description="Run, test and compare TF1-era MNIST code on today's TensorFlow.",
        epilog="Exit status: 0 ok, 1 failure, 2 bad usage, 130 interrupted, 143 terminated.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="count", default=0, help="more output (repeatable)")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    # Each command's own parser, so that an unknown flag is reported with that command's usage.
    parser.set_defaults(command_parsers=subparsers.choices)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    console.configure_logging(level)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _run(args) -> int:
    if getattr(args, "tensorflow", True) and not args.verbose:
        with console.quiet():
            return int(args.func(args) or EXIT_OK)
    return int(args.func(args) or EXIT_OK)


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would print the top-level usage; the command's own is the useful one
        args.command_parsers[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    _configure_logging(args.verbose, args.quiet)
    lifeline.install_signal_handlers()
    prefix = f"tfv1-mnist {args.command}"
    try:
        return _run(args)
    except ConfigError as err:
        print(f"{prefix}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted; files already written are complete, none is half-written",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except lifeline.Terminated:
        print(f"{prefix}: terminated; its child processes have stopped, nothing is half-written",
              file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as err:  # every other failure: one line, the traceback with -v
        if args.verbose:
            traceback.print_exc()
        print(f"{prefix}: error: {workdir.unstaged(failures.one_line(err))}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
