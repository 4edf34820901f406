"""run-legacy's child side: make this process run TF1-era code, then run the script.

`install` (used by the child `child_main` and by ``pytest --tf1``):

* disables TensorFlow's v2 behaviour, once, for the whole process;
* gives legacy code (the script's folder and ``__main__``) the `TensorFlowV1`
  shim for ``import tensorflow`` and Keras 2 as TF1-era code knew it
  (`tfv1_mnist.legacy.keras2.KerasTree`) for ``import keras`` and ``tf.keras``;
* maps TF1's ``input_data`` and tutorial ``mnist`` paths, and ``tf.contrib``
  (`ContribTree`); other ``tensorflow.examples``/``contrib`` names fail with
  a message naming them;
* turns on soft device placement for every Session, and says so once;
* makes ``test_util``'s decorators accept TF 1.15's call forms that TF 2 still
  means (``run_in_graph_and_eager_modes(reset_test=True)``...,
  `tfv1_mnist.legacy.test_util_keywords`);
* hides TensorFlow's and tf_keras' known deprecation warnings, unless asked.

Keras 2 needs ``TF_USE_LEGACY_KERAS=1`` before TensorFlow is first imported:
the parent sets it in the child's environment (`runner.child_environment`),
and ``pytest --tf1`` sets it before any test module loads.

Pattern: a child bootstrap that installs import hooks and then executes the
script the way ``python script.py`` does.
"""

from __future__ import annotations

import builtins
import logging
import os
import re
import sys
import traceback
import types
import warnings

from tfv1_mnist import console, lifeline
from tfv1_mnist.legacy.common import (
    COMPAT_ENV,
    FIGURES_ENV,
    LOG_LEVEL_ENV,
    WARNINGS_ENV,
    LegacyImportError,
    LegacySymbolError,
)

__all__ = ["child_main", "install"]

_log = logging.getLogger(__name__)

_EXAMPLES = "tensorflow.examples"
_INPUT_DATA_PATH = "tensorflow.examples.tutorials.mnist.input_data"

# Deprecation notices that every TF1-era script triggers (the whole TF1 API is
# deprecated in TF 2): hidden by default, kept with -v.
_DEPRECATION = re.compile(r"is deprecated and will be removed|Instructions for updating|` is deprecated\. ")


class _DeprecationFilter(logging.Filter):
    """Drops TensorFlow's ``... is deprecated and will be removed ...`` log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _DEPRECATION.search(record.getMessage())


class _Stub(types.ModuleType):
    """A package on a TF1 import path (``tensorflow.examples``...)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__path__ = []  # a package: submodules go through the import system

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise LegacySymbolError(_missing_example_message(f"{self.__name__}.{name}"))


def _missing_example_message(fullname: str) -> str:
    return (
        f"{fullname} has no counterpart under run-legacy; of tensorflow.examples only "
        "tensorflow.examples.tutorials.mnist.input_data and .mnist are provided"
    )


class _MissingExamplesFinder:
    """A meta path finder that explains, instead of 'No module named', ``tensorflow.examples`` modules that are gone."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_EXAMPLES) and fullname not in sys.modules:
            raise LegacyImportError(_missing_example_message(fullname), name=fullname)
        return None

    def invalidate_caches(self) -> None:  # importlib protocol
        pass


def _register(path: str, module: types.ModuleType) -> None:
    """Puts ``module`` in ``sys.modules`` as ``path``, with `_Stub` packages above it."""
    parts = path.split(".")
    for i in range(2, len(parts)):
        name = ".".join(parts[:i])
        if name not in sys.modules:
            sys.modules[name] = _Stub(name)
        if i > 2:
            sys.modules[".".join(parts[: i - 1])].__dict__[parts[i - 1]] = sys.modules[name]
    sys.modules[path] = module
    sys.modules[".".join(parts[:-1])].__dict__[parts[-1]] = module


def _hide_deprecations(tf) -> None:
    tf.get_logger().addFilter(_DeprecationFilter())
    warnings.filterwarnings("ignore", message=r".*(is deprecated and|will be) removed in a future version",
                            category=UserWarning)
    warnings.filterwarnings("ignore", message=r"`layer\.apply` is deprecated", category=UserWarning)
    warnings.filterwarnings("ignore", message=r"The `lr` argument is deprecated", category=UserWarning)  # Keras 2.2's
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(tensorflow|tf_keras|tf_slim)\b")


def _soft_placement(tf) -> None:
    """Every Session of this process allows soft placement: ``/gpu:1`` runs where it can."""
    # Sessions built without a config read the eager context's, which this sets.
    tf.config.set_soft_device_placement(True)
    # Sessions given a config (MonitoredTrainingSession, a script's ConfigProto) get a copy with it on.
    from tensorflow.python.client import session as session_lib

    base = session_lib.BaseSession
    if getattr(base.__init__, "_tfv1_mnist_soft", False):
        return
    original = base.__init__
    said = []

    def __init__(self, target="", graph=None, config=None):
        if config is not None and not config.allow_soft_placement:
            copy = tf.compat.v1.ConfigProto()
            copy.CopyFrom(config)
            copy.allow_soft_placement = True
            config = copy
        if not said:
            said.append(True)
            devices = ", ".join(d.name for d in tf.config.list_logical_devices())
            _log.info("sessions use soft device placement: ops pinned to devices this machine lacks (e.g. /gpu:1) "
                      "run on what it has (%s)", devices)
        original(self, target, graph, config)

    __init__._tfv1_mnist_soft = True
    base.__init__ = __init__


def _keras_hooks() -> None:
    from tfv1_mnist.legacy.data import redirect_keras_mnist
    from tfv1_mnist.legacy.downloads import keras_get_file

    redirect_keras_mnist()
    keras_get_file()


def _matplotlib_hook(compat: bool, figures_dir: str | None, script: str):
    def hook():
        from tfv1_mnist.legacy import headless, mpl35

        if compat:
            mpl35.install()
        headless.install(figures_dir, script)

    return hook


def _tensorflow_v1(tf, show_deprecations: bool) -> None:
    """TensorFlow's v2 behaviour off for this process, quietly; soft placement on."""
    tf_logger = tf.get_logger()
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)  # disable_v2_behavior's own deprecation notices
    try:
        tf.compat.v1.disable_v2_behavior()
    finally:
        tf_logger.setLevel(level)
    if not show_deprecations:
        _hide_deprecations(tf)
    _soft_placement(tf)


def install(
    script_dir: str | os.PathLike,
    *,
    show_deprecations: bool = False,
    compat: bool = True,
    figures_dir: str | None = None,
    script: str = "script",
) -> types.ModuleType:
    """Makes this process run TF1-era code; returns what ``import tensorflow`` gives it.

    Only for a process that is given over to TF1 code (run-legacy's child,
    ``pytest --tf1``): it disables TensorFlow's v2 behaviour for the whole
    process, for good, and wraps ``builtins.__import__``.

    Args:
      script_dir: the script's folder; modules there count as legacy code.
      show_deprecations: keep TensorFlow's deprecation warnings.
      compat: give legacy code NumPy 1's and matplotlib 3.5's names (`numpy1`, `mpl35`).
      figures_dir: where ``plt.show()`` saves the open figures (None: nowhere),
        each named after ``script``, the script's path.

    Returns:
      The `TensorFlowV1` shim.
    """
    import tensorflow as tf

    from tfv1_mnist.legacy import conversions, downloads
    from tfv1_mnist.legacy.contrib import ContribTree
    from tfv1_mnist.legacy.data import legacy_input_data
    from tfv1_mnist.legacy.keras2 import KerasTree
    from tfv1_mnist.legacy.numpy1 import numpy1_module
    from tfv1_mnist.legacy.shim import LegacyImport, TensorFlowV1
    from tfv1_mnist.legacy.test_util_keywords import accept_tf1_keywords
    from tfv1_mnist.legacy.tutorial import MODULE_NAME, tutorial_mnist

    _tensorflow_v1(tf, show_deprecations)
    accept_tf1_keywords()
    input_data = legacy_input_data()
    _register(_INPUT_DATA_PATH, input_data)
    _register(MODULE_NAME, tutorial_mnist(tf.compat.v1))
    contrib = ContribTree(input_data)
    sys.meta_path.insert(0, contrib)
    sys.meta_path.insert(1, _MissingExamplesFinder())
    conversions.install()
    downloads.install()
    keras = KerasTree(on_first_use=_keras_hooks)
    shim = TensorFlowV1(tf, contrib, keras=keras)
    builtins.__import__ = LegacyImport(
        builtins.__import__, shim, os.fspath(script_dir), keras=keras,
        proxies={"numpy": numpy1_module()} if compat else {},
        hooks={"matplotlib": _matplotlib_hook(compat, figures_dir, script)},
    )
    # Agg (set by the parent through MPLBACKEND) makes plt.show() a no-op; say nothing about it.
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    return shim


# --------------------------------------------------------------------------
# Running the script


def configure_child_logging() -> None:
    """tfv1_mnist's log lines go to stderr, prefixed ``tfv1-mnist run-legacy:``, at the parent's level."""
    level = int(os.environ.pop(LOG_LEVEL_ENV, logging.INFO))
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


def child_main() -> None:
    """The child's entry point: ``sys.argv[1:]`` is ``SCRIPT ARGS...``."""
    lifeline.bind_from_env()  # first: end with run-legacy, however it ends
    script, args = sys.argv[1], sys.argv[2:]
    configure_child_logging()
    # TensorFlow's C++ start-up lines come before absl's logging is set up and ignore
    # TF_CPP_MIN_LOG_LEVEL, so only the file descriptor can hold them back: start TF behind the filter.
    console.quiet_tensorflow_start()
    script_dir = os.path.dirname(os.path.abspath(script))
    install(
        script_dir,
        show_deprecations=os.environ.pop(WARNINGS_ENV, "0") == "1",
        compat=os.environ.pop(COMPAT_ENV, "1") != "0",
        figures_dir=os.environ.pop(FIGURES_ENV, None) or None,
        script=script,
    )
    sys.argv = [script, *args]
    sys.path[0] = script_dir  # was '' for `python -c`
    _exec_script(script)
