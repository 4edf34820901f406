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
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import tensorflow as tf


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
