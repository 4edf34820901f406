"""Training progress: a bar on a terminal, plain periodic lines anywhere else.

Both trainers (softmax and cnn) ask ``progress_bar`` for their progress
display.  On a terminal it is ``keras.utils.Progbar``, which redraws one line
with ``\\r`` and colours it with ANSI codes.  Into a file or a pipe those codes
and carriage returns are noise (``tfv1-mnist softmax ... > log`` would fill the
log with them), so there the display is ``PlainProgress``: a plain line at most
every tenth of the target (of the updates it is given), no escape codes.  ``NO_COLOR``
(https://no-color.org) set to anything non-empty also selects the plain lines.

Pattern: one factory with the ``Progbar.update`` contract, so callers never
ask which display they got.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Sequence

__all__ = ["PlainProgress", "progress_bar", "wants_bar"]


def wants_bar(stream: IO | None = None) -> bool:
    """True when ``stream`` (default ``sys.stdout``) is a terminal and ``NO_COLOR`` is unset or empty."""
    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class PlainProgress:
    """``Progbar``'s ``update`` contract, written as plain lines.

    A line is written each time ``current`` passes another ``1/lines`` of
    ``target``, and once when the run finalizes (``current >= target`` or
    ``finalize=True``), e.g. ``1000/1000 steps - 1s - loss: 0.3412``.  The
    values shown are the latest given, not running means.

    Args:
      target: int, the number of units (steps) to expect.
      unit_name: str, the unit's name in each line.
      lines: int >= 1, how many lines a run writes at most (1: only the final one).
      stream: where lines go (default ``sys.stdout``, where the bar would draw).
    """

    def __init__(self, target: int, *, unit_name: str = "step", lines: int = 10, stream: IO | None = None):
        self.target = max(int(target), 1)
        self.unit_name = unit_name
        self.lines = max(int(lines), 1)
        self._stream = stream
        self._start = time.perf_counter()
        self._next = 1
        self._done = False

    def update(self, current: int, values: Sequence[tuple[str, float]] | None = None,
               finalize: bool | None = None) -> None:
        """Records progress up to ``current`` units; ``values`` are ``(name, number)`` pairs to show."""
        if self._done:
            return
        if finalize is None:
            finalize = current >= self.target
        if finalize:
            self._done = True
            self._write(current, values)
            return
        threshold = self._next * self.target / self.lines
        if self._next < self.lines and current >= threshold:
            while self._next < self.lines and current >= self._next * self.target / self.lines:
                self._next += 1
            self._write(current, values)

    def _write(self, current: int, values) -> None:
        width = len(str(self.target))
        parts = [f"{current:>{width}}/{self.target} {self.unit_name}s",
                 f"{time.perf_counter() - self._start:.0f}s"]
        parts += [f"{name}: {value:.4f}" for name, value in values or ()]
        stream = sys.stdout if self._stream is None else self._stream
        stream.write(" - ".join(parts) + "\n")
        stream.flush()


def progress_bar(target: int, *, unit_name: str = "step", stateful_metrics: Sequence[str] | None = None,
                 lines: int = 10, stream: IO | None = None):
    """A progress display over ``target`` units: ``keras.utils.Progbar`` on a terminal, else ``PlainProgress``.

    Args:
      target: int, the number of units to expect.
      unit_name: str, the unit's name.
      stateful_metrics: names the bar shows as given rather than averaged (the
        plain lines always show values as given).
      lines: int, how many plain lines a run writes at most.
      stream: the stream progress goes to (default ``sys.stdout``, Progbar's).

    Returns:
      An object with ``update(current, values=None, finalize=None)``.
    """
    if wants_bar(stream):
        import keras  # only a terminal needs it; a plain run skips the import

        return keras.utils.Progbar(target, unit_name=unit_name, stateful_metrics=stateful_metrics)
    return PlainProgress(target, unit_name=unit_name, lines=lines, stream=stream)
