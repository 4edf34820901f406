"""One contract for every trainer: what goes in, what comes out.

Pattern: Sonnet 2's conformance idea.  Every implementation of a model (the
softmax regressor's v1 graph and v2 ``tf.function``; the CNN's v1 graph, v2
custom loop and Keras ``fit``; a user's own v1 model and its TF2 port) is an
``Implementation`` whose ``train`` has one signature::

    train(config, data, schedule, initial) -> TrainResult

* ``config``: the model's frozen dataclass config (``SoftmaxConfig``, ``CNNConfig``,
  or the user's own);
* ``data``: a ``datasets.Mnist`` of uint8 arrays.  Each model's preprocessing
  (scaling, one-hot labels, TF1's validation split) lives in that model's
  package (``softmax.data``, ``cnn.inputs``), so every implementation sees the same floats;
* ``schedule``: a ``Schedule``, the explicit batch order (row indices);
* ``initial``: the initial weights as NumPy arrays in the model's *canonical
  order* (``ModelSpec.weight_names``).  A v1 implementation maps its graph
  variables to that order itself.

A ``ModelSpec`` says how a model's implementations are started alike: its
default config, how the initial weights and the schedule are drawn from the
config's seed, and which implementation is the reference.  ``compare``
(``tfv1_mnist.compare``) runs the same checks over every registered pair.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

import numpy as np

from tfv1_mnist.errors import ConfigError

__all__ = [
    "LOSS_AFTER_UPDATE",
    "LOSS_BEFORE_UPDATE",
    "Schedule",
    "TrainResult",
    "Trainer",
    "Implementation",
    "ModelSpec",
]

#: ``TrainResult.loss_timing``: the step's loss is the batch's loss *after* the
#: update (the seed's softmax loop runs ``train_op``, then ``loss`` on the same feed).
LOSS_AFTER_UPDATE = "after update"
#: ``TrainResult.loss_timing``: the loss the update differentiates, *before* it
#: is applied (Keras ``fit`` and the CNN loops).
LOSS_BEFORE_UPDATE = "before update"
_TIMINGS = (LOSS_AFTER_UPDATE, LOSS_BEFORE_UPDATE)


@dataclasses.dataclass(frozen=True, eq=False)
class Schedule:
    """An explicit batch schedule: which training rows each step sees.

    Each epoch is a row order cut into consecutive ``batch_size`` slices; the
    last slice of an epoch may be shorter (as Keras' last batch is).  A TF1
    ``next_batch`` table of ``[steps, batch]`` indices is one "epoch" whose
    length is ``steps * batch`` (``from_table``).

    Attributes:
      epochs: tuple of int64 [n_e] arrays of row indices (read-only).
      batch_size: rows per step.
    """

    epochs: tuple[np.ndarray, ...]
    batch_size: int

    def __post_init__(self):
        if int(self.batch_size) < 1:
            raise ConfigError(f"a schedule's batch_size must be >= 1, got {self.batch_size}")
        epochs = []
        for i, order in enumerate(self.epochs):
            order = np.asarray(order)
            if order.ndim != 1 or not (order.size == 0 or np.issubdtype(order.dtype, np.integer)):
                raise ConfigError(f"epoch {i} of a schedule must be a 1-D integer index array, "
                                  f"got dtype {order.dtype} and shape {order.shape}")
            order = order.astype(np.int64, copy=True)
            order.setflags(write=False)
            epochs.append(order)
        object.__setattr__(self, "epochs", tuple(epochs))
        object.__setattr__(self, "batch_size", int(self.batch_size))

    @classmethod
    def from_table(cls, table) -> "Schedule":
        """A schedule from an int [steps, batch] table (e.g. ``batching.tf1_batch_indices``)."""
        table = np.asarray(table)
        if table.ndim != 2 or table.shape[1] < 1:
            raise ConfigError(f"a batch table must be [steps, batch], got shape {table.shape}")
        return cls(epochs=(table.reshape(-1),), batch_size=table.shape[1])

    @property
    def steps_per_epoch(self) -> tuple[int, ...]:
        """Steps in each epoch (the last batch of an epoch may be short)."""
        return tuple(math.ceil(e.size / self.batch_size) for e in self.epochs)

    @property
    def num_steps(self) -> int:
        """Steps in the whole schedule."""
        return sum(self.steps_per_epoch)

    def table(self) -> np.ndarray:
        """The schedule as int64 [steps, batch_size]; every epoch must fill whole batches.

        Raises:
          ConfigError: an epoch ends in a short batch.
        """
        for i, e in enumerate(self.epochs):
            if e.size % self.batch_size:
                raise ConfigError(f"epoch {i} of the schedule ({e.size} rows) does not divide into "
                                  f"batches of {self.batch_size}")
        if not self.epochs:
            return np.empty((0, self.batch_size), np.int64)
        return np.concatenate(self.epochs).reshape(-1, self.batch_size)

    def batches(self) -> Iterator[np.ndarray]:
        """Every step's int64 row indices, in order."""
        for order in self.epochs:
            for start in range(0, order.size, self.batch_size):
                yield order[start:start + self.batch_size]

    def check(self, num_examples: int) -> "Schedule":
        """Returns self; raises ConfigError if an index is outside ``[0, num_examples)``."""
        for i, e in enumerate(self.epochs):
            if e.size and (e.min() < 0 or e.max() >= num_examples):
                raise ConfigError(f"epoch {i} of the schedule indexes rows outside [0, {num_examples}) "
                                  f"(min {e.min()}, max {e.max()}): the schedule was made for another data set")
        return self


@dataclasses.dataclass(frozen=True, eq=False)
class TrainResult:
    """What every trainer returns.

    Attributes:
      weights: the trained weights, NumPy arrays in the model's canonical order.
      step_loss: float32 [steps], one loss per step of the schedule.
      loss_timing: ``LOSS_AFTER_UPDATE`` or ``LOSS_BEFORE_UPDATE``: when each
        step's loss was taken.
      test_accuracy: fraction of ``data.x_test`` classified right by ``weights``.
      train_seconds: wall time of the training steps.
      history: per-epoch curves (``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy``, ``epoch_seconds``), lists of floats; empty for a
        model trained in plain steps.
      native: the implementation's own result (a ``SoftmaxResult``, a ``CNN``
        module, a Keras model), for callers that need more; never compared.
    """

    weights: tuple[np.ndarray, ...]
    step_loss: np.ndarray
    loss_timing: str
    test_accuracy: float
    train_seconds: float
    history: Mapping[str, Sequence[float]] = dataclasses.field(default_factory=dict)
    native: Any = None

    def __post_init__(self):
        if self.loss_timing not in _TIMINGS:
            raise ConfigError(f"loss_timing must be one of {_TIMINGS}, got {self.loss_timing!r}")
        object.__setattr__(self, "weights", tuple(np.asarray(w) for w in self.weights))
        object.__setattr__(self, "step_loss", np.asarray(self.step_loss, np.float32).reshape(-1))
        object.__setattr__(self, "history", {k: [float(v) for v in vs] for k, vs in dict(self.history).items()})

    @property
    def nan_steps(self) -> int:
        """How many steps' losses are not finite."""
        return int((~np.isfinite(self.step_loss)).sum())


class Trainer(Protocol):
    """``train(config, data, schedule, initial) -> TrainResult`` (see the module docstring)."""

    def __call__(self, config: Any, data: Any, schedule: Schedule,
                 initial: Sequence[np.ndarray]) -> TrainResult: ...


@dataclasses.dataclass(frozen=True)
class Implementation:
    """One registered implementation of a model.

    Attributes:
      model: the ``ModelSpec.name`` it implements (``"softmax"``, ``"cnn"``, ...).
      name: its name within the model (``"v1"``, ``"v2"``, ``"keras"``, ...).
      train: the ``Trainer``.
      summary: one line saying what it is ("graph mode, Session, GradientDescentOptimizer").
      note: what it does differently from the model's reference *by design*
        (another kernel, another constant), quoted in ``compare``'s explanations.
      native_train: its own trainer, with its own signature and result
        (``softmax.v1.train``), which the model's command pipeline runs; None
        where the pipeline does not offer it.
    """

    model: str
    name: str
    train: Trainer
    summary: str = ""
    note: str = ""
    native_train: Callable[..., Any] | None = None

    def __post_init__(self):
        for field in ("model", "name"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value or any(c in value for c in " :/"):
                raise ConfigError(f"Implementation.{field} must be a non-empty name without spaces, ':' or '/', "
                                  f"got {value!r}")
        if not callable(self.train):
            raise ConfigError(f"Implementation {self.model}.{self.name}: train must be callable, "
                              f"got {type(self.train).__name__}")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How a model's implementations start alike, and how their gap is judged.

    Attributes:
      name: the model's name (``"softmax"``, ``"cnn"``, or the user's own).
      config: the default config, a frozen dataclass with a ``seed`` field.
      initial_weights: ``initial_weights(config) -> list[np.ndarray]`` in the
        canonical order, drawn from ``config.seed`` alone.
      schedule: ``schedule(config, data) -> Schedule``, drawn from ``config.seed`` alone.
      weight_names: the canonical order's names (``("weights", "biases")``).
      reference: the implementation the others are compared with.
      variants: ``((label, {field: value}), ...)``: configs run side by side (the
        softmax's ``naive`` and ``stable`` losses); empty for one run.
      tolerance: a relative loss gap up to this still counts as amplified round-off.
      curve_steps: how many leading steps' losses ``compare`` compares and keeps
        by default; None for all of them.
      notes: ``((between, source, detail), ...)``: model-level explanations that
        ``compare`` adds as they are (differences by design between variants).
    """

    name: str
    config: Any
    initial_weights: Callable[[Any], list]
    schedule: Callable[[Any, Any], Schedule]
    weight_names: tuple[str, ...]
    reference: str = "v2"
    variants: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    tolerance: float = 1e-5
    curve_steps: int | None = None
    notes: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self):
        if not dataclasses.is_dataclass(self.config) or not hasattr(self.config, "seed"):
            raise ConfigError(f"ModelSpec {self.name!r}: config must be a dataclass instance with a seed field, "
                              f"got {type(self.config).__name__}")

    def configs(self, **overrides) -> list[tuple[str, Any]]:
        """``[(variant label, config)]`` with ``overrides`` applied to every variant.

        Raises:
          ConfigError: an override names a field the config does not have.
        """
        fields = {f.name for f in dataclasses.fields(self.config)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ConfigError(f"model {self.name!r} has no setting {unknown[0]!r}; its config "
                              f"{type(self.config).__name__} has {', '.join(sorted(fields))}")
        base = dataclasses.replace(self.config, **overrides)
        if not self.variants:
            return [("default", base)]
        return [(label, dataclasses.replace(base, **dict(changes))) for label, changes in self.variants]
