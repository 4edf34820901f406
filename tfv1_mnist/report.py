"""The reproduction report: a small document model rendered to Markdown and to HTML.

Pattern: build once, render twice.  A ``Report`` is a list of blocks (headings,
paragraphs, tables, bullet lists, code, figures); ``markdown()`` links figures
by relative path and ``html()`` embeds them as base64 ``data:`` URIs, so the
HTML file stands alone.  The numpy helpers here turn a trained model's
predictions into what the report draws: a confusion matrix and the
worst-classified test digits.  Nothing here trains a model or reads a data set.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import os
import pathlib
import re
from typing import Any, Sequence

import numpy as np

from tfv1_mnist import outputs

__all__ = [
    "Report",
    "confusion_matrix",
    "worst_examples",
    "data_uri",
    "fmt_accuracy",
    "fmt_seconds",
]


# --------------------------------------------------------------------------- numbers


def fmt_accuracy(x: float | None) -> str:
    """An accuracy as the report prints it: 4 decimals (``0.9123``), ``n/a`` for None."""
    return "n/a" if x is None else f"{x:.4f}"


def fmt_seconds(x: float | None) -> str:
    """Seconds with one decimal (``12.3 s``)."""
    return "n/a" if x is None else f"{x:.1f} s"


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts of (true, predicted) pairs.

    Args:
      y_true: int [N] true classes in ``0..num_classes-1``.
      y_pred: int [N] predicted classes.
      num_classes: K.

    Returns:
      int64 [K, K]; row = true class, column = predicted class.

    Raises:
      ValueError: the two differ in length, or a class is outside ``0..K-1``
        (a negative one would otherwise be counted from the end).
    """
    y_true = np.asarray(y_true, np.int64).ravel()
    y_pred = np.asarray(y_pred, np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and not (0 <= y.min() and y.max() < num_classes):
            raise ValueError(f"{name} holds classes outside 0..{num_classes - 1} "
                             f"(min {y.min()}, max {y.max()})")
    m = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def worst_examples(proba: np.ndarray, y_true: np.ndarray, k: int = 16) -> np.ndarray:
    """The ``k`` test examples the model got most wrong.

    Misclassified examples come first, ordered by the probability given to the
    true class (lowest first); if fewer than ``k`` are wrong, the least
    confident right ones follow.  NaN probabilities count as 0.

    Args:
      proba: float [N, K] class probabilities.
      y_true: int [N] true classes.
      k: how many to return.

    Returns:
      int64 [min(k, N)] row indices.
    """
    proba = np.nan_to_num(np.asarray(proba, np.float64), nan=0.0)
    y_true = np.asarray(y_true, np.int64)
    p_true = proba[np.arange(y_true.size), y_true]
    wrong = proba.argmax(1) != y_true
    # Sort by (right before wrong reversed, p_true): wrong ones first, lowest true-class probability first.
    order = np.lexsort((p_true, ~wrong))
    return order[:k].astype(np.int64)


def data_uri(path: str | os.PathLike) -> str:
    """The file as a base64 ``data:`` URI (MIME type from its suffix)."""
    path = pathlib.Path(path)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


# --------------------------------------------------------------------------- document


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _inline_html(text: str) -> str:
    """Escapes text and renders the Markdown subset used in reports: `code`, **bold**, [a](b)."""
    parts = _CODE.split(str(text))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{html.escape(part)}</code>")
        else:
            part = html.escape(part)
            part = _BOLD.sub(r"<strong>\1</strong>", part)
            part = _LINK.sub(r'<a href="\2">\1</a>', part)
            out.append(part)
    return "".join(out)


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


class Report:
    """A document of blocks, rendered to Markdown (``markdown``) and HTML (``html``).

    Args:
      title: the document title (the first heading).
      base_dir: folder that figure paths are relative to (the output folder).
    """

    def __init__(self, title: str, base_dir: str | os.PathLike):
        self.title = title
        self.base_dir = pathlib.Path(base_dir)
        self.blocks: list[tuple] = []

    def heading(self, text: str, level: int = 2) -> "Report":
        """Adds a heading (level 2 = a section)."""
        self.blocks.append(("heading", level, text))
        return self

    def paragraph(self, text: str) -> "Report":
        """Adds a paragraph; `code`, **bold** and [links](url) are rendered."""
        self.blocks.append(("paragraph", text))
        return self

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> "Report":
        """Adds a table of strings (cells are converted with ``str``)."""
        self.blocks.append(("table", list(header), [list(r) for r in rows]))
        return self

    def bullets(self, items: Sequence[str]) -> "Report":
        """Adds a bullet list."""
        self.blocks.append(("bullets", list(items)))
        return self

    def code(self, text: str, language: str = "console") -> "Report":
        """Adds a code block (not executed by the docs tests: ``console`` by default)."""
        self.blocks.append(("code", language, text))
        return self

    def figure(self, path: str | os.PathLike, caption: str) -> "Report":
        """Adds a figure; ``path`` is a file inside ``base_dir``, absolute or
        relative to the current directory like any other path."""
        rel = pathlib.Path(os.path.relpath(pathlib.Path(path).absolute(), self.base_dir.absolute()))
        if rel.parts and rel.parts[0] == "..":
            raise ValueError(f"figure {path} is outside the report's folder {self.base_dir}")
        self.blocks.append(("figure", rel.as_posix(), caption))
        return self

    def markdown(self) -> str:
        """The report as Markdown; figures are linked by relative path."""
        lines = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                lines += ["#" * block[1] + " " + block[2], ""]
            elif kind == "paragraph":
                lines += [block[1], ""]
            elif kind == "table":
                header, rows = block[1], block[2]
                lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
                lines.append("|" + "---|" * len(header))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
                lines.append("")
            elif kind == "bullets":
                lines += [f"- {item}" for item in block[1]] + [""]
            elif kind == "code":
                lines += [f"```{block[1]}", block[2].rstrip("\n"), "```", ""]
            elif kind == "figure":
                lines += [f"![{block[2]}]({block[1]})", "", f"*{block[2]}*", ""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def html(self) -> str:
        """The report as one self-contained HTML page (figures embedded as data URIs)."""
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                level = min(max(block[1], 1), 6)
                body.append(f"<h{level}>{_inline_html(block[2])}</h{level}>")
            elif kind == "paragraph":
                body.append(f"<p>{_inline_html(block[1])}</p>")
            elif kind == "table":
                head = "".join(f"<th>{_inline_html(h)}</th>" for h in block[1])
                rows = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row) + "</tr>"
                               for row in block[2])
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif kind == "bullets":
                body.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "code":
                body.append(f"<pre><code>{html.escape(block[2])}</code></pre>")
            elif kind == "figure":
                src = data_uri(self.base_dir / block[1])
                cap = html.escape(block[2])
                body.append(f'<figure><img src="{src}" alt="{cap}"><figcaption>{cap}</figcaption></figure>')
        style = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
                 "line-height:1.45}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
                 "padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}img{max-width:100%}"
                 "figure{margin:1em 0}figcaption{font-style:italic;color:#555}pre{background:#f6f8fa;"
                 "padding:.8em;overflow-x:auto}code{background:#f6f8fa}")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title><style>{style}</style></head><body>\n"
                + "\n".join(body) + "\n</body></html>\n")

    def write(self, stem: str = "report") -> dict[str, pathlib.Path]:
        """Writes ``base_dir/<stem>.md`` and ``base_dir/<stem>.html`` atomically.

        Both are rendered before either is written, so a figure that cannot be
        read leaves neither file behind.

        Returns:
          ``{"md": path, "html": path}``.
        """
        md_text, html_text = self.markdown(), self.html()
        md = outputs.write_text(self.base_dir / f"{stem}.md", md_text)
        page = outputs.write_text(self.base_dir / f"{stem}.html", html_text)
        return {"md": md, "html": page}
