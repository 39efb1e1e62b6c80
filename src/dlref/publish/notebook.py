r"""A reference page as a Jupyter notebook: prose as Markdown cells, the ``pycon`` code as code cells.

Each code cell holds the code of consecutive examples up to one that shows an output (or raises),
prompts stripped, so every cell ends with the value the page shows. The page's expected output of
that example is kept in the cell's metadata (``dlref.want``, with its tolerances), so a test can run
the notebook in a fresh kernel and check each cell's output with the engine's checker.

Admonitions, collapsible blocks and content tabs become bold titles with their bodies
un-indented; pymdown snippet lines (``--8<-- "file.py:section"``) are replaced by the section.

Examples:
    >>> page = "# Title\n\n```pycon\n>>> x = 2\n>>> x + 1\n3\n>>> print(x)\n2\n```\n\nDone.\n"
    >>> nb = page_notebook(page)
    >>> nb.cells[0].source == PLAIN_REPR  # values shown as the page shows them
    True
    >>> [(cell.cell_type, cell.source) for cell in nb.cells[1:]]
    [('markdown', '# Title'), ('code', 'x = 2\nx + 1'), ('code', 'print(x)'), ('markdown', 'Done.')]
    >>> nb.cells[2].metadata["dlref"]["want"]
    '3\n'
"""

from __future__ import annotations

import doctest
import hashlib
import re
from pathlib import Path

__all__ = ["expand_snippets", "output_text", "page_notebook", "stable_cell_ids"]

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
_CONTAINER = re.compile(r'^(?P<indent>\s*)(?:!!!|\?\?\?\+?|===)\s*(?P<kind>[\w-]*)?\s*(?:"(?P<title>[^"]*)")?\s*$')
_SNIPPET = re.compile(r'^(?P<indent>\s*)-{1,}8<-{1,}\s+"(?P<path>[^"]+)"\s*$')
_DIRECTIVE = re.compile(r"\s*#\s*(?:doctest|dlref):.*$", re.MULTILINE)
_PARSER = doctest.DocTestParser()


def expand_snippets(text: str, base: Path) -> str:
    """Replace each pymdown snippet line ``--8<-- "path"`` or ``"path:section"`` by the file's text."""

    def section(match: re.Match[str]) -> str:
        path, _, name = match["path"].partition(":")
        lines = (base / path).read_text(encoding="utf-8").splitlines()
        if name:
            start = next(i for i, line in enumerate(lines) if line.strip() == f"# --8<-- [start:{name}]")
            end = next(i for i, line in enumerate(lines) if line.strip() == f"# --8<-- [end:{name}]")
            lines = lines[start + 1 : end]
        lines = [line for line in lines if not line.strip().startswith("# --8<-- [")]
        return "\n".join(match["indent"] + line if line else "" for line in lines)

    return "\n".join(_SNIPPET.sub(section, line) for line in text.split("\n"))


def _flatten_containers(lines: list[str]) -> list[str]:
    """``!!! note "Title"`` / ``??? example`` / ``=== "Tab"`` become ``**Title**``; bodies are un-indented."""
    out: list[str] = []
    open_at: list[int] = []  # indents of the open containers' header lines
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if line.strip():
            while open_at and indent <= open_at[-1]:
                open_at.pop()
        body = line[4 * len(open_at) :] if line.startswith(" " * 4 * len(open_at)) else line.lstrip()
        header = _CONTAINER.match(body)
        if header:
            title = header["title"] if header["title"] is not None else (header["kind"] or "").capitalize()
            out.append(f"**{title}**" if title else "")
            open_at.append(indent)
            continue
        out.append(body)
    return out


def _cell(cell_type: str, source: str, metadata: dict | None = None):
    """A v4 cell, as ``nbformat.v4.new_*_cell`` makes it but not validated one by one (0.3 ms each):
    writing the notebook validates it whole. Its id is set by ``stable_cell_ids``."""
    import nbformat

    cell = {"cell_type": cell_type, "id": "", "metadata": metadata or {}, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return nbformat.from_dict(cell)


def _markdown_cell(lines: list[str]):
    text = "\n".join(_flatten_containers(lines)).strip("\n")
    return _cell("markdown", text) if text.strip() else None


def _code_cells(body: str) -> list:
    cells, sources = [], []
    for example in _PARSER.get_examples(body):
        sources.append(_DIRECTIVE.sub("", example.source).rstrip("\n"))
        if not example.want and example.exc_msg is None:
            continue
        directive = re.search(r"#\s*dlref:(.*)$", example.source, re.MULTILINE)
        settings = dict(s.split("=", 1) for s in directive[1].replace(",", " ").split()) if directive else {}
        meta = {
            "want": example.want,
            "exc_msg": example.exc_msg,
            "ellipsis": bool(example.options.get(doctest.ELLIPSIS)),
            "rtol": float(settings.get("rtol", 1e-4)),
            "atol": float(settings.get("atol", 1e-6)),
        }
        cells.append(_cell("code", "\n".join(sources), {"dlref": meta}))
        sources = []
    if sources:
        cells.append(_cell("code", "\n".join(sources)))
    return cells


PLAIN_REPR = (
    "# Show values as the page does: Python's repr, not IPython's pretty-printer.\n"
    "%config PlainTextFormatter.pprint = False"
)
"""The first cell of a page's notebook."""


def page_notebook(text: str, base: Path | None = None):
    """Convert a reference page's Markdown to an ``nbformat`` v4 notebook.

    Args:
        text: the page's Markdown (front matter allowed), with its checked outputs.
        base: the directory snippet paths are relative to; ``None`` leaves snippet lines as they are.

    Returns:
        The notebook (``nbformat.NotebookNode``), kernel ``python3``.
    """
    import nbformat

    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    if base is not None:
        text = expand_snippets(text, base)
    lines = text.split("\n")
    cells, prose, i = [], [], 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            prose.append(lines[i])
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if opening["info"] != "pycon":
            prose.extend(lines[i : end + 1])
            i = end + 1
            continue
        cells.append(_markdown_cell(prose))
        prose = []
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]]
        cells.extend(_code_cells("\n".join(body) + "\n"))
        i = end + 1
    cells.append(_markdown_cell(prose))
    cells = [cell for cell in cells if cell is not None]
    if any(cell.cell_type == "code" for cell in cells):
        # Jupyter pretty-prints values (`torch.Tensor` for `<class 'torch.Tensor'>`, `<X at 0x…>`
        # for `<X object at 0x…>`); the page shows Python's repr, and so does the notebook.
        cells.insert(0, _cell("code", PLAIN_REPR))
    notebook = nbformat.from_dict(
        {"cells": cells, "metadata": {}, "nbformat": nbformat.v4.nbformat, "nbformat_minor": nbformat.v4.nbformat_minor}
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return stable_cell_ids(notebook)


def stable_cell_ids(notebook):
    """Give each cell an id made from its type and source, so one text makes one notebook, byte for byte.

    ``nbformat`` gives a new cell a random id (and jupytext every cell of a ``.py`` notebook), which
    made every cold build's notebooks, and the ``cell-…`` anchors of notebook pages, differ from the
    last one's. The id is the first 8 hex digits of SHA-1 over ``type + NUL + source``, with ``-1``,
    ``-2`` added for repeats: editing one cell changes that cell's id only.

    Examples:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1") for _ in range(2)])
        >>> [cell.id for cell in stable_cell_ids(nb).cells]
        ['3523df12', '3523df12-1']
    """
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        base = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:8]
        count = seen.get(base, 0)
        seen[base] = count + 1
        cell.id = f"{base}-{count}" if count else base
    return notebook


def output_text(cell) -> tuple[str, str | None]:
    """What an executed code cell showed, as the engine would compare it: ``(printed text, exception)``.

    The printed text joins the cell's ``stdout`` and its ``text/plain`` result; the exception is
    ``"Name: message"`` when the cell raised, else ``None``.
    """
    text, error = [], None
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            text.append(output.text)
        elif output.output_type == "execute_result":
            text.append(output.data.get("text/plain", "") + "\n")
        elif output.output_type == "error":
            error = f"{output.ename}: {output.evalue}\n"
    return "".join(text), error
