"""``python -m tfv1_mnist`` is ``tfv1-mnist``."""

import sys

from tfv1_mnist.cli import main

sys.exit(main())
