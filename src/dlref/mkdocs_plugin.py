"""The ``dlref`` MkDocs plugin: the site shows only outputs that the engine produced and checked.

Registered by entry point (``mkdocs.plugins``: ``dlref``), not through ``hooks:``, so that the build
keeps working where hooks do not. It runs every Markdown page's ``pycon`` examples with
[`dlref.engine`][dlref.engine], every notebook's cells, and the docstring examples of every
``dlref`` module (which the API reference shows); it fails the build on any difference or error,
naming ``file:line``, and renders each page with the outputs of that run.

Pages run through [`dlref.runner`][dlref.runner]: each in a fresh process forked from a warm server,
as many at once as there are cores, started as soon as the file list is known so that they run
while MkDocs renders; results are cached under ``.cache/dlref/`` and reused while the page, the
``dlref`` sources, the installed versions and the device are unchanged. Notebooks are handed to
mkdocs-jupyter already executed (it must not execute them itself). The footer says which torch
version and device produced the outputs.

What MkDocs and the other plugins make of a page is cached too ([`dlref.render_cache`][dlref.render_cache],
in ``render/`` and ``search/`` next to the execution cache): its HTML after dlref's own
``on_page_content``, table of contents, title, anchors and links, figures and ``.ipynb`` download,
the autorefs anchors and mkdocstrings inventory entries its render registered and the warnings it
logged, and Material search's entries for it. An unchanged page is replayed from there (no Markdown,
nbconvert, mkdocstrings or jieba work); its key covers the page as rendered, the files its snippets
include, ``mkdocs.yml`` and the resolved settings, ``overrides/``, the site's file list with URLs,
the installed versions, the ``dlref`` sources and the device, so editing a page renders only that
page, and editing ``mkdocs.yml`` renders all of them. Jinja keeps the theme's compiled templates in
``jinja/`` there.

It also makes what readers get (``dlref.publish``): notebook pages without inline styles or CDN
scripts (the styles go to one shared file, ``assets/stylesheets/notebook.css``), ``pycon`` blocks
whose copy button copies only code, and a downloadable ``.ipynb`` next to every page that has
examples.
"""

from __future__ import annotations

import collections
import contextlib
import faulthandler
import functools
import importlib.abc
import importlib.metadata
import importlib.util
import json
import logging
import os
import posixpath
import re
import sys
import types
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from dlref import forkserver, render_cache
from dlref.device import ENV_VAR, DeviceError
from dlref.publish.html import (
    exclude_sources_from_search,
    mark_pycon_outputs,
    slim_notebook,
    unique_slugs,
    without_code_spans,
    without_source_listings,
)
from dlref.publish.segmenter import SubsetSegmenter, han_runs
from dlref.runner import (
    DOCSTRINGS,
    Cache,
    Outcome,
    cache_directory,
    check_docstrings,
    expect,
    run_markdown_page,
    run_notebook_page,
    start_server,
    submit,
)

log = logging.getLogger("mkdocs.plugins.dlref")
NOTEBOOK_CSS = "assets/stylesheets/notebook.css"
"""Where the styles of notebook pages are served, once for the whole site."""


def build_device() -> tuple[str, str]:
    """The device pages run on, and the footer line naming it and the torch version.

    Where the answer is certain without importing torch (``DLREF_DEVICE=cpu``, or no
    ``DLREF_DEVICE`` and a CPU-only torch build), torch is not imported: a build whose pages all
    come from the cache then never loads it (about a second). Otherwise
    [`default_device`][dlref.device.default_device] decides, with its clear error for a missing device.
    """
    version = importlib.metadata.version("torch")
    wanted = os.environ.get(ENV_VAR, "").strip()
    if wanted == "cpu" or (not wanted and version.endswith("+cpu")):
        where = device = "cpu"
    else:
        import torch

        from dlref.device import default_device

        device = where = str(default_device())
        if device.startswith("cuda"):
            where += f" ({torch.cuda.get_device_name(device)})"
    return device, f"Every output on this site was produced and checked at build time with torch {version} on {where}."


def _import_nbconvert_app() -> None:
    """Import ``nbconvert.nbconvertapp`` without importing every exporter, as mkdocs-jupyter's converter does.

    Its ``NbConvertApp`` lists the enabled exporters in its help text, importing each installed
    exporter (LaTeX, PDF, web PDF...) twice to ask; ``$NBCONVERT_DISABLE_CONFIG_EXPORTERS`` makes
    it list their names instead. The variable is set for this import only, unless already set.
    """
    if "nbconvert.nbconvertapp" in sys.modules:
        return
    name = "NBCONVERT_DISABLE_CONFIG_EXPORTERS"
    before = os.environ.get(name)
    os.environ[name] = "1"
    try:
        importlib.import_module("nbconvert.nbconvertapp")
    except ImportError:
        pass  # mkdocs-jupyter will say what is missing when it converts a notebook
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


class _Unparsed(str):
    """What nbconvert's ``HTMLExporter`` gets for ``BeautifulSoup(page)`` while it converts a notebook here.

    The page, left as text: ``select`` finds nothing, so the exporter changes nothing, and ``str``
    gives the page back as it was made.
    """

    def __new__(cls, markup: str, features: str | None = None) -> _Unparsed:
        return super().__new__(cls, markup)

    def select(self, selector: str) -> list:
        return []


def _convert_without_soup(converter: types.ModuleType) -> None:
    """mkdocs-jupyter's ``nb2html`` without nbconvert's second pass over each notebook page.

    nbconvert's ``HTMLExporter`` parses each page it made with BeautifulSoup to give images that
    have no alt text "No description has been provided for this image" and cells' inputs and outputs
    a ``tabindex``, then prints the page again: 0.5 s of CPU in a cold build's 8 conversions (1.0 s),
    measured with ``process_time``. The plugin parses each notebook page anyway
    ([`slim_notebook`][dlref.publish.html.slim_notebook]), and does the same there, so the page is
    the same, byte for byte. While ``nb2html`` converts a notebook, nbconvert's exporter module sees
    ``_Unparsed`` as ``BeautifulSoup``; a Markdown page, which ``slim_notebook`` does not see, is
    converted as before. Nothing is changed where nbconvert's exporter has no ``BeautifulSoup``.
    """
    nb2html = getattr(converter, "nb2html", None)
    try:
        from nbconvert.exporters import html as exporter
    except ImportError:
        return
    if nb2html is None or getattr(nb2html, "dlref_unparsed", False) or not hasattr(exporter, "BeautifulSoup"):
        return

    @functools.wraps(nb2html)
    def convert(nb_path, *args, **kwargs):
        if str(nb_path).endswith(".md"):
            return nb2html(nb_path, *args, **kwargs)
        parse = exporter.BeautifulSoup
        exporter.BeautifulSoup = _Unparsed
        try:
            return nb2html(nb_path, *args, **kwargs)
        finally:
            exporter.BeautifulSoup = parse

    convert.dlref_unparsed = True
    converter.nb2html = convert


def _prepare_nbconvert() -> None:
    """nbconvert as the build uses it: its application without exporters, its templates shared."""
    _import_nbconvert_app()
    _share_nbconvert_templates()


class _FirstThen(importlib.abc.Loader):
    """A module's loader that calls ``first`` before it runs the module's code, and ``then`` with the module after."""

    def __init__(
        self, loader: importlib.abc.Loader, first: Callable[[], None], then: Callable[[types.ModuleType], None]
    ) -> None:
        self.loader, self.first, self.then = loader, first, then

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.first()
        self.loader.exec_module(module)
        self.then(module)


@functools.cache
def _importable(lazy: type) -> type:
    """``LazyLoader``'s module class, except that reading ``__spec__`` does not run the module.

    On every ``import name`` of a module already in ``sys.modules`` the import system reads its
    ``__spec__`` (to see whether another thread is still running it), and with ``LazyLoader``'s
    class that read alone runs the module (Python 3.11).
    """

    class Deferred(lazy):
        def __getattribute__(self, attr: str):
            if attr == "__spec__":
                return types.ModuleType.__getattribute__(self, attr)
            return super().__getattribute__(attr)

    return Deferred


_DEFERRED: dict[str, types.ModuleType] = {}
"""The modules ``_defer_import`` put in ``sys.modules``, loaded or not, by name."""


def _defer_import(
    name: str, first: Callable[[], None] = lambda: None, then: Callable[[types.ModuleType], None] = lambda module: None
) -> bool:
    """Put module ``name`` in ``sys.modules`` without running it: it runs when one of its names is read.

    ``first`` is called just before, and ``then`` with the module just after, before the name is
    read. Nothing is done, and ``False`` returned, where the module is already imported or is not
    installed. The module object is the one its code then runs in (Python's
    ``importlib.util.LazyLoader``), so a module that imported it meanwhile holds the real module.
    """
    if name in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:  # its package is not installed
        return False
    if spec is None or spec.loader is None:
        return False
    spec.loader = importlib.util.LazyLoader(_FirstThen(spec.loader, first, then))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    module.__class__ = _importable(type(module))
    package, _, child = name.rpartition(".")
    if package:  # as an import sets it: ``from package import child`` then reads nothing of the module
        setattr(sys.modules[package], child, module)
    _DEFERRED[name] = module
    return True


def _defer_notebook_imports() -> None:
    """Import jupytext, and mkdocs-jupyter's converter with nbconvert, only when they are used.

    mkdocs-jupyter's plugin imports both when MkDocs loads it (after this plugin): 1.0-1.2 s of a
    warm build's 2.3-2.6 s (nbconvert's filters, exporters and application; jupytext's contents
    managers, which import jupyter_client, zmq and tornado), in a build that replays every page from
    the render cache and converts no notebook. mkdocs-jupyter reads a notebook with jupytext only to
    look for a kernel in a Markdown page, and the site's configuration leaves Markdown pages out.

    The converter's code runs when mkdocs-jupyter first converts a notebook, just after nbconvert's
    application is imported without its exporters (``_import_nbconvert_app``) and its templates
    shared (``_share_nbconvert_templates``); then its ``nb2html`` is wrapped
    (``_convert_without_soup``). Where it was already imported by other code, the templates are
    shared and ``nb2html`` wrapped now; where this deferred it in an earlier build of the same
    process (``mkdocs serve``), nothing more is done.
    """
    if importlib.util.find_spec("mkdocs_jupyter") is None:
        return
    _defer_import("jupytext")
    name = "mkdocs_jupyter.convert"
    deferred = _defer_import(name, first=_prepare_nbconvert, then=_convert_without_soup)
    converter = sys.modules.get(name)
    if not deferred and converter is not None and converter is not _DEFERRED.get(name):
        _share_nbconvert_templates()
        _convert_without_soup(converter)


class DlrefPlugin(BasePlugin):
    """Run and check every page, notebook and docstring example; show the outputs of the run."""

    _early: tuple[str, str, Cache] | None = None  # build_device() and the cache, found in load_config

    def load_config(self, options, config_file_path=None):
        """Load the plugin's options; start the fork server now if every page is going to run.

        MkDocs loads the other plugins (mkdocstrings imports griffe) and the theme after this, about
        a second before ``on_files`` would start the server, whose own imports (torch and the rest)
        are what the first page waits for. Every page runs when the docstrings' outcome is not in
        the cache: a cold cache, a ``dlref`` source or an installed version changed, or
        ``DLREF_CACHE=0``. Otherwise nothing is started here.

        mkdocs-jupyter, loaded after this plugin, imports jupytext and nbconvert, which a build
        that converts no notebook never uses; they are imported when first used instead
        (``_defer_notebook_imports``).
        """
        result = super().load_config(options, config_file_path)
        if config_file_path is not None:
            forkserver.freeze_at_exit()  # the build's exit, alone on one core, skips collecting
            try:
                device, line = build_device()
            except DeviceError:
                pass  # on_config stops the build, saying why
            else:
                cache = Cache(cache_directory(Path(config_file_path).resolve().parent), device)
                self._early = device, line, cache
                if cache.get(cache.key("docstrings", DOCSTRINGS, "")) is None:
                    start_server(many=True)
        _defer_notebook_imports()
        return result

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Choose the device (a clear error if it is missing) and write the footer line."""
        # A page that crashes the interpreter (a segfault or SIGFPE inside torch) then still names
        # its file and line: the faulthandler dump shows the example's frame as page.md:line.
        if not faulthandler.is_enabled():
            faulthandler.enable()
        self.root = Path(config.config_file_path).resolve().parent
        if self._early is not None:  # found while MkDocs loaded the plugin, for this configuration file
            device, line, self.cache = self._early
        else:
            try:
                device, line = build_device()
            except DeviceError as error:
                raise PluginError(str(error)) from None
            self.cache = Cache(cache_directory(self.root), device)
        config.copyright = f"{config.copyright} · {line}" if config.copyright else line
        self.renders = render_cache.Store(self.cache.directory, "render")
        self.searches = render_cache.Store(self.cache.directory, "search")
        if "toc" in config.mdx_configs or "toc" in config.markdown_extensions:
            # Unicode anchors (a Chinese heading gets one that works); set here, as a Python object
            # in mkdocs.yml would need a YAML tag that yaml.safe_load refuses.
            from pymdownx.slugs import slugify

            config.mdx_configs.setdefault("toc", {}).setdefault("slugify", slugify(case="lower"))
        with contextlib.suppress(ImportError):  # the search plugin's Chinese segmenter: no log lines
            import jieba

            jieba.setLogLevel(logging.WARNING)
        return config

    def _start(self, kind: str, name: str, text: str, task, *args: str) -> None:
        """Look ``name`` up in the cache, or queue it to run in a fresh process (``_run_queued``)."""
        key = self.cache.key(kind, name, text)
        cached = self.cache.get(key)
        self.keys[name] = key
        if cached is not None:
            self.results[name] = cached
        else:
            self.ran.append(name)
            self._queued.append((kind, name, task, args))

    def _run_queued(self) -> None:
        """Start the queued runs in the order MkDocs renders their pages, the docstrings last.

        MkDocs renders one page at a time and each page waits for its run, so this order keeps it
        rendering while the runs go on; the docstrings are needed only once every page is written
        (``on_post_build``).
        (Longest first left the renderer waiting for the short pages queued behind the notebooks,
        then rendering everything alone on one core: 27 s against 21.5 s for a cold build.)
        """
        self._queued.sort(key=lambda job: job[0] == "docstrings")  # stable
        expect(len(self._queued))
        for _, name, task, args in self._queued:
            self.results[name] = submit(task, *args)
        self._queued.clear()

    def _outcome(self, name: str) -> Outcome:
        """Wait for ``name``'s outcome (stored in the cache when it passed); fail the build if it failed.

        While it is not there, MkDocs' process does work that the build needs later
        ([`_while_waiting`][dlref.mkdocs_plugin.DlrefPlugin._while_waiting]) instead of idling.
        """
        result = self.results[name]
        if isinstance(result, Future):
            while not result.done() and self._idle:
                self._idle.popleft()()
            result = self.results[name] = result.result()
            self.cache.put(self.keys[name], result)
        if not result.passed:
            raise PluginError(result.report)
        return result

    @event_priority(-50)  # after mkdocs-jupyter has marked which files are notebooks
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Start every page, notebook and the docstrings now, so they run while MkDocs renders.

        Notebooks are the files mkdocs-jupyter includes; each is pointed at its executed ``.ipynb``,
        which mkdocs-jupyter then renders and offers for download.
        """
        self.results: dict[str, Outcome | Future[Outcome]] = {}
        self.keys: dict[str, str] = {}
        self.ran: list[str] = []
        self._queued: list[tuple] = []
        self.notebooks: dict[str, str] = {}  # src_uri -> name, for notebooks
        self.pages: dict[str, tuple[str, str]] = {}  # src_uri -> (name, text), for pages with examples
        self.executed = self.root / ".cache" / "dlref-notebooks"  # what mkdocs-jupyter renders
        self._cache_renders: bool | None = None  # decided at the first page
        self._site_key: str | None = None
        self._replayed: set[str] = set()  # pages replayed from the render cache
        self._recorded: dict[str, tuple[str, dict]] = {}  # src_uri -> (key, entry so far), rendered now
        self._notebooks_text: dict[str, str] = {}  # src_uri -> its .ipynb download, when already made
        self._idle: collections.deque = collections.deque()  # work for MkDocs' process while it waits
        self._index_ahead = None  # set by _cache_search
        self._start("docstrings", DOCSTRINGS, "", check_docstrings)
        runs = _han_runs(files)  # before notebooks point at their executed copies
        for file in files:
            if file.abs_src_path is None:
                continue
            source = Path(file.abs_src_path)
            name = source.relative_to(self.root).as_posix() if source.is_relative_to(self.root) else str(source)
            if file.src_uri.endswith(".md"):
                text = source.read_text(encoding="utf-8")
                if "```pycon" in text:
                    self._start("page", name, text, run_markdown_page, name, text)
                    self.pages[file.src_uri] = name, text
            elif type(file).__name__ == "NotebookFile":  # mkdocs-jupyter's wrapper
                self._start("notebook", name, source.read_text(encoding="utf-8"), run_notebook_page, str(source))
                file.abs_src_path = str(self.executed / Path(name).with_suffix(".ipynb"))
                self.notebooks[file.src_uri] = name
        self._run_queued()
        self._render_ready_pages_first(files)
        self._while_waiting(config, runs)
        return files

    def _while_waiting(self, config: MkDocsConfig, runs: list[str]) -> None:
        """Queue work that MkDocs would do after the last page ran, for while it waits for a run.

        MkDocs renders the pages first, each waiting for its run, and only then writes them, where
        Material's search indexes each page (segmenting Chinese with jieba): on two cores that last
        part ran on one while the other idled. Each page rendered now is indexed as soon as MkDocs
        next waits (see ``_cache_search``); the index is the same, as its entries are keyed on
        exactly what Material indexes.

        Material's search gets a [`SubsetSegmenter`][dlref.publish.segmenter.SubsetSegmenter] in
        place of the jieba module: the same words, from only the dictionary entries that the text
        can use, instead of jieba's whole dictionary (0.8-1.5 s of CPU to load, for this site's few
        hundred Han characters). The entries for ``runs`` (the Han runs of the pages' sources) are
        looked up while waiting, or, where Material meets a page's text first, at that text's
        look-up, all at once (``expect``); other text is looked up as it comes. With a dictionary of the
        site's own (``jieba_dict``, ``jieba_dict_user``) or jieba's already loaded in this process,
        jieba itself segments, its dictionary loaded while waiting.
        """
        search = _search_plugin(config)
        module = sys.modules.get("material.plugins.search.plugin")
        current = getattr(module, "jieba", None)
        if search is None or not search.config.get("enabled", True) or current is None:
            return
        jieba = current.jieba if isinstance(current, SubsetSegmenter) else current
        custom = search.config.get("jieba_dict") or search.config.get("jieba_dict_user")
        if custom or jieba.dt.initialized or jieba.dt.dictionary is not None:
            module.jieba = jieba
            if self.ran and runs and not jieba.dt.initialized:
                self._idle.append(jieba.initialize)
            return
        if not isinstance(current, SubsetSegmenter):
            module.jieba = current = SubsetSegmenter(jieba)
        current.expect(runs)
        if self.ran and runs:
            self._idle.append(functools.partial(current.cover, runs))

    def _waits(self, file) -> bool:
        """Whether rendering ``file`` must wait for a run under way."""
        name = self.notebooks.get(file.src_uri) or self.pages.get(file.src_uri, (None,))[0]
        return isinstance(self.results.get(name), Future)

    def _render_ready_pages_first(self, files: Files) -> None:
        """Have MkDocs render the pages that wait for no run (the API reference, cached pages) first.

        MkDocs renders pages one at a time in the file list's order and each page with examples
        waits for its run, the first for the fork server's start as well (its imports take seconds):
        the API page (mkdocstrings, the longest render) is then rendered in that time instead of
        after. [`on_env`][dlref.mkdocs_plugin.DlrefPlugin.on_env] puts the list back in its order,
        which MkDocs writes the pages and the search index in, so the site is the same.
        """
        self._order = {file.src_uri: position for position, file in enumerate(files)}
        pages = [file for file in files if file.is_documentation_page()]
        _move_to_end(files, sorted(pages, key=self._waits))  # stable: the runs' order among those that wait

    def _restore_order(self, files: Files) -> None:
        _move_to_end(files, sorted(files, key=lambda f: self._order.get(f.src_uri, len(self._order))))

    def _write_executed_notebook(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        """Before mkdocs-jupyter renders a notebook page, write the executed notebook it renders."""
        name = self.notebooks.get(page.file.src_uri)
        if name is not None:
            executed = Path(page.file.abs_src_path)
            if not executed.is_relative_to(self.executed):  # never write over a source
                raise PluginError(
                    f"{page.file.src_uri}: mkdocs-jupyter would render {executed}, not the executed notebook"
                )
            shown = self._outcome(name).shown
            if not executed.is_file() or executed.read_text(encoding="utf-8") != shown:
                executed.parent.mkdir(parents=True, exist_ok=True)
                executed.write_text(shown, encoding="utf-8")
        return page

    @event_priority(-100)  # last: wrap the render that the other plugins left (mkdocs-jupyter's for notebooks)
    def _render_from_cache(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        """Make the page's render replay its stored render when its key is unchanged, or record it."""
        if self._cache_renders is None:
            self._start_render_cache(config)
        if self._cache_renders:
            page.render = types.MethodType(_cached_render(self, page.render), page)
        return page

    on_pre_page = CombinedEvent(_write_executed_notebook, _render_from_cache)

    def _start_render_cache(self, config: MkDocsConfig) -> None:
        """Decide whether pages' renders are cached; wrap Material search's indexing with its cache."""
        self._cache_renders = False
        if self.renders.directory is None:
            return  # DLREF_CACHE=0
        # A stored page holds the HTML after dlref's on_page_content: no other plugin may see it first.
        first = config.plugins.events["page_content"][:1]
        if first != [self.on_page_content]:
            log.info("dlref: another plugin's on_page_content runs before dlref's: pages are rendered, not cached")
            return
        self._cache_renders = True
        self._autorefs = config.plugins.get("autorefs")
        mkdocstrings = config.plugins.get("mkdocstrings")
        self._handlers = getattr(mkdocstrings, "_handlers", None) if mkdocstrings is not None else None
        search = _search_plugin(config)
        index = getattr(search, "search_index", None)
        if index is not None and type(search).__module__.startswith("material.plugins.search"):
            _cache_search(self, search, index)

    def _page_key(self, page: Page, files: Files, config: MkDocsConfig) -> str:
        if self._site_key is None:
            self._site_key = render_cache.site_fingerprint(config, files, self.cache._prefix)
            self._snippet_bases = render_cache.snippet_bases(config)
        source = Path(page.file.abs_src_path) if page.file.abs_src_path else None
        return render_cache.digest(
            self._site_key,
            page.file.src_uri,
            page.url,
            page.markdown or "",
            json.dumps(page.meta, sort_keys=True, default=str),
            source.read_bytes() if source is not None and source.is_file() else b"",
            self.pages.get(page.file.src_uri, ("", ""))[1],
            *render_cache.snippet_files(page.markdown or "", self._snippet_bases),
        )

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Return the page with the outputs of its run; fail on a difference."""
        if page.file.src_uri not in self.pages:
            return markdown  # no pycon examples, or not Markdown
        name, text = self.pages[page.file.src_uri]
        if get_data(text)[0] != markdown:
            raise PluginError(f"{page.file.src_uri}: another plugin changed the page before dlref; list dlref first")
        return get_data(self._outcome(name).shown)[0]

    def on_env(self, env, config: MkDocsConfig, files: Files):
        """Every page's and notebook's examples ran (the docstrings' are checked in ``on_post_build``)."""
        self._restore_order(files)
        for name in self.results:
            if name != DOCSTRINGS:
                self._outcome(name)
        self._idle.clear()  # what is left MkDocs now does itself as it writes the pages
        if self.cache.directory is not None and env.bytecode_cache is None:
            # The theme's templates compiled once (Jinja checks each template's source against its
            # stored code), in a folder per set of installed versions.
            import jinja2

            folder = self.cache.directory / "jinja" / self.cache._prefix[:16]
            folder.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
        return env

    # --- what readers get: light notebook pages, copyable code, .ipynb downloads (dlref.publish) -----

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Slim notebook pages (before search indexes them); mark ``pycon`` output lines.

        A page replayed from the render cache already is (its images and notebook come with it);
        a page just rendered is stored in the cache now, with what this hook made of it.
        """
        uri = page.file.src_uri
        if uri in self._replayed:
            return html
        html = self._publish(html, page, config, files)
        pending = self._recorded.pop(uri, None)
        if pending is not None:
            key, entry = pending
            if "<backlinks" not in html:  # mkdocstrings fills those in on_env from its collected objects
                entry.update(content=html, toc=render_cache.toc_tokens(page.toc))
                entry["images"] = render_cache.encode_images(self._images.get(uri, {}))
                entry["styles"] = self._notebook_styles if uri in self.notebooks else None
                entry["ipynb"] = self._notebooks_text[uri] = self._page_ipynb(uri) if uri in self.pages else None
                self.renders.put(key, entry)
        if self._index_ahead is not None:  # once MkDocs has set page.content, at its next wait
            self._idle.append(functools.partial(self._index_ahead, page))
        return html

    def _publish(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if "jupyter-wrapper" in html and not page.file.src_uri.endswith(".md"):
            slugify = config.mdx_configs.get("toc", {}).get("slugify")
            if slugify is None:
                from pymdownx.slugs import slugify as make

                slugify = make(case="lower")
            stem = Path(page.file.src_uri).stem
            html = _resolve_links(html, page, files)
            slim = slim_notebook(html, slugify, image_prefix=stem)
            self._notebook_styles = slim.styles
            self._images[page.file.src_uri] = slim.images
            items = _flat_toc(page.toc)
            anchors = slim.anchors
            if len(items) != len(anchors):  # headings the toc leaves out: match by title instead
                anchors = unique_slugs([item.title for item in items], slugify)
            for item, anchor in zip(items, anchors, strict=True):
                item.id = anchor
            html = slim.html
        return exclude_sources_from_search(mark_pycon_outputs(html))

    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        """Name the page's ``.ipynb`` download (``page.ipynb_name``) for the theme's download button."""
        if page.file.src_uri in self.pages or page.file.src_uri in self.notebooks:
            page.ipynb_name = Path(page.file.src_uri).stem + ".ipynb"
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Write the page's notebook and images next to it."""
        name = getattr(page, "ipynb_name", None)
        folder = Path(page.file.abs_dest_path).parent
        folder.mkdir(parents=True, exist_ok=True)  # mkdocs writes the page itself only after this
        for image, data in self._images.pop(page.file.src_uri, {}).items():
            (folder / image).write_bytes(data)
        if name:
            uri = page.file.src_uri
            if uri in self.pages:
                text = self._notebooks_text.pop(uri, None) or self._page_ipynb(uri)
                (folder / name).write_bytes(text.encode("utf-8"))
            else:  # the notebook as executed for this page: its outputs and figures included
                (folder / name).write_bytes(Path(page.file.abs_src_path).read_bytes())
        return output

    def _page_ipynb(self, uri: str) -> str:
        """The ``.ipynb`` download of a reference page, as ``nbformat.write`` writes it.

        Written by nbformat's v4 writer, which ``nbformat.writes`` calls after validating the
        notebook against its schema, where a failure is only logged: the same text, without the
        validation (0.09 s of a cold build's CPU). The tests validate every page's notebook.
        """
        from nbformat.v4 import writes_json

        from dlref.publish.notebook import page_notebook

        text = writes_json(page_notebook(self.pages[uri][1], self.root))
        return text if text.endswith("\n") else text + "\n"

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Check the docstrings' examples; serve the notebook pages' styles once; forget stored renders
        not used for two weeks; say how much ran and how much was cached.

        The docstrings' run is the last one queued, and no page shows what it printed (the API page
        shows the examples as written; the run checks them), so the build fails here if it failed,
        after MkDocs wrote the pages while it ran. (MkDocs waited for it in ``on_env``, with a
        core idle, then wrote the pages on one core: a cold build took 10.22 s against 9.81 s,
        the means of five alternating builds.)
        """
        self._outcome(DOCSTRINGS)
        ran = f"executed {len(self.ran)} of {len(self.results)}" + (f" ({', '.join(self.ran)})" if self.ran else "")
        log.info(f"dlref: {ran}; {len(self.results) - len(self.ran)} unchanged, from the cache")
        if self._notebook_styles:
            path = Path(config.site_dir) / NOTEBOOK_CSS
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self._notebook_styles, encoding="utf-8")
        self.renders.prune()
        self.searches.prune()

    _notebook_styles = ""

    @property
    def _images(self) -> dict[str, dict[str, bytes]]:
        if not hasattr(self, "_pending_images"):
            self._pending_images: dict[str, dict[str, bytes]] = {}
        return self._pending_images


def _move_to_end(files: Files, ordered: list) -> None:
    """Move ``ordered`` to the end of ``files``, in that order (``Files`` keeps insertion order)."""
    for file in ordered:
        files.remove(file)
        files.append(file)


_FILLED_IN_ON_ENV = ("<autoref", "<backlinks")
"""Tags in a rendered page that autorefs and mkdocstrings replace once every page is rendered."""


def _refs_fixed_now(autorefs, page: Page) -> str | None:
    """``page.content`` with its cross-references fixed as autorefs' ``on_env`` fixes them, if all resolve now.

    autorefs fixes every page's references in ``on_env``, once every page is rendered; the API
    reference's all point at its own objects, registered as it rendered. This is the same call as
    there (``mkdocs_autorefs.fix_refs``, with what the plugin passes it), its log silenced:
    ``on_env`` logs what it finds. ``None`` where a reference does not resolve yet, the page has
    backlinks to fill in, or autorefs is missing or calls ``fix_refs`` otherwise than this version.
    """
    if autorefs is None or "<backlinks" in page.content:
        return None
    try:
        from mkdocs_autorefs import fix_refs

        mapper = functools.partial(autorefs.get_item_url, from_url=page.url, fallback=autorefs.get_fallback_anchor)
        options = {"link_titles": autorefs._link_titles, "strip_title_tags": autorefs._strip_title_tags}
        legacy = {"_legacy_refs": autorefs.legacy_refs} if hasattr(autorefs, "legacy_refs") else {}
    except (ImportError, AttributeError):
        return None
    loggers = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("mkdocs.plugins.mkdocs_autorefs") and isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        logger.addFilter(_silent)
    try:
        content, unmapped = fix_refs(page.content, mapper, record_backlink=None, **options, **legacy)
    except TypeError:  # another signature
        return None
    finally:
        for logger in loggers:
            logger.removeFilter(_silent)
    return None if unmapped else content


def _silent(record: logging.LogRecord) -> bool:
    return False


def _search_plugin(config: MkDocsConfig):
    """Material's search plugin (or MkDocs' own), or ``None``."""
    return config.plugins.get("material/search") or config.plugins.get("search")


def _han_runs(files: Files) -> list[str]:
    """The runs of Han characters in the documentation pages' sources, each once (the API page's
    docstrings aside: were they to have any, they would be looked up when Material meets them)."""
    runs: dict[str, None] = {}
    for file in files.documentation_pages():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            runs.update(dict.fromkeys(han_runs(Path(file.abs_src_path).read_text(encoding="utf-8"))))
    return list(runs)


_HREF = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#]+)(#[^"]*)?"')


def _resolve_links(html: str, page: Page, files: Files) -> str:
    """Point a notebook's links to other pages (``gradients.md``, ``../api/index.md#x``) at their URLs.

    MkDocs does this for Markdown pages; mkdocs-jupyter leaves a notebook's links as written, which
    would break them, since the notebook's page lives one folder deeper than its source.
    """

    def resolve(match: re.Match[str]) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        uri = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), target))
        file = files.get_file_from_path(uri)
        if file is None:
            return match.group(0)
        return f'href="{file.url_relative_to(page.file)}{anchor}"'

    return _HREF.sub(resolve, html)


def _flat_toc(toc) -> list:
    items = []
    for item in toc:
        items.append(item)
        items.extend(_flat_toc(item.children))
    return items


class _CompiledTemplates(jinja2.BytecodeCache):
    """A bytecode cache in memory: compiled template code by template file and source hash."""

    def __init__(self) -> None:
        self.code: dict[str, tuple[str, types.CodeType]] = {}

    def load_bytecode(self, bucket) -> None:
        found = self.code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.code)


def _share_nbconvert_templates() -> None:
    """Compile nbconvert's templates once per process instead of once per notebook.

    mkdocs-jupyter makes a new ``HTMLExporter`` for every notebook, and each makes a Jinja
    environment that compiles the notebook templates again: about 0.1 s of CPU per notebook, 0.7 s
    of a cold build's 8 (measured with ``process_time`` around 8 ``nb2html`` calls: 2.1 s -> 1.35 s).
    Jinja keys compiled code by template file and checks a hash of its source, as its on-disk
    bytecode cache does, so an edited template is compiled again. Without nbconvert's (private)
    ``_create_environment`` this does nothing.
    """
    try:
        from nbconvert.exporters.templateexporter import TemplateExporter
    except ImportError:
        return
    create = getattr(TemplateExporter, "_create_environment", None)
    if create is None or getattr(create, "dlref_shared", False):
        return
    compiled = _CompiledTemplates()

    def create_environment(self):
        environment = create(self)
        if environment.bytecode_cache is None:
            environment.bytecode_cache = compiled
        return environment

    create_environment.dlref_shared = True
    TemplateExporter._create_environment = create_environment


def _cached_render(plugin: DlrefPlugin, render):
    """A page's render that replays its stored render, or runs ``render`` and records it."""
    pages_log = logging.getLogger("mkdocs.structure.pages")

    def cached(page: Page, config: MkDocsConfig, files: Files) -> None:
        uri = page.file.src_uri
        if render_cache.remote_snippets(page.markdown or ""):
            render(config, files)
            return
        key = plugin._page_key(page, files, config)
        entry = plugin.renders.get(key)
        if entry is not None and _replay(plugin, page, entry, files, pages_log):
            return
        before = page.__dict__.get("title", _UNSET)
        with render_cache.PageRecorder(page, plugin._autorefs, plugin._handlers) as recorder:
            render(config, files)
        if not recorder.ok or pages_log.getEffectiveLevel() <= logging.DEBUG:
            return  # not replayable, or --verbose (MkDocs then keeps no links to check)
        entry = recorder.entry()
        title = page.__dict__.get("title", _UNSET)
        if title is not before and title is not _UNSET:  # mkdocs-jupyter sets a notebook's title
            entry["title"] = title
        entry["title_from_render"] = page._title_from_render
        entry["anchor_ids"] = None if page.present_anchor_ids is None else sorted(page.present_anchor_ids)
        links = page.links_to_anchors
        entry["links"] = None if links is None else {f.src_uri: dict(a) for f, a in links.items()}
        plugin._recorded[uri] = key, entry

    return cached


_UNSET = object()


def _replay(plugin: DlrefPlugin, page: Page, entry: dict, files: Files, pages_log: logging.Logger) -> bool:
    """Set what the stored render set on ``page`` and register what it registered; ``False``: render."""
    links = None
    if entry["links"] is not None:
        links = {files.get_file_from_path(uri): anchors for uri, anchors in entry["links"].items()}
        if None in links:
            return False  # cannot happen (the file list is in the key); render rather than guess
    uri = page.file.src_uri
    page.content = entry["content"]
    page.toc = render_cache.toc_from_tokens(entry["toc"])
    page._title_from_render = entry["title_from_render"]
    if "title" in entry:
        page.title = entry["title"]
    page.present_anchor_ids = None if entry["anchor_ids"] is None else set(entry["anchor_ids"])
    if links is not None and pages_log.getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = links
    render_cache.PageRecorder.replay(entry, page, plugin._autorefs, plugin._handlers)
    render_cache.replay_logs(entry["logs"])
    if entry["images"]:
        plugin._images[uri] = render_cache.decode_images(entry["images"])
    if entry["styles"] is not None:
        plugin._notebook_styles = entry["styles"]
    if entry["ipynb"] is not None:
        plugin._notebooks_text[uri] = entry["ipynb"]
    plugin._replayed.add(uri)
    return True


def _cache_search(plugin: DlrefPlugin, search, index) -> None:
    """Make Material search's indexing of a page replay the entries stored for the same input."""
    import material.plugins.search.plugin as material_search

    config = dict(search.config)
    dictionaries = [
        Path(p).read_bytes() if p and Path(p).is_file() else b""
        for p in (config.get("jieba_dict"), config.get("jieba_dict_user"))
    ]
    fingerprint = render_cache.digest(
        render_cache.FORMAT,
        plugin.cache._prefix,
        json.dumps(config, sort_keys=True, default=str),
        str(material_search.jieba is not None),
        *dictionaries,
    )
    add = index.add_entry_from_context
    early: dict[str, list] = {}  # entries made ahead (index_ahead), by key

    def key_of(page: Page) -> str | None:
        try:
            return render_cache.digest(
                fingerprint,
                page.url,
                str(page.title),
                json.dumps(page.meta, sort_keys=True, default=str),
                json.dumps(render_cache.toc_tokens(page.toc)),
                page.content or "",
            )
        except TypeError:  # metadata that JSON cannot sort: index without the cache
            return None

    def made(page: Page) -> list:
        """Material's entries for ``page``; the index itself is left as it was."""
        start = len(index.entries)
        content = page.content
        if content:  # the same entries, without parsing what the index leaves out
            page.content = without_code_spans(without_source_listings(content))
        try:
            add(page)
        finally:
            page.content = content
        entries = index.entries[start:]
        del index.entries[start:]
        return entries

    def add_entry_from_context(page: Page) -> None:
        key = key_of(page)
        if key is None:
            add(page)
            return
        stored = None if key in early else plugin.searches.get(key)
        if stored is not None:
            entries = stored["entries"]
        else:
            entries = early.pop(key, None)
            if entries is None:
                entries = made(page)
            if json.loads(json.dumps(entries)) == entries:  # what the index writes, exactly
                plugin.searches.put(key, {"entries": entries})
        index.entries.extend(entries)

    def index_ahead(page: Page) -> None:
        """Make ``page``'s entries now; used if it is indexed with the same content, title and toc.

        A page whose cross-references autorefs fixes in ``on_env`` (the API reference) is indexed
        with them fixed as they will be (``_refs_fixed_now``). Its entries are used only if the
        page's content then is exactly that; otherwise it is indexed again, alone on one core after
        the last run, as it was always before (1.0 s of CPU for the API page).
        """
        content = page.content
        if not content:
            return
        if any(tag in content for tag in _FILLED_IN_ON_ENV):
            fixed = _refs_fixed_now(plugin._autorefs, page)
            if fixed is None:
                return
            page.content = fixed
        try:
            key = key_of(page)
            if key is not None and key not in early:
                early[key] = made(page)
        finally:
            page.content = content

    plugin._index_ahead = index_ahead
    index.add_entry_from_context = add_entry_from_context
