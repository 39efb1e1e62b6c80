"""The built site in headless Chromium (Debian's ``chromium``, driven by Playwright), served on 127.0.0.1.

For every page of the navigation: no console error, no request to another host, math rendered by
KaTeX where the page has math. Then: the copy button of a ``pycon`` block gives code that runs in a
fresh ``python``, dark mode toggles (notebook cells follow it), search finds an English and a
Chinese term, and each page's notebook download is a valid notebook.

Skipped only when the ``chromium`` binary is missing (``.ci/run`` installs it). No browser is ever
downloaded: Playwright launches the system's binary.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("DLREF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium), as .ci/run does",
)


def nav_pages() -> list[str]:
    """The URL path of every page in mkdocs.yml's nav ("" for the home page)."""

    def walk(entry) -> Iterator[str]:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for value in entry.values():
                yield from walk(value)
        else:
            for item in entry:
                yield from walk(item)

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    urls = []
    for source in walk(config["nav"]):
        stem = source.rsplit(".", 1)[0]
        urls.append("" if stem == "index" else stem.removesuffix("/index") + "/")
    return urls


PAGES = nav_pages()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(server: str):
    """One browser and one context for the whole module, with clipboard access for the copy test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = chromium.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
        yield context
        context.close()
        chromium.close()


class Visit:
    """A page opened in the browser, with the console errors and foreign requests it caused."""

    def __init__(self, context, url: str) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", self._request)
        self.page.goto(url, wait_until="networkidle")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser, server: str):
    opened = []

    def open_page(path: str) -> Visit:
        opened.append(Visit(browser, server + path))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


def notebook_has_math(html: str) -> bool:
    """Whether a notebook page's prose has ``$...$`` math (a ``$`` inside code is not math)."""
    soup = BeautifulSoup(html, "html.parser")
    for code in soup.find_all(["code", "pre"]):
        code.decompose()
    return re.search(r"\$[^$\s][^$]*\$", soup.get_text()) is not None


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_loads_cleanly_from_this_host_only(visit, built_site: Path, path: str) -> None:
    page = visit(path)
    assert page.errors == [], f"console errors on /{path}"
    assert page.foreign == [], f"/{path} requested other hosts"
    html = (built_site / path / "index.html").read_text(encoding="utf-8")
    if 'class="arithmatex"' in html or ("jupyter-wrapper" in html and notebook_has_math(html)):
        page.page.locator(".katex").first.wait_for(timeout=15_000)  # rendering follows the load on long pages
        assert page.page.locator(".katex-error").count() == 0, f"math that KaTeX could not render on /{path}"


def copy_first_block(page, selector: str) -> tuple[str, str]:
    """Click the copy button of the first block matching ``selector``; return (shown text, clipboard)."""
    block = page.locator(selector).first
    shown = block.locator("code").inner_text()
    block.hover()
    block.locator("button.md-code__button[data-md-type=copy]").click()
    return shown, page.evaluate("navigator.clipboard.readText()")


@pytest.mark.parametrize("path", [path for path in PAGES if path != "api/"], ids=lambda p: p or "home")
def test_copy_button_gives_code_that_runs(visit, tmp_path: Path, path: str) -> None:
    """The first code block of a page (a ``pycon`` block, or a notebook's first cell), copied with its
    button, is the code without prompts or outputs; a reference page's runs in a fresh ``python``.

    (The API page is left out: its docstring examples run in their module's namespace.)
    """
    page = visit(path).page
    notebook = page.locator(".jupyter-wrapper").count() > 0
    shown, code = copy_first_block(page, ".jupyter-wrapper div.highlight" if notebook else "div.language-pycon")
    if notebook:  # the copy is the cell's source, which the build has just executed
        assert code.strip() == shown.strip()
        return
    assert code.rstrip("\n").splitlines() == [
        line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))
    ]
    returncode, stderr = run_fresh_python(code, tmp_path)
    assert returncode == 0, f"/{path}: copied code failed:\n{code}\n{stderr}"


def run_fresh_python(code: str, cwd: Path) -> tuple[int, str]:
    """Paste ``code`` into a new ``python``; return its exit status and stderr."""
    result = subprocess.run(
        [sys.executable, "-"], input=code, capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )
    return result.returncode, result.stderr


def test_copying_a_traceback_leaves_out_every_output_line(visit) -> None:
    shown, code = copy_first_block(visit("tensors/creation/").page, 'div.language-pycon:has-text("Traceback")')
    assert "Traceback" in shown
    assert code.rstrip("\n").splitlines() == [
        line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))
    ]


def test_dark_mode_toggles_and_notebook_cells_follow(visit) -> None:
    page = visit("walkthroughs/least-squares/").page
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    background = "getComputedStyle(document.querySelector('.jupyter-wrapper .highlight pre')).backgroundColor"
    light = page.evaluate(background)
    assert page.evaluate(scheme) == "default"
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function(f"{scheme} === 'slate'")
    assert page.evaluate(background) != light
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function(f"{scheme} === 'default'")


@pytest.mark.parametrize(("term", "where"), [("linspace", "tensors/creation/"), ("张量", "#术语--glossary")])
def test_search_finds_english_and_chinese_terms(visit, term: str, where: str) -> None:
    page = visit("").page
    box = page.locator("input.md-search__input")
    results = page.locator("a.md-search-result__link")
    for _ in range(30):  # the search worker builds its index after the page loads
        box.fill(term)
        page.keyboard.press("End")  # Material reads the query on key events
        page.wait_for_timeout(500)
        if results.count():
            break
    links = [unquote(results.nth(i).get_attribute("href") or "") for i in range(results.count())]
    assert any(where in link for link in links), links


def test_notebook_downloads_are_valid_notebooks(browser, built_site: Path, server: str) -> None:
    """Each page's notebook button (read from the built page) downloads a valid notebook over HTTP."""

    found = 0
    for path in PAGES:
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        for link in BeautifulSoup(html, "html.parser").select("a.dlref-ipynb[download]"):
            response = browser.request.get(server + path + link["href"])
            assert response.ok, (path, link["href"])
            nbformat.validate(nbformat.reads(response.text(), as_version=4))
            found += 1
    assert found >= 3
