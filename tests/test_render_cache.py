"""The render cache (``dlref.render_cache``): a warm build is the cold build, byte for byte.

Small sites built in this process, each with its own cache folder (``DLREF_CACHE_DIR``). Their
pages' runs are seeded into the execution cache (they are checked by the engine's own tests), so
the builds only render: no page or docstring is executed here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import jieba
import material.plugins.search.plugin as material_search
import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from dlref import mkdocs_plugin
from dlref.mkdocs_plugin import DlrefPlugin, build_device
from dlref.render_cache import Store
from dlref.runner import CACHE_DIR_ENV_VAR, DOCSTRINGS, Cache, Outcome

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = "def double(x):\n    # --8<-- [start:body]\n    return 2 * x\n    # --8<-- [end:body]\n"
PAGES = {
    "index.md": "# Home\n\nSee [the section](guide.md#张量).\n",
    "guide.md": (
        "# Guide\n\n```pycon\n>>> 6 * 7\n42\n```\n\n"
        '??? example "Source"\n    ```python\n    --8<-- "snippets/double.py:body"\n    ```\n\n'
        "## 张量\n\n张量是多维数组。See [`default_device`][dlref.device.default_device] and [more](other.md).\n"
    ),
    "api.md": "# API\n\n::: dlref.device.default_device\n",
    "other.md": "# Other\n\nBack [home](index.md).\n",
}


def make_project(folder: Path) -> Path:
    """A site with the project's plugins (but mkdocs-jupyter) and Markdown settings, an API page, a snippet.

    No notebook: importing nbconvert and converting one would cost the suite about a second; the
    project's own site, notebooks included, is compared the same way in the issue's note.
    """
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = []
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            continue
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            plugin = {"mkdocstrings": {"handlers": {"python": {"paths": [str(ROOT / "src")]}}}}
        if isinstance(plugin, dict) and "search" in plugin:  # jieba with a small dictionary: no second to load
            plugin = {"search": {**plugin["search"], "jieba_dict": str(folder / "words.txt")}}
        plugins.append(plugin)
    extensions = []
    for extension in config["markdown_extensions"]:
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            extension = {"pymdownx.snippets": {"base_path": [str(folder)], "check_paths": True}}
        extensions.append(extension)
    small = {
        "site_name": "test",
        "theme": {"name": "material", "custom_dir": "overrides"},
        "plugins": plugins,
        "markdown_extensions": extensions,
        "nav": ["index.md", "guide.md", "api.md", "other.md"],
        "validation": {"anchors": "warn"},  # MkDocs checks links to anchors after the build
    }
    (folder / "overrides").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(small, allow_unicode=True), encoding="utf-8")
    (folder / "words.txt").write_text("张量 3 n\n多维 3 a\n数组 3 n\n", encoding="utf-8")
    (folder / "snippets").mkdir()
    (folder / "snippets/double.py").write_text(SNIPPET, encoding="utf-8")
    for name, text in PAGES.items():
        path = folder / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def seed_runs(project: Path, cache: Path, pages: bool = True) -> None:
    """Store passing runs of the docstrings and (``pages``) of every page with examples."""
    runs = Cache(cache, build_device()[0])
    runs.put(runs.key("docstrings", DOCSTRINGS, ""), Outcome(True))
    for path in sorted((project / "docs").glob("*.md") if pages else []):
        text = path.read_text(encoding="utf-8")
        if "```pycon" in text:  # a page that shows what it runs: its run shows the page itself
            runs.put(runs.key("page", f"docs/{path.name}", text), Outcome(True, shown=text))


def build_site(project: Path, site: Path, strict: bool = False, cache: Path | None = None) -> DlrefPlugin:
    """Build ``project`` into ``site`` in this process, with its own cache; return the dlref plugin.

    With ``strict``, the build must abort (a warning); the plugin is returned all the same. With
    ``cache``, that folder is the cache and the pages are not seeded: they run.
    """
    if cache is None:
        cache = project / "cache"
        seed_runs(project, cache)
    else:
        seed_runs(project, cache, pages=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV_VAR, str(cache))
        patch.delenv("DLREF_CACHE", raising=False)
        config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site), strict=strict)
        with pytest.raises(Abort) if strict else contextlib.nullcontext():
            build(config)
    return config.plugins["dlref"]


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, DlrefPlugin, DlrefPlugin]]:
    """A project built twice: with an empty render cache (``site-cold``), then from it (``site-warm``)."""
    base = tmp_path_factory.mktemp("warm")
    project = make_project(base / "project")
    dictionary = jieba.dt.dictionary
    try:
        cold = build_site(project, base / "site-cold")
        again = build_site(project, base / "site-warm")
        yield project, cold, again
    finally:  # jieba is global: its default dictionary again, for anything else in this process
        jieba.dt.dictionary, jieba.dt.initialized = dictionary, False


@contextlib.contextmanager
def edited(project: Path, *names: str) -> Iterator[None]:
    """Restore the files ``names`` of ``project`` (or delete them, if absent) after the edit."""
    saved = {name: (project / name).read_bytes() if (project / name).exists() else None for name in names}
    try:
        yield
    finally:
        for name, data in saved.items():
            if data is None:
                (project / name).unlink(missing_ok=True)
            else:
                (project / name).write_bytes(data)


def test_a_warm_build_is_the_cold_build_byte_for_byte(warm) -> None:
    project, cold, again = warm
    assert cold._replayed == set()
    assert again._replayed == {"index.md", "guide.md", "api.md", "other.md"}
    built, replayed = files_of(project.parent / "site-cold"), files_of(project.parent / "site-warm")
    assert built.keys() == replayed.keys()
    for name in built:
        assert built[name] == replayed[name], name  # the site's pages, search index and objects.inv
    # what the comparison covers: a rendered snippet, a cross-reference resolved, mkdocstrings'
    # object in the inventory, a Chinese heading segmented (jieba) in the search index
    guide = built["guide/index.html"].decode()
    assert '<span class="k">return</span>' in guide
    assert 'href="../api/#dlref.device.default_device"' in guide
    assert b"dlref.device.default_device py:function" in zlib.decompress(built["objects.inv"].split(b"zlib.\n")[1])
    search = json.loads(built["search/search_index.json"])["docs"]
    assert any("\u200b" in doc["text"] for doc in search if doc["location"] == "guide/#张量")
    assert "guide/guide.ipynb" in built


@pytest.mark.parametrize("predicted", [True, False], ids=["as built", "api.md predicted wrong"])
def test_pages_indexed_while_a_run_goes_on_give_the_same_site(warm, tmp_path: Path, predicted: bool) -> None:
    """guide.md runs now: MkDocs renders the pages that wait for nothing first, then, waiting for
    the run, indexes them for search; the site is the cold build's, byte for byte.

    The run is held until MkDocs has done its queued work, as a run of a few seconds would be. The
    API page, whose cross-references autorefs fixes once every page is rendered, is indexed ahead
    with them fixed as they will be, and those entries are used. Where that prediction is wrong
    (the second case: the page indexed as rendered), its early entries must not be used.
    """
    project = warm[0]
    indexed: list[str] = []
    add = material_search.SearchIndex.add_entry_from_context

    def count(index, page) -> None:
        indexed.append(page.file.src_uri)
        add(index, page)

    class Held(Future):
        """A run that MkDocs sees under way until it has done all its queued work (a slow run)."""

        def __init__(self, run: Future, queued) -> None:
            super().__init__()
            self.run, self.queued = run, queued

        def done(self) -> bool:
            return not self.queued and self.run.done()

        def result(self, timeout: float | None = None):
            return self.run.result(timeout)

    run_queued = DlrefPlugin._run_queued

    def held(plugin: DlrefPlugin) -> None:
        run_queued(plugin)
        for name, result in plugin.results.items():
            if isinstance(result, Future):
                plugin.results[name] = Held(result, plugin._idle)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(material_search.SearchIndex, "add_entry_from_context", count)
        patch.setattr(DlrefPlugin, "_run_queued", held)
        if not predicted:
            patch.setattr(mkdocs_plugin, "_FILLED_IN_ON_ENV", ())
        plugin = build_site(project, tmp_path / "site", cache=tmp_path / "cache")
    assert plugin.ran == ["docs/guide.md"]
    built, cold = files_of(tmp_path / "site"), files_of(project.parent / "site-cold")
    assert built.keys() == cold.keys()
    for name in built:
        assert built[name] == cold[name], name
    # While guide.md ran: the other pages, rendered before it though other.md comes after it, were
    # indexed, and their entries used as made; guide.md, rendered last, when the pages are written.
    # api.md, predicted wrong, is indexed again once autorefs has fixed its cross-references.
    again = [] if predicted else ["api.md"]
    assert indexed == ["index.md", "api.md", "other.md", *again, "guide.md"]


class _Autorefs:
    """What ``_refs_fixed_now`` uses of autorefs' plugin: identifiers ``a`` and ``b``, on the page ``api/``."""

    _link_titles, _strip_title_tags, legacy_refs, get_fallback_anchor = True, False, True, None

    def get_item_url(self, identifier: str, from_url: str | None = None, fallback=None) -> tuple[str, str | None]:
        logging.getLogger("mkdocs.plugins.mkdocs_autorefs._internal.plugin").warning("looked %s up", identifier)
        return {"a": ("#a", None), "b": ("#b", None)}[identifier]


def test_cross_references_are_fixed_ahead_only_when_every_one_resolves(caplog: pytest.LogCaptureFixture) -> None:
    """As autorefs' ``on_env`` will fix them, or ``None``: a reference that does not resolve yet,
    backlinks to fill in, no autorefs. Its log stays silent (``on_env`` logs what it finds)."""
    from mkdocs_autorefs import fix_refs

    def page(content: str):
        return type("Page", (), {"url": "api/", "content": content})()

    refs = '<p><autoref identifier="a">A</autoref> and <autoref identifier="b">B</autoref></p>'
    with caplog.at_level(logging.DEBUG):
        fixed = mkdocs_plugin._refs_fixed_now(_Autorefs(), page(refs))
        unresolved = mkdocs_plugin._refs_fixed_now(_Autorefs(), page(refs.replace('"b"', '"c"')))
        with_backlinks = mkdocs_plugin._refs_fixed_now(_Autorefs(), page(refs + '<backlinks identifier="a" />'))
        silent = list(caplog.records)
        expected, unmapped = fix_refs(refs, lambda identifier: _Autorefs().get_item_url(identifier, "api/"))
    assert unmapped == []
    assert fixed == expected
    assert fixed.count('<a class="autorefs autorefs-internal"') == 2
    assert unresolved is None
    assert with_backlinks is None
    assert mkdocs_plugin._refs_fixed_now(None, page(refs)) is None
    assert silent == []
    assert [record.getMessage() for record in caplog.records] == ["looked a up", "looked b up"]


def test_editing_a_page_or_a_snippet_renders_only_the_pages_they_make(warm, tmp_path: Path) -> None:
    project = warm[0]
    with edited(project, "docs/other.md", "snippets/double.py"):
        (project / "docs/other.md").write_text(PAGES["other.md"] + "\nMore.\n", encoding="utf-8")
        (project / "snippets/double.py").write_text(SNIPPET.replace("2 * x", "x + x"), encoding="utf-8")
        plugin = build_site(project, tmp_path / "site")
    assert plugin._replayed == {"index.md", "api.md"}  # guide.md includes the snippet
    assert "More." in (tmp_path / "site/other/index.html").read_text(encoding="utf-8")
    guide = (tmp_path / "site/guide/index.html").read_text(encoding="utf-8")
    assert '<span class="n">x</span> <span class="o">+</span>' in guide


def test_changing_the_configuration_renders_every_page(warm, tmp_path: Path) -> None:
    project = warm[0]
    with edited(project, "mkdocs.yml"):
        config = (project / "mkdocs.yml").read_text(encoding="utf-8")
        (project / "mkdocs.yml").write_text(config.replace("- other.md\n", "- Elsewhere: other.md\n"))
        plugin = build_site(project, tmp_path / "site")
    assert plugin._replayed == set()


def test_a_link_to_a_page_that_disappears_still_fails_a_strict_build(
    warm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = warm[0]
    message = "Doc file 'guide.md' contains a link 'other.md', but the target is not found among documentation files."
    with edited(project, "docs/other.md", "mkdocs.yml"):
        (project / "docs/other.md").unlink()  # guide.md, unchanged and cached, links to it
        (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text().replace("- other.md\n", ""))
        for replayed in (set(), {"index.md", "guide.md", "api.md"}):  # the warning is logged both times
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                plugin = build_site(project, tmp_path / "site", strict=True)
            assert plugin._replayed == replayed
            assert message in [r.getMessage() for r in caplog.records]


def test_a_link_to_an_anchor_that_disappears_still_fails_a_strict_build(
    warm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = warm[0]
    link = "guide.md#张量"
    message = (
        f"Doc file 'index.md' contains a link '{link}', but the doc 'guide.md' does not contain an anchor '#张量'."
    )
    with edited(project, "docs/guide.md"):
        (project / "docs/guide.md").write_text(PAGES["guide.md"].replace("## 张量", "## 数组"), encoding="utf-8")
        with caplog.at_level(logging.WARNING):
            plugin = build_site(project, tmp_path / "site", strict=True)
    assert plugin._replayed == {"index.md", "api.md", "other.md"}
    assert message in [r.getMessage() for r in caplog.records]  # index.md's links, replayed, are checked


def test_the_store_keeps_the_most_recently_used_entries(tmp_path: Path) -> None:
    store = Store(tmp_path, "render")
    for age, key in enumerate(["new", "middle", "old", "ancient"]):
        store.put(key, {"content": "x" * 1000})
        when = time.time() - age * 3600 - (30 * 86400 if key == "ancient" else 0)
        os.utime(tmp_path / "render" / f"{key}.json", (when, when))
    store.get("old")  # used now: the most recent
    store.prune(max_age_days=14, max_bytes=2500)  # room for two entries; "ancient" is too old anyway
    assert sorted(p.stem for p in (tmp_path / "render").glob("*.json")) == ["new", "old"]
