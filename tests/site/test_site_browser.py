"""The built site in headless Chromium (Debian's, driven by Playwright), served on 127.0.0.1.

For every page of the navigation: no console error, no request to another host, math rendered by
KaTeX where the page has math, and the copy button of its first code block gives code that runs on
its own. Then: dark mode toggles (notebook cells follow it), search finds an English and a
Chinese term, and each page's notebook download is a valid notebook.

The browser is Debian's ``chromium-headless-shell`` when it is installed (``.ci/run`` installs it),
else its ``chromium``: the same engine and version, the shell built for headless use only, as
Playwright's own headless mode is; the page test takes about a quarter less CPU in it (34-36 core
seconds for this module against 40-44). Skipped only when neither is there. No browser is ever
downloaded: Playwright launches the system's binary (or ``$DLREF_CHROMIUM``).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jupytext
import nbformat
import pytest
from html_tags import PageTags, Text, article
from mkdocs.utils import yaml_load

from dlref_site.runner import Runner, run_script, submit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = (
    os.environ.get("DLREF_CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
    or "/usr/bin/chromium"
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium-headless-shell), as .ci/run does",
)


def nav_pages() -> dict[str, str]:
    """The URL path of every page in mkdocs.yml's nav ("" for the home page), with its source under ``docs/``."""

    def walk(entry) -> Iterator[str]:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for value in entry.values():
                yield from walk(value)
        else:
            for item in entry:
                yield from walk(item)

    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    urls = {}
    for source in walk(config["nav"]):
        stem = source.rsplit(".", 1)[0]
        urls["" if stem == "index" else stem.removesuffix("/index") + "/"] = source
    return urls


SOURCES = nav_pages()
PAGES = list(SOURCES)
NOTEBOOK_PAGES = {path for path, source in SOURCES.items() if source.endswith((".py", ".ipynb"))}
"""The pages whose source is a notebook (a jupytext ``.py`` or an ``.ipynb`` under ``docs/``)."""


class _SiteServer(http.server.ThreadingHTTPServer):
    search_index: bytes | None = None
    """When set, served (uncached) as the site's search index instead of the built one."""


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _SiteServer

    def do_GET(self) -> None:
        body = self.server.search_index
        if body is None or not urlsplit(self.path).path.endswith("/search/search_index.json"):  # each language's
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site_server(built_site: Path) -> Iterator[_SiteServer]:
    httpd = _SiteServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(built_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(site_server: _SiteServer) -> str:
    return f"http://127.0.0.1:{site_server.server_address[1]}/"


@pytest.fixture(scope="module")
def no_entries(built_site: Path) -> bytes:
    """The site's search index with its configuration and no entries, as served."""
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    return json.dumps({"config": index["config"], "docs": []}).encode()


@pytest.fixture
def empty_search_index(site_server: _SiteServer, no_entries: bytes) -> Iterator[None]:
    """While a test runs, the server gives the search index's configuration with no entries.

    Each page's search worker still fetches the index from the URL the page gives it (a wrong one is
    a 404, a console error), but does not index the site's 630 KB of text, the same for every page:
    that was a third of Chromium's CPU in the page test. The search test indexes the real one.
    """
    site_server.search_index = no_entries
    yield
    site_server.search_index = None


@pytest.fixture(scope="module")
def browser(server: str):
    """One browser and one context for the whole module, with clipboard access for the copy test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # One renderer process for every page (no per-site isolation, which a test of one local
        # site does not need): about 15% less CPU per page on two cores. Not through
        # --disable-features: Chromium keeps only the last one given, and Playwright passes its own
        # (HttpsUpgrades, PaintHolding and others off), which that replaced.
        single = ["--disable-site-isolation-trials", "--renderer-process-limit=1"]
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", *single])
        # As a reader who asked for reduced motion sees the site: Material then skips the
        # transitions of the "Copied to clipboard" message, which Chromium otherwise drew frame by
        # frame after every copy (about 0.1 s of CPU each).
        context = chromium.new_context(reduced_motion="reduce")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
        yield context
        context.close()
        chromium.close()


class Visit:
    """A page opened in the module's tab, with the console errors and foreign requests it caused.

    The visit ends when the page has loaded and every request it made (the search index its worker
    fetches after the load among them) has finished: Playwright's "networkidle" would also wait a
    fixed half second of silence on every page.
    """

    def __init__(self, tab, url: str) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page = tab
        pending: set = set()
        handlers = [
            ("console", lambda msg: msg.type == "error" and self.errors.append(msg.text)),
            ("pageerror", lambda error: self.errors.append(str(error))),
            ("request", lambda request: (pending.add(request), self._check_host(request))),
            ("requestfinished", lambda request: pending.discard(request)),
            ("requestfailed", lambda request: pending.discard(request)),
        ]
        for event, handler in handlers:
            tab.on(event, handler)
        try:
            tab.goto(url, wait_until="load")
            for _ in range(200):
                tab.wait_for_timeout(50)  # lets Playwright deliver the events of late requests
                if not pending:
                    break
            assert not pending, f"requests still pending after 10 s: {[r.url for r in pending]}"
        finally:
            for event, handler in handlers:
                tab.remove_listener(event, handler)

    def _check_host(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)


@pytest.fixture(scope="module")
def tab(browser):
    """One tab for the module: each test navigates it (a new tab per page costs twice the CPU)."""
    page = browser.new_page()
    yield page
    page.close()


@pytest.fixture
def visit(tab, server: str):
    return lambda path: Visit(tab, server + path)


def dollar_math(html: str) -> bool:
    """Whether a page's article has ``$...$`` math in its text (a ``$`` inside code is not math).

    A notebook's math, in its prose and in its HTML outputs (a table of sympy expressions,
    ``calculus/derivatives.py``), is marked as Arithmatex marks it on every page: a ``$...$`` left in
    the text is one the build missed, which the browser would show as it is.
    """
    prose = Text(article(html), skipped=frozenset({"code", "pre"})).text
    return re.search(r"\$[^$\s][^$]*\$", prose) is not None


DOLLARS_LEFT = (
    "(() => { const article = document.querySelector('article').cloneNode(true);"
    " article.querySelectorAll('code, pre, .katex').forEach((e) => e.remove());"
    r" return /\$[^$\s][^$]*\$/.test(article.textContent); })()"
)
"""Whether the page's article, its code and rendered math aside, still shows ``$...$`` as text."""


def copy_first_block(page, selector: str) -> tuple[str, str]:
    """Click the copy button of the first block matching ``selector``; return (shown text, clipboard).

    The click scrolls the button into view and moves the mouse onto it, as a reader does (Playwright's
    actions); hovering over the block first, as this did, added about 0.06 s of Chromium's CPU per page.
    """
    block = page.locator(selector).first
    shown = block.locator("code").inner_text()
    block.locator("button.md-code__button[data-md-type=copy]").click()
    return shown, page.evaluate("navigator.clipboard.readText()")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
@pytest.mark.usefixtures("empty_search_index")
def test_page_loads_cleanly_and_its_copy_button_gives_code_that_runs(
    visit, built_site: Path, tmp_path: Path, path: str
) -> None:
    """Every page: no console error, no request to another host, its math rendered by KaTeX.

    Then the first code block of the page (a ``pycon`` block, or a notebook's first cell), copied
    with its button, is the code without prompts or outputs, and a reference page's copy runs on its
    own, as pasted into a new ``python`` (``dlref_site.runner.run_script``: a fresh process with fresh
    globals). A notebook's copy is its first code cell's source (of the notebook under ``docs/``),
    which the build has just executed. The API page is not copied: its docstring examples run in
    their module's namespace; nor the Versions page, which shows other versions' outputs as text.
    """
    page = visit(path)
    assert page.errors == [], f"console errors on /{path}"
    assert page.foreign == [], f"/{path} requested other hosts"
    html = (built_site / path / "index.html").read_text(encoding="utf-8")
    notebook = path in NOTEBOOK_PAGES
    if 'class="arithmatex"' in html or (notebook and dollar_math(html)):
        page.page.locator(".katex").first.wait_for(timeout=15_000)  # rendering follows the load on long pages
        assert page.page.locator(".katex-error").count() == 0, f"math that KaTeX could not render on /{path}"
        # every $...$ of a notebook (its outputs' included) is rendered: none is left as text
        assert not page.page.evaluate(DOLLARS_LEFT), f"/{path} shows $...$ as text"
    if path.startswith("api/") or path == "versions/" or ('class="language-pycon' not in html and not notebook):
        return
    shown, code = copy_first_block(page.page, "article div.language-python" if notebook else "div.language-pycon")
    if notebook:
        cells = jupytext.read(ROOT / "docs" / SOURCES[path]).cells
        first = next(cell.source for cell in cells if cell.cell_type == "code")
        assert code.strip() == shown.strip() == first.strip()
        return
    assert code.rstrip("\n").splitlines() == [
        line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))
    ]
    outcome = submit(run_script, f"copied from /{path}", code, str(tmp_path), tag=Runner(ROOT).prefix).result()
    assert outcome.passed, f"/{path}: copied code failed:\n{code}\n{outcome.report}"


def test_copying_a_traceback_leaves_out_every_output_line(visit) -> None:
    shown, code = copy_first_block(visit("tensors/creation/").page, 'div.language-pycon:has-text("Traceback")')
    assert "Traceback" in shown
    assert code.rstrip("\n").splitlines() == [
        line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))
    ]


def test_dark_mode_toggles_and_notebook_cells_follow(visit) -> None:
    """A notebook's code cells and their outputs change with the color scheme, as code blocks do."""
    page = visit("walkthroughs/least-squares/").page
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    backgrounds = (
        "['div.language-python', 'div.dlref-output'].map((block) =>"
        " getComputedStyle(document.querySelector(`article ${block} pre > code`)).backgroundColor)"
    )
    light = page.evaluate(backgrounds)
    assert page.evaluate(scheme) == "default"
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function(f"{scheme} === 'slate'")
    dark = page.evaluate(backgrounds)
    assert all(shade != before for shade, before in zip(dark, light, strict=True)), (light, dark)
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function(f"{scheme} === 'default'")


def test_search_finds_english_and_chinese_terms(visit) -> None:
    """Each term, typed into the search box of a page of its language, finds its page there: each
    language has its own index, and the English one has no Chinese page."""
    for view, term, where in [("", "linspace", "tensors/creation/"), ("zh/", "张量", "zh/tensors/creation/")]:
        page = visit(view).page
        box = page.locator("input.md-search__input")
        results = page.locator("a.md-search-result__link")
        for _ in range(30):  # the search worker builds its index after the page loads
            box.fill(term)
            page.keyboard.press("End")  # Material reads the query on key events
            page.wait_for_timeout(500)
            links = [unquote(results.nth(i).get_attribute("href") or "") for i in range(results.count())]
            if any(where in link for link in links):
                break
        assert any(where in link for link in links), (term, links)
        if not view:
            assert not any("/zh/" in link for link in links), (term, links)


def test_notebook_downloads_are_valid_notebooks(browser, built_site: Path, server: str) -> None:
    """Each page's notebook button (read from the built page) downloads a valid notebook over HTTP.

    Only the pages whose HTML names the button are read for their tags: the API page, 1.9 MB
    without one, took most of the time of reading them all.
    """
    found = 0
    for path in PAGES:
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        if "dlref-ipynb" not in html:
            continue
        for link in PageTags(html).find("a", "download"):
            if "dlref-ipynb" not in (link.get("class") or "").split():
                continue
            response = browser.request.get(server + path + (link["href"] or ""))
            assert response.ok, (path, link["href"])
            nbformat.validate(nbformat.reads(response.text(), as_version=4))
            found += 1
    assert found >= 3
