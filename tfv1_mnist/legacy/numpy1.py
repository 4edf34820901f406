"""NumPy 1 names for legacy code: what ``import numpy`` gives a TF1-era script under run-legacy.

TF1-era scripts ran on NumPy 1.x.  NumPy 1.24 removed the builtin aliases
(``np.float``, ``np.int``...) and NumPy 2 removed a further set of names and
keywords (``np.float_``, ``np.NaN``, ``np.asfarray``, ``np.reshape(a,
newshape=...)``...).  `NumPy1` is the real ``numpy`` module seen through a
proxy that adds them back, each with its NumPy 1 meaning; `RESTORED` lists
them (docs/legacy.md has the same table).  Only legacy code (the script and
its folder) gets the proxy, through `tfv1_mnist.legacy.shim.LegacyImport`;
libraries keep NumPy 2.  ``run-legacy --no-compat`` leaves it out.

Pattern: a module proxy whose extra names come from one table.
"""

from __future__ import annotations

import types
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["NumPy1", "RESTORED", "Restored", "numpy1_module"]


class Restored(NamedTuple):
    """One NumPy 1 name the proxy adds back.

    Attributes:
      name: the attribute, e.g. ``"float"``.
      make: builds its value from the real ``numpy`` module.
      last: the last NumPy release that had it (``"1.23"`` or ``"1.26"``).
      meaning: what it was, in a few words (docs/legacy.md's column).
    """

    name: str
    make: Callable[[types.ModuleType], Any]
    last: str
    meaning: str


def _asfarray(a, dtype=np.float64):
    """NumPy 1.26's ``asfarray``: ``a`` as a float array; a non-inexact ``dtype`` means float64."""
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.float64
    return np.asarray(a, dtype=dtype)


class _Cast:
    """NumPy 1.26's ``np.cast``: ``np.cast[np.float32](x)`` is ``np.asarray(x).astype(np.float32)``."""

    def __getitem__(self, key):
        scalar_type = np.dtype(key).type
        return lambda x: np.asarray(x).astype(scalar_type)


def _msort(a):
    """NumPy 1.26's ``msort``: a copy of ``a`` sorted along its first axis."""
    b = np.array(a, subok=True, copy=True)
    b.sort(0)
    return b


def _in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    """NumPy 1.26's ``in1d``: ``isin`` flattened to 1-D."""
    return np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert, kind=kind).ravel()


def _asscalar(a):
    """NumPy 1.22's ``asscalar``: ``a.item()``."""
    return a.item()


def _reshape(*args, **kwargs):
    """``np.reshape`` taking NumPy 1's keywords: ``a=`` and ``newshape=`` (NumPy 2.4 takes ``shape=``)."""
    if "newshape" in kwargs:
        if "shape" in kwargs:
            raise TypeError("reshape() got both 'newshape' and 'shape'")
        kwargs["shape"] = kwargs.pop("newshape")
    if "a" in kwargs:
        args = (kwargs.pop("a"), *args)
    return np.reshape(*args, **kwargs)


def _array(*args, **kwargs):
    """``np.array`` with NumPy 1's ``copy=False``: copy only if needed (NumPy 2 spells it ``copy=None``)."""
    if kwargs.get("copy", True) is False:
        kwargs["copy"] = None
    return np.array(*args, **kwargs)


def _with_interpolation(function):
    """``percentile``/``quantile`` taking NumPy 1's ``interpolation=`` (now ``method=``)."""

    def wrapper(*args, **kwargs):
        if "interpolation" in kwargs:
            kwargs["method"] = kwargs.pop("interpolation")
        return function(*args, **kwargs)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


def _alias(name: str) -> Callable[[types.ModuleType], Any]:
    return lambda numpy: getattr(numpy, name)


def _value(value) -> Callable[[types.ModuleType], Any]:
    return lambda numpy: value


#: Every name the proxy adds or replaces, in docs/legacy.md's order.
RESTORED: tuple[Restored, ...] = (
    # Aliases of Python builtins, deprecated in 1.20 and removed in 1.24.
    Restored("float", _value(float), "1.23", "the builtin `float` (as a dtype: float64)"),
    Restored("int", _value(int), "1.23", "the builtin `int` (as a dtype: int64 on Linux)"),
    Restored("complex", _value(complex), "1.23", "the builtin `complex` (complex128)"),
    Restored("object", _value(object), "1.23", "the builtin `object`"),
    Restored("str", _value(str), "1.23", "the builtin `str`"),
    Restored("unicode", _value(str), "1.23", "the builtin `str` (Python 2's `unicode`)"),
    # Scalar type aliases removed in 2.0.
    Restored("float_", _alias("float64"), "1.26", "`np.float64`"),
    Restored("complex_", _alias("complex128"), "1.26", "`np.complex128`"),
    Restored("cfloat", _alias("complex128"), "1.26", "`np.complex128`"),
    Restored("singlecomplex", _alias("complex64"), "1.26", "`np.complex64`"),
    Restored("longfloat", _alias("longdouble"), "1.26", "`np.longdouble`"),
    Restored("longcomplex", _alias("clongdouble"), "1.26", "`np.clongdouble`"),
    Restored("clongfloat", _alias("clongdouble"), "1.26", "`np.clongdouble`"),
    Restored("string_", _alias("bytes_"), "1.26", "`np.bytes_`"),
    Restored("unicode_", _alias("str_"), "1.26", "`np.str_`"),
    Restored("int0", _alias("intp"), "1.26", "`np.intp`"),
    Restored("uint0", _alias("uintp"), "1.26", "`np.uintp`"),
    Restored("bool8", _alias("bool_"), "1.26", "`np.bool_`"),
    Restored("str0", _alias("str_"), "1.26", "`np.str_`"),
    Restored("bytes0", _alias("bytes_"), "1.26", "`np.bytes_`"),
    Restored("void0", _alias("void"), "1.26", "`np.void`"),
    Restored("object0", _alias("object_"), "1.26", "`np.object_`"),
    # Constants removed in 2.0.
    Restored("NaN", _value(float("nan")), "1.26", "`np.nan`"),
    Restored("NAN", _value(float("nan")), "1.26", "`np.nan`"),
    Restored("Inf", _value(float("inf")), "1.26", "`np.inf`"),
    Restored("Infinity", _value(float("inf")), "1.26", "`np.inf`"),
    Restored("infty", _value(float("inf")), "1.26", "`np.inf`"),
    Restored("PINF", _value(float("inf")), "1.26", "`np.inf`"),
    Restored("NINF", _value(float("-inf")), "1.26", "`-np.inf`"),
    Restored("PZERO", _value(0.0), "1.26", "`0.0`"),
    Restored("NZERO", _value(-0.0), "1.26", "`-0.0`"),
    # Functions removed in 2.0 (in1d and trapz in 2.4).
    Restored("asfarray", _value(_asfarray), "1.26", "`np.asarray(a, dtype)`, float64 unless `dtype` is inexact"),
    Restored("cast", _value(_Cast()), "1.26", "`np.cast[T](x)` is `np.asarray(x).astype(T)`"),
    Restored("product", _alias("prod"), "1.26", "`np.prod`"),
    Restored("cumproduct", _alias("cumprod"), "1.26", "`np.cumprod`"),
    Restored("sometrue", _alias("any"), "1.26", "`np.any`"),
    Restored("alltrue", _alias("all"), "1.26", "`np.all`"),
    Restored("round_", _alias("round"), "1.26", "`np.round`"),
    Restored("msort", _value(_msort), "1.26", "a copy sorted along axis 0"),
    Restored("in1d", _value(_in1d), "1.26", "`np.isin(...).ravel()`"),
    Restored("trapz", _alias("trapezoid"), "1.26", "`np.trapezoid`"),
    Restored("mat", _alias("asmatrix"), "1.26", "`np.asmatrix`"),
    Restored("asscalar", _value(_asscalar), "1.22", "`a.item()`"),
    # Keywords NumPy 2 removed or changed.
    Restored("reshape", _value(_reshape), "1.26", "also takes `a=` and `newshape=` (NumPy 2.4 takes `shape=`)"),
    Restored("array", _value(_array), "1.26", "`copy=False` copies only if needed (NumPy 2: `copy=None`)"),
    Restored("percentile", lambda numpy: _with_interpolation(numpy.percentile), "1.26",
             "also takes `interpolation=` (now `method=`)"),
    Restored("quantile", lambda numpy: _with_interpolation(numpy.quantile), "1.26",
             "also takes `interpolation=` (now `method=`)"),
)


class NumPy1(types.ModuleType):
    """The real ``numpy`` with the `RESTORED` names; every other attribute is NumPy's own.

    Args:
      numpy: the real ``numpy`` module.
    """

    def __init__(self, numpy: types.ModuleType):
        super().__init__("numpy", numpy.__doc__)
        self.__dict__["_numpy"] = numpy
        for entry in RESTORED:
            self.__dict__[entry.name] = entry.make(numpy)

    def __getattr__(self, name: str):
        return getattr(self.__dict__["_numpy"], name)

    def __dir__(self):
        return sorted(set(dir(self.__dict__["_numpy"])) | {entry.name for entry in RESTORED})


def numpy1_module() -> NumPy1:
    """The `NumPy1` proxy of this process's ``numpy``."""
    return NumPy1(np)
