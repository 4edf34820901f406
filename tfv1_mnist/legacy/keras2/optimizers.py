"""Keras 2.2.4's optimizers (``keras.optimizers.SGD(lr=0.01, decay=1e-6)``...) over tf_keras' legacy ones.

With TF 1.x every Keras optimizer was what tf_keras now calls
``optimizers.legacy``: hyperparameters ``lr`` and ``decay``, the learning rate
decayed as ``lr / (1 + decay * iterations)``, and usable in a TF1 graph.
tf_keras' new optimizers refuse ``decay`` and cannot be built in a graph
(their config reads ``.numpy()``), so ``import keras`` under run-legacy gets
these classes: tf_keras' legacy optimizers with Keras 2.2.4's signatures and
defaults (``keras/optimizers.py`` at 2.2.4).  ``epsilon=None`` is
``K.epsilon()`` (1e-7), as in Keras 2.2.4.

Pattern: thin subclasses that only translate the constructor.
"""

from __future__ import annotations

__all__ = ["keras_optimizers"]

_EPSILON = 1e-7  # Keras' K.epsilon()


def _rate(lr, kwargs) -> float:
    # tf_keras' own keyword wins when a script already uses it.
    return kwargs.pop("learning_rate", lr)


def keras_optimizers() -> dict:
    """Keras 2.2.4's optimizer names -> classes over ``tf_keras.optimizers.legacy``.

    Returns:
      dict: ``SGD``, ``RMSprop``, ``Adagrad``, ``Adadelta``, ``Adam``,
      ``Adamax``, ``Nadam``, ``TFOptimizer`` and Keras 2.2.4's lower-case
      aliases (``sgd``, ``rmsprop``...).
    """
    from tf_keras.api._v1.keras.optimizers import legacy
    from tf_keras.src.optimizers.optimizer_v1 import TFOptimizer

    classes = {cls.__name__: cls for cls in _sgd_family(legacy) + _adam_family(legacy)}
    for cls in classes.values():
        cls.__module__ = "keras.optimizers"
        cls.__qualname__ = cls.__name__
    aliases = {name.lower(): cls for name, cls in classes.items()}
    return {**classes, **aliases, "TFOptimizer": TFOptimizer}


def _sgd_family(legacy) -> tuple:
    """Keras 2.2.4's SGD, RMSprop, Adagrad and Adadelta over ``legacy`` (tf_keras' legacy optimizers)."""

    class SGD(legacy.SGD):
        """Keras 2.2.4's ``SGD(lr=0.01, momentum=0., decay=0., nesterov=False)``."""

        def __init__(self, lr=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
            super().__init__(learning_rate=_rate(lr, kwargs), momentum=momentum, nesterov=nesterov, decay=decay,
                             **kwargs)

    class RMSprop(legacy.RMSprop):
        """Keras 2.2.4's ``RMSprop(lr=0.001, rho=0.9, epsilon=None, decay=0.)``."""

        def __init__(self, lr=0.001, rho=0.9, epsilon=None, decay=0.0, **kwargs):
            super().__init__(learning_rate=_rate(lr, kwargs), rho=rho, epsilon=epsilon or _EPSILON, decay=decay,
                             **kwargs)

    class Adagrad(legacy.Adagrad):
        """Keras 2.2.4's ``Adagrad(lr=0.01, epsilon=None, decay=0.)``: accumulators start at 0."""

        def __init__(self, lr=0.01, epsilon=None, decay=0.0, **kwargs):
            kwargs.setdefault("initial_accumulator_value", 0.0)
            super().__init__(learning_rate=_rate(lr, kwargs), epsilon=epsilon or _EPSILON, decay=decay, **kwargs)

    class Adadelta(legacy.Adadelta):
        """Keras 2.2.4's ``Adadelta(lr=1.0, rho=0.95, epsilon=None, decay=0.)``."""

        def __init__(self, lr=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
            super().__init__(learning_rate=_rate(lr, kwargs), rho=rho, epsilon=epsilon or _EPSILON, decay=decay,
                             **kwargs)

    return SGD, RMSprop, Adagrad, Adadelta


def _adam_family(legacy) -> tuple:
    """Keras 2.2.4's Adam, Adamax and Nadam over ``legacy`` (tf_keras' legacy optimizers)."""

    class Adam(legacy.Adam):
        """Keras 2.2.4's ``Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0., amsgrad=False)``."""

        def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False, **kwargs):
            super().__init__(learning_rate=_rate(lr, kwargs), beta_1=beta_1, beta_2=beta_2,
                             epsilon=epsilon or _EPSILON, amsgrad=amsgrad, decay=decay, **kwargs)

    class Adamax(legacy.Adamax):
        """Keras 2.2.4's ``Adamax(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.)``."""

        def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, **kwargs):
            super().__init__(learning_rate=_rate(lr, kwargs), beta_1=beta_1, beta_2=beta_2,
                             epsilon=epsilon or _EPSILON, decay=decay, **kwargs)

    class Nadam(legacy.Nadam):
        """Keras 2.2.4's ``Nadam(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004)``.

        tf_keras' legacy Nadam also decays the learning rate by
        ``schedule_decay`` (Keras 2.2.4 used it for the momentum schedule only).
        """

        def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004, **kwargs):
            super().__init__(learning_rate=_rate(lr, kwargs), beta_1=beta_1, beta_2=beta_2,
                             epsilon=epsilon or _EPSILON, schedule_decay=schedule_decay, **kwargs)

    return Adam, Adamax, Nadam
