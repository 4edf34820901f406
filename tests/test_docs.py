"""Runs the ```python blocks of docs/*.md and README.md, one test per file.

Each file's blocks run in order, in one namespace, in a fresh Python process
whose working directory is a temporary folder (so figures and files the
snippets write do not litter the checkout), with ``TF_CPP_MIN_LOG_LEVEL=2``,
``MPLBACKEND=Agg`` and an empty ``TFV1_MNIST_CACHE`` (so ``datasets.load()``
uses the embedded sample and nothing is downloaded).  A traceback points at the
Markdown file and line.  Blocks fenced ```python no-run, ```console or any
other language are not run.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
DOC_FILES = sorted((REPO / "docs").glob("*.md")) + sorted(REPO.glob("README.md"))

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")

# Runs in the child: exec each block compiled with the Markdown file's name and
# line numbers, so tracebacks (and linecache) show the document itself.
_DRIVER = """
import json, sys
blocks = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "docs_snippet"}
for block in blocks:
    source = "\\n" * (block["line"] - 1) + block["source"]
    exec(compile(source, block["path"], "exec"), namespace)
"""


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The runnable code blocks of a Markdown text.

    Args:
      text: Markdown source.

    Returns:
      ``(line, source)`` per block fenced exactly ```python (or ~~~python),
      where ``line`` is the 1-based line of the block's first code line.

    Raises:
      ValueError: if a fence is never closed.
    """
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        start = i + 1
        j = start
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if (
                closing
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            j += 1
        else:
            raise ValueError(f"the code fence opened on line {i + 1} is never closed")
        if info == "python":
            blocks.append((start + 1, "\n".join(lines[start:j]) + "\n"))
        i = j + 1
    return blocks


def _doc_id(path: pathlib.Path) -> str:
    return path.relative_to(REPO).as_posix()


# Only pages with runnable blocks become tests: a page without code is not a skipped test.
DOCS_WITH_CODE = [doc for doc in DOC_FILES if python_blocks(doc.read_text(encoding="utf-8"))]


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS_WITH_CODE, ids=_doc_id)
def test_doc_snippets_run(doc: pathlib.Path, tmp_path: pathlib.Path):
    blocks = python_blocks(doc.read_text(encoding="utf-8"))
    payload = tmp_path / "blocks.json"
    payload.write_text(
        json.dumps([{"path": str(doc), "line": line, "source": src} for line, src in blocks])
    )
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        MPLBACKEND="Agg",
        TFV1_MNIST_CACHE=str(cache),
        PYTHONHASHSEED="0",
    )
    result = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(payload)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(
            f"a ```python block of {_doc_id(doc)} failed (exit {result.returncode}):\n"
            f"{result.stderr[-6000:]}\n--- stdout ---\n{result.stdout[-2000:]}",
            pytrace=False,
        )


# --------------------------------------------------------------------------- #
# The block extractor and the index page.
# --------------------------------------------------------------------------- #


def test_python_blocks_picks_only_runnable_python():
    text = "\n".join(
        [
            "# Title",  # 1
            "```python",  # 2
            "a = 1",  # 3
            "```",  # 4
            "```python no-run",  # 5
            "raise SystemExit",  # 6
            "```",  # 7
            "```console",  # 8
            "$ tfv1-mnist --help",  # 9
            "```",  # 10
            "````markdown",  # 11
            "```python",  # 12
            "nested = True",  # 13
            "```",  # 14
            "````",  # 15
            "~~~python",  # 16
            "b = a + 1",  # 17
            "print(b)",  # 18
            "~~~",  # 19
        ]
    )
    assert python_blocks(text) == [(3, "a = 1\n"), (17, "b = a + 1\nprint(b)\n")]


def test_pages_with_code_are_collected_and_pages_without_are_not():
    names = {_doc_id(doc) for doc in DOCS_WITH_CODE}
    assert "README.md" in names and "docs/softmax.md" in names
    assert "docs/README.md" not in names  # the index has no code


def test_python_blocks_rejects_an_unclosed_fence():
    with pytest.raises(ValueError, match="line 2 is never closed"):
        python_blocks("text\n```python\nx = 1\n")


def test_docs_index_links_every_page_and_only_existing_ones():
    index = REPO / "docs" / "README.md"
    text = index.read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", text))
    for link in links:
        if "://" in link:
            continue
        assert (index.parent / link).is_file(), f"docs/README.md links to missing {link}"
    pages = {p.name for p in (REPO / "docs").glob("*.md")} - {"README.md"}
    assert pages <= {pathlib.PurePosixPath(link).name for link in links}, (
        f"docs/README.md does not link {sorted(pages - {pathlib.PurePosixPath(l).name for l in links})}"
    )
