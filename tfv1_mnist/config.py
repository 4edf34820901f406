"""One frozen config per model; the defaults are the seed's settings.

The seed is the write-up "TensorFlow MNIST handwritten digit recognition" and
its two programs.  The command line only overrides fields (``dataclasses.replace``);
``__post_init__`` validates early, with messages that name the flag to fix.
"""

from __future__ import annotations

import dataclasses

from tfv1_mnist.errors import ConfigError

__all__ = ["SoftmaxConfig", "CNNConfig", "check_seed"]


def _check_positive(name: str, value, flag: str) -> None:
    if not value > 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}: pass a positive {flag}")


def check_seed(seed: int | None, *, required: bool = False) -> int | None:
    """Returns ``seed`` if it is a usable ``--seed``: None (unless ``required``) or an int in ``[0, 2**31)``.

    Raises:
      ConfigError: ``seed`` is out of range, or None where one is required.
    """
    if (seed is None and required) or (seed is not None and not 0 <= seed < 2**31):
        raise ConfigError(f"--seed must be in [0, 2**31), got {seed}")
    return seed


def _check_choice(name: str, value, choices: tuple, flag: str) -> None:
    if value not in choices:
        raise ConfigError(
            f"{name} must be one of {', '.join(choices)}, got {value!r}: fix {flag}"
        )


@dataclasses.dataclass(frozen=True)
class SoftmaxConfig:
    """The seed's TF1 softmax regression, and its fixed variants.

    Attributes:
      steps: training steps (``next_batch`` calls).  Seed: 1000.
      batch_size: examples per step.  Seed: 100.
      learning_rate: ``GradientDescentOptimizer`` rate.  Seed: 0.01.
      loss: ``"naive"`` is the seed's ``-reduce_sum(Y * log(softmax(XW + b)))``,
        which gives NaN once a probability underflows to 0; ``"stable"`` uses
        log-softmax (``softmax_cross_entropy_with_logits``).
      reduction: ``"sum"`` over the batch (seed) or ``"mean"``.
      init: ``"normal"`` draws W and b from ``random_normal`` (stddev 1, seed);
        ``"zeros"`` starts from zeros.
      seed: seeds the initial values and the batch order; None (the seed's
        behaviour) is unseeded.
      stop_on_nan: abort on the first non-finite loss instead of carrying on.
      xla: the fast path: all steps in one XLA-compiled loop
        (``softmax.fast``), whose float32 round-off differs from the seed's
        graph; off (the default) keeps the seed's losses bit for bit.
    """

    steps: int = 1000
    batch_size: int = 100
    learning_rate: float = 0.01
    loss: str = "naive"
    reduction: str = "sum"
    init: str = "normal"
    seed: int | None = None
    stop_on_nan: bool = False
    xla: bool = False

    LOSSES = ("naive", "stable")
    REDUCTIONS = ("sum", "mean")
    INITS = ("normal", "zeros")

    def __post_init__(self):
        _check_positive("steps", self.steps, "--steps")
        _check_positive("batch_size", self.batch_size, "--batch-size")
        _check_positive("learning_rate", self.learning_rate, "--learning-rate")
        _check_choice("loss", self.loss, self.LOSSES, "--loss")
        _check_choice("reduction", self.reduction, self.REDUCTIONS, "--reduction")
        _check_choice("init", self.init, self.INITS, "--init")
        check_seed(self.seed)


@dataclasses.dataclass(frozen=True)
class CNNConfig:
    """The seed's Keras CNN, trained by a custom loop.

    Attributes:
      epochs: passes over the training set.  Seed: 10.
      batch_size: examples per step.  Seed: 32 (Keras' default).
      learning_rate: Adam's rate.  Seed: 0.001 (Keras' default).
      normalize: scale pixels to [0, 1].  The seed fed raw 0-255 pixels.
      seed: seeds the initial weights and every epoch's shuffle, and turns on
        op determinism; None (the seed's behaviour) is unseeded.
    """

    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 0.001
    normalize: bool = False
    seed: int | None = None

    def __post_init__(self):
        _check_positive("epochs", self.epochs, "--epochs")
        _check_positive("batch_size", self.batch_size, "--batch-size")
        _check_positive("learning_rate", self.learning_rate, "--learning-rate")
        check_seed(self.seed)
