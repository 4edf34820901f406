"""pytest plugin: TF1-style graph and session fixtures, without the phantom test.

The plugin is registered through the ``pytest11`` entry point
(``tfv1_mnist = tfv1_mnist.pytest_plugin``), so every pytest run in an
environment where the package is installed loads it.  It therefore follows the
pytest plugin pattern of staying cheap: this module imports only pytest and the
standard library, and TensorFlow is imported inside a fixture, the first time a
test asks for one.  Unrelated test suites neither pay TensorFlow's import time
nor see its side effects.

To load it explicitly (for instance with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``),
use the entry-point name, ``pytest -p tfv1_mnist``; ``-p no:tfv1_mnist`` turns it
off.  (``-p tfv1_mnist.pytest_plugin`` works too, but only with autoloading off:
otherwise pytest finds the same module twice and refuses to register it again.)

Fixtures:
  * ``v1_graph``: a fresh ``tf.Graph``, made the default graph for the test, so
    that code written for TF1 (``tf.compat.v1.placeholder``, ``tf.Variable``,
    ...) builds into it.
  * ``v1_session``: a ``tf.compat.v1.Session`` on ``v1_graph``, made the
    default session and closed after the test.

Collection hook:
  ``tf.test.TestCase`` defines a method called ``test_session`` (a deprecated
  way to get a Session).  pytest collects it as a test of every subclass; this
  plugin deselects those items.  ``tfv1_mnist.testing.TestCase`` also hides it
  by itself, for plain ``unittest`` runs.

TF1 mode (``pytest -p tfv1_mnist --tf1``, or ``tf1 = true`` in the ini file):
  the whole session runs TF1-era test modules unmodified, as ``tfv1-mnist
  run-legacy`` runs scripts: ``TF_USE_LEGACY_KERAS=1`` is set before
  conftest files load (so ``tf.keras`` is Keras 2), and at configure time
  `tfv1_mnist.legacy.bootstrap.install` disables v2 behaviour once and gives
  test modules under the root folder TF1's ``tensorflow`` (``tf.placeholder``,
  ``tf.contrib``, ``tf.estimator``), TF1's ``input_data`` and local data.  It
  cannot be undone within the process: run TF1-mode and TF2 tests as separate
  pytest invocations.  Without the option nothing of this happens.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import tensorflow as tf

__all__ = [
    "pytest_addoption",
    "pytest_load_initial_conftests",
    "pytest_configure",
    "pytest_report_header",
    "pytest_collection_modifyitems",
    "v1_graph",
    "v1_session",
]

# TensorFlow's switch for tf.keras = tf_keras (Keras 2); read when TensorFlow is imported.
_LEGACY_KERAS_ENV = "TF_USE_LEGACY_KERAS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tfv1_mnist")
    group.addoption(
        "--tf1", action="store_true", default=False,
        help="TF1 mode for the whole session: test modules get TF1's tensorflow (tf.compat.v1 with v2 "
             "behaviour disabled, Keras 2, tf.contrib, tf.estimator) as under tfv1-mnist run-legacy",
    )
    parser.addini("tf1", type="bool", default=False, help="the same as --tf1")


def _tf1_mode(config: pytest.Config) -> bool:
    return bool(config.getoption("tf1", default=False) or config.getini("tf1"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """In TF1 mode, selects Keras 2 before any conftest file can import TensorFlow."""
    if not (getattr(early_config.known_args_namespace, "tf1", False) or early_config.getini("tf1")):
        return
    if "tensorflow" in sys.modules and os.environ.get(_LEGACY_KERAS_ENV) != "1":
        raise pytest.UsageError(
            "--tf1: TensorFlow was imported before the tfv1_mnist plugin could select Keras 2 "
            f"(by another plugin); set {_LEGACY_KERAS_ENV}=1 in the environment, or load that plugin later"
        )
    os.environ[_LEGACY_KERAS_ENV] = "1"


def pytest_configure(config: pytest.Config) -> None:
    """In TF1 mode, makes this process run TF1-era test modules (once, for the session)."""
    if not _tf1_mode(config):
        return
    from tfv1_mnist.legacy.bootstrap import install

    install(config.rootpath, show_deprecations=config.getoption("verbose") > 0)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if _tf1_mode(config):
        return ["tfv1_mnist: TF1 mode (tf.compat.v1, v2 behaviour disabled, Keras 2 as tf.keras)"]
    return None


@pytest.fixture
def v1_graph() -> Iterator["tf.Graph"]:
    """A fresh ``tf.Graph``, the default graph while the test runs.

    Yields:
      The graph.  Ops created by the test without an explicit graph go into it,
      and ``tf.executing_eagerly()`` is False inside the test.
    """
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        yield graph


@pytest.fixture
def v1_session(v1_graph: "tf.Graph") -> Iterator["tf.compat.v1.Session"]:
    """A ``tf.compat.v1.Session`` on ``v1_graph``, the default session.

    Yields:
      The session; ``tf.compat.v1.get_default_session()`` returns it, so
      ``tensor.eval()`` and ``op.run()`` work as in TF1.  It is closed after the
      test, whatever the outcome.
    """
    import tensorflow as tf

    with tf.compat.v1.Session(graph=v1_graph) as sess:
        yield sess


def _tf_test_session_function() -> Any:
    """``tf.test.TestCase.test_session`` if TensorFlow is already imported, else None.

    A test class can only derive from ``tf.test.TestCase`` if its module
    imported TensorFlow, so when TensorFlow is absent from ``sys.modules``
    there is nothing to deselect, and nothing is imported here.
    """
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    try:
        return tf.test.TestCase.test_session
    except AttributeError:  # TensorFlow only partly imported
        return None


def _is_phantom_test_session(item: pytest.Item, tf_test_session: Any) -> bool:
    if item.name != "test_session":
        return False
    cls = getattr(item, "cls", None)
    if cls is None:
        return False
    return getattr(cls, "test_session", None) is tf_test_session


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Deselect ``test_session`` items inherited from ``tf.test.TestCase``.

    A user's own test that happens to be named ``test_session`` (a different
    function) is kept.
    """
    if not any(item.name == "test_session" for item in items):
        return
    tf_test_session = _tf_test_session_function()
    if tf_test_session is None:
        return
    phantom = [item for item in items if _is_phantom_test_session(item, tf_test_session)]
    if phantom:
        dropped = {id(item) for item in phantom}
        items[:] = [item for item in items if id(item) not in dropped]
        config.hook.pytest_deselected(items=phantom)
