"""How the built site reads on a laptop and on a phone, in headless Chromium (as test_site_browser).

The site is served as GitHub Pages serves a project site: under the path of its ``site_url`` (the
test build's is ``/dlref/``, ``tests/conftest.py``), text compressed with gzip, the 404 page for
any missing address. Every page of the navigation, at 1280×800 and 390×844, in light and dark mode:

- nothing is wider than the content column unless it is inside a scroll container that shows it
  scrolls (a scroll bar is drawn); the page itself never scrolls sideways;
- a screenshot of the whole page is written for review, to ``$DLREF_SCREENSHOTS`` when it is set,
  else to the test's temporary folder (``<page>-<width>-<scheme>.png``);
- axe-core (from npm, ``package-lock.json``, installed by ``scripts/setup``; loaded into the page
  by this test only, never part of the site) finds no serious or critical violation.

Then: the page weight of a first visit (bytes transferred, figures aside), the identity catalog's
and the notebook pages' styles, and the site under its sub-path (404 page, sitemap, canonical links).
"""

from __future__ import annotations

import gzip
import http.server
import mimetypes
import os
import re
import statistics
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from html_tags import search_entries
from test_site_browser import CHROMIUM, NOTEBOOK_PAGES, PAGES, dollar_math

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
SCREENS = {"laptop": (1280, 800), "phone": (390, 844)}
BUDGET_MEDIAN = 600_000
"""The median first visit of a page, in bytes transferred (figures aside)."""
BUDGET_MAX = 1_000_000
"""The most any first visit may transfer (figures aside)."""
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".ipynb", ".map"}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium-headless-shell), as .ci/run does",
)


def site_path(built_site: Path) -> str:
    """The path the site is built to be served under (its ``site_url``'s), read from its sitemap."""
    found = re.search(r"<loc>([^<]+)</loc>", (built_site / "sitemap.xml").read_text(encoding="utf-8"))
    return urlsplit(found[1]).path if found else "/"


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET under ``prefix`` only, gzip where the browser accepts it, ``404.html`` for what is missing."""

    root: Path
    prefix: str

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        status, file = 404, self.root / "404.html"
        if path.startswith(self.prefix):
            candidate = (self.root / path[len(self.prefix) :]).resolve()
            if candidate.is_dir() and path.endswith("/"):
                candidate = candidate / "index.html"
            if candidate.is_file() and candidate.is_relative_to(self.root):
                status, file = 200, candidate
        body = file.read_bytes()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        if file.suffix in COMPRESSED and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, 6)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    prefix = site_path(built_site)
    handler = type("Handler", (_Handler,), {"root": built_site.resolve(), "prefix": prefix})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{prefix}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        single = ["--disable-site-isolation-trials", "--renderer-process-limit=1"]
        # Scroll bars drawn (Playwright hides them in headless mode): a box that scrolls must show one.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", *single],
            ignore_default_args=["--hide-scrollbars"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ["DLREF_SCREENSHOTS"]) if os.environ.get("DLREF_SCREENSHOTS") else None
    folder = folder or tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Every element of the article that reaches past the content column, or past a container that clips
# or scrolls it, and is not inside a scroll container showing a scroll bar. Invisible elements and
# those in closed <details> are skipped; KaTeX's struts and zero-size boxes are no content.
OVERFLOWS = r"""
() => {
  const article = document.querySelector("article.md-content__inner");
  // the content column: the article and its margins, into which Material's code blocks reach on a phone
  const column = document.querySelector(".md-content").getBoundingClientRect();
  const found = [];
  const reported = new Set();
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    if (el.classList.length) name += "." + [...el.classList].slice(0, 2).join(".");
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);
    return name + (text ? ` "${text}"` : "");
  };
  const scrolls = (el) => {
    const style = getComputedStyle(el);
    if (!["auto", "scroll"].includes(style.overflowX)) return null;
    if (el.scrollWidth <= el.clientWidth + 1) return "fits";
    const borders = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
    const bar = el.offsetHeight - el.clientHeight - borders;
    return bar > 0 ? "shows" : "hidden";
  };
  for (const el of article.querySelectorAll("*")) {
    if (el.closest("details:not([open]) > :not(summary), .katex-mathml")) continue;  // hidden; MathML for readers
    if (el instanceof SVGElement && el.tagName !== "svg") continue;  // KaTeX's stretchy shapes: drawn clipped
    if ([...reported].some((r) => r.contains(el))) continue;  // one line per outermost offender
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.position === "fixed") continue;
    let limit = column, kind = "past its column";
    for (let up = el.parentElement; up && up !== article; up = up.parentElement) {
      const how = scrolls(up);
      if (how === null) {
        const clip = getComputedStyle(up).overflowX;
        if (clip === "hidden" || clip === "clip") {
          limit = up.getBoundingClientRect();
          kind = limit.width > 1 ? "cut off" : null;  // a visually hidden box, for screen readers
          break;
        }
        continue;
      }
      if (how === "fits") continue;
      limit = up.getBoundingClientRect();
      kind = how === "hidden" ? "in a box that scrolls without a scroll bar" : null;
      break;
    }
    const past = Math.max(box.right - limit.right, limit.left - box.left);
    const bad = past > 1 && kind ? `${Math.round(past)} px ${kind}` : null;
    if (bad) { found.push(`${describe(el)}: ${bad}`); reported.add(el); }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) found.push(`the page scrolls sideways (${page.scrollWidth} px)`);
  // one entry per outermost offender: its descendants overflow with it
  return [...new Set(found)].slice(0, 20);
}
"""

AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ` + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}
"""


def set_scheme(page, scheme: str) -> None:
    """Show the page in Material's ``default`` (light) or ``slate`` (dark) scheme with its toggle."""
    current = "document.body.getAttribute('data-md-color-scheme')"
    if page.evaluate(current) != scheme:
        page.locator("form[data-md-component=palette] label:visible").first.click()
        page.wait_for_function(f"{current} === '{scheme}'")


def settle(page) -> None:
    """Wait for the math to be typeset (it follows the load on long pages) and the fonts."""
    page.wait_for_function("document.fonts.status === 'loaded'")
    if page.locator(".arithmatex").count() or page.evaluate("!!window.katex"):
        page.wait_for_function("!document.querySelector('.arithmatex') || !!document.querySelector('.katex')")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_reads_on_every_screen(chromium, server: str, screenshots: Path, path: str) -> None:
    """No overflow at either width in either scheme; screenshots of each view."""
    context = chromium.new_context(viewport=dict(zip(("width", "height"), SCREENS["laptop"], strict=True)))
    page = context.new_page()
    try:
        page.goto(server + path, wait_until="load")
        settle(page)
        problems = []
        name = (path.strip("/") or "home").replace("/", "-")
        views = [(screen, size, scheme) for screen, size in SCREENS.items() for scheme in ("default", "slate")]
        for screen, (width, height), scheme in views:
            page.set_viewport_size({"width": width, "height": height})
            # a phone's page scroll bar overlays the page (the boxes inside keep theirs drawn)
            page.evaluate(f"document.documentElement.style.scrollbarWidth = '{'none' if screen == 'phone' else ''}'")
            set_scheme(page, scheme)
            page.wait_for_timeout(50)
            problems += [f"{screen}, {scheme}: {line}" for line in page.evaluate(OVERFLOWS)]
        # after the checks: a full-page screenshot leaves Chromium's scroll bars undrawn
        for _, (width, height), scheme in views:
            page.set_viewport_size({"width": width, "height": height})
            set_scheme(page, scheme)
            page.screenshot(path=str(screenshots / f"{name}-{width}-{scheme}.png"), full_page=True)
        assert problems == [], f"/{path} overflows:\n" + "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_has_no_serious_axe_violation(chromium, server: str, path: str) -> None:
    if not AXE.is_file():
        pytest.skip(f"no {AXE.relative_to(ROOT)}: scripts/setup installs it with npm ci")
    context = chromium.new_context(viewport=dict(zip(("width", "height"), SCREENS["laptop"], strict=True)))
    page = context.new_page()
    try:
        page.goto(server + path, wait_until="load")
        settle(page)
        page.add_script_tag(path=str(AXE))
        violations = []
        for scheme in ("default", "slate"):
            set_scheme(page, scheme)
            violations += [f"{scheme}: {line}" for line in page.evaluate(AXE_RUN)]
        assert violations == [], f"/{path}:\n" + "\n".join(violations)
    finally:
        context.close()


FIGURE = re.compile(r"/[^/]+-\d+\.(png|jpg|svg|gif)$")


def first_visit(chromium, url: str) -> dict[str, int]:
    """Bytes transferred (headers and body) by a first visit of ``url``, by URL, the search index
    its worker fetches included; a page's figures (``<page>-<n>.png``) are not counted."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sizes: dict[str, int] = {}
    pending: set = set()

    def finished(request) -> None:
        pending.discard(request)
        if not FIGURE.search(urlsplit(request.url).path):
            got = request.sizes()
            sizes[request.url] = got["responseBodySize"] + got["responseHeadersSize"]

    page.on("request", lambda request: pending.add(request))
    page.on("requestfinished", finished)
    page.on("requestfailed", lambda request: pending.discard(request))
    try:
        page.goto(url, wait_until="load")
        for _ in range(200):
            page.wait_for_timeout(50)
            if not pending:
                break
    finally:
        context.close()
    return sizes


def test_first_visits_stay_within_the_page_weight_budget(chromium, server: str) -> None:
    weights, heaviest = {}, {}
    for path in PAGES:
        sizes = first_visit(chromium, server + path)
        weights[path] = sum(sizes.values())
        heaviest[path] = sorted(sizes.items(), key=lambda item: -item[1])[:4]
    median = statistics.median(weights.values())
    print(f"first visits: median {median / 1000:.0f} KB, largest {max(weights.values()) / 1000:.0f} KB")
    for path, weight in weights.items():
        print(
            f"  /{path}: {weight / 1000:.0f} KB", [(urlsplit(u).path.rsplit("/", 1)[-1], n) for u, n in heaviest[path]]
        )
    assert {path: weight for path, weight in weights.items() if weight > BUDGET_MAX} == {}
    assert median <= BUDGET_MEDIAN, weights


def test_math_assets_load_only_on_pages_with_math(chromium, server: str, built_site: Path) -> None:
    with_math = without = 0
    for path in PAGES:
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        katex = "katex.min.js" in html
        if 'class="arithmatex"' in html or (path in NOTEBOOK_PAGES and dollar_math(html)):
            with_math += 1
            assert katex, f"/{path} has math but no KaTeX"
        elif not katex:
            without += 1
    assert with_math, "no page with math"
    assert without, "every page loads KaTeX"


def test_search_previews_show_no_latex_source(built_site: Path) -> None:
    # LaTeX in code (a docstring's example of a catalog entry) is code, not math
    entries = search_entries(built_site)  # both languages'
    prose = {doc["location"]: re.sub(r"<code>.*?</code>", "", doc["text"], flags=re.DOTALL) for doc in entries}
    latex = [where for where, text in prose.items() if re.search(r"\\(\[|\(|frac|mathbf)|\$\$", text)]
    assert latex == []


def computed(page, selector: str, *properties: str) -> dict[str, str]:
    return page.evaluate(
        "([selector, properties]) => { const s = getComputedStyle(document.querySelector(selector));"
        " return Object.fromEntries(properties.map((p) => [p, s.getPropertyValue(p)])); }",
        [selector, list(properties)],
    )


CODE = ("font-size", "font-family", "line-height", "padding-left", "background-color", "border-top-width")


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_notebook_pages_look_like_markdown_pages(chromium, server: str, screen: str, scheme: str) -> None:
    """A notebook page's code, column and figures, against a Markdown page's (computed styles)."""
    width, height = SCREENS[screen]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        looks = {}
        for path, code in [
            ("tensors/creation/", "div.language-pycon pre"),
            ("training/mlp/", "article div.language-python pre"),  # its first code cell
        ]:
            page.goto(server + path, wait_until="load")
            set_scheme(page, scheme)
            style = computed(page, code, *CODE)
            style.update({f"code {k}": v for k, v in computed(page, code + " > code", *CODE).items()})
            # the code block's width, a long paragraph's width and size, and the frames drawn around
            # the code (elements with a border, from the code up to the article)
            column = page.evaluate(f"document.querySelector('{code} > code').getBoundingClientRect().width")
            paragraph = page.evaluate(
                "(() => { const p = [...document.querySelectorAll('article p')].find((p) => p.textContent.length > 80);"
                " return [p.getBoundingClientRect().width, getComputedStyle(p).fontSize]; })()"
            )
            frames = page.evaluate(
                f"(() => {{ let n = 0; for (let e = document.querySelector('{code} > code'); e.tagName !== 'ARTICLE';"
                " e = e.parentElement) { const s = getComputedStyle(e);"
                " n += parseFloat(s.borderTopWidth) > 0 || s.boxShadow !== 'none'; } return n; })()"
            )
            looks[path] = {"code": style, "column": column, "text": paragraph, "frames": frames}
            if path == "training/mlp/":
                figure = page.evaluate(
                    "(() => { const i = document.querySelector('article p > img');"
                    " return [i.getBoundingClientRect().width, i.naturalWidth]; })()"
                )
                title = page.evaluate(
                    "(() => { const h = document.querySelector('article h1'); const a = h.querySelector('.headerlink');"
                    " return [h.getBoundingClientRect().bottom, a ? a.getBoundingClientRect().top : 0]; })()"
                )
        markdown, notebook = looks["tensors/creation/"], looks["training/mlp/"]
        assert notebook["code"] == markdown["code"]
        assert notebook["column"] == markdown["column"]
        assert notebook["text"] == markdown["text"]
        assert notebook["frames"] == markdown["frames"] == 0
        # a figure takes the column's width (up to its own), so it can be read on a phone
        assert figure[0] >= min(figure[1], notebook["text"][0]) - 1, figure
        assert title[1] < title[0], "the title's ¶ is on the title's line, not under it"
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_identity_catalog_reads_at_every_width(chromium, server: str, screen: str) -> None:
    """Every column of the catalog in view, fractions at the size of the text, names on one line."""
    width, height = SCREENS[screen]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(server + "calculus/matrix-calculus/", wait_until="load")
        settle(page)
        report = page.evaluate(
            r"""() => {
              const column = document.querySelector("article.md-content__inner").getBoundingClientRect();
              const body = parseFloat(getComputedStyle(document.querySelector("article p")).fontSize);
              const tables = [...document.querySelectorAll(".dlref-catalog table")];
              const cells = tables.flatMap((t) => [...t.querySelectorAll("td")]);
              const out = cells.filter((c) => { const b = c.getBoundingClientRect();
                return b.right > column.right + 1 || b.left < column.left - 1 || b.width < 1; }).length;
              const names = [...document.querySelectorAll(".dlref-catalog td code")];
              const broken = names.filter((c) => c.getClientRects().length > 1).map((c) => c.textContent);
              // each derivative's top-level numerator and denominator, as drawn (70% of its math)
              const derivative = ".dlref-catalog td:nth-child(3) .katex-html > .base";
              const fractions = [...document.querySelectorAll(`${derivative} > .mfrac, ${derivative} > .mord > .mfrac`)]
                .map((f) => 0.7 * parseFloat(getComputedStyle(f.closest(".katex")).fontSize));
              return {tables: tables.length, cells: cells.length, out, broken, body, fractions: fractions.length,
                smallest: Math.min(...fractions)};
            }"""
        )
        assert report["tables"] == 5, report
        assert report["cells"] > 100, report
        assert report["out"] == 0, report
        assert report["broken"] == [], report
        assert report["fractions"] >= 30, report
        assert report["smallest"] >= report["body"], report
    finally:
        context.close()


def test_the_site_works_under_its_sub_path(chromium, server: str, built_site: Path) -> None:
    """The test build's ``site_url`` has a path (``/dlref/``): the 404 page loads all its assets,
    the sitemap lists every page in both languages, each page names its canonical address."""
    base = site_path(built_site)
    if base == "/":
        pytest.skip("this site was built for the root of its host (DLREF_BUILT_SITE)")
    context = chromium.new_context()
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and r.url != server + "no/such/page/" and failed.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        response = page.goto(server + "no/such/page/", wait_until="load")
        assert response.status == 404
        page.wait_for_timeout(200)
        assert failed == []
        assert page.locator("link[rel=stylesheet]").count() >= 2
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") in ("sticky", "fixed")
        home = page.evaluate("document.querySelector('a.md-header__button.md-logo').href")
        assert urlsplit(home).path == base
    finally:
        context.close()
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    site_url = re.search(r"<loc>([^<]+)</loc>", sitemap)[1].rsplit(base, 1)[0] + base
    listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    # every page in both languages (a page not yet translated is shown in English under zh/ too)
    assert sorted(listed) == sorted(site_url + language + path for path in PAGES for language in ("", "zh/"))
    for path in PAGES:
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{site_url + path}">' in html, path
