"""Which pages are topic pages: the ones that teach something, so have exercises, glossary terms and
search terms. The others are the home page, the map of d2l's sections, the glossary, the Versions
page (made from the radar's reports) and the API reference."""

from __future__ import annotations

NOT_TOPICS = frozenset({"index.md", "d2l-map.md", "glossary.md", "versions.md"})


def is_topic(page: str) -> bool:
    """``page``, relative to ``docs/``, is an English topic page."""
    return page not in NOT_TOPICS and not page.startswith("api/") and ".zh." not in page
