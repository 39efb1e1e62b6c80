"""Every internal link and anchor of the built site resolves, and notebook pages stay light."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

from bs4 import BeautifulSoup
from html_tags import PageTags, site_tags

# Bytes of HTML. A notebook page with its styles and figures inlined was about 700 KB; with them served
# as files it is the site's frame (about 34 KB) and the page's own cells (a training loop's page: 85 KB;
# a walkthrough with its exercises' solution cells: about 105 KB; a topic page with pitfalls and
# exercises, such as probability/probability.py: 123 KB).
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


def test_notebook_pages_are_light_and_load_shared_styles(built_site: Path) -> None:
    notebooks = [path for path in built_site.rglob("*.html") if "jupyter-wrapper" in path.read_text(encoding="utf-8")]
    assert notebooks
    for page in notebooks:
        html = page.read_text(encoding="utf-8")
        assert page.stat().st_size <= NOTEBOOK_PAGE_LIMIT, (page, page.stat().st_size)
        assert "<style" not in html, page
        assert "mathjax" not in html.lower(), page
        assert "In&nbsp;[" not in html, page
        assert "In [" not in html, page
        assert re.search(r'<link rel="stylesheet" href="[./]*assets/stylesheets/notebook\.css">', html), page
        # every code cell is a Material code block (its copy button)
        soup = BeautifulSoup(html, "html.parser")
        cells = soup.select(".jp-CodeCell .jp-InputArea")
        assert cells, page
        assert all(cell.select_one("div.highlight > pre > code") for cell in cells), page
    css = (built_site / "assets/stylesheets/notebook.css").read_text(encoding="utf-8")
    assert len(css) > 100_000
    assert "[data-md-color-scheme=slate] .jupyter-wrapper" in css


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
