"""Running unmodified TF1-era MNIST scripts on today's TensorFlow (``run-legacy``).

A TF1 tutorial script does ``from tensorflow.examples.tutorials.mnist import
input_data`` and ``import tensorflow as tf``, then uses ``tf.placeholder``,
``tf.Session`` and ``tf.train.GradientDescentOptimizer``.  `run` executes such
a script, as it is, in a *child* Python process whose bootstrap (`install`):

* maps ``tensorflow.examples.tutorials.mnist.input_data`` and
  ``tensorflow.contrib.learn.python.learn.datasets.mnist`` to
  `tfv1_mnist.input_data`, and provides the tutorial's graph builder
  ``tensorflow.examples.tutorials.mnist.mnist``;
* gives the script (and modules next to it) ``tensorflow.compat.v1``, with v2
  behaviour disabled, when it imports ``tensorflow``.  Libraries, including
  tfv1_mnist itself, still import the real ``tensorflow`` module;
* turns anything without a counterpart (``tf.contrib.layers...``) into an
  error that names the symbol and the line using it;
* uses matplotlib's Agg backend, so ``plt.show()`` returns at once;
* reads data from the folder the script names when it holds MNIST files, else
  from the project's cache, else from the embedded sample, never from the
  network, and logs which (``--data``/``$TFV1_MNIST_DATA`` overrides it).

The script runs as ``__main__`` with its folder first on ``sys.path`` and
``sys.argv = [script, *args]``; its output, exit status and tracebacks pass
through.  The parent process never disables v2 behaviour.

Pattern: a thin parent (command line and environment) and a child bootstrap
that installs import hooks and then executes the script the way ``python
script.py`` does.
"""

from __future__ import annotations

import argparse
import builtins
import linecache
import logging
import os
import pathlib
import re
import subprocess
import sys
import traceback
import types
import warnings
from typing import Sequence

from tfv1_mnist.errors import ConfigError, DataError

__all__ = [
    "LegacyImportError",
    "LegacySymbolError",
    "add_arguments",
    "install",
    "main",
    "run",
]

_log = logging.getLogger(__name__)

#: Environment variable, shared with `tfv1_mnist.input_data.DATA_ENV`, that
#: sends every ``read_data_sets`` call to one data set.
DATA_ENV = "TFV1_MNIST_DATA"
# The child's log level, set by the parent.
_LOG_LEVEL_ENV = "TFV1_MNIST_LEGACY_LOG_LEVEL"

_PACKAGE_ROOT = str(pathlib.Path(__file__).resolve().parents[1])
# The child's first statement: import this module even from a source checkout
# that is not installed, without leaving the checkout on the script's sys.path.
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); import tfv1_mnist.legacy as _legacy; "
    "sys.path.remove({root!r}); _legacy._child_main()"
)


class LegacySymbolError(AttributeError):
    """A TF1 name with no counterpart under run-legacy (e.g. ``tf.contrib.layers``).

    An AttributeError, so ``hasattr(tf, "contrib")`` is False, as in TF 2.
    """


class LegacyImportError(ImportError):
    """An import of a TF1 module with no counterpart (e.g. ``tensorflow.contrib.rnn``)."""


# --------------------------------------------------------------------------
# Parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds ``[--data PATH] SCRIPT [ARGS...]`` to ``parser``."""
    from tfv1_mnist.commands import add_data_argument

    add_data_argument(parser)
    for action in parser._actions:  # same flag, run-legacy's own default
        if "--data" in action.option_strings:
            action.help = (
                "an .npz file, a folder of IDX files, or 'sample': every read_data_sets call reads it. "
                "Default: the folder the script names if it holds MNIST files, else the full MNIST "
                "in the cache if fetched, else the embedded sample (never the network)"
            )
    parser.add_argument("script", metavar="SCRIPT", help="the TF1-era Python script, unmodified")
    parser.add_argument(
        "args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments passed to the script (its sys.argv[1:])"
    )


def run(
    script: str | os.PathLike,
    args: Sequence[str] = (),
    *,
    data: str | os.PathLike | None = None,
    log_level: int = logging.INFO,
    cwd: str | os.PathLike | None = None,
    env: dict | None = None,
) -> int:
    """Runs an unmodified TF1-era script in a child process; returns its exit status.

    The child's stdin, stdout and stderr are this process's.

    Args:
      script: the script's path (relative to ``cwd``).
      args: its command-line arguments.
      data: an ``.npz`` file, an IDX folder or ``"sample"`` that every
        ``read_data_sets`` call of the script reads.  None: the folder the
        script names if it holds MNIST files, else the cache, else the sample.
      log_level: level of tfv1_mnist's messages in the child (which data set
        was used); they go to stderr, prefixed ``tfv1-mnist run-legacy:``.
      cwd: working folder of the script (default: this process's).
      env: base environment (default: ``os.environ``).

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
    child_env = dict(os.environ if env is None else env)
    if data is not None:
        data = os.fspath(data)
        if data.strip().lower() != "sample":
            path = base / pathlib.Path(data).expanduser()
            if not path.exists():
                raise DataError(
                    f"{data}: no such file or folder; --data takes an .npz file, a folder of IDX files, or 'sample'"
                )
            data = str(path.resolve())
        child_env[DATA_ENV] = data
    child_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    child_env["MPLBACKEND"] = "Agg"
    child_env[_LOG_LEVEL_ENV] = str(int(log_level))  # a number: a level without a name (15) survives
    command = [sys.executable, "-c", _BOOTSTRAP.format(root=_PACKAGE_ROOT), os.fspath(script), *args]
    _log.debug("run-legacy: %s", " ".join(command[:1] + command[3:]))
    code = subprocess.run(command, env=child_env, cwd=cwd).returncode
    return 128 - code if code < 0 else code


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tfv1_mnist.legacy [--data PATH] SCRIPT [ARGS...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m tfv1_mnist.legacy",
        description="Run an unmodified TF1-era MNIST script on today's TensorFlow.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args.script, args.args, data=args.data, log_level=logging.WARNING if args.quiet else logging.INFO)
    except ConfigError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except DataError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


# --------------------------------------------------------------------------
# Child: import hooks


def _caller_symbol(pattern: str, default: str) -> tuple[str, str]:
    """The dotted name matching ``pattern`` on the user's source line, and where it is."""
    frame = sys._getframe(1)
    here = __file__
    while frame is not None and frame.f_code.co_filename in (here, "<frozen importlib._bootstrap>"):
        frame = frame.f_back
    if frame is None:
        return default, ""
    where = f"{frame.f_code.co_filename}, line {frame.f_lineno}"
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    match = re.search(pattern, line)
    return (match.group(0) if match else default), where


def _contrib_message(symbol: str, where: str) -> str:
    at = f" (at {where})" if where else ""
    return (
        f"{symbol}{at} has no counterpart: tf.contrib was removed in TensorFlow 2, and run-legacy provides "
        "tf.compat.v1 plus TF1's MNIST input_data only. Rewrite it with tf.compat.v1 (e.g. "
        "tf.compat.v1.layers.dense for tf.contrib.layers.fully_connected, "
        "tf.compat.v1.initializers.glorot_uniform for xavier_initializer) or tf.keras"
    )


class _TensorFlowV1(types.ModuleType):
    """What ``import tensorflow`` gives a legacy script: ``tf.compat.v1``, plus TF1's extras."""

    def __init__(self, v1: types.ModuleType):
        super().__init__("tensorflow", "tf.compat.v1, as seen by a script under tfv1-mnist run-legacy")
        self.__dict__["_v1"] = v1

    def __getattr__(self, name: str):
        if name == "contrib":
            symbol, where = _caller_symbol(r"[A-Za-z_]\w*\.contrib(?:\.[A-Za-z_]\w*)*", "tf.contrib")
            raise LegacySymbolError(_contrib_message(symbol, where))
        if name == "examples":
            return sys.modules["tensorflow.examples"]
        try:
            return getattr(self.__dict__["_v1"], name)
        except AttributeError:
            if name.startswith("__"):
                raise
            raise LegacySymbolError(
                f"tf.{name} does not exist in tf.compat.v1, which run-legacy gives the script as `tensorflow`; "
                "it was removed or renamed after TF 1.15"
            ) from None

    def __dir__(self):
        return sorted(set(dir(self.__dict__["_v1"])) | {"examples"})


class _Stub(types.ModuleType):
    """A package on a TF1 import path (``tensorflow.contrib``, ``tensorflow.examples``...)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__path__ = []  # a package: submodules go through the import system

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        full = f"{self.__name__}.{name}"
        raise LegacySymbolError(_missing_module_message(full))


def _missing_module_message(fullname: str) -> str:
    if fullname.startswith("tensorflow.contrib"):
        return _contrib_message(fullname, "")
    return (
        f"{fullname} has no counterpart under run-legacy; of tensorflow.examples and tensorflow.contrib only "
        "tensorflow.examples.tutorials.mnist.input_data and .mnist, and "
        "tensorflow.contrib.learn.python.learn.datasets.mnist are provided"
    )


def _tutorial_mnist(tf) -> types.ModuleType:
    """TF 1.x's ``tensorflow/examples/tutorials/mnist/mnist.py``, built on ``tf`` (``tf.compat.v1``).

    The tutorial's graph builder, imported by its ``fully_connected_feed.py``:
    ``inference`` (two ReLU layers, then linear logits), ``loss``,
    ``training`` and ``evaluation``, with TF1's variable names and scopes.
    """
    import math

    module = types.ModuleType(
        "tensorflow.examples.tutorials.mnist.mnist",
        "Builds the MNIST network (TF 1.x's tutorial module): inference, loss, training, evaluation.",
    )
    num_classes, image_size = 10, 28
    image_pixels = image_size * image_size

    def inference(images, hidden1_units, hidden2_units):
        """Logits, float - [batch_size, NUM_CLASSES], from images float - [batch_size, IMAGE_PIXELS]."""
        with tf.name_scope("hidden1"):
            weights = tf.Variable(
                tf.truncated_normal([image_pixels, hidden1_units], stddev=1.0 / math.sqrt(float(image_pixels))),
                name="weights")
            biases = tf.Variable(tf.zeros([hidden1_units]), name="biases")
            hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
        with tf.name_scope("hidden2"):
            weights = tf.Variable(
                tf.truncated_normal([hidden1_units, hidden2_units], stddev=1.0 / math.sqrt(float(hidden1_units))),
                name="weights")
            biases = tf.Variable(tf.zeros([hidden2_units]), name="biases")
            hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
        with tf.name_scope("softmax_linear"):
            weights = tf.Variable(
                tf.truncated_normal([hidden2_units, num_classes], stddev=1.0 / math.sqrt(float(hidden2_units))),
                name="weights")
            biases = tf.Variable(tf.zeros([num_classes]), name="biases")
            logits = tf.matmul(hidden2, weights) + biases
        return logits

    def loss(logits, labels):
        """Mean cross-entropy, float scalar; labels int - [batch_size]."""
        labels = tf.to_int64(labels)
        return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)

    def training(loss, learning_rate):
        """The train op: a loss summary, then plain gradient descent with a global step."""
        tf.summary.scalar("loss", loss)
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        global_step = tf.Variable(0, name="global_step", trainable=False)
        return optimizer.minimize(loss, global_step=global_step)

    def evaluation(logits, labels):
        """The number of examples whose true label is the top logit, int32 scalar."""
        correct = tf.nn.in_top_k(logits, labels, 1)
        return tf.reduce_sum(tf.cast(correct, tf.int32))

    module.__dict__.update(
        NUM_CLASSES=num_classes, IMAGE_SIZE=image_size, IMAGE_PIXELS=image_pixels,
        inference=inference, loss=loss, training=training, evaluation=evaluation,
    )
    return module


class _MissingFinder:
    """A meta path finder that explains, instead of 'No module named', TF1 modules that are gone."""

    _PREFIXES = ("tensorflow.contrib", "tensorflow.examples")

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(self._PREFIXES) and fullname not in sys.modules:
            raise LegacyImportError(_missing_module_message(fullname), name=fullname)
        return None

    def invalidate_caches(self) -> None:  # importlib protocol
        pass


def _register_aliases(input_data: types.ModuleType) -> None:
    """Puts TF1's import paths of ``input_data`` in ``sys.modules``."""
    for path in (
        "tensorflow.examples.tutorials.mnist.input_data",
        "tensorflow.contrib.learn.python.learn.datasets.mnist",
    ):
        parts = path.split(".")
        for i in range(2, len(parts)):
            name = ".".join(parts[:i])
            if name not in sys.modules:
                sys.modules[name] = _Stub(name)
            if i > 2:
                parent = sys.modules[".".join(parts[: i - 1])]
                parent.__dict__[parts[i - 1]] = sys.modules[name]
        sys.modules[path] = input_data
        sys.modules[".".join(parts[:-1])].__dict__[parts[-1]] = input_data


class _LegacyImport:
    """``builtins.__import__`` that gives legacy code the TF1 ``tensorflow``."""

    def __init__(self, original, shim: types.ModuleType, script_dir: str):
        self._original = original
        self._shim = shim
        self._script_dir = os.path.join(os.path.abspath(script_dir), "")
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, _PACKAGE_ROOT + os.sep + "tfv1_mnist"}
        roots.update(p for p in sys.path if "site-packages" in p or "dist-packages" in p)
        self._library_roots = tuple(os.path.join(os.path.abspath(r), "") for r in roots if r)

    def _is_legacy(self, globals_) -> bool:
        if not globals_:
            return False
        if globals_.get("__name__") == "__main__":
            return True
        filename = globals_.get("__file__")
        if not filename:
            return False
        filename = os.path.abspath(filename)
        return filename.startswith(self._script_dir) and not filename.startswith(self._library_roots)

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        module = self._original(name, globals, locals, fromlist, level)
        if level == 0 and name.partition(".")[0] == "tensorflow" and self._is_legacy(globals):
            if not fromlist or name == "tensorflow":
                return self._shim
        return module


def install(script_dir: str | os.PathLike) -> types.ModuleType:
    """Makes this process run TF1-era code; returns what ``import tensorflow`` gives it.

    Only for the child process `run` starts: it disables TensorFlow's v2
    behaviour for the whole process, for good.

    Args:
      script_dir: the script's folder; modules there count as legacy code.
    """
    import tensorflow as tf

    tf_logger = tf.get_logger()
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)  # disable_v2_behavior's own deprecation notices
    try:
        tf.compat.v1.disable_v2_behavior()
    finally:
        tf_logger.setLevel(level)
    from tfv1_mnist import input_data

    input_data._legacy_mode = True
    _register_aliases(input_data)
    tutorial = _tutorial_mnist(tf.compat.v1)
    sys.modules[tutorial.__name__] = tutorial
    sys.modules["tensorflow.examples.tutorials.mnist"].__dict__["mnist"] = tutorial
    sys.meta_path.insert(0, _MissingFinder())
    shim = _TensorFlowV1(tf.compat.v1)
    builtins.__import__ = _LegacyImport(builtins.__import__, shim, os.fspath(script_dir))
    # Agg (set by the parent through MPLBACKEND) makes plt.show() a no-op; say nothing about it.
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    return shim


# --------------------------------------------------------------------------
# Child: running the script


def _configure_child_logging() -> None:
    level = int(os.environ.pop(_LOG_LEVEL_ENV, logging.INFO))
    logger = logging.getLogger("tfv1_mnist")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("tfv1-mnist run-legacy: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # the script may configure the root logger


def _exec_script(script: str) -> None:
    """Executes ``script`` as ``__main__``, the way ``python script.py`` does."""
    path = os.path.abspath(script)
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __builtins__=builtins, __cached__=None, __spec__=None)
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as err:  # print as python would, without this frame
        tb = err.__traceback__.tb_next if err.__traceback__ is not None else None
        traceback.print_exception(type(err), err, tb)
        sys.stderr.flush()
        sys.exit(1)


def _child_main() -> None:
    script, args = sys.argv[1], sys.argv[2:]
    _configure_child_logging()
    script_dir = os.path.dirname(os.path.abspath(script))
    install(script_dir)
    sys.argv = [script, *args]
    sys.path[0] = script_dir  # was '' for `python -c`
    _exec_script(script)


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main())
