"""Headless matplotlib for legacy scripts: nothing blocks, animations run, figures are saved.

A TF1-era script written for a desktop calls ``plt.show()`` (which blocks
until its windows close), ``plt.waitforbuttonpress()``, ``plt.ginput()``,
``plt.pause()``, and sometimes trains inside a ``FuncAnimation`` callback that
only a GUI event loop would call.  Under run-legacy matplotlib uses Agg, where
``show()`` returns at once, the waits loop forever, and an animation never
runs.  `install` makes the child behave like a user who watches each window to
the end and then closes it:

* ``plt.show()`` runs every animation not yet run (its frames, in order: an
  integer, an iterable, a generator function, or ``frames=None``, which counts
  up; one pass even with ``repeat=True``, at most `MAX_FRAMES` frames when the
  frames never end), saves each open figure as a PNG in the run's figures
  folder, then closes the figures, as closing their windows would;
* waits return at once: ``waitforbuttonpress`` gives None (matplotlib's
  "timed out"), ``ginput`` gives ``[]``, ``pause`` returns;
* ``matplotlib.use("TkAgg")`` (any interactive backend) keeps Agg, with one
  log line: there is no display to open a window on.

Pattern: patches applied once, in the child only, when legacy code first
imports matplotlib (`tfv1_mnist.legacy.shim.LegacyImport`'s hooks).
"""

from __future__ import annotations

import itertools
import logging
import os
import pathlib
import weakref

__all__ = ["MAX_FRAMES", "install", "run_animations"]

_log = logging.getLogger(__name__)

#: Frames run for an animation whose frames never end (``frames=None``, an endless generator).
MAX_FRAMES = 1000


def _frames(animation):
    """The frame data ``animation`` draws in one pass (at most `MAX_FRAMES`), and whether they were capped."""
    head = list(itertools.islice(animation.new_frame_seq(), MAX_FRAMES + 1))
    return head[:MAX_FRAMES], len(head) > MAX_FRAMES


def run_animations(animations) -> int:
    """Runs each animation's frames once, as a window would until closed; returns the frames run.

    Args:
      animations: ``matplotlib.animation.Animation`` objects; one already run
        (or without frames) is skipped.

    Returns:
      The number of frames drawn, all animations together.
    """
    total = 0
    for animation in animations:
        if getattr(animation, "_tfv1_mnist_ran", False):
            continue
        animation._tfv1_mnist_ran = True
        if hasattr(animation, "event_source") and animation.event_source is not None:
            animation.event_source.stop()
        # What the first draw of a window does: init_func, or else the first frame (so it is drawn twice, as
        # in a window); a generator passed as frames= loses its first item here, as it does there.
        animation._init_draw()
        frames, capped = _frames(animation)
        if capped:
            _log.info("plt.show(): an animation without an end ran its first %d frames (a window would run it "
                      "until closed)", MAX_FRAMES)
        elif getattr(animation, "_repeat", False):
            _log.info("plt.show(): ran the animation's %d frames once (repeat=True: a window would repeat them "
                      "until closed)", len(frames))
        for framedata in frames:
            animation._draw_frame(framedata)  # calls the script's func(frame, *fargs)
        total += len(frames)
    return total


class _Figures:
    """Where ``plt.show()`` saves figures: ``DIR/<script>-<n>.png``, ``n`` counting up over the run."""

    def __init__(self, folder: str | None, stem: str):
        self.folder = pathlib.Path(folder) if folder else None
        self.stem = stem
        self.count = 0

    def save(self, plt) -> list[pathlib.Path]:
        from tfv1_mnist.outputs import atomic_path

        saved = []
        if self.folder is None:
            return saved
        for num in plt.get_fignums():
            self.count += 1
            path = self.folder / f"{self.stem}-{self.count}.png"
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                plt.figure(num).savefig(tmp)
            saved.append(path)
        return saved


def _never_wait(self, timeout=0):
    """``FigureCanvasBase.start_event_loop`` of a canvas without windows: nothing can arrive, so return."""
    del self, timeout


def _keep_agg(matplotlib) -> None:
    """``matplotlib.use`` of an interactive backend keeps Agg (said once); other backends are set as asked."""
    try:
        from matplotlib.backends import BackendFilter, backend_registry

        interactive = {name.lower() for name in backend_registry.list_builtin(BackendFilter.INTERACTIVE)}
    except ImportError:  # matplotlib < 3.9
        interactive = {name.lower() for name in matplotlib.rcsetup.interactive_bk}
    original = matplotlib.use
    said = []

    def use(backend, *args, **kwargs):
        if str(backend).lower() not in interactive:
            return original(backend, *args, **kwargs)
        if not said:
            said.append(backend)
            _log.info("matplotlib.use(%r): staying with Agg (no display here); plt.show() saves the figures",
                      backend)
        return None

    matplotlib.use = use


def install(figures_dir: str | None, script: str) -> None:
    """Makes this process's matplotlib headless in the way the module docstring says.

    Args:
      figures_dir: the folder ``plt.show()`` saves figures into; None: not saved.
      script: the script's path; its file name (without ``.py``) starts each figure's name.
    """
    import matplotlib
    import matplotlib.animation as animation_lib
    import matplotlib.backend_bases as backend_bases
    import matplotlib.pyplot as plt

    if getattr(plt.show, "_tfv1_mnist_headless", False):
        return
    live = weakref.WeakSet()
    original_init = animation_lib.Animation.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        live.add(self)

    animation_lib.Animation.__init__ = __init__
    figures = _Figures(figures_dir, pathlib.Path(script).stem)

    def show(*args, **kwargs):
        """``plt.show()`` under run-legacy: run animations, save the figures, close them."""
        del args, kwargs
        frames = run_animations(list(live))
        saved = figures.save(plt)
        if saved:
            where = os.path.relpath(saved[0].parent)
            _log.info("plt.show(): saved %d figure(s) to %s%s", len(saved), where,
                      f" after {frames} animation frame(s)" if frames else "")
        plt.close("all")

    def pause(interval):
        """``plt.pause`` without a window to wait on: returns at once."""
        del interval

    show._tfv1_mnist_headless = True
    plt.show = show
    plt.pause = pause
    backend_bases.FigureCanvasBase.start_event_loop = _never_wait
    _keep_agg(matplotlib)
