"""``python -m tfv1_mnist.legacy [--data PATH] SCRIPT [ARGS...]``: the ``run-legacy`` command on its own."""

import sys

from tfv1_mnist.legacy.command import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main())
