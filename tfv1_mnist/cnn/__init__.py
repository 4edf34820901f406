"""The seed's CNN, three ways: the TF2 custom loop, the seed's Keras ``fit``, the TF1 graph twin.

Pattern: Sonnet 2's package surface (explicit imports and an ``__all__``) and
its registry of implementations that share one contract (``tfv1_mnist.contract``):

* what the implementations share: ``shapes`` (the layers' shapes and the checks
  of weights and data), ``seeded`` (initial weights and epoch orders from a
  seed), ``inputs`` (pixels to floats, ``tf.data`` batches) and ``results``
  (the history every run records, the contract's result);
* ``v2``: ``CNN`` (a ``tf.Module``) trained by a ``tf.function`` loop: the
  reference; its step and loop are in ``steps``, its checkpoints and resume in
  ``checkpoints``;
* ``keras_reference``: the seed's ``keras.Sequential`` and ``model.fit``;
* ``v1``: the same network as a TF1 graph (built by ``graph``), run in a Session;
* ``mirrored``: the v2 loop under ``MirroredStrategy`` on 2 devices, in its own
  process, compared with the single-device v2;
* ``export``: the SavedModel (``serving_default``, ``serving_uint8``),
  ``model.keras``, and ``load_exported``.

``MODEL`` says how the implementations start alike (``seeded.initial_weights``
and ``seeded.schedule`` from ``config.seed``); ``IMPLEMENTATIONS`` lists their
``contract.Implementation``, the reference first.
"""

from __future__ import annotations

from tfv1_mnist import contract, verdicts
from tfv1_mnist.cnn import (checkpoints, export, graph, inputs, keras_reference, mirrored, results, seeded,
                            shapes, steps, v1, v2)
from tfv1_mnist.cnn.export import ExportedModel, load_exported
from tfv1_mnist.cnn.v2 import CNN
from tfv1_mnist.config import CNNConfig

__all__ = [
    "inputs",
    "results",
    "seeded",
    "shapes",
    "steps",
    "checkpoints",
    "graph",
    "v1",
    "v2",
    "keras_reference",
    "mirrored",
    "export",
    "CNN",
    "ExportedModel",
    "load_exported",
    "MODEL",
    "IMPLEMENTATIONS",
]

_EPSILON = graph.KERAS_ADAM["epsilon"]



def _initial_weights(config: CNNConfig) -> list:
    """``seeded.initial_weights(config.seed)`` (a module-level function, so a registry pickles)."""
    return seeded.initial_weights(config.seed)


MODEL = contract.ModelSpec(
    name="cnn",
    # The comparison's defaults: two epochs (the seed trains ten), seed 0.
    config=CNNConfig(epochs=2, seed=0),
    initial_weights=_initial_weights,
    schedule=seeded.schedule,
    weight_names=shapes.WEIGHT_NAMES,
    reference="v2",
    # A relative loss gap up to 1 % is round-off amplified by Adam on raw 0-255 pixels.
    tolerance=1e-2,
    # Step by step, the first 300 steps are compared; later steps differ by amplified round-off.
    curve_steps=300,
    notes=(
        ("cnn Adam: tf.compat.v1.train.AdamOptimizer vs keras.optimizers.Adam",
         verdicts.FORMULA if _EPSILON != 1e-7 else verdicts.ROUND_OFF,
         "both apply alpha = lr*sqrt(1-b2^t)/(1-b1^t); var -= alpha*m/(sqrt(v)+eps): epsilon is "
         "added to sqrt of the uncorrected v in both (Kingma & Ba's 'epsilon hat', equal to "
         "Algorithm 1's eps/sqrt(1-b2^t)). Defaults differ (TF1 1e-8, Keras 1e-7); the twin "
         f"uses {_EPSILON:g}. The float32 constants 1-beta differ in the last bits (see above)."),
        ("cnn epoch loss (all)",
         verdicts.FORMULA,
         "Keras' logs['loss'] is the running, example-weighted mean of each batch's loss "
         "before its update, not the loss of the final weights on the training set; v2 and v1 "
         "record the same running mean, so epoch losses compare like with like. Accuracy "
         "likewise; val_loss/val_accuracy evaluate the epoch's final weights on the test set."),
    ),
)

IMPLEMENTATIONS: tuple[contract.Implementation, ...] = (
    v2.IMPLEMENTATION,
    keras_reference.IMPLEMENTATION,
    v1.IMPLEMENTATION,
    mirrored.IMPLEMENTATION,
)
