"""Each page's Chinese translation keeps its source's code, is as new as its source, and exists.

A translation (``docs/x.zh.md`` beside ``docs/x.md``, ``docs/x.zh.py`` beside a notebook) shows the
same examples and outputs as its English page: the build runs them once for both
(``dlref_site.translations``). It records the version of the English file it translates
(``translated_from:``); a change to the English page makes it stale until it is brought up to date.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlref_site.examples import parse
from dlref_site.translations import LANGUAGES, recorded_hash, source_hash, source_of, translation_of

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
UNTRANSLATED = Path(__file__).with_name("untranslated.txt")
REFRESH = (
    "To bring one up to date: read what changed in the English page since the translation "
    "(git log -p docs/PAGE), translate it, then record the English file's version with "
    "'.venv/bin/python -m dlref_site.translations stamp docs/PAGE.zh.md'."
)


def _name(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def source_pages() -> list[Path]:
    """Every English page: the Markdown pages and the notebooks (jupytext ``.py``) under docs/."""
    pages = [*DOCS.rglob("*.md"), *DOCS.rglob("*.py")]
    return sorted(p for p in pages if source_of(_name(p)) is None)


def translations() -> list[Path]:
    return sorted(p for p in [*DOCS.rglob("*.md"), *DOCS.rglob("*.py")] if source_of(_name(p)) is not None)


def _examples(path: Path, root: Path = ROOT) -> list[tuple[str, int, str, str]]:
    """(file, line, source, output) of each example, or of each notebook code cell."""
    if path.suffix == ".py":
        import jupytext

        from dlref_site.notebooks import cell_lines

        text = path.read_text(encoding="utf-8")
        cells = jupytext.reads(text, fmt="py:percent").cells
        lines = cell_lines(text)
        name = _name(path, root)
        return [(name, line, c.source, "") for c, line in zip(cells, lines, strict=False) if c.cell_type == "code"]
    page = parse(path.read_text(encoding="utf-8"), _name(path, root), [root])
    return [(e.path, e.line, e.source, e.want) for e in page.examples]


def code_difference(translation: Path, root: Path = ROOT) -> str | None:
    """Where ``translation``'s code first differs from its source page's, or ``None``."""
    source = root / source_of(_name(translation, root))
    if not source.is_file():
        return f"{_name(translation, root)}: its source page {_name(source, root)} does not exist"
    mine, theirs = _examples(translation, root), _examples(source, root)
    for number, (a, b) in enumerate(zip(mine, theirs, strict=False), 1):
        if (a[2], a[3]) != (b[2], b[3]):
            return (
                f"{a[0]}:{a[1]}: block {number} differs from {b[0]}:{b[1]}: a translation keeps its "
                f"source's code and outputs as they are (translate the prose only).\n"
                f"--- {b[0]}:{b[1]}\n{b[2]}{b[3]}--- {a[0]}:{a[1]}\n{a[2]}{a[3]}"
            )
    if len(mine) != len(theirs):
        return f"{_name(translation, root)}: {len(mine)} blocks of code, {_name(source, root)} has {len(theirs)}"
    return None


@pytest.mark.parametrize("translation", translations(), ids=_name)
def test_translation_has_its_source_code(translation: Path) -> None:
    difference = code_difference(translation)
    assert difference is None, difference


def staleness(translation: Path, root: Path = ROOT) -> str | None:
    """Why ``translation`` is not up to date with its English page, or ``None``."""
    source = root / source_of(_name(translation, root))
    text = translation.read_text(encoding="utf-8")
    recorded = recorded_hash(text)
    current = source_hash(source.read_text(encoding="utf-8")) if source.is_file() else None
    if len(re.findall(r"^(?:#\s*)?\s*translated_from:", text, re.MULTILINE)) > 1:
        return "records translated_from more than once: keep one line"
    if recorded != current:
        return f"translates {recorded}, the source is now {current}" if recorded else "records no translated_from"
    return None


def test_translations_are_as_new_as_their_sources() -> None:
    stale = [f"{_name(t)} ({why})" for t in translations() if (why := staleness(t))]
    assert not stale, "translations older than their English page:\n  " + "\n  ".join(stale) + "\n" + REFRESH


def test_a_changed_source_and_a_doubled_record_are_named(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "p.md").write_text("# P\n", encoding="utf-8")
    (docs / "p.zh.md").write_text("# 页\n", encoding="utf-8")
    assert staleness(docs / "p.zh.md", tmp_path) == "records no translated_from"
    recorded = source_hash("# P\n")
    (docs / "p.zh.md").write_text(f"---\ntranslated_from: {recorded}\n---\n# 页\n", encoding="utf-8")
    assert staleness(docs / "p.zh.md", tmp_path) is None
    (docs / "p.md").write_text("# P, changed\n", encoding="utf-8")
    assert staleness(docs / "p.zh.md", tmp_path).startswith(f"translates {recorded}, the source is now ")
    doubled = f"---\ntranslated_from: {recorded}\ntranslated_from: {recorded}\n---\n# 页\n"
    (docs / "p.zh.md").write_text(doubled, encoding="utf-8")
    assert staleness(docs / "p.zh.md", tmp_path) == "records translated_from more than once: keep one line"


def listed_untranslated() -> list[str]:
    lines = UNTRANSLATED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_page_is_translated_or_listed() -> None:
    listed = listed_untranslated()
    pages = {p.relative_to(DOCS).as_posix() for p in source_pages()}
    missing, done, gone = [], [], [name for name in listed if name not in pages]
    for page in sorted(pages):
        translated = all((DOCS / translation_of(page, lang)).is_file() for lang in LANGUAGES)
        if not translated and page not in listed:
            missing.append(page)
        if translated and page in listed:
            done.append(page)
    problems = []
    if missing:
        problems.append(
            "pages with no Chinese translation (add docs/PAGE.zh.md, or a line in untranslated.txt with the reason): "
            + ", ".join(missing)
        )
    if done:
        problems.append("translated pages still listed in untranslated.txt (take their lines out): " + ", ".join(done))
    if gone:
        problems.append("untranslated.txt lists pages that do not exist: " + ", ".join(gone))
    assert not problems, "\n".join(problems)


def test_a_changed_line_of_code_is_named(tmp_path: Path) -> None:
    """The check names the translation, the block and both lines."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "p.md").write_text("# P\n\n```pycon\n>>> 1 + 1\n2\n>>> 2 * 3\n6\n```\n", encoding="utf-8")
    (docs / "p.zh.md").write_text("# 页\n\n说明。\n\n```pycon\n>>> 1 + 1\n2\n>>> 2 * 4\n8\n```\n", encoding="utf-8")
    report = code_difference(docs / "p.zh.md", tmp_path)
    assert report is not None
    assert report.startswith("docs/p.zh.md:8: block 2 differs from docs/p.md:6"), report


def test_each_page_switches_to_the_same_page_in_the_other_language(built_site: Path) -> None:
    """The language switch of every English page leads to its page under zh/, and back; Chinese
    pages are marked zh-Hans, English ones en, and both load the CJK font stack."""
    import posixpath
    from urllib.parse import urlsplit

    pages = [p for p in built_site.rglob("index.html") if not p.relative_to(built_site).as_posix().startswith("zh/")]
    home = (built_site / "index.html").read_text(encoding="utf-8")
    site_url = re.search(r'<link rel="canonical" href="([^"]+)"', home)[1]  # the build's site_url
    wrong = []
    for english in pages:
        path = english.parent.relative_to(built_site).as_posix()
        path = "" if path == "." else path + "/"
        chinese = built_site / "zh" / path / "index.html"
        if path.startswith(("assets/", "downloads/")) or not chinese.is_file():
            wrong.append(f"{path}: no zh/{path}")
            continue
        for page, lang, other in ((english, "en", f"zh/{path}"), (chinese, "zh-Hans", path)):
            html = page.read_text(encoding="utf-8")
            here = posixpath.dirname(page.relative_to(built_site).as_posix())
            links = re.findall(r'<a href="([^"]*)" hreflang="(\w+)" class="md-select__link">', html)
            base = urlsplit(site_url).path  # the site's path: absolute links start with it
            targets = {
                hreflang: posixpath.normpath(
                    href.removeprefix(base) if href.startswith("/") else posixpath.join(here, href)
                )
                for href, hreflang in links
            }
            want = other.rstrip("/") or "."
            if f'<html lang="{lang}"' not in html or "cjk.css" not in html:
                wrong.append(f"{page.relative_to(built_site)}: not lang={lang}, or no cjk.css")
            if targets.get("zh" if lang == "en" else "en") != want:
                wrong.append(f"{page.relative_to(built_site)}: switch leads to {targets}, not {want}")
    assert not wrong, "\n".join(wrong)
