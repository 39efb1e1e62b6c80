r"""HTML rewrites of built pages: ``pycon`` blocks that copy as code, and what search leaves out.

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

import re

__all__ = [
    "exclude_math_from_search",
    "exclude_sources_from_search",
    "join_cjk_lines",
    "mark_pycon_outputs",
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
