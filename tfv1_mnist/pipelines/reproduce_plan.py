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
#: measured: 93 s for `reproduce --quick` on the embedded sample (AMD EPYC, AVX2); full-size
#: Fashion-MNIST took 193 s on an earlier, faster machine, before the mirrored CNN joined the comparison.
EXPECTED_FULL = ("about 2 minutes on the embedded sample on 2 CPU cores; a full-size data set (60,000 "
                 "training images) takes several times longer")
