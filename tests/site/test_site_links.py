"""Every internal link and anchor of the built site resolves, and notebook pages stay light."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import jupytext
from html_tags import PageTags, article, built_folder, site_tags

ROOT = Path(__file__).resolve().parents[2]

# Bytes of HTML. A notebook page with its styles and figures inlined was about 700 KB; rendered as
# Markdown, its figures served as files, it is the site's frame and the page's own cells (a training
# loop's page, training/mlp.py: 97 KB; the least-squares walkthrough: 72 KB; a topic page with
# pitfalls and exercises, such as probability/probability.py: 119 KB).
NOTEBOOK_PAGE_LIMIT = 150_000


def target_file(site: Path, page: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path)
    if path.startswith("/"):  # 404.html links from the site's path (its site_url's, in its sitemap)
        sitemap = site / "sitemap.xml"
        found = sitemap.is_file() and re.search(r"<loc>([^<]+)</loc>", sitemap.read_text(encoding="utf-8"))
        base = urlsplit(found[1]).path if found else "/"
        assert path.startswith(base), f"{page.relative_to(site)}: {url} is outside the site's path {base}"
        target = (site / path[len(base) :]).resolve()
    else:
        target = (page.parent / path).resolve() if path else page
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    assert target.is_relative_to(site.resolve()), f"{page.relative_to(site)}: {url} leaves the site"
    return target


def test_every_internal_link_and_anchor_resolves(built_site: Path, built_site_tags: dict[Path, PageTags]) -> None:
    ids = {path.resolve(): tags.ids for path, tags in built_site_tags.items()}
    broken, checked = [], 0
    for page, tags in built_site_tags.items():
        for tag, attribute in [("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")]:
            for element in tags.find(tag, attribute):
                url = element[attribute] or ""
                if urlsplit(url).scheme or url.startswith("//"):
                    continue  # external: the browser test checks that none is loaded
                where = f"{page.relative_to(built_site)}: {url}"
                target = target_file(built_site, page, url)
                checked += 1
                if not target.is_file():
                    broken.append(f"{where} (no file {target.relative_to(built_site.resolve())})")
                    continue
                anchor = unquote(urldefrag(url).fragment)
                if anchor and target.suffix == ".html" and anchor not in ids[target]:
                    broken.append(f"{where} (no id {anchor!r})")
    assert checked > 100
    assert not broken, "\n".join(broken)


def test_the_link_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<a href="missing/">x</a><a href="#nowhere">y</a>', encoding="utf-8")
    tags = site_tags(tmp_path)[tmp_path / "index.html"]
    links = [a["href"] for a in tags.find("a", "href")]
    assert not target_file(tmp_path, tmp_path / "index.html", links[0]).is_file()
    assert links[1] == "#nowhere"
    assert "nowhere" not in tags.ids


def notebook_pages(site: Path) -> dict[Path, Path]:
    """The built page of each notebook under ``docs/`` (a jupytext ``.py`` or an ``.ipynb``), by source:
    ``training/mlp.py`` is ``training/mlp/index.html``, its translation ``mlp.zh.py`` is under ``zh/``."""
    docs = ROOT / "docs"
    sources = sorted([*docs.rglob("*.py"), *docs.rglob("*.ipynb")])
    return {source: built_folder(source, docs, site) / "index.html" for source in sources}


def test_notebook_pages_are_light(built_site: Path) -> None:
    """A notebook's page is a page like the others: its article has no styles or scripts of its own,
    its code cells are the site's code blocks, its figures are files beside it (not inlined), and it
    stays under ``NOTEBOOK_PAGE_LIMIT``."""
    pages = notebook_pages(built_site)
    assert len(pages) > 10
    figures = 0
    for source, page in pages.items():
        assert page.is_file(), f"{source.relative_to(ROOT)}: no page at {page.relative_to(built_site)}"
        html = page.read_text(encoding="utf-8")
        assert page.stat().st_size <= NOTEBOOK_PAGE_LIMIT, (page, page.stat().st_size)
        assert "mathjax" not in html.lower(), page
        assert "In&nbsp;[" not in html, page
        assert "In [" not in html, page
        content = article(html)
        tags = PageTags(content)
        downloads = [a for a in tags.find("a", "download") if "dlref-ipynb" in (a.get("class") or "").split()]
        assert downloads, f"{page}: no notebook download"
        assert "<style" not in html, page
        assert not [name for name, _ in tags.tags if name == "script"], page
        # every code cell is a Material code block (its copy button), and so is every text output
        found = {}
        for kind in ("language-python", "language-text dlref-output"):
            block = f'<div class="{kind} highlight"[^>]*>'
            found[kind] = len(re.findall(block, content))
            assert found[kind] == len(re.findall(block + "<pre><span></span><code>", content)), (page, kind)
        cells = [cell for cell in jupytext.read(source).cells if cell.cell_type == "code" and cell.source.strip()]
        assert found["language-python"] >= len(cells) > 0, (page, found, len(cells))  # prose may show Python too
        for image in tags.find("img", "src"):
            src = image["src"] or ""
            assert not src.startswith("data:"), f"{page}: an image inlined as data"
            assert image.get("alt"), f"{page}: {src} has no alt text"
            assert (page.parent / src).is_file(), f"{page}: no file {src} beside it"
            figures += 1
    assert figures, "no notebook page has a figure"


def test_search_index_has_chinese_words_and_no_notebook_noise(built_site: Path) -> None:
    import json

    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["title"] + " " + doc["text"] for doc in index["docs"])
    separator = re.compile(index["config"]["separator"])
    words = set(separator.split(text))
    assert {"张量", "梯度", "tensor"} <= words  # jieba segmented the glossary
    assert "Copied!" not in text
    assert "Source code in" not in text  # the API page's source listings (the same source is on the pages)
    cells = [doc["text"] for doc in index["docs"] if doc["location"].startswith("walkthroughs/least-squares/")]
    first = "import matplotlib.pyplot as plt"
    assert sum(cell.count(first) for cell in cells) == 1, "each notebook cell is indexed once"
    assert not re.search(r"In\s*\[\d*\]:", text)
    glossary = [doc for doc in index["docs"] if doc["location"] == "#术语--glossary"]
    assert glossary, "the glossary section has a unicode anchor"
