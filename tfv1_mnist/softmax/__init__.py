"""The seed's softmax regressor: the TF1 graph (``v1``) and its TF2 twin (``v2``).

Pattern: Sonnet 2's package ``__init__``, the only public surface: explicit
imports and ``__all__``.  ``MODEL`` is the model's ``contract.ModelSpec`` (how
its implementations start alike and how their gap is judged) and
``IMPLEMENTATIONS`` its registered ``contract.Implementation``s, which
``tfv1_mnist.compare`` runs side by side:

* ``v1``: placeholders, a ``Session``, ``GradientDescentOptimizer``, the seed's
  own program and the reference (``train``, ``train_feed``, the graph builders);
* ``v2``: a ``tf.Module``, ``GradientTape`` and ``tf.function`` (``train``);
* ``fast``: the fast path both twins take with ``config.xla``, all steps in one
  XLA-compiled loop, registered as ``v1_xla`` (float32 round-off from the seed);
* ``resident``: the training images as every trainer keeps them, bytes when
  they are ``input_data``'s floats (the same floats per batch, a quarter of
  the memory);
* what both share: ``data`` (``prepare``: uint8 MNIST to TF1's ``Datasets``
  with TF1's validation split; the batch order), ``initial`` (the initial W
  and b) and ``driver`` (the loop around each twin's "run k steps",
  ``SoftmaxResult``, the non-finite-loss watch).
"""

from __future__ import annotations

from tfv1_mnist import contract, verdicts
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import data, driver, fast, graph, initial, resident, v1, v2
from tfv1_mnist.softmax.data import IMAGE_PIXELS, NUM_CLASSES, default_batches, prepare
from tfv1_mnist.softmax.driver import NonFiniteLossError, SoftmaxResult
from tfv1_mnist.softmax.initial import SCOPE, initial_values

__all__ = [
    "data",
    "driver",
    "fast",
    "graph",
    "initial",
    "resident",
    "v1",
    "v2",
    "NUM_CLASSES",
    "IMAGE_PIXELS",
    "SCOPE",
    "NonFiniteLossError",
    "SoftmaxResult",
    "prepare",
    "initial_values",
    "default_batches",
    "MODEL",
    "IMPLEMENTATIONS",
]

MODEL = contract.ModelSpec(
    name="softmax",
    config=SoftmaxConfig(seed=0),
    initial_weights=initial.initial_weights,
    schedule=data.schedule,
    weight_names=("weights", "biases"),
    # The seed is a TF1 program: its graph is what the TF2 port must reproduce.
    reference="v1",
    variants=(("naive", {"loss": "naive"}), ("stable", {"loss": "stable"})),
    tolerance=1e-5,
    notes=((
        "softmax naive vs stable",
        verdicts.FORMULA,
        "-sum(y*log(softmax(z))) underflows to log(0) = -inf and gives NaN once a "
        "probability rounds to 0; log-softmax stays finite. Not compared to each other.",
    ),),
)

IMPLEMENTATIONS = (v1.IMPLEMENTATION, v2.IMPLEMENTATION, v1.IMPLEMENTATION_XLA)
