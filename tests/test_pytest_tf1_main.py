"""Tests of TF1 mode's ``__main__`` blocks (tfv1_mnist.testing.tf1_main, .tf1_collect) and TF 1.15's keywords."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import traceback
import unittest

import pytest

from tfv1_mnist.testing.tf1_main import MainBlockError, main_blocks, run_main_blocks, runners_disabled

# --------------------------------------------------------------------------- #
# In this process: finding the blocks, disabling the runners, what a block added.
# --------------------------------------------------------------------------- #


def test_main_blocks_are_the_top_level_ones_compiled_with_real_lines():
    source = textwrap.dedent("""\
        x = 1
        if __name__ == "__main__":
            y = x + 1
        if "__main__" == __name__:
            raise ValueError("second block")
        def f():
            if __name__ == "__main__":
                pass
        if __name__ != "__main__":
            pass
    """)
    blocks = main_blocks(source, "mod.py")
    assert [line for line, _ in blocks] == [2, 4]
    namespace = {"x": 1}
    exec(blocks[0][1], namespace)
    assert namespace["y"] == 2
    with pytest.raises(ValueError) as info:
        exec(blocks[1][1], {})
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == ("mod.py", 5)
    assert main_blocks("import unittest\n", "plain.py") == []


def test_runners_disabled_makes_runners_no_ops_and_restores_them():
    import absl.app
    from absl.testing import absltest

    originals = (unittest.main, absl.app.run, absltest.main)
    namespace = {"run": absl.app.run, "other": len}
    with runners_disabled(namespace):
        assert unittest.main() is None  # the real one parses sys.argv, runs and exits
        assert absl.app.run(lambda argv: 1 / 0) is None
        assert absltest.main() is None
        assert namespace["run"](None) is None  # `from absl.app import run`
        assert namespace["other"] is len
    assert (unittest.main, absl.app.run, absltest.main) == originals
    assert namespace["run"] is absl.app.run


def _import_file(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRID_NO_TF = """\
import unittest

class Base(unittest.TestCase):
    def test_plain(self):
        pass

class Sub(Base):
    pass

def helper():
    pass

if __name__ == "__main__":
    for n in (1, 2):
        setattr(Base, "test_n%d" % n, lambda self: None)
    Made = type("Made", (unittest.TestCase,), {"test_x": lambda self: None})
    def test_function():
        pass
    unittest.main()
"""


def test_run_main_blocks_records_what_the_block_made(tmp_path):
    path = tmp_path / "grid_no_tf.py"
    path.write_text(GRID_NO_TF)
    module = _import_file(path)
    assert not hasattr(module.Base, "test_n1")  # importing does not run the block
    run = run_main_blocks(module)  # unittest.main() inside would have exited
    assert run.line == 13
    assert hasattr(module.Base, "test_n2") and module.unittest.main is unittest.main
    assert run.made(module, module.Base, "test_n1")
    assert run.made(module, module.Sub, "test_n2")  # inherited from Base
    assert not run.made(module, module.Base, "test_plain")
    assert run.made(module, module.Made, "test_x")
    assert run.made(module, None, "test_function")
    assert not run.made(module, None, "helper")


def test_run_main_blocks_error_names_the_block_line(tmp_path):
    path = tmp_path / "bad_block.py"
    path.write_text('import unittest\n\nif __name__ == "__main__":\n    shapes = []\n    largest = max(shapes)\n')
    module = _import_file(path)
    with pytest.raises(MainBlockError, match=r"bad_block.py, line 3: the `if __name__ == \"__main__\":` block "
                                             r"raised ValueError: max\(\) arg is an empty sequence") as info:
        run_main_blocks(module)
    assert info.value.line == 3
    assert f'File "{path}", line 5' in info.value.block_traceback()


def test_run_main_blocks_a_clean_exit_ends_the_block_and_an_error_status_is_an_error(tmp_path):
    path = tmp_path / "exits.py"
    path.write_text('import sys, unittest\n\nclass T(unittest.TestCase):\n    pass\n\n'
                    'if __name__ == "__main__":\n    T.test_a = lambda self: None\n    sys.exit(unittest.main())\n'
                    'if __name__ == "__main__":\n    sys.exit(STATUS)\n')
    module = _import_file(path)
    module.STATUS = 0
    run = run_main_blocks(module)
    assert run.made(module, module.T, "test_a")
    module.STATUS = 3
    with pytest.raises(MainBlockError, match=r"exits.py, line 9: .* raised SystemExit: 3"):
        run_main_blocks(module)


def test_run_main_blocks_without_a_block_is_none(tmp_path):
    path = tmp_path / "no_block.py"
    path.write_text("X = '__main__'\n")
    assert run_main_blocks(_import_file(path)) is None


# --------------------------------------------------------------------------- #
# Child runs: pytest --tf1, plain pytest, python module.py, run-legacy.
# --------------------------------------------------------------------------- #

# Runs under plain python (TF 2) and under TF1 mode alike: its grid is 4 passes, 1 skip, 1 failure.
GRID = '''\
"""A TF1-era test module: its grid of tests is made in the __main__ block."""
import numpy as np
import tensorflow as tf


class CumsumTest(tf.test.TestCase):

  def testEmpty(self):
    self.assertAllEqual(self.evaluate(tf.cumsum(tf.zeros([0]))), np.zeros([0]))


def _GetCumsumTest(dtype, n):

  def Test(self):
    if dtype == np.float64 and n == 1:
      self.skipTest("one element: nothing to add up")
    x = np.arange(1, n + 1).astype(dtype)
    expected = np.cumsum(x)
    if dtype == np.int64 and n == 5:
      expected[-1] += 1  # a deliberate failure
    self.assertAllEqual(self.evaluate(tf.cumsum(x)), expected)

  return Test


if __name__ == "__main__":
  for dtype in (np.float32, np.float64, np.int64):
    for n in (1, 5):
      setattr(CumsumTest, "testCumsum_%s_%d" % (dtype.__name__, n), _GetCumsumTest(dtype, n))
  tf.test.main()
'''

BAD = '''\
import tensorflow as tf


class NoGridTest(tf.test.TestCase):

  def testNothing(self):
    pass


if __name__ == "__main__":
  shapes = []
  largest = max(shapes)
  tf.test.main()
'''

# TF 1.15's decorator forms that TF 2.21 refuses with TypeError.
RESET = '''\
import tensorflow as tf
from tensorflow.python.framework import test_util
from tensorflow.python.platform import test


class ResetTest(test.TestCase):

  def setUp(self):
    super(ResetTest, self).setUp()
    self.fresh = True

  @test_util.run_in_graph_and_eager_modes(reset_test=True)
  def testEachModeStartsFresh(self):
    self.assertTrue(self.fresh)  # setUp ran again before the eager run
    self.fresh = False
    self.assertEqual(self.evaluate(tf.add(1, 2)), 3)

  @test_util.run_deprecated_v1()
  def testGraphMode(self):
    self.assertFalse(tf.executing_eagerly())

  def testResetFalseIsRefused(self):
    with self.assertRaisesRegex(NotImplementedError, "reset_test=False"):
      test_util.run_in_graph_and_eager_modes(reset_test=False)


if __name__ == "__main__":
  test.main()
'''


def _run(tmp_path, files: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        env.pop(name, None)
    return subprocess.run([sys.executable, *command], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def _pytest_counts(out: str) -> dict[str, int]:
    """``{"passed": 5, "failed": 1, ...}`` from pytest's last line."""
    last = out.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|deselected|errors?)", last)}


def _unittest_counts(err: str) -> dict[str, int]:
    """pass/fail/skip counts from unittest's ``Ran N tests`` ... ``FAILED (failures=1, skipped=2)``."""
    ran = int(re.search(r"^Ran (\d+) tests?", err, re.M).group(1))
    counts = {k: int(v) for k, v in re.findall(r"(failures|errors|skipped)=(\d+)", err)}
    failed, errors, skipped = counts.get("failures", 0), counts.get("errors", 0), counts.get("skipped", 0)
    return {"passed": ran - failed - errors - skipped, "failed": failed, "skipped": skipped}


PYTEST = ("-m", "pytest", "-p", "no:cacheprovider", "-rA")


@pytest.mark.slow
def test_tf1_mode_collects_the_grid_as_python_runs_it_and_goes_on_past_a_bad_block(tmp_path):
    files = {"test_grid.py": GRID, "test_bad_main.py": BAD, "test_reset.py": RESET}
    result = _run(tmp_path / "tf1", files, *PYTEST, "-p", "tfv1_mnist", "--tf1")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    # every test of the grid, with python's outcomes; the reset module imports and runs
    assert _pytest_counts(out) == {"passed": 8, "failed": 1, "skipped": 1, "deselected": 2, "error": 1}, out
    assert "FAILED test_grid.py::CumsumTest::testCumsum_int64_5" in out
    assert "PASSED test_grid.py::CumsumTest::testCumsum_float32_5" in out
    assert "SKIPPED [1] test_grid.py:14: one element: nothing to add up" in out
    assert 'tfv1_mnist: 6 of these tests were generated by `if __name__ == "__main__":` blocks (1 module)' in out
    # the bad block: one error naming its line, the module's own test not run
    assert 'test_bad_main.py, line 10: the `if __name__ == "__main__":` block raised ValueError' in out
    assert "ERROR test_bad_main.py::__main__" in out
    assert re.search(r'test_bad_main.py", line 12, in <module>\s+largest = max\(shapes\)', out)
    assert "testNothing" not in out
    assert "PASSED test_reset.py::ResetTest::testEachModeStartsFresh" in out

    python = _run(tmp_path / "tf1", {}, "test_grid.py")
    assert python.returncode == 1, python.stderr
    # python also runs tf.test.TestCase's own test_session, which TF skips as "Not a test."
    assert _unittest_counts(python.stderr) == {"passed": 5, "failed": 1, "skipped": 2}, python.stderr


@pytest.mark.slow
def test_without_tf1_mode_main_blocks_do_not_run(tmp_path):
    files = {"test_grid.py": GRID, "test_bad_main.py": BAD}
    result = _run(tmp_path, files, *PYTEST)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert _pytest_counts(out) == {"passed": 2, "deselected": 2}, out
    assert "testCumsum" not in out and "__main__" not in out and "tfv1_mnist:" not in out


@pytest.mark.slow
def test_run_legacy_accepts_reset_test(tmp_path):
    result = _run(tmp_path, {"reset_test.py": RESET}, "-m", "tfv1_mnist.legacy", "reset_test.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _unittest_counts(result.stderr) == {"passed": 3, "failed": 0, "skipped": 1}, result.stderr
