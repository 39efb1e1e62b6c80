"""Search in the Chinese site: each core term, typed into the search box of a page under /zh/,
finds its topic page first (where that page has been translated) and is found at all (the glossary
names every term). Previews of the Chinese pages show text, not LaTeX.

Material's search worker cuts a Chinese query into words of the index, trying only the pieces that
end before the query's last character, and searches each as a prefix (学习率 is searched as
学习*). What ranks a term's page first is its tags: the glossary's terms for the page
(``dlref_site.glossary``). Two terms are cut to a piece that another page matches better; they are
named in ``NOT_FIRST`` with the page that comes first, and every other term must find its page first.

The browser and the served site are those of ``test_site_browser.py``. Run with ``-s`` to see which
result each term finds first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from html_tags import search_entries
from test_site_browser import CHROMIUM, browser, server, site_server, tab, visit  # noqa: F401  (fixtures)

from topics import is_topic

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM}")

# (term as 《动手学深度学习》 writes it, the page it is about). The first twenty are the terms issue 28
# measured; then at least one for every page.
TERMS = [
    ("交叉熵", "probability/information-theory.md"),
    ("计算图", "autograd/how-it-works.md"),
    ("反向传播", "autograd/how-it-works.md"),
    ("学习率", "training/linear-regression.py"),
    ("损失函数", "training/linear-regression.py"),
    ("激活函数", "models/activations.py"),
    ("逻辑回归", "training/logistic-regression.py"),
    ("独热编码", "data/preprocessing.md"),
    ("转置", "tensors/reshaping.md"),
    ("标量", "linalg/reductions.md"),
    ("向量", "linalg/reductions.md"),
    ("随机种子", "training/checkpoints.py"),
    ("张量", "tensors/creation.md"),
    ("范数", "linalg/norms.md"),
    ("梯度", "calculus/gradients.md"),
    ("广播机制", "tensors/broadcasting.md"),
    ("矩阵乘法", "linalg/products.md"),
    ("自动微分", "autograd/using-autograd.md"),
    ("链式法则", "calculus/gradients.md"),
    ("softmax回归", "training/softmax-regression.py"),
    ("数据类型", "tensors/attributes.md"),
    ("运算符", "tensors/operators.md"),
    ("索引和切片", "tensors/indexing.md"),
    ("改变形状", "tensors/reshaping.md"),
    ("连结", "tensors/joining.md"),
    ("节省内存", "tensors/memory.md"),
    ("NumPy数组", "tensors/interop.md"),
    ("数据预处理", "data/preprocessing.md"),
    ("缺失值", "data/preprocessing.md"),
    ("降维", "linalg/reductions.md"),
    ("点积", "linalg/products.md"),
    ("导数", "calculus/derivatives.py"),
    ("偏导数", "calculus/gradients.md"),
    ("雅可比矩阵", "calculus/gradients.md"),
    ("矩阵微积分", "calculus/matrix-calculus.md"),
    ("分母布局", "calculus/matrix-calculus.md"),
    ("线性回归", "training/linear-regression.py"),
    ("小批量随机梯度下降", "training/linear-regression.py"),
    ("多层感知机", "training/mlp.py"),
    ("隐藏层", "training/mlp.py"),
    ("检查点", "training/checkpoints.py"),
    ("分布式数据并行", "training/distributed.py"),
    ("最小二乘法", "walkthroughs/least-squares.py"),
    ("正规方程", "walkthroughs/least-squares.py"),
    ("概率", "probability/probability.py"),
    ("贝叶斯定理", "probability/probability.py"),
    ("熵", "probability/information-theory.md"),
    ("暂退法", "generalisation/dropout.md"),
    ("权重衰减", "generalisation/weight-decay.py"),
    ("过拟合", "generalisation/generalisation.py"),
    ("K折交叉验证", "generalisation/generalisation.py"),
    ("参数初始化", "models/initialisation.py"),
    ("查阅文档", "finding-your-way.md"),
    ("术语表", "glossary.md"),
]


# Terms whose topic page Material's search does not put first -> the page it puts first; a term
# that finds its own page again leaves the list (the test fails until it does).
NOT_FIRST = {
    # 向*: the products page's title and tags hold 矩阵-向量积; the reductions page has 向量 in a section
    "向量": "linalg/products.md",
    # 矩阵* 微* 积: Material ranks up the results that match the query's last piece, and the products
    # page (Hadamard积, 点积, 矩阵-向量积) matches 积 in its title and its tags
    "矩阵微积分": "linalg/products.md",
}


def page_url(source: str, language: str = "zh") -> str:
    """The site path of a source page in ``language``: ``tensors/creation.md`` -> ``zh/tensors/creation/``."""
    path = source.rsplit(".", 1)[0]
    path = "" if path == "index" else path.removesuffix("/index") + "/"
    return f"{language}/{path}"


def translated(source: str) -> bool:
    path = DOCS / source
    return path.with_name(f"{path.stem}.zh{path.suffix}").is_file()


def test_the_term_list_covers_every_page_with_40_terms() -> None:
    assert len(TERMS) >= 40
    pages = {p.relative_to(DOCS).as_posix() for p in [*DOCS.rglob("*.md"), *DOCS.rglob("*.py")]}
    sources = {p for p in pages if is_topic(p)}
    assert not sources - {page for _, page in TERMS}, "pages no search term is about"


def index_words(site: Path) -> set[str]:
    """The words of the Chinese site's search index, split as Material's worker splits them (markup removed)."""
    index = json.loads((site / "zh/search/search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    tags = (tag for doc in index["docs"] for tag in doc.get("tags", ()))
    fields = [
        *(re.sub(r"<[^>]+>", " ", doc.get(field, "")) for doc in index["docs"] for field in ("title", "text")),
        *tags,
    ]
    return {word.lower() for text in fields for word in separator.split(text) if word}


def searched_as_typed(term: str, words: set[str]) -> bool:
    """Whether Material's worker searches the Chinese ``term`` whole: only when no index word is a
    piece at its start that ends before its last character (see the module's docstring)."""
    return not any(term[:end].lower() in words for end in range(1, len(term)))


def test_a_term_is_cut_when_a_word_of_the_index_starts_it() -> None:
    assert not searched_as_typed("学习率", {"学习", "学习率"})  # searched as 学习*
    assert not searched_as_typed("学习率", {"学"})  # searched as 学*
    assert searched_as_typed("标量", {"标量", "量"})  # no word is 标: the query is searched whole
    assert searched_as_typed("Softmax回归", {"softmax回归"})


def test_chinese_terms_find_their_pages(visit, server: str, built_site: Path) -> None:  # noqa: F811
    page = visit("zh/").page
    box = page.locator("input.md-search__input")
    results = page.locator("a.md-search-result__link")
    meta = page.locator(".md-search-result__meta")
    found, report = {}, []

    def wait_for(done, tries: int) -> None:
        for _ in range(tries):
            if done(meta.inner_text() if meta.count() else ""):
                return
            page.wait_for_timeout(100)

    for term, _ in TERMS:
        box.fill("")  # Material reads the query on key events: clear, then type the term
        page.keyboard.press("End")
        wait_for(lambda text: not re.search(r"\d", text), 20)
        box.fill(term)
        page.keyboard.press("End")
        # "N 个符合条件的结果" or "没有找到符合条件的结果"; the first waits for the worker's index
        wait_for(lambda text: re.search(r"\d|没有", text), 300)
        links = [urlsplit(unquote(results.nth(i).evaluate("a => a.href"))).path for i in range(results.count())]
        first = links[0].removeprefix(urlsplit(server).path) if links else None
        found[term] = first
    words = index_words(built_site)
    cut = {term for term, _ in TERMS if not searched_as_typed(term, words)}
    for term, topic in TERMS:
        note = "first" if found[term] == page_url(topic) else "cut by Material's query segmenter" if term in cut else ""
        report.append(f"{term}\t{topic}\t{found[term]}\t{note}")
    print("\nterm\ttopic page\tfirst result\n" + "\n".join(report))
    unfound = [term for term, first in found.items() if first is None]
    assert not unfound, f"terms the Chinese site does not find: {unfound}"
    wrong = [
        (term, page_url(topic), found[term])
        for term, topic in TERMS
        if translated(topic) and found[term] != page_url(topic) and term not in NOT_FIRST
    ]
    assert not wrong, f"translated topic pages not found first (term, page, first result): {wrong}"
    moved = [(term, found[term]) for term, page in NOT_FIRST.items() if found[term] != page_url(page)]
    assert not moved, f"terms of NOT_FIRST whose first result is not the page named there (update it): {moved}"
    firsts = [term for term, topic in TERMS if found[term] == page_url(topic)]
    assert len(firsts) >= 40, f"{len(firsts)} terms find their topic page first, not 40: cut were {sorted(cut)}"


def test_search_results_do_not_show_the_tags(visit) -> None:  # noqa: F811
    """A result's tags are pieces of the glossary's terms (``dlref_site.glossary``), for ranking:
    Material puts them under the result, and the site's stylesheet hides them."""
    page = visit("zh/").page
    page.locator("input.md-search__input").fill("学习率")
    page.keyboard.press("End")
    first = page.locator(".md-search-result__item").first
    first.wait_for()
    tags = first.locator(".md-search-result__article").first.locator(".md-tags")
    assert tags.count() == 1, "the first result (the linear-regression page) has no tags to hide"
    assert not tags.is_visible(), f"search results show tags: {tags.inner_text()}"


def test_previews_of_chinese_pages_show_text_not_latex(built_site: Path) -> None:
    """The entries of the translated pages (an untranslated one is the English page's, indexed as it is).
    LaTeX in code (the library's docstrings, shown in "From scratch") is code, not math."""
    latex = re.compile(r"\\\(|\\\[|\$\$|\\(?:frac|mathbf|sum|partial|top)\b")
    sources = {page_url(source): source for _, source in TERMS} | {"zh/": "index.md", "zh/d2l-map/": "d2l-map.md"}
    chinese = [doc for doc in search_entries(built_site) if translated(sources.get(doc["location"].split("#")[0], "-"))]
    assert chinese, "no entry of a translated page in the search index"
    prose = {doc["location"]: re.sub(r"<code>.*?</code>", "", doc["text"], flags=re.DOTALL) for doc in chinese}
    shown = [where for where, text in prose.items() if latex.search(text)]
    assert not shown, f"Chinese search entries whose preview shows LaTeX: {shown}"
