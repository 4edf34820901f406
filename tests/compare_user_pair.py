"""The user's MLP pair of docs/compare.md, written out as a module for the tests.

``write_module(folder)`` copies the documented code (the first ```python block of
the section "Your own model") into ``folder/user_mlp.py``, so the tests compare
exactly what the documentation shows, also through ``--impl user_mlp:registry``.
"""

from __future__ import annotations

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "compare.md"
MODULE = "user_mlp"


def documented_code() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Your own model"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def write_module(folder: pathlib.Path) -> pathlib.Path:
    path = pathlib.Path(folder) / f"{MODULE}.py"
    path.write_text(documented_code(), encoding="utf-8")
    return path
