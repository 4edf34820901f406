"""What ``reproduce`` runs: the ``Plan``, its full and quick settings, and the time to expect.

Kept apart from the pipeline so that the command line can show them without
importing TensorFlow.
"""

from __future__ import annotations

import dataclasses

__all__ = ["Plan", "FULL", "QUICK", "EXPECTED_FULL"]


@dataclasses.dataclass(frozen=True)
class Plan:
    """What ``reproduce`` runs.

    Attributes:
      softmax_steps: steps of each softmax run (the seed's 1000).
      cnn_epochs: epochs of the CNN run (the seed's 10).
      compare_steps: softmax steps in the comparison.
      compare_epochs: CNN epochs in the comparison.
      worst: how many worst-classified digits each grid shows.
    """

    softmax_steps: int = 1000
    cnn_epochs: int = 10
    compare_steps: int = 1000
    compare_epochs: int = 2
    worst: int = 24


FULL = Plan()
QUICK = dataclasses.replace(FULL, compare_epochs=1)

#: Wall time of the full run on the 2-core development machine (stated in the report and --help),
#: measured: 32 s on the embedded sample (`reproduce --data sample`); 193 s on full-size
#: Fashion-MNIST (60,000 / 10,000 images, the shapes of the full MNIST).
EXPECTED_FULL = ("about 30 seconds on the embedded sample and about 3.2 minutes on a full-size data set "
                 "(60,000 training images, measured on Fashion-MNIST) on 2 CPU cores")
