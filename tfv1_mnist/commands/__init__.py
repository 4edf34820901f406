"""The CLI's commands, one module per group, each with ``register(subparsers)``.

Helpers shared by every command live here: the one way to name data
(``--data``), the output folder and the seed.  Nothing here imports TensorFlow.
"""

from __future__ import annotations

import argparse
import os

__all__ = ["add_data_argument", "add_out_argument", "add_seed_argument"]


_DATA_HELP = (
    "an .npz file (Keras layout), a folder of IDX files, or 'sample' for the "
    "embedded sample. Default: the full MNIST if fetched into the cache, else the sample."
)


def add_data_argument(parser: argparse.ArgumentParser, help: str = _DATA_HELP) -> None:
    """Adds ``--data PATH``: an ``.npz`` file, an IDX folder, or ``sample``; ``help`` is its help text."""
    parser.add_argument("--data", metavar="PATH", default=None, help=help)


def _output_folder(value: str) -> str:
    """argparse type of ``--out``: refuses a path that exists and is not a folder."""
    if os.path.exists(value) and not os.path.isdir(value):
        raise argparse.ArgumentTypeError(f"{value} is a file; give a folder (it is created if missing)")
    return value


def add_out_argument(parser: argparse.ArgumentParser, default: str) -> None:
    """Adds ``--out DIR``, the folder the command writes into (exit 2 if it names a file)."""
    parser.add_argument("--out", metavar="DIR", default=default, type=_output_folder,
                        help=f"output folder (default: {default})")


def add_seed_argument(parser: argparse.ArgumentParser, default: int | None = None) -> None:
    """Adds ``--seed S``."""
    parser.add_argument(
        "--seed", type=int, default=default, metavar="S",
        help="seed for initial values and batch order" + (" (default: unseeded)" if default is None else f" (default: {default})"),
    )
