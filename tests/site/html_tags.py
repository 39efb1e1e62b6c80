"""The start tags of an HTML page, its article and the article's text, read with Python's own
``html.parser``; and where the site serves a page of ``docs/``.

It reads the whole built site in about a second; BeautifulSoup trees of the same pages took five
times as long, and the link check and the download check only need tags.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path


class PageTags(HTMLParser):
    """Every start tag of one HTML page, as ``(tag, attributes)``, and every ``id`` in it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.add(attributes["id"])

    handle_startendtag = handle_starttag

    def find(self, tag: str, attribute: str) -> list[dict[str, str | None]]:
        """The attributes of every ``tag`` that has ``attribute``."""
        return [attributes for name, attributes in self.tags if name == tag and attribute in attributes]


def site_tags(site: Path) -> dict[Path, PageTags]:
    return {path: PageTags(path.read_text(encoding="utf-8")) for path in sorted(site.rglob("*.html"))}


def article(html: str) -> str:
    """The page's ``<article>`` element (Material's content: no navigation, header or footer)."""
    start = html.index("<article")
    return html[start : html.index("</article>", start) + len("</article>")]


class Text(HTMLParser):
    """The text of an HTML fragment, less the text inside any of the ``skipped`` tags (``code``)."""

    def __init__(self, html: str, skipped: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.skipped, self.depth, self.parts = skipped, 0, []
        self.feed(html)
        self.close()
        self.text = "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag in self.skipped

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipped and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def built_folder(source: Path, docs: Path, site: Path) -> Path:
    """The folder of ``site`` that serves ``source`` (a file under ``docs``) and its ``.ipynb``: a
    translation (``x.zh.md``, ``x.zh.py``) is served under ``zh/``, named as its page; ``index.md`` is
    its own folder's page.

    Examples:
        >>> docs, site = Path("docs"), Path("site")
        >>> [built_folder(docs / name, docs, site).as_posix() for name in ("training/mlp.zh.py", "api/index.md")]
        ['site/zh/training/mlp', 'site/api']
    """
    relative, root = source.relative_to(docs).with_suffix(""), site
    if relative.suffix == ".zh":
        relative, root = relative.with_suffix(""), site / "zh"
    return root / relative.parent if relative.name == "index" else root / relative


def search_entries(site: Path) -> list[dict]:
    """Every entry of the site's search indexes, one per language (``search/`` at the root,
    ``zh/search/`` in the Chinese folder), each ``location`` a path from the site's root."""
    entries = []
    for index in [site / "search/search_index.json", *sorted(site.glob("*/search/search_index.json"))]:
        folder = index.parent.parent.relative_to(site).as_posix()
        prefix = "" if folder == "." else f"{folder}/"
        docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
        entries += [{**doc, "location": prefix + doc["location"]} for doc in docs]
    return entries
