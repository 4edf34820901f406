"""pytest's side of TF1 mode's ``__main__`` blocks: the module node, the error item, the count.

In TF1 mode (``pytest -p tfv1_mnist --tf1``) `tfv1_mnist.pytest_plugin` makes
every test module a `Tf1MainModule`: after importing the module it runs the
module's ``if __name__ == "__main__":`` blocks (`tfv1_mnist.testing.tf1_main`)
and then collects as pytest always does, so the tests the blocks generated are
collected with the others.  A block that raises turns the module into one
`MainBlockErrorItem`, reported as an error naming the block's line, and the
rest of the session runs.  `count_generated` is what the session header says.

Pattern: a ``pytest.Module`` subclass returned by ``pytest_pycollect_makemodule``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import pytest

from tfv1_mnist.testing.tf1_main import MainBlockError, MainBlockRun, run_main_blocks

__all__ = ["MainBlockErrorItem", "Tf1MainModule", "count_generated", "generated_by_main"]


class MainBlockErrorItem(pytest.Item):
    """Stands for a module whose ``__main__`` block raised: an error at setup, nothing else runs.

    Args:
      error: what the block raised, with its file and line.
      **kwargs: pytest's node arguments (``parent``, ``name``).
    """

    def __init__(self, *, error: MainBlockError, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def setup(self) -> None:
        # A failure at setup is reported as an error; pytrace=False shows the block's traceback, not this frame.
        pytest.fail(f"{self.error}\n\n{self.error.block_traceback()}", pytrace=False)

    def runtest(self) -> None:  # never reached: setup fails
        raise self.error

    def reportinfo(self):
        return self.path, self.error.line - 1, 'if __name__ == "__main__": block'


class Tf1MainModule(pytest.Module):
    """A test module whose ``__main__`` blocks run after import, before its tests are collected.

    Attributes:
      main_run: what the blocks added (None: no block, or not collected yet).
    """

    main_run: MainBlockRun | None = None

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        try:
            self.main_run = run_main_blocks(self.obj)  # self.obj imports it, import errors as usual
        except MainBlockError as err:
            return [MainBlockErrorItem.from_parent(self, name="__main__", error=err)]
        return super().collect()


def generated_by_main(item: pytest.Item) -> bool:
    """Whether ``item``'s test function was added by its module's ``__main__`` block."""
    node = item.getparent(Tf1MainModule)
    if node is None or node.main_run is None:
        return False
    name = getattr(item, "originalname", None) or item.name
    return node.main_run.made(node.obj, getattr(item, "cls", None), name)


def count_generated(items: Sequence[pytest.Item]) -> tuple[int, int]:
    """``(tests, modules)``: how many ``items`` the ``__main__`` blocks made, and in how many modules."""
    made = [item for item in items if generated_by_main(item)]
    return len(made), len({item.path for item in made})
