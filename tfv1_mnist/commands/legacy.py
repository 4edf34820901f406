"""The ``legacy``-group commands of ``tfv1-mnist``: ``run-legacy``.

``tfv1-mnist run-legacy [--data PATH] SCRIPT [ARGS...]`` runs an unmodified
TF1-era MNIST script (see `tfv1_mnist.legacy`); its exit status is the
command's.
"""

from __future__ import annotations

import logging


def register(subparsers) -> None:
    """Adds this group's commands to ``subparsers``."""
    from tfv1_mnist.legacy import add_arguments

    parser = subparsers.add_parser(
        "run-legacy",
        help="run an unmodified TF1-era MNIST script (input_data, placeholders, Session)",
        description=(
            "Run an unmodified TF1-era script in a child process where `import tensorflow` gives "
            "tf.compat.v1 (v2 behaviour disabled), TF1's input_data module is this package's, "
            "plt.show() does not block, and data never comes from the network silently. "
            "The script's output and exit status pass through."
        ),
        epilog=(
            "Exit status: the script's own (128+N if signal N ended it); 2 if SCRIPT does not exist. "
            "Example: tfv1-mnist run-legacy --data sample scripts/legacy/seed_softmax.py"
        ),
    )
    add_arguments(parser)
    parser.set_defaults(func=run_legacy)


def run_legacy(args) -> int:
    """Runs the script; returns its exit status."""
    from tfv1_mnist import legacy

    if getattr(args, "quiet", False):
        level = logging.WARNING
    elif getattr(args, "verbose", 0) > 1:
        level = logging.DEBUG
    else:
        level = logging.INFO
    return legacy.run(args.script, args.args, data=args.data, log_level=level)
