"""Tests of tfv1_mnist.pytest_plugin: fixtures, lazy import, the phantom test_session."""

from __future__ import annotations

import importlib.metadata
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

INI = "[pytest]\n"


def _run_pytest(tmp_path: pathlib.Path, files: dict[str, str], *args: str, env: dict | None = None, ini: str = INI):
    """Runs pytest in a child process on ``files`` written to ``tmp_path`` (made if missing)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "pytest.ini").write_text(ini)
    child_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        child_env.pop(name, None)
    child_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=tmp_path,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --------------------------------------------------------------------------- #
# The fixtures, in this process.
# --------------------------------------------------------------------------- #


def test_v1_graph_is_a_fresh_default_graph(v1_graph):
    import tensorflow as tf

    assert tf.compat.v1.get_default_graph() is v1_graph
    assert not tf.executing_eagerly()
    assert v1_graph.get_operations() == []
    x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
    assert x.graph is v1_graph


def test_v1_session_is_the_default_session_on_v1_graph(v1_graph, v1_session):
    import tensorflow as tf

    assert v1_session.graph is v1_graph
    assert tf.compat.v1.get_default_session() is v1_session
    x = tf.compat.v1.placeholder(tf.float32, [2])
    y = x * 3.0
    assert y.eval(feed_dict={x: [1.0, 2.0]}).tolist() == [3.0, 6.0]
    counter = tf.compat.v1.Variable(1.0)
    tf.compat.v1.global_variables_initializer().run()
    assert v1_session.run(counter) == 1.0


def test_plugin_is_registered_through_the_entry_point(pytestconfig):
    points = importlib.metadata.entry_points(group="pytest11")
    assert any(p.name == "tfv1_mnist" and p.value == "tfv1_mnist.pytest_plugin" for p in points)
    assert pytestconfig.pluginmanager.has_plugin("tfv1_mnist")


# --------------------------------------------------------------------------- #
# In child pytest runs.
# --------------------------------------------------------------------------- #

UNRELATED_TEST = """
    import sys

    def test_tensorflow_is_not_imported():
        assert "tfv1_mnist.pytest_plugin" in sys.modules  # the plugin is loaded ...
        assert "tensorflow" not in sys.modules            # ... and did not import TensorFlow
"""

NO_AUTOLOAD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


@pytest.mark.parametrize(
    "args, env",
    [
        pytest.param((), {}, id="installed"),
        # Explicitly: by entry-point name.  (-p tfv1_mnist.pytest_plugin while the
        # entry point also autoloads makes pytest register the module twice.)
        pytest.param(("-p", "tfv1_mnist"), {}, id="p-entry-point-name"),
        pytest.param(("-p", "tfv1_mnist.pytest_plugin"), NO_AUTOLOAD, id="p-module-no-autoload"),
    ],
)
def test_plugin_does_not_import_tensorflow_in_unrelated_runs(tmp_path, args, env):
    result = _run_pytest(tmp_path, {"test_unrelated.py": UNRELATED_TEST}, *args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.slow
def test_child_run_fixtures_subtests_and_test_session(tmp_path):
    """One child run (one TensorFlow import) checks what needs a whole session."""
    files = {
        "test_tf_suite.py": """
            import tensorflow as tf
            from tfv1_mnist import testing

            SESSIONS = []

            class PlainTfTest(tf.test.TestCase):
                def test_plain(self):
                    pass

            class KitTest(testing.TestCase):
                @testing.in_graph_and_eager_modes
                def test_modes(self):
                    self.assertEqual(self.evaluate(tf.constant(2) * 3), 6)

                @testing.in_graph_and_eager_modes
                def test_fails_in_graph_only(self):
                    self.assertTrue(tf.executing_eagerly(), "graph-mode bug")

            def test_session():
                # A user's own test of that name is kept.
                pass

            def test_keep_session(v1_session):
                SESSIONS.append(v1_session)

            def test_session_was_closed_after_the_test():
                (sess,) = SESSIONS
                try:
                    sess.run(tf.constant(1.0))
                except RuntimeError as e:
                    assert "closed Session" in str(e)
                else:
                    raise AssertionError("v1_session was not closed")
                assert tf.executing_eagerly()  # v1_graph left the default-graph stack

            def test_v1_graph_is_fresh_each_time(v1_graph):
                SESSIONS.append(v1_graph)
                assert v1_graph.get_operations() == []
                tf.constant(1.0)
        """,
    }
    result = _run_pytest(tmp_path, files, "-v")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr  # the graph-only bug fails the run
    assert "PlainTfTest::test_session" not in out
    assert "KitTest::test_session" not in out
    assert "1 deselected" in out  # PlainTfTest's; testing.TestCase hides its own
    assert "test_tf_suite.py::test_session PASSED" in out
    assert "PlainTfTest::test_plain PASSED" in out
    assert "test_session_was_closed_after_the_test PASSED" in out
    assert "test_v1_graph_is_fresh_each_time PASSED" in out
    # pytest >= 9 reports each mode as a subtest.
    assert "SUBFAILED(mode='graph') test_tf_suite.py::KitTest::test_fails_in_graph_only" in out
    assert "graph-mode bug" in out
    assert "SUBFAILED(mode='eager')" not in out
    assert "1 failed" in out



# --------------------------------------------------------------------------- #
# TF1 mode (--tf1): separate child runs, each imports TensorFlow.
# --------------------------------------------------------------------------- #

TF1_MODULE = (pathlib.Path(__file__).resolve().parent / "legacy_scripts" / "tf1_test_module.py").read_text()


@pytest.mark.slow
def test_tf1_mode_runs_a_tf1_test_module_that_fails_without_it(tmp_path):
    files = {"test_tf1_module.py": TF1_MODULE}
    tf1 = _run_pytest(tmp_path / "tf1", files, "-p", "tfv1_mnist", "--tf1")
    assert tf1.returncode == 0, tf1.stdout + tf1.stderr
    assert "4 passed, 1 deselected" in tf1.stdout  # the phantom test_session is deselected
    assert "tfv1_mnist: TF1 mode" in tf1.stdout
    tf2 = _run_pytest(tmp_path / "tf2", files)
    assert tf2.returncode == 1
    assert "4 failed" in tf2.stdout and "AttributeError" in tf2.stdout


@pytest.mark.slow
def test_tf1_mode_from_the_ini_file_gives_keras_2_and_local_data(tmp_path):
    files = {
        "test_mode.py": """
            import os
            import tensorflow as tf
            from tensorflow.examples.tutorials.mnist import input_data

            def test_tf1_world():
                assert not tf.executing_eagerly() and hasattr(tf, "placeholder")
                assert tf.keras.layers.Dense.__module__.startswith("tf_keras.")
                assert os.environ["TF_USE_LEGACY_KERAS"] == "1"
                mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)  # no files there: the sample
                assert mnist.test.num_examples == 1000
                assert not os.path.exists("MNIST_data")  # nothing downloaded
        """,
    }
    result = _run_pytest(tmp_path, files, env={"TFV1_MNIST_CACHE": str(tmp_path / "no-cache")},
                         ini="[pytest]\ntf1 = true\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
