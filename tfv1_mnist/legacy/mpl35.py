"""matplotlib 3.5 names that TF1-era scripts used and matplotlib 3.6-3.9 removed.

`install` adds them back to this process's matplotlib, each with its 3.5
meaning (`RESTORED` lists them; docs/legacy.md has the same table).  It runs
in run-legacy's child when legacy code first imports matplotlib, unless
``run-legacy --no-compat`` is given.

Pattern: patches applied once from one table, in the child only.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["RESTORED", "Restored", "install"]


class Restored(NamedTuple):
    """One matplotlib 3.5 name put back: where, when it went, and its 3.5 meaning."""

    name: str
    removed_in: str
    meaning: str


#: Every name `install` adds, in docs/legacy.md's order.
RESTORED: tuple[Restored, ...] = (
    Restored("FigureCanvasBase.set_window_title(title)", "3.6", "`canvas.manager.set_window_title(title)` when the "
             "canvas has a manager"),
    Restored("FigureCanvasBase.get_window_title()", "3.6", "`canvas.manager.get_window_title()`, else None"),
    Restored("matplotlib.cm.get_cmap(name=None, lut=None)", "3.9", "`matplotlib.colormaps[name]` (default "
             "`rcParams['image.cmap']`), resampled to `lut` entries; a Colormap is returned as is"),
    Restored("matplotlib.cm.register_cmap(name=None, cmap=None)", "3.9", "`matplotlib.colormaps.register(cmap, "
             "name=name or cmap.name)`"),
    Restored("style names 'seaborn', 'seaborn-<variant>'", "3.8", "the styles now named 'seaborn-v0_8', "
             "'seaborn-v0_8-<variant>'"),
)


def _set_window_title(self, title):
    """matplotlib 3.5's ``FigureCanvasBase.set_window_title``."""
    if getattr(self, "manager", None) is not None:
        self.manager.set_window_title(title)


def _get_window_title(self):
    """matplotlib 3.5's ``FigureCanvasBase.get_window_title``."""
    if getattr(self, "manager", None) is not None:
        return self.manager.get_window_title()
    return None


def _get_cmap(name=None, lut=None):
    """matplotlib 3.5's ``cm.get_cmap``: a registered colormap by name, optionally resampled."""
    import matplotlib
    from matplotlib.colors import Colormap

    if name is None:
        name = matplotlib.rcParams["image.cmap"]
    if isinstance(name, Colormap):
        return name
    if name not in matplotlib.colormaps:
        raise ValueError(f"{name!r} is not a valid value for name; supported values are "
                         f"{', '.join(map(repr, sorted(matplotlib.colormaps)))}")
    cmap = matplotlib.colormaps[name]
    return cmap if lut is None else cmap.resampled(lut)


def _register_cmap(name=None, cmap=None, *, override_builtin=False):
    """matplotlib 3.5's ``cm.register_cmap``."""
    import matplotlib

    if name is None:
        name = cmap.name
    matplotlib.colormaps.register(cmap, name=name, force=override_builtin)


def _seaborn_styles() -> None:
    """Adds 'seaborn*' as names of the 'seaborn-v0_8*' styles (renamed in 3.6, old names gone in 3.8)."""
    from matplotlib import style

    for new in [name for name in style.library if name.startswith("seaborn-v0_8")]:
        old = "seaborn" + new[len("seaborn-v0_8"):]
        style.library.setdefault(old, style.library[new])
    style.available[:] = sorted(name for name in style.library if not name.startswith("_"))


def install() -> None:
    """Adds the `RESTORED` names to this process's matplotlib (once)."""
    import matplotlib.backend_bases as backend_bases
    import matplotlib.cm as cm

    canvas = backend_bases.FigureCanvasBase
    if not hasattr(canvas, "set_window_title"):
        canvas.set_window_title = _set_window_title
    if not hasattr(canvas, "get_window_title"):
        canvas.get_window_title = _get_window_title
    if not hasattr(cm, "get_cmap"):
        cm.get_cmap = _get_cmap
    if not hasattr(cm, "register_cmap"):
        cm.register_cmap = _register_cmap
    _seaborn_styles()
