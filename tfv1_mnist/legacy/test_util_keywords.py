"""TF 1.15's call forms of ``test_util`` decorators that TF 2 dropped but still means.

TF1-era test modules decorate their tests with
``tensorflow.python.framework.test_util`` helpers.  Some calls that TF 1.15
accepted raise ``TypeError`` on TF 2.21 although TF 2 does what they asked:

* ``run_in_graph_and_eager_modes(reset_test=True)``: TF 2 always tears the test
  down and sets it up again between the graph and the eager run, so the
  keyword was removed; ``True`` (TF 1.15's default) is accepted and dropped.
  ``reset_test=False`` (keep the state of the graph run) has no TF 2 meaning
  and raises `LegacyUnsupportedError`.
* ``deprecated_graph_mode_only()`` / ``run_deprecated_v1()``,
  ``run_gpu_only()``, ``run_cuda_only()``, ``build_as_function_and_v1_graph()``:
  TF 1.15 took ``func=None`` and then returned the decorator; TF 2.21 requires
  the function.  Called without it, they return the decorator again.

The other keywords of TF 1.15's decorators (``config=``, ``use_gpu=``,
``assert_no_eager_garbage=`` of ``run_in_graph_and_eager_modes``, ``reason``
and ``func`` of ``run_v1_only``) are still TF 2.21's, and are passed through.

`accept_tf1_keywords` patches the ``test_util`` module in place, so it belongs
only in a process given over to TF1-era code (run-legacy's child and
``pytest --tf1``, both through `tfv1_mnist.legacy.bootstrap.install`).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from tfv1_mnist.legacy.common import LegacyUnsupportedError

__all__ = ["OPTIONAL_FUNC_DECORATORS", "accept_tf1_keywords"]

#: ``test_util`` decorators that TF 1.15 also accepted as ``decorator()`` (``func=None``).
OPTIONAL_FUNC_DECORATORS = (
    "deprecated_graph_mode_only",
    "run_deprecated_v1",
    "run_gpu_only",
    "run_cuda_only",
    "build_as_function_and_v1_graph",
)

_MARK = "_tfv1_mnist_tf1_keywords"


def _graph_and_eager(original: Callable[..., Any]) -> Callable[..., Any]:
    """``run_in_graph_and_eager_modes`` with TF 1.15's signature (``reset_test`` fourth)."""

    @functools.wraps(original)
    def run_in_graph_and_eager_modes(func=None, config=None, use_gpu=True, reset_test=True,
                                     assert_no_eager_garbage=False):
        if not reset_test:
            raise LegacyUnsupportedError(
                "run_in_graph_and_eager_modes(reset_test=False): TensorFlow 2 always runs tearDown and setUp "
                "between the graph and the eager run, and cannot keep the graph run's state; drop the argument "
                "and set up what the eager run needs in the test itself"
            )
        return original(func, config=config, use_gpu=use_gpu, assert_no_eager_garbage=assert_no_eager_garbage)

    return run_in_graph_and_eager_modes


def _optional_func(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original(func)`` that, like TF 1.15, returns itself when called without ``func``."""

    @functools.wraps(original)
    def decorator(func=None):
        if func is None:
            return original
        return original(func)

    return decorator


def accept_tf1_keywords() -> None:
    """Makes ``test_util``'s decorators accept TF 1.15's call forms (once per process).

    Test modules look the decorators up as ``test_util.NAME`` when their
    classes are defined, so the patched functions must be in place before the
    modules are imported.
    """
    from tensorflow.python.framework import test_util

    if getattr(test_util, _MARK, False):
        return
    test_util.run_in_graph_and_eager_modes = _graph_and_eager(test_util.run_in_graph_and_eager_modes)
    for name in OPTIONAL_FUNC_DECORATORS:
        original = getattr(test_util, name, None)
        if original is not None:
            setattr(test_util, name, _optional_func(original))
    setattr(test_util, _MARK, True)
