r"""An executed notebook as the Markdown page MkDocs renders: the site's own Markdown, code blocks,
tables and math for a walkthrough, as for every other page.

[`notebook_markdown`][dlref_site.notebook_page.notebook_markdown] writes each Markdown cell as it
is, each code cell as a ``python`` block and its outputs after it: text as a ``text`` block of the
class ``dlref-output``, a figure as an image file written next to the page, an HTML output (a pandas table)
as HTML. A heading ``## 数据 <a id="the-data"></a>`` of a translation keeps its English page's
anchor as ``{#the-data}``, and cells tagged ``solution`` fold, with their outputs, into one
``??? example "Solution"`` block, as on a Markdown page.

Examples:
    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    >>> nb = new_notebook(cells=[
    ...     new_markdown_cell("## 数据 <a id=\"the-data\"></a>\n\nText."),
    ...     new_code_cell("print(1 + 1)", outputs=[new_output("stream", name="stdout", text="2\n")]),
    ... ])
    >>> print(notebook_markdown(nb, "page").markdown)
    ## 数据 {#the-data}
    <BLANKLINE>
    Text.
    <BLANKLINE>
    ```python
    print(1 + 1)
    ```
    <BLANKLINE>
    ``` { .text .dlref-output }
    2
    ```
    <BLANKLINE>
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

from dlref_site.examples import fence
from dlref_site.notebooks import ANSI

__all__ = ["NotebookMarkdown", "notebook_markdown"]

_ANCHORED_HEADING = re.compile(r'^(#{1,6} .*?)[ \t]*<a id="([^"]+)"></a>[ \t]*$', re.MULTILINE)
_STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
_BLANK_LINES = re.compile(r"\n\s*\n")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\s][^$]*?)\$", re.DOTALL)
_TAG = re.compile(r"(<[^>]*>)")
_IMAGES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/svg+xml": "svg"}


@dataclass
class NotebookMarkdown:
    """A notebook's page: its Markdown, and the image files the Markdown links by name."""

    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)


def _math(html_text: str) -> str:
    r"""``$...$`` and ``$$...$$`` in the text of an HTML output (a table of sympy's LaTeX) as the
    site's Markdown writes math: KaTeX renders it, and search leaves it out.

    Examples:
        >>> print(_math('<td>$x^{2}$</td>'))
        <td><span class="arithmatex">\(x^{2}\)</span></td>
        >>> print(_math('<td title="$1">$$\\frac{a}{b}$$ costs $5</td>'))  # not in a tag; "$5" has no end
        <td title="$1"><span class="arithmatex">\[\frac{a}{b}\]</span> costs $5</td>
    """

    def wrap(match: re.Match[str]) -> str:
        display, inline = match[1], match[2]
        return (
            rf'<span class="arithmatex">\[{display}\]</span>'
            if display is not None
            else rf'<span class="arithmatex">\({inline}\)</span>'
        )

    return "".join(part if i % 2 else _MATH.sub(wrap, part) for i, part in enumerate(_TAG.split(html_text)))


def _output(output: dict, images: dict[str, bytes], prefix: str, alt: str | None) -> str | None:
    """One output as Markdown (``None`` for an empty one); a figure is added to ``images``."""
    kind = output.get("output_type")
    if kind == "stream":
        text = ANSI.sub("", output.get("text", ""))
    elif kind == "error":
        text = ANSI.sub("", "\n".join(output.get("traceback", [])))
    else:
        data = output.get("data", {})
        for mime, extension in _IMAGES.items():
            if mime in data:
                raw = data[mime]
                name = f"{prefix}-{len(images) + 1}.{extension}"
                images[name] = raw.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(raw)
                # HTML, not ![alt](name): the file is written next to the page, not one of docs/
                return f'<img src="{name}" alt="{html.escape(alt or f"Figure {len(images)}")}">'
        if "text/html" in data:  # one HTML block: a blank line would end it, and the rest be Markdown
            shown = _BLANK_LINES.sub("\n", _math(_STYLE.sub("", data["text/html"]))).strip()
            return f'<div class="dlref-output">\n{shown}\n</div>'
        text = data.get("text/plain", "")
    return fence(text, " { .text .dlref-output }") if text.strip() else None


def notebook_markdown(notebook, image_prefix: str = "figure") -> NotebookMarkdown:
    """The page of an executed ``notebook`` (nbformat 4). Images are named
    ``<image_prefix>-<n>.<ext>``; a figure's ``alt`` is its cell's ``alt`` metadata (``# %% alt="..."``
    in a jupytext notebook), else ``Figure <n>``.
    """
    images: dict[str, bytes] = {}
    blocks: list[str] = []
    solution: list[str] = []  # the blocks of consecutive cells tagged "solution"

    def fold() -> None:
        if solution:
            body = "\n\n".join(solution)
            indented = "\n".join(f"    {line}" if line else "" for line in body.split("\n"))
            blocks.append(f'??? example "Solution"\n\n{indented}')
            solution.clear()

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            fold()
            blocks.append(_ANCHORED_HEADING.sub(r"\1 {#\2}", cell.source.strip("\n")))
        elif cell.cell_type == "code":
            alt = cell.metadata.get("alt")
            parts = [fence(cell.source, "python")] if cell.source.strip() else []
            for output in cell.get("outputs", []):
                shown = _output(output, images, image_prefix, alt if isinstance(alt, str) else None)
                if shown is not None:
                    parts.append(shown)
            if "solution" in cell.metadata.get("tags", []):
                solution.extend(parts)
            else:
                fold()
                blocks.extend(parts)
    fold()
    return NotebookMarkdown("\n\n".join(blocks) + "\n", images)
