"""The glossary and the d2l map, in both languages: every link lands on a page and a heading that
exist, the glossary covers every page with at least 60 terms, and the map covers every section of
d2l's chapters on preliminaries, linear regression, softmax regression and MLPs in both numberings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from html_tags import built_folder, search_entries
from pymdownx.slugs import slugify

from dlref_site.translations import source_of, translation_of
from topics import is_topic

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?:#(?P<anchor>[^)\s]+))?\)")
HEADING = re.compile(r"^(?:# )?#{1,6} (?P<title>.+?)\s*$", re.MULTILINE)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Pages that are not topics: the glossary need not name them.
# Every section of these chapters, as numbered by zh.d2l.ai (v2) and d2l.ai.
ZH_SECTIONS = [f"2.{i}" for i in range(1, 8)] + [f"3.{i}" for i in range(1, 8)] + [f"4.{i}" for i in range(1, 11)]
EN_SECTIONS = [f"{c}.{i}" for c in (2, 3, 4, 5) for i in range(1, 8)]


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as the build makes them (backticks and markup dropped)."""
    slug = slugify(case="lower")
    titles = HEADING.findall(page.read_text(encoding="utf-8"))
    return {slug(re.sub(r"`|<[^>]+>", "", title), "-") for title in titles}


def links(page: Path) -> list[tuple[str, str | None]]:
    text = page.read_text(encoding="utf-8")
    return [(m["target"], m["anchor"]) for m in LINK.finditer(text) if not m["target"].startswith("http")]


@pytest.mark.parametrize("name", ["glossary.md", "glossary.zh.md", "d2l-map.md", "d2l-map.zh.md"])
def test_every_link_lands_on_a_page_and_heading_that_exist(name: str) -> None:
    broken = []
    for target, anchor in links(DOCS / name):
        page = DOCS / target
        if not page.is_file():
            broken.append(f"{target}: no such page")
        elif anchor and page.suffix in (".md", ".py") and anchor not in anchors(page):
            broken.append(f"{target}#{anchor}: no such heading (headings: {sorted(anchors(page))})")
    assert not broken, f"docs/{name}:\n  " + "\n  ".join(broken)


def rows(name: str) -> list[list[str]]:
    lines = (DOCS / name).read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("| ") and not line.startswith("|---")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[1:]]


def test_the_glossary_has_60_terms_in_both_languages_covering_every_page() -> None:
    english, chinese = rows("glossary.md"), rows("glossary.zh.md")
    assert len(english) >= 60, len(english)
    for term, zh, _ in english:
        assert re.fullmatch(r'<span lang="zh-Hans">[^<]+</span>', zh), (term, zh)
        assert CJK.search(zh), (term, zh)
    assert [(re.sub("<[^>]+>", "", en), re.sub("<[^>]+>", "", zh)) for en, zh, _ in english] == [
        (re.sub("<[^>]+>", "", en), re.sub("<[^>]+>", "", zh)) for zh, en, _ in chinese
    ], "glossary.zh.md has other terms than glossary.md"
    linked = {target for target, _ in links(DOCS / "glossary.md")}
    pages = {p.relative_to(DOCS).as_posix() for p in [*DOCS.rglob("*.md"), *DOCS.rglob("*.py")]}
    topics = {p for p in pages if source_of(p) is None and is_topic(p)}
    assert not topics - linked, f"pages no glossary term links to: {sorted(topics - linked)}"


def test_each_translated_page_has_the_glossary_terms_for_it_as_search_tags(built_site: Path) -> None:
    """The Chinese glossary's terms for a page are the tags of its translation's search entries, in
    the table's order, without a gloss in parentheses or Latin letters (cut into pieces that only
    Material's search sees); English pages have none."""
    expected: dict[str, list[str]] = {}
    for zh, _, cell in rows("glossary.zh.md"):
        cell_terms = re.split("[，,、]", re.sub(r"<[^>]+>|（[^）]*）|\([^)]*\)", "", zh))
        terms = [re.sub(r"[\sA-Za-z0-9-]", "", term) for term in cell_terms]
        for target, _ in LINK.findall(cell):
            translation = DOCS / translation_of(target)
            if translation.is_file():  # an untranslated page has no tags: it is shown in English
                folder = built_folder(translation, DOCS, built_site).relative_to(built_site).as_posix()
                page = expected.setdefault(f"{folder}/", [])
                page += [term for term in dict.fromkeys(terms) if term and term not in page]
    tags: dict[str, set[tuple[str, ...]]] = {}
    for doc in search_entries(built_site):
        tags.setdefault(doc["location"].split("#")[0], set()).add(tuple(doc.get("tags", ())))
    for page, terms in expected.items():
        assert len(tags[page]) == 1, f"{page}: its search entries have different tags: {tags[page]}"
        assert [tag.replace("\u200b", "") for tag in next(iter(tags[page]))] == terms, page
    english = sorted(page for page, found in tags.items() if not page.startswith("zh/") and found != {()})
    assert not english, f"English pages with search tags: {english}"


@pytest.mark.parametrize("name", ["d2l-map.md", "d2l-map.zh.md"])
def test_the_map_has_every_section_in_both_numberings(name: str) -> None:
    zh, en = set(), set()
    for row in rows(name):
        for column, found in ((row[0], zh), (row[1], en)):
            for part in re.split(r"[,、]\s*", column):
                first, _, last = part.partition("–")
                found.add(".".join(first.split(".")[:2]))
                if last:
                    found.add(".".join(last.split(".")[:2]))
    assert not set(ZH_SECTIONS) - zh, f"{name}: Chinese-edition sections missing: {sorted(set(ZH_SECTIONS) - zh)}"
    assert not set(EN_SECTIONS) - en, f"{name}: English-edition sections missing: {sorted(set(EN_SECTIONS) - en)}"
    assert all(row[3] for row in rows(name)), f"{name}: a row names no dlref page"
