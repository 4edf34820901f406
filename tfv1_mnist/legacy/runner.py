"""run-legacy's parent side: start an unmodified TF1-era script in a child process.

The parent only prepares the child's command line and environment; it never
imports TensorFlow, never disables v2 behaviour and keeps Keras 3.  The child
(`tfv1_mnist.legacy.bootstrap`) gets ``TF_USE_LEGACY_KERAS=1`` before anything
there imports TensorFlow, so its ``tf.keras`` is Keras 2 (``tf_keras``), as
TF1-era code expects.

Pattern: a thin parent (command line and environment) that hands over to a
child bootstrap.
"""

from __future__ import annotations

import logging
import os
import pathlib
import subprocess
import sys
from typing import Sequence

from tfv1_mnist import lifeline
from tfv1_mnist.errors import ConfigError, DataError
from tfv1_mnist.input_data import DATA_ENV, DATA_ORIGIN_ENV
from tfv1_mnist.legacy.common import COMPAT_ENV, FIGURES_ENV, LOG_LEVEL_ENV, WARNINGS_ENV

__all__ = ["run", "child_command"]

_log = logging.getLogger(__name__)

#: TensorFlow's switch for ``tf.keras`` = tf_keras (Keras 2); read when TensorFlow is imported.
LEGACY_KERAS_ENV = "TF_USE_LEGACY_KERAS"

_PACKAGE_ROOT = str(pathlib.Path(__file__).resolve().parents[2])
# The child's first statement: import the bootstrap even from a source checkout
# that is not installed, without leaving the checkout on the script's sys.path.
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); import tfv1_mnist.legacy.bootstrap as _legacy; "
    "sys.path.remove({root!r}); _legacy.child_main()"
)


def child_command(script: str | os.PathLike, args: Sequence[str] = ()) -> list[str]:
    """The child's command line: this Python, the bootstrap, then ``script`` and ``args``."""
    return [sys.executable, "-c", _BOOTSTRAP.format(root=_PACKAGE_ROOT), os.fspath(script), *args]


#: Where the child's ``plt.show()`` saves figures, relative to the working folder, unless ``out`` is given.
DEFAULT_OUT = "runs/legacy"


def child_environment(
    base: dict, *, data: str | None, log_level: int, show_deprecations: bool, compat: bool = True,
    figures_dir: str | None = None,
) -> dict:
    """The child's environment: ``base`` plus run-legacy's settings (``base`` is not changed)."""
    env = dict(base)
    env[COMPAT_ENV] = "1" if compat else "0"
    if figures_dir is not None:
        env[FIGURES_ENV] = figures_dir
    env.pop(DATA_ORIGIN_ENV, None)
    if data is not None:
        env[DATA_ENV] = data
        env[DATA_ORIGIN_ENV] = "--data"  # the child's log lines name the flag, not the variable
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["MPLBACKEND"] = "Agg"
    env[LEGACY_KERAS_ENV] = "1"
    env[LOG_LEVEL_ENV] = str(int(log_level))  # a number: a level without a name (15) survives
    env[WARNINGS_ENV] = "1" if show_deprecations else "0"
    return env


def _resolve_data(data: str | os.PathLike | None, base: pathlib.Path) -> str | None:
    """``--data`` as the child gets it: None, ``"sample"``, or an absolute path that exists."""
    if data is None:
        return None
    data = os.fspath(data)
    if data.strip().lower() == "sample":
        return data
    path = base / pathlib.Path(data).expanduser()
    if not path.exists():
        raise DataError(f"{data}: no such file or folder; --data takes an .npz file, a folder of IDX files, or 'sample'")
    return str(path.resolve())


def run(
    script: str | os.PathLike,
    args: Sequence[str] = (),
    *,
    data: str | os.PathLike | None = None,
    log_level: int = logging.INFO,
    cwd: str | os.PathLike | None = None,
    env: dict | None = None,
    show_deprecations: bool = False,
    compat: bool = True,
    out: str | os.PathLike | None = None,
) -> int:
    """Runs an unmodified TF1-era script in a child process; returns its exit status.

    The child's stdin, stdout and stderr are this process's.

    Args:
      script: the script's path (relative to ``cwd``).
      args: its command-line arguments.
      data: an ``.npz`` file, an IDX folder or ``"sample"`` that every
        ``read_data_sets`` (and ``tf.keras.datasets.mnist.load_data``) call of
        the script reads.  None: the folder the script names if it holds MNIST
        files, else the cache, else the sample.
      log_level: level of tfv1_mnist's messages in the child (which data set
        was used); they go to stderr, prefixed ``tfv1-mnist run-legacy:``.
      cwd: working folder of the script (default: this process's).
      env: base environment (default: ``os.environ``).
      show_deprecations: keep TensorFlow's and tf_keras' known deprecation
        warnings (``tf.layers.dense is deprecated``...), which are hidden by
        default.
      compat: give the script NumPy 1's and matplotlib 3.5's names (docs/legacy.md).
      out: the run's folder (relative to ``cwd``; default `DEFAULT_OUT`), whose
        ``figures/`` gets the figures open at each ``plt.show()``.

    Returns:
      The script's exit status (``128 + N`` if signal N ended it).

    Raises:
      ConfigError: the script does not exist.
      DataError: ``data`` names a path that does not exist.
    """
    base = pathlib.Path(cwd) if cwd is not None else pathlib.Path.cwd()
    script_path = base / script
    if not script_path.is_file():
        raise ConfigError(f"{script}: no such script; run-legacy takes the path of a Python file")
    data = _resolve_data(data, base)
    figures = str((base / (DEFAULT_OUT if out is None else out) / "figures").resolve())
    child_env = child_environment(os.environ if env is None else env, data=data, log_level=log_level,
                                  show_deprecations=show_deprecations, compat=compat, figures_dir=figures)
    command = child_command(script, args)
    _log.debug("run-legacy: %s", " ".join(command[:1] + command[3:]))
    # The child binds its life to this process (lifeline.ENV); on Ctrl-C or SIGTERM
    # here, subprocess.run kills it before the exception goes on.
    code = subprocess.run(command, env=lifeline.environment(child_env), cwd=cwd).returncode
    return 128 - code if code < 0 else code
