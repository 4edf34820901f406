"""Side-by-side runs of a model's implementations, and how far apart they drift.

Pattern: TensorFlow's migration guide's numerical-equivalence check, as a
library, over Sonnet 2's conformance registry.  Every implementation of a
model (``contract.Implementation``) starts from the *same* initial weights and
replays the *same* explicit batch schedule, so any difference comes from the
computation alone.  The package's own models are registered in
``default_registry()``: the softmax regressor (v1 graph vs v2 ``tf.function``,
with the seed's naive loss and with the stable one) and the CNN (v2 custom
loop vs the seed's Keras ``fit`` and the v1 graph twin).  A user registers the
v1 graph and the TF2 port of their own model in a ``Registry`` and gets the
same comparison (docs/compare.md).

The rooms:

* ``registry``: ``Registry``, ``default_registry``, ``load_registry``;
* ``metrics``: ``curve_diff``, ``max_abs_diff``, ``verdict``, ``compare_results``;
* ``runner``: ``compare_model``, ``run`` and ``run_in_child`` (a child process
  with oneDNN's reordering off, op determinism on and TF32 off);
* ``explanations``: which differences are round-off and which are formulas;
* ``files``: the table, ``compare.md``, ``compare.json`` and the figures.
"""

from __future__ import annotations

from tfv1_mnist.compare.explanations import explain
from tfv1_mnist.compare.metrics import (
    EARLY_REL,
    EARLY_STEPS,
    ROUND_OFF_REL,
    compare_results,
    curve_diff,
    max_abs_diff,
    verdict,
)
from tfv1_mnist.compare.files import TABLE_HEADER, table_rows, to_markdown, write_outputs
from tfv1_mnist.compare.registry import Registry, default_registry, load_registry
from tfv1_mnist.compare.runner import SCHEMA_VERSION, compare_model, environment, run, run_in_child

__all__ = [
    "ROUND_OFF_REL",
    "EARLY_STEPS",
    "EARLY_REL",
    "SCHEMA_VERSION",
    "TABLE_HEADER",
    "Registry",
    "default_registry",
    "load_registry",
    "curve_diff",
    "max_abs_diff",
    "verdict",
    "compare_results",
    "compare_model",
    "environment",
    "run",
    "run_in_child",
    "explain",
    "table_rows",
    "to_markdown",
    "write_outputs",
]
