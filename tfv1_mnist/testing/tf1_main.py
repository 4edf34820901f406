"""Runs a TF1-era test module's ``if __name__ == "__main__":`` block, without its test runner.

TF1-era test modules often make their tests in that block, over dtype and
shape grids (``setattr(MatMulTest, name, _GetMatMulTest(...))``), and then
call ``test.main()``.  A runner that imports the module (pytest) never runs
the block, so those tests are lost.  `run_main_blocks` runs it in the
imported module's own namespace, compiled with the module's file name and
line numbers, while the test-runner entry points are no-ops, and returns
which functions it added (`MainBlockRun`), so that a runner can collect them
and say how many there were.

Pattern: parse with ``ast``, execute the block's body as ``python module.py``
would, and diff the namespace before and after.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import sys
import traceback
import types
from typing import Iterator

from tfv1_mnist.errors import Tfv1MnistError

__all__ = ["RUNNER_HOMES", "MainBlockError", "MainBlockRun", "main_blocks", "run_main_blocks", "runners_disabled"]

#: Where the test-runner entry points live: ``(module, attribute)``.  The same
#: functions exported elsewhere (``tf.test.main``, ``tf.compat.v1.app.run``, a
#: name the module bound itself) are found by identity.
RUNNER_HOMES = (
    ("unittest", "main"),
    ("absl.app", "run"),
    ("absl.testing.absltest", "main"),
    ("tensorflow.python.platform.app", "run"),
    ("tensorflow.python.platform.googletest", "main"),
    ("tensorflow.python.platform.test", "main"),
)
# TensorFlow's public API modules that re-export them (tf.test, tf.compat.v1.app...).
_TF_API_HOMES = ("test", "app", "compat.v1.test", "compat.v1.app", "compat.v2.test")
_MISSING = object()


class MainBlockError(Tfv1MnistError, RuntimeError):
    """The ``__main__`` block of a test module raised.

    Attributes:
      filename: the module's file.
      line: the line of the ``if __name__ == "__main__":`` statement.
      cause: what it raised.
    """

    def __init__(self, filename: str, line: int, cause: BaseException):
        self.filename, self.line, self.cause = filename, line, cause
        super().__init__(
            f"{filename}, line {line}: the `if __name__ == \"__main__\":` block raised "
            f"{type(cause).__name__}: {cause}; its tests are not collected"
        )

    def block_traceback(self) -> str:
        """The traceback of ``cause`` from the block's own frame down."""
        tb = self.cause.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != self.filename:
            tb = tb.tb_next
        return "".join(traceback.format_exception(type(self.cause), self.cause, tb))


@dataclasses.dataclass(frozen=True)
class MainBlockRun:
    """What a module's ``__main__`` blocks added to it.

    Attributes:
      line: the line of the first ``if __name__ == "__main__":`` statement.
      added: ``(owner, name)`` for every attribute the blocks set or replaced,
        where ``owner`` is the module or one of its classes.
      new_classes: classes the blocks bound to module globals; all their tests
        are the blocks'.
    """

    line: int
    added: frozenset
    new_classes: frozenset

    def made(self, module: types.ModuleType, cls: type | None, name: str) -> bool:
        """Whether the blocks made the test ``name`` of ``cls`` (or of ``module`` when ``cls`` is None)."""
        if cls is None:
            return (module, name) in self.added
        if cls in self.new_classes:
            return True
        for klass in cls.__mro__:  # the class that defines ``name``, as attribute lookup finds it
            if name in vars(klass):
                return klass in self.new_classes or (klass, name) in self.added
        return False


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def main_blocks(source: str | bytes, filename: str) -> list[tuple[int, types.CodeType]]:
    """The module-level ``if __name__ == "__main__":`` bodies of ``source``, compiled.

    Args:
      source: the module's source.
      filename: its path; tracebacks and ``linecache`` show the real file and lines.

    Returns:
      ``(line of the if statement, code of its body)`` per block, in order.  The
      ``else:`` branch, if any, already ran when the module was imported.
    """
    if b"__main__" not in (source if isinstance(source, bytes) else source.encode()):
        return []
    tree = ast.parse(source, filename)
    blocks = []
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_test(node.test):
            body = ast.Module(body=node.body, type_ignores=[])
            blocks.append((node.lineno, compile(body, filename, "exec", dont_inherit=True)))
    return blocks


def _not_run(*args, **kwargs) -> None:
    """Stands in for a test runner's entry point while a ``__main__`` block runs."""
    return None


def _homes() -> list[types.ModuleType]:
    """The modules holding runner entry points; TensorFlow's only if already imported."""
    homes = []
    for name, _ in RUNNER_HOMES:
        if name.startswith("tensorflow") and "tensorflow" not in sys.modules:
            continue
        with contextlib.suppress(ImportError):
            homes.append(importlib.import_module(name))
    tf = sys.modules.get("tensorflow")
    for path in _TF_API_HOMES if tf is not None else ():
        module = tf
        for part in path.split("."):
            module = getattr(module, part, None)
        if isinstance(module, types.ModuleType):
            homes.append(module)
    return homes


@contextlib.contextmanager
def runners_disabled(namespace: dict) -> Iterator[None]:
    """Makes every test-runner entry point a no-op while the block runs.

    Args:
      namespace: the module's globals; names in it bound to a runner (``from
        absl.app import run``) are disabled too, and restored afterwards unless
        the block rebound them.
    """
    homes = _homes()
    originals = [getattr(m, attr) for m in homes for name, attr in RUNNER_HOMES
                 if m.__name__ == name and hasattr(m, attr)]
    patched = []
    for owner in [*homes, None]:
        items = namespace.items() if owner is None else vars(owner).items()
        for attr, value in list(items):
            if any(value is o for o in originals):
                patched.append((owner, attr, value))
    try:
        for owner, attr, _ in patched:
            if owner is None:
                namespace[attr] = _not_run
            else:
                setattr(owner, attr, _not_run)
        yield
    finally:
        for owner, attr, value in patched:
            if owner is None:
                if namespace.get(attr) is _not_run:
                    namespace[attr] = value
            else:
                setattr(owner, attr, value)


def _local_classes(module: types.ModuleType) -> dict[type, dict]:
    return {v: dict(vars(v)) for v in vars(module).values()
            if isinstance(v, type) and v.__module__ == module.__name__}


def run_main_blocks(module: types.ModuleType) -> MainBlockRun | None:
    """Runs the imported ``module``'s ``__main__`` blocks in its namespace, runners disabled.

    Args:
      module: an imported module with a ``__file__``.

    Returns:
      What the blocks added, or None if the module has no such block.

    Raises:
      MainBlockError: a block raised (also ``SystemExit`` with a status other
        than 0 or None, which ends a block quietly); the module may be left
        half-extended.
    """
    filename = module.__file__
    with open(filename, "rb") as f:
        blocks = main_blocks(f.read(), filename)
    if not blocks:
        return None
    namespace = vars(module)
    globals_before, classes_before = dict(namespace), _local_classes(module)
    for line, code in blocks:
        try:
            with runners_disabled(namespace):
                exec(code, namespace)
        except KeyboardInterrupt:
            raise
        except SystemExit as end:
            if end.code not in (None, 0):  # `sys.exit(main())` after a no-op runner: the block is done
                raise MainBlockError(filename, line, end) from end
        except BaseException as err:  # noqa: BLE001 - the block's failure is the result
            raise MainBlockError(filename, line, err) from err
    added, new_classes = set(), set()
    for name, value in namespace.items():
        if globals_before.get(name, _MISSING) is not value:
            (new_classes.add(value) if isinstance(value, type) else added.add((module, name)))
    for cls, attrs in classes_before.items():
        added.update((cls, name) for name, value in vars(cls).items() if attrs.get(name, _MISSING) is not value)
    return MainBlockRun(blocks[0][0], frozenset(added), frozenset(new_classes))
