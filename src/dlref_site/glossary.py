r"""The glossary's Chinese terms as search keywords of the pages it names for them.

Material's search worker cuts a Chinese query into words of the index and searches each as a
prefix, leaving out the query's last character: 学习率 is searched as ``学习*``, and on titles and
text alone the d2l map (《动手学深度学习》) outranks the page on the learning rate. The glossary
says which page covers each term, so the plugin gives each translated page the terms that the
Chinese glossary's table links to it as its ``tags``, a field of Material's search index that
``mkdocs.yml`` weighs above a title: ``学习*`` matches the tag 学习率 of its page, which then
leads. The site's stylesheet keeps tags out of the search results: they are for ranking.

A term that contains other terms of the glossary is indexed as those terms and the rest
(小批量随机梯度下降 as 小批量随机 · 梯度 · 下降). Searching 梯度 then matches the same word on the
gradient page and on the gradient-descent pages, whose titles and text rank them; the whole word
梯度下降, rarer than 梯度 and so weighted more, would put a gradient-descent page first.

Examples:
    >>> table = '''
    ... | 中文 | English | 页面 |
    ... |---|---|---|
    ... | 梯度 | <span lang="en">gradient</span> | [梯度](calculus/gradients.md#the-gradient) |
    ... | 梯度下降 | <span lang="en">gradient descent</span> | [最小二乘法](walkthroughs/least-squares.py) |
    ... | 过拟合，欠拟合 | <span lang="en">overfitting, underfitting</span> | [泛化](generalisation/generalisation.py) |
    ... '''
    >>> pages = terms_by_page(table, "glossary.zh.md")
    >>> pages["calculus/gradients.md"], pages["generalisation/generalisation.py"]
    (['梯度'], ['过拟合', '欠拟合'])
    >>> [tag.split("\u200b") for tag in keywords(pages["walkthroughs/least-squares.py"], pages)]
    [['梯度', '下降']]
"""

from __future__ import annotations

import posixpath
import re

__all__ = ["PAGE", "keywords", "terms_by_page"]

PAGE = "glossary.md"
"""The glossary (English); its translation beside it (``glossary.zh.md``) gives the Chinese terms."""

_LINK = re.compile(r"\]\(([^)\s#]+)")
_GLOSS = re.compile(r"（[^）]*）|\([^)]*\)")  # 未规范化的预测（logit）: the term is before its gloss
_TERMS = re.compile(r"[，,、]")
_JOIN = "\u200b"
_LATIN = re.compile(r"[A-Za-z0-9]+")


def terms_by_page(markdown: str, glossary: str) -> dict[str, list[str]]:
    """Each page the glossary's table links to (its path under ``docs/``, without the section) ->
    the terms of the rows that link to it, from the table's first column.

    A cell may hold several terms (``过拟合，欠拟合``); markup and a gloss in parentheses are left
    out. ``glossary`` is the glossary's own path, which its links are relative to.
    """
    pages: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        links = _LINK.findall(cells[-1]) if len(cells) >= 3 else []
        if not links:
            continue
        text = _GLOSS.sub("", re.sub(r"<[^>]+>", "", cells[0]))
        terms = [term.strip() for term in _TERMS.split(text) if term.strip()]
        for link in links:
            page = pages.setdefault(posixpath.normpath(posixpath.join(posixpath.dirname(glossary), link)), [])
            page += [term for term in terms if term not in page]
    return pages


def keywords(terms: list[str], glossary: dict[str, list[str]]) -> list[str]:
    r"""A page's search keywords: each of its ``terms``, cut where it contains other terms of the
    ``glossary`` (as [`terms_by_page`][dlref_site.glossary.terms_by_page] gives it), longest first,
    and those again; the pieces joined by a zero-width space, which Material's search splits at.

    Latin letters and digits are left out (softmax回归 gives 回归): a query is cut where Latin
    letters meet Chinese ones, and an English word is found in the page's own text and code.

    Examples:
        >>> glossary = {"a.md": ["矩阵", "向量"], "b.md": ["矩阵-向量积", "对称矩阵", "Hadamard积", "点积", "NumPy"]}
        >>> [tag.split("\u200b") for tag in keywords(glossary["b.md"], glossary)]
        [['矩阵', '向量', '积'], ['对称', '矩阵'], ['积'], ['点积']]
    """
    # a term of one character (熵, 轴) does not cut others: 交叉熵 stays one word; longest first
    known = sorted({term for page in glossary.values() for term in page if len(term) > 1}, key=len, reverse=True)
    found = []
    for term in terms:
        pieces = (_LATIN.sub("", piece).strip(" -") for piece in _pieces(term, known))
        tag = _JOIN.join(piece for piece in pieces if piece)
        if tag and tag not in found:  # Frobenius范数 beside 范数
            found.append(tag)
    return found


def _pieces(term: str, known: list[str]) -> list[str]:
    """``term`` cut at the other ``known`` terms (longest first) it contains, and those again."""
    pieces, rest, i = [], "", 0
    while i < len(term):
        inner = next((other for other in known if other != term and term.startswith(other, i)), None)
        if inner is None:
            rest, i = rest + term[i], i + 1
            continue
        if rest:
            pieces.append(rest)
        pieces += _pieces(inner, known)
        rest, i = "", i + len(inner)
    return [*pieces, rest] if rest else pieces
