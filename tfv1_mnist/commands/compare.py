"""The ``compare``-group commands of ``tfv1-mnist``."""

from __future__ import annotations


def register(subparsers) -> None:
    """Adds this group's commands to ``subparsers``."""
