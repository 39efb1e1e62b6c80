r"""HTML rewrites of built pages: light notebook pages, and ``pycon`` blocks that copy as code.

[`slim_notebook`][dlref_site.html.slim_notebook] takes out of a page mkdocs-jupyter rendered its
inline CSS (served once instead), scripts (MathJax, mermaid from a CDN), prompts and copy widgets,
makes its code cells Material code blocks and writes its images as files.
[`mark_pycon_outputs`][dlref_site.html.mark_pycon_outputs] wraps every line of a console block
that is not code in ``<span class="dlref-out">``, which the stylesheet hides while Material copies.

Examples:
    >>> block = (
    ...     '<div class="language-pycon highlight"><pre><span></span><code>'
    ...     '<span class="gp">&gt;&gt;&gt; </span><span class="mi">1</span>\n'
    ...     '<span class="gr">ValueError</span>: <span class="n">no</span>\n</code></pre></div>'
    ... )
    >>> print(mark_pycon_outputs(block).split("<code>")[1])
    <span class="gp">&gt;&gt;&gt; </span><span class="mi">1</span>
    <span class="dlref-out"><span class="gr">ValueError</span>: <span class="n">no</span>
    </span></code></pre></div>
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

__all__ = [
    "SlimNotebook",
    "collapse_solutions",
    "exclude_code_from_search",
    "exclude_math_from_search",
    "exclude_sources_from_search",
    "join_cjk_lines",
    "mark_pycon_outputs",
    "slim_notebook",
    "unique_slugs",
]

_PYCON_CODE = re.compile(
    r'(<div class="language-pycon highlight"><pre>(?:<span></span>)?<code>)(.*?)(</code>)', re.DOTALL
)
_PROMPT_LINE = re.compile(r'^(?:<span class="[^"]*"></span>)*<span class="gp">')


def mark_pycon_outputs(html: str) -> str:
    """Wrap each non-code line of every ``pycon`` block of ``html`` in ``<span class="dlref-out">``.

    A line is code when it starts with a prompt (``>>>`` or ``...``, pygments' ``gp``); every other
    line (outputs, the traceback header, ``...`` of a traceback, the exception's message, blank
    lines) is wrapped with its newline, so a copy has neither output nor empty lines where output
    was. Lines whose tags do not balance (a token spanning lines) are left as they are.
    """

    def block(match: re.Match[str]) -> str:
        lines = match[2].split("\n")
        out = []
        for i, line in enumerate(lines):
            end = "\n" if i < len(lines) - 1 else ""
            if not line and not end:
                out.append(line)
            elif _PROMPT_LINE.match(line) or line.count("<span") != line.count("</span>"):
                out.append(line + end)
            else:
                out.append(f'<span class="dlref-out">{line}{end}</span>')
        return match[1] + "".join(out) + match[3]

    return _PYCON_CODE.sub(block, html)


_SOURCE_LISTING = '<details class="mkdocstrings-source">'
_EXCLUDED = _SOURCE_LISTING[:-1] + " data-search-exclude>"


def exclude_sources_from_search(html: str) -> str:
    """Mark mkdocstrings' "Source code in ..." listings ``data-search-exclude``: the docstrings
    and the reference pages already index that text.

    Examples:
        >>> exclude_sources_from_search('<details class="mkdocstrings-source"><summary>Source')
        '<details class="mkdocstrings-source" data-search-exclude><summary>Source'
    """
    return html.replace(_SOURCE_LISTING, _EXCLUDED)


_CODE = re.compile(r'<div class="(language-\w+ highlight|jp-OutputArea jp-Cell-outputArea)">')


def exclude_code_from_search(html: str) -> str:
    """Mark code blocks and notebook outputs ``data-search-exclude``: for a translation, whose code
    and outputs are its English page's, indexed there once (the site has one search index).

    Examples:
        >>> exclude_code_from_search('<div class="language-pycon highlight"><pre>')
        '<div class="language-pycon highlight" data-search-exclude><pre>'
    """
    return _CODE.sub(r'<div class="\1" data-search-exclude>', html)


_MATH = re.compile(r'<(span|div) class="arithmatex">')


def exclude_math_from_search(html: str) -> str:
    """Mark arithmatex's math ``data-search-exclude``: a search preview would show its LaTeX source.

    Examples:
        >>> exclude_math_from_search('<p>a <span class="arithmatex">x</span></p>')
        '<p>a <span class="arithmatex" data-search-exclude>x</span></p>'
    """
    return _MATH.sub(r'<\1 class="arithmatex" data-search-exclude>', html)


_CJK = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")
_VERBATIM = re.compile(r"(<(pre|code|script|style|textarea)\b.*?</\2>)", re.DOTALL | re.IGNORECASE)


def join_cjk_lines(html: str) -> str:
    r"""``html`` without the line breaks of its source that fall between two Chinese characters or
    punctuation marks: a browser shows such a break as a space, which Chinese text never has. Code
    (``pre``, ``code``) is left as it is.

    Examples:
        >>> join_cjk_lines("<p>张量是\n多维数组。\n下一句 torch\n也行</p><pre>一\n二</pre>")
        '<p>张量是多维数组。下一句 torch\n也行</p><pre>一\n二</pre>'
    """
    parts = _VERBATIM.split(html)  # text, then each verbatim element and its tag's name, and so on
    return "".join(_CJK_BREAK.sub("", part) if i % 3 == 0 else part for i, part in enumerate(parts) if i % 3 != 2)


def unique_slugs(
    titles: list[str], slugify: Callable[[str, str], str], given: list[str | None] | None = None
) -> list[str]:
    """Anchors for headings, as Python-Markdown's ``toc`` makes them: ``slugify``, then ``_1``, ``_2``
    for repeats (and ``_1`` for an empty slug). A heading whose anchor is ``given`` (not ``None``)
    keeps it, as ``{#id}`` does on a Markdown page.

    Examples:
        >>> from pymdownx.slugs import slugify
        >>> unique_slugs(["Least squares", "术语 / Glossary", "Least squares"], slugify(case="lower"))
        ['least-squares', '术语--glossary', 'least-squares_1']
        >>> unique_slugs(["数据", "数据", "模型"], slugify(case="lower"), ["the-data", None, None])
        ['the-data', '数据', '模型']
    """
    given = given or [None] * len(titles)
    seen: set[str] = {anchor for anchor in given if anchor}
    slugs = []
    for title, anchor in zip(titles, given, strict=True):
        if anchor:
            slugs.append(anchor)
            continue
        base = slugify(title, "-")
        slug, n = base, 0
        while not slug or slug in seen:
            n += 1
            slug = f"{base}_{n}"
        seen.add(slug)
        slugs.append(slug)
    return slugs


def collapse_solutions(soup: BeautifulSoup) -> None:
    """Fold each notebook cell tagged ``solution`` (``# %% tags=["solution"]``; nbconvert gives it the
    class ``celltag_solution``), its code and its output, into ``<details class="example">`` with the
    summary "Solution" (without the label of the tag): what ``??? example "Solution"`` renders on a
    Markdown page, so both look alike in light and dark mode. Adjacent solution cells share one
    block. The notebook itself keeps them as ordinary cells, so a downloaded copy runs them too.

    Examples:
        >>> from bs4 import BeautifulSoup
        >>> soup = BeautifulSoup('<div class="celltag_solution">x</div><p>y</p>', "html.parser")
        >>> collapse_solutions(soup)
        >>> str(soup)
        '<details class="example"><summary>Solution</summary><div class="celltag_solution">x</div></details><p>y</p>'
    """
    for cell in soup.find_all("div", class_="celltag_solution"):
        if cell.find_parent("div", class_="celltag_solution") is not None:
            continue  # inside a tagged cell already being folded
        for toolbar in cell.find_all("div", class_="celltoolbar"):
            toolbar.decompose()  # mkdocs-jupyter's label of the tag: the summary says "Solution"
        previous = cell.find_previous_sibling()
        if getattr(previous, "name", None) == "details" and previous.find("div", "celltag_solution", recursive=False):
            previous.append(cell.extract())  # the solution's next cell: same block
            continue
        details = soup.new_tag("details", attrs={"class": "example"})
        summary = soup.new_tag("summary")
        summary.string = "Solution"
        cell.wrap(details)
        details.insert(0, summary)


@dataclass
class SlimNotebook:
    """A notebook page's content without what [`slim_notebook`][dlref_site.html.slim_notebook] took out."""

    html: str
    """The content: cells only."""
    styles: str
    """The notebook's inline styles, joined: the site serves them once as a file."""
    images: dict[str, bytes] = field(default_factory=dict)
    """Image files to write next to the page (name to bytes); the content links them by name."""
    anchors: list[str] = field(default_factory=list)
    """The headings' new ids, in document order (for the table of contents)."""
    math: bool = False
    """Whether the notebook's prose or HTML outputs have ``$...$`` math (the page then loads KaTeX)."""


_NO_ALT = "No description has been provided for this image"
"""The alt text nbconvert gives an image that has none; a figure of the notebook's gets ``Figure <n>``."""
_IMAGE = re.compile(r"data:image/(png|jpeg|gif|svg\+xml);base64,(.*)", re.DOTALL)


_NOTEBOOK_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$\s][^$]*?\$)", re.DOTALL)


def slim_notebook(
    html: str, slugify: Callable[[str, str], str], image_prefix: str = "figure", alts: dict[str, str] | None = None
) -> SlimNotebook:
    """Take the inline styles, scripts, prompts, copy widgets and inlined images out of a notebook page
    rendered by mkdocs-jupyter. A figure nbconvert left undescribed gets the ``alt`` of its cell's
    metadata (``alts``, by cell id: ``# %% alt="..."`` in a jupytext notebook), else ``Figure <n>``.
    ``slugify`` is the site's ``toc`` slugify, so heading anchors match the table of contents; images
    are named ``<image_prefix>-<n>.<ext>``. The prose's math is wrapped in
    ``<span class="arithmatex">``, kept out of the search index, as on Markdown pages.
    """
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()  # "Load mathjax", "End of mermaid configuration"
    styles = [style.get_text() for style in soup.find_all("style")]
    for element in soup.find_all(["style", "script"]):
        element.decompose()
    for widget in soup.find_all(class_=["zeroclipboard-container", "clipboard-copy-txt"]):
        widget.decompose()  # Material's copy button reads the code block itself
    for cell in soup.find_all(id=re.compile(r"^cell-id=")):
        cell["id"] = cell["id"].replace("cell-id=", "cell-")  # "=" breaks the copy button's CSS selector
    # "In [1]:" prompts and the handles for folding cells: no use on a page, and 64 px of gutter.
    for element in soup.find_all(class_=["jp-InputPrompt", "jp-OutputPrompt", "jp-Collapser"]):
        element.decompose()
    for cell in soup.find_all("div", class_="jp-Cell"):  # the template wraps each cell twice: keep the inner one
        children = [child for child in cell.children if not isinstance(child, str) or child.strip()]
        if (
            len(children) == 1
            and getattr(children[0], "name", None) == "div"
            and "jp-Cell" in children[0].get("class", [])
        ):
            cell.unwrap()
    collapse_solutions(soup)
    for wrapper in soup.find_all(class_=["jp-Cell-inputWrapper", "jp-Cell-outputWrapper"], tabindex=True):
        del wrapper["tabindex"]  # JupyterLab's keyboard focus for cells; a page has nothing to do there
    # An output can be wider than the page: focusable, its scroll bar works from the keyboard.
    for notebook in soup.find_all(class_="jp-Notebook"):
        for output in notebook.find_all("div", class_="jp-OutputArea-output"):
            output["tabindex"] = "0"
    # Code cells as Material code blocks: its copy button, its colours in light and dark mode.
    for div in soup.find_all("div", class_="highlight-ipynb"):
        pre = div.find("pre")
        if pre is None:
            continue
        for empty in pre.find_all("span", recursive=False, limit=1):
            if not empty.contents and not empty.attrs:
                empty.decompose()
        code = soup.new_tag("code")
        code.extend(list(pre.contents))
        pre.clear()
        pre.append(code)
        div["class"] = ["language-python", "highlight"]
    math = False
    for prose in soup.find_all(class_="jp-RenderedHTMLCommon"):  # Markdown cells and HTML outputs (tables)
        for text in prose.find_all(string=_NOTEBOOK_MATH):
            if text.find_parent(["code", "pre", "script", "style"]) is not None:
                continue
            pieces = _NOTEBOOK_MATH.split(str(text))
            for i, piece in enumerate(pieces):
                if i % 2:
                    span = soup.new_tag("span", attrs={"class": "arithmatex", "data-search-exclude": ""})
                    span.string = piece
                    text.insert_before(span)
                elif piece:
                    text.insert_before(piece)
            text.extract()
            math = True
    images: dict[str, bytes] = {}
    for img in soup.find_all("img"):
        if not img.has_attr("alt"):
            img["alt"] = _NO_ALT
    for img in soup.find_all("img", src=True):
        match = _IMAGE.fullmatch(img["src"])
        if match is None:
            continue
        extension = {"svg+xml": "svg", "jpeg": "jpg"}.get(match[1], match[1])
        name = f"{image_prefix}-{len(images) + 1}.{extension}"
        images[name] = base64.b64decode(match[2])
        img["src"] = name
        if img["alt"] == _NO_ALT:
            cell = img.find_parent(id=re.compile(r"^cell-"))
            alt = (alts or {}).get(cell["id"].removeprefix("cell-")) if cell is not None else None
            img["alt"] = alt or f"Figure {len(images)}"
        if "class" in img.attrs and not "".join(img["class"]).strip():
            del img["class"]
    headings = soup.find_all(re.compile(r"^h[1-6]$"))
    given: list[str | None] = []
    for heading in headings:
        for link in heading.find_all("a", class_="anchor-link"):
            link.decompose()
        # `## 数据 <a id="the-data"></a>`: the anchor the heading keeps (a translation keeps its
        # English page's anchors, so links and the language switch land on the same section)
        marks = [a for a in heading.find_all("a", id=True) if not a.get("href") and not a.get_text().strip()]
        given.append(marks[0]["id"] if marks else None)
        for mark in marks:
            mark.decompose()
    anchors = unique_slugs([heading.get_text().strip() for heading in headings], slugify, given)
    for heading, anchor in zip(headings, anchors, strict=True):
        heading["id"] = anchor
        link = soup.new_tag("a", attrs={"class": "headerlink", "href": f"#{anchor}", "title": "Permanent link"})
        link.string = "¶"
        heading.append(link)
    return SlimNotebook(str(soup), "\n".join(styles), images, anchors, math)
