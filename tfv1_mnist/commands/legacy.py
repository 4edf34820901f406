"""The ``legacy``-group commands of ``tfv1-mnist``: ``run-legacy``.

``tfv1-mnist run-legacy [--data PATH] SCRIPT [ARGS...]`` runs an unmodified
TF1-era MNIST script (see `tfv1_mnist.legacy`); its exit status is the
command's.  Its arguments and its run live in ``tfv1_mnist.legacy.command``,
shared with ``python -m tfv1_mnist.legacy``.
"""

from __future__ import annotations

from tfv1_mnist.legacy.command import add_arguments, run_command

__all__ = ["register"]

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
            "`tfv1-mnist -v run-legacy ...` (or `python -m tfv1_mnist.legacy -v ...`) keeps TensorFlow's "
            "deprecation warnings."
        ),
        epilog=(
            "Exit status: the script's own (128+N if signal N ended it); 2 if SCRIPT does not exist. "
            "Example: tfv1-mnist run-legacy --data sample scripts/legacy/seed_softmax.py"
        ),
    )
    add_arguments(parser)
    # The parent only starts the child: TensorFlow is imported there, not here.
    parser.set_defaults(func=run_command, tensorflow=False)
