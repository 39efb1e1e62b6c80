"""The ``dlref`` MkDocs plugin: a thin adapter that shows only outputs this build produced and checked.

It hands every page with examples, every walkthrough notebook and the library's docstrings to one
[`Runner`][dlref_site.runner.Runner] as soon as the file list is known (they run while MkDocs
renders), renders each page with its run's outputs, and fails the build, naming ``file:line``, on
any difference, on a cell that raises, or on a rendered console block that did not run. Nothing is
written before every run of its language has passed. It also makes what readers get: each notebook's page, written
as Markdown from the executed notebook, ``pycon`` blocks whose copy button copies only code, a
``.ipynb`` download next to each page, and a footer naming the torch version and device. With
mkdocs-static-i18n building one language per process, it starts the other languages' builds beside
the first's (one that fails fails the build), and sets each page's language switch. It uses
MkDocs' public plugin events only.
"""

from __future__ import annotations

import atexit
import logging
import os
import posixpath
import re
import subprocess
import sys
from concurrent.futures import Future
from html import escape
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import urlsplit

from mkdocs.config import base, config_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from dlref_site import forkserver, glossary, radar, wheel
from dlref_site import html as publish
from dlref_site.examples import parse
from dlref_site.runner import Outcome, Runner, start_server
from dlref_site.translations import source_of, translation_of

log = logging.getLogger("mkdocs.plugins.dlref")
LANGUAGE_ENV_VAR = "DLREF_LANGUAGE"
"""Build this one language (``mkdocs.yml`` gives it to mkdocs-static-i18n's ``build_only_locale``)
into the site folder given: the whole build gives another language its folder (``-d site/zh``).
Unset: the whole site, each other language built at the same time in a process of its own."""
_PROMPT = '<span class="gp">&gt;&gt;&gt; </span>'
_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')
_SWITCH = re.compile(r'href="([^"]*)" hreflang="([^"]*)"')


def footer(device: str) -> str:
    """The footer line: which torch and device produced the outputs."""
    import torch

    where = device
    if device.startswith("cuda"):
        where += f" ({torch.cuda.get_device_name(device)})"
    return (
        f"Every output on this site was produced and checked at build time with torch {torch.__version__} on {where}."
    )


class Options(base.Config):
    """The plugin's settings in ``mkdocs.yml`` (both have defaults)."""

    notebooks = config_options.ListOfItems(config_options.Type(str), default=[])
    """Which files are jupytext notebooks, each a page (globs of paths under ``docs/``)."""
    downloads = config_options.Type(str, default="downloads")
    """Where the site serves the wheel of the library its pages ran with."""


class DlrefPlugin(BasePlugin[Options]):
    """Run and check every page, notebook and docstring example; show the outputs of the run."""

    dirty = serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dirty = dirty  # mkdocs serve --dirty: MkDocs renders only the pages whose HTML is older
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from dlref.device import DeviceError

        forkserver.freeze_at_exit()  # the build's exit, alone on one core, skips collecting what it made
        self.children: dict[str, subprocess.Popen] = {}  # language -> its build, started by on_files
        root = Path(config.config_file_path).resolve().parent
        try:
            self.runner = Runner(root)
        except DeviceError as error:
            raise PluginError(str(error)) from None
        if self.serving:  # the server imports torch while the author edits, not at the first change
            start_server(self.runner.prefix)
        line = footer(self.runner.device)
        import torch

        self.torch, self.reports = torch.__version__, radar.load_reports(root)
        if self.runner.tolerance:
            line += f" Outputs were compared with tolerances ({self.runner.tolerance})."
            log.info(f"dlref: outputs compared with tolerances: {self.runner.tolerance}")
        if line not in (config.copyright or ""):  # mkdocs serve may give the same config again
            config.copyright = f"{config.copyright} · {line}" if config.copyright else line
        self._languages(config)
        try:  # Material's search segments Chinese with jieba, which logs its dictionary load
            import jieba

            jieba.setLogLevel(logging.WARNING)
        except ImportError:
            pass
        if "toc" in config.mdx_configs or "toc" in config.markdown_extensions:
            from pymdownx.slugs import slugify  # unicode anchors: a Chinese heading gets a working one

            config.mdx_configs.setdefault("toc", {}).setdefault("slugify", slugify(case="lower"))
        return config

    def _languages(self, config: MkDocsConfig) -> None:
        """Which language this process builds, and which it starts.

        With mkdocs-static-i18n building one language per process (``build_only_locale``), the
        site's first language is at its root and each other one in its folder (``zh/``), as i18n
        lays out a site of several languages. The process for the first language, unless
        ``DLREF_LANGUAGE`` names it alone, starts one for each other language as soon as the site
        folder is clean (``on_files``): the languages render at the same time, on different cores,
        and share the runs through the run cache (one process runs a page, the other waits for
        it) and one fork server. Material's language switch (``extra.alternate``) leads to the
        same page in each language.
        """
        i18n = config.plugins.get("i18n")
        only = getattr(getattr(i18n, "config", None), "build_only_locale", None)
        self.site_root = config.site_url  # the whole site's address (a language's folder is below it)
        self.switch: list[dict[str, str]] = []
        self.others: list[str] = []
        if not only:  # no language, or i18n builds them all in this process, one after the other
            self.language = self.first = None
            self.whole_site = False
            return
        self.language, self.first = only, i18n.config.languages[0].locale
        self.others = [lang.locale for lang in i18n.config.languages[1:]]
        if self.language != self.first and config.site_url:
            config.site_url = config.site_url.rstrip("/") + f"/{self.language}/"
        self.switch = [{"name": lang.name, "lang": lang.locale} for lang in i18n.config.languages]
        config.extra["alternate"] = [{**alt, "link": self._link(alt["lang"], "")} for alt in self.switch]
        self.whole_site = self.language == self.first and LANGUAGE_ENV_VAR not in os.environ
        if self.whole_site:  # one fork server for every language's process, importing while MkDocs loads
            start_server(self.runner.prefix, share=True)

    def _link(self, language: str, url: str) -> str:
        """The address of page ``url`` (as this build names it) in ``language``: a path from the
        server's root, as the other language is outside this build's folder."""
        return _in_language(self._root_path(), language, self.first, url)

    def _root_path(self) -> str:
        """The whole site's path on its server (``/dlref/``)."""
        return urlsplit(self.site_root or "/").path.rstrip("/") + "/"

    def _start_other_languages(self, config: MkDocsConfig) -> None:
        """Start the build of each other language into its folder (the site folder is clean now)."""
        command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config.config_file_path)]
        # as this build: strict or not, dirty or not, its URLs, its address (mkdocs serve's; mkdocs.yml
        # reads site_url from DLREF_SITE_URL)
        command += ["--strict" if config.strict else "--no-strict"] + ["--dirty"] * self.dirty
        command += ["--use-directory-urls" if config.use_directory_urls else "--no-directory-urls"]
        address = {"DLREF_SITE_URL": config.site_url} if config.site_url else {}
        for language in self.others:
            folder = Path(config.site_dir) / language
            env = {**os.environ, **address, LANGUAGE_ENV_VAR: language}
            self.children[language] = subprocess.Popen([*command, "-d", str(folder)], env=env)
        atexit.register(self._stop_other_languages)  # an interrupted build leaves none building on

    def _stop_other_languages(self) -> None:
        for child in self.children.values():
            child.terminate()
        for child in self.children.values():
            child.wait()
        self.children.clear()

    def _wait_for_other_languages(self) -> None:
        failed = [language for language, child in self.children.items() if child.wait() != 0]
        self.children.clear()
        atexit.unregister(self._stop_other_languages)
        if failed:
            raise PluginError(f"dlref: the build of {', '.join(failed)} failed (its messages are above)")

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_other_languages()  # this build has failed: the others' are not wanted

    @event_priority(-150)  # after i18n has made each language's files
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Start the other languages' builds, every run, and make each notebook a page, which shows
        its run.

        A clean build renders every page: the other languages start at once. With ``--dirty``, a
        page renders again when its run is new here, so they start once this build has claimed
        every run (one of theirs cannot be found already stored here).
        """
        if self.whole_site and not self.dirty:
            self._start_other_languages(config)
        _notebooks_as_pages(files, config, self.config.notebooks)
        run, root = self.runner, self.runner.project
        self.results: dict[str, Future[Outcome]] = {}
        self.pages: dict[str, tuple[str, int]] = {}  # src_uri -> (name, number of examples)
        self.notebooks: dict[str, str] = {}
        self.images: dict[str, dict[str, bytes]] = {}
        self.executed: dict[str, object] = {}  # src_uri -> its run's notebook: the page, then the download
        self.prompts: dict[str, tuple[int, bool]] = {}  # src_uri -> (prompts rendered, renders docstrings)
        self.keywords = _search_keywords(files)
        self.wheel, data = wheel.build()  # the library these pages ran with, for readers to install
        files.append(File.generated(config, f"{self.config.downloads}/{self.wheel}", content=data))
        for file in files:
            source = Path(file.abs_src_path) if file.abs_src_path else None
            if source is None or not source.is_relative_to(root):
                continue
            name = source.relative_to(root).as_posix()
            if file.src_uri.endswith(".md"):
                text = source.read_text(encoding="utf-8")
                try:  # a snippet that cannot be included, a +SKIP, a bad dlref directive
                    found = parse(text, name, [root]).examples
                    if found:
                        self.results[name] = run.page(name, text)
                        self.pages[file.src_uri] = name, len(found)
                except ValueError as error:
                    raise PluginError(str(error)) from None
            elif isinstance(file, NotebookPage):
                self.results[name] = run.notebook(source)
                self.notebooks[file.src_uri] = name
                if not hasattr(self, "notebook_urls"):  # one set for every build of a serve
                    self.notebook_urls: set[str] = set()  # the notebook pages, for the sitemap
                self.notebook_urls.add(file.url)
        # last: no page waits for it (on_env does), while MkDocs renders each page as its run ends
        self.results["dlref docstrings"] = run.docstrings()
        if self.dirty:  # a page whose run is new (its source, an include, the library changed) renders again
            ran = {*run.ran, *run.awaited}
            # Another language's process: the first language's may have run and stored a page's
            # run before this one asked for it (a cache hit here), so each page with a run renders again.
            every = self.language != self.first
            for file in files.documentation_pages():
                name = self.notebooks.get(file.src_uri) or self.pages.get(file.src_uri, (None,))[0]
                markdown = file.src_uri.endswith(".md") and Path(file.abs_src_path).read_text("utf-8")
                api = ("dlref docstrings" in ran or every) and bool(markdown) and "\n::: " in "\n" + markdown
                if name in ran or (every and name is not None) or api:
                    Path(file.abs_dest_path).unlink(missing_ok=True)
        # MkDocs renders in file order, each page waiting for its run: render those that wait for
        # nothing (the API reference, the longest) first, while the runs go on. Put back in on_env.
        self.order = list(files)
        waiting = [f for f in files if f.is_documentation_page() and not self._ready(f)]
        for file in waiting:
            files.remove(file)
            files.append(file)
        if self.whole_site and self.dirty:
            self._start_other_languages(config)
        return files

    def _ready(self, file) -> bool:
        name = self.notebooks.get(file.src_uri) or self.pages.get(file.src_uri, (None,))[0]
        return name is None or self.results[name].done()

    def _outcome(self, name: str) -> Outcome:
        outcome = self.results[name].result()
        if not outcome.passed:
            raise PluginError(outcome.report)
        return outcome

    def on_page_read_source(self, page: Page, config: MkDocsConfig) -> str | None:
        """A notebook's page is its run's executed notebook, written as Markdown: MkDocs renders it
        as it renders every page (its title, table of contents, links and math)."""
        name = self.notebooks.get(page.file.src_uri)
        if name is None:
            return None
        from dlref_site.notebook_page import notebook_markdown
        from dlref_site.notebooks import read_json

        notebook = self.executed[page.file.src_uri] = read_json(self._outcome(name).shown)
        shown = notebook_markdown(notebook, Path(page.file.src_uri).stem)
        self.images[page.file.src_uri] = shown.images
        return shown.markdown

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """The page as this run showed it: its snippets expanded, every output the one printed, and
        where its outputs were checked (the Versions page, from the radar's reports)."""
        from dlref_site.translations import translation_of

        uri = page.file.src_uri
        # a translation (x.zh.md) is its English page's run, in Chinese; other pages are English
        language = "zh" if source_of(uri) is not None else "en"
        if uri in (radar.VERSIONS_PAGE, translation_of(radar.VERSIONS_PAGE)):
            if radar.MARKER not in markdown:
                raise PluginError(f"{uri}: no {radar.MARKER} line to put the radar's reports at")
            # the English pages' names, which the reports use (a translation is its page's run)
            found = [name for name, _ in self.pages.values()] + list(self.notebooks.values())
            names = list(dict.fromkeys(source_of(name) or name for name in found))
            generated = radar.versions_markdown(self.runner.project, names, language=language)
            return markdown.replace(radar.MARKER, generated)
        if uri not in self.pages:
            return markdown
        name = self.pages[uri][0]
        shown = get_data(self._outcome(name).shown)[0]
        if files.get_file_from_path(radar.VERSIONS_PAGE) is None:
            return shown
        link = posixpath.relpath(radar.VERSIONS_PAGE, posixpath.dirname(uri) or ".")
        reference = radar.reference(self.torch, self.runner.device, self.runner.exact, language)
        note = radar.checked_note(source_of(name) or name, self.reports, reference, link, language)
        # kept out of the search index: every page has it, and a search preview would show it
        # instead of the page's first paragraph
        return radar.after_title(shown, note + "\n{: data-search-exclude }")

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Fail on a console block that did not run; slim notebook pages; mark ``pycon`` outputs."""
        uri = page.file.src_uri
        if uri.endswith(".md"):  # checked in on_env, once the docstrings' run (the API page's) is in
            self.prompts[uri] = html.count(_PROMPT), "\n::: " in "\n" + (page.markdown or "")
        page.dlref_math = 'class="arithmatex"' in html  # the theme loads KaTeX on such pages only
        html = publish.exclude_math_from_search(publish.exclude_sources_from_search(html))
        if source_of(uri) is not None:  # a translation: Chinese prose wrapped in its source
            html = publish.join_cjk_lines(html)
        return publish.mark_pycon_outputs(html)

    def on_env(self, env, config: MkDocsConfig, files: Files):
        """Every run has passed (docstrings included), and every console block shown ran, before
        anything is written."""
        for name in self.results:
            self._outcome(name)
        docstrings = self._outcome("dlref docstrings").examples
        for uri, (rendered, api) in self.prompts.items():
            ran = self.pages.get(uri, ("", 0))[1]
            if rendered > ran + (docstrings if api else 0) or (rendered < ran and not api):
                raise PluginError(
                    f"{uri}: {rendered} Python console prompts rendered, {ran} examples run: a block is shown "
                    "as a Python console that the examples' parser does not find (write it as a ```pycon fence)"
                )
        self.files = files
        for file in self.order:  # MkDocs writes pages and the search index in this order
            files.remove(file)
            files.append(file)
        return env

    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        if self.switch:  # the language switch: this page in each language
            config.extra["alternate"] = [{**alt, "link": self._link(alt["lang"], page.url)} for alt in self.switch]
        # Before the search plugin's on_page_context (dlref comes first in mkdocs.yml's plugins):
        # Material's search indexes a page's search settings and tags as this leaves them. The theme
        # shows tags on a page only with Material's tags plugin, which the site does not use.
        found = self.keywords.get(source_of(page.file.src_uri) or "")
        if found:
            page.meta["tags"] = [*(page.meta.get("tags") or []), *found]
        if page.file.src_uri in self.pages or page.file.src_uri in self.notebooks:
            page.ipynb_name = page.file.name + ".ipynb"  # the theme's download button (x.zh.md: x.ipynb)
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Write the page's figures and its ``.ipynb`` download next to it."""
        # Material's script fetches sitemap.xml beside each <link rel="alternate" hreflang> of the
        # head, which it expects at a language's root; i18n links each page to the same page in the
        # other language (as the language switch does), where there is none: a 404 on every page.
        output = _ALTERNATE.sub("", output)
        folder = Path(page.file.abs_dest_path).parent
        folder.mkdir(parents=True, exist_ok=True)
        for image, data in self.images.pop(page.file.src_uri, {}).items():
            (folder / image).write_bytes(data)
        uri, name = page.file.src_uri, getattr(page, "ipynb_name", None)
        if name:
            from dlref_site.notebooks import as_json, for_readers, page_notebook

            if uri in self.pages:
                notebook = page_notebook(self._outcome(self.pages[uri][0]).shown, self.runner.project)
            else:  # a walkthrough: the notebook as executed for this page (read for it in on_page_read_source)
                notebook = self.executed.pop(uri)
            site = config.site_url or ""
            wheel_url = f"{site}{self.config.downloads}/{self.wheel}" if site else None

            def link(target: str) -> str | None:  # a link of the page, as an address on the site
                found = _linked_file(self.files, page, target)
                return None if found is None else (site + found.url if site else found.url_relative_to(page.file))

            (folder / name).write_text(as_json(for_readers(notebook, link, wheel_url)), encoding="utf-8")
        return output

    def on_post_template(self, output: str, template_name: str, config: MkDocsConfig) -> str:
        if template_name == "sitemap.xml":
            base = (config.site_url or "/").rstrip("/") + "/"
            urls = [loc.removeprefix(base) for loc in re.findall(r"<loc>([^<]+)</loc>", output)]
            urls = list(dict.fromkeys([*urls, *sorted(getattr(self, "notebook_urls", ()))]))  # i18n: assets
            if self.whole_site:  # each language shows every page (untranslated ones in English)
                return _sitemap(base, urls, [self.first, *self.others], self.first)
            return _with_pages(output, base, urls)
        return self._not_found_page(output, template_name)

    def _not_found_page(self, output: str, template_name: str) -> str:
        """The 404 page: no alternate links in its head (as every page), and its language switch
        leads to each language's home (it is served at any address, so the links are absolute)."""
        if template_name != "404.html":
            return output

        def home(match: re.Match) -> str:
            return f'href="{_in_language(self._root_path(), match[2], self.first, "")}" hreflang="{match[2]}"'

        return _SWITCH.sub(home, _ALTERNATE.sub("", output))

    def on_post_build(self, config: MkDocsConfig) -> None:
        self._wait_for_other_languages()  # the site is built when every language is
        ran, awaited = self.runner.ran, self.runner.awaited
        log.info(
            f"dlref: executed {len(ran)} of {len(self.results)}"
            + (f" ({', '.join(ran)})" if ran else "")
            + (f"; {len(awaited)} run by another process sharing the cache ({', '.join(awaited)})" if awaited else "")
            + f"; {len(self.results) - len(ran) - len(awaited)} unchanged, from the cache"
            + f"; {self.runner.prune()} old entries pruned"
        )


class NotebookPage(File):
    """A jupytext notebook as a page (``mlp.py`` is ``mlp/``); MkDocs takes a ``.py`` file for an asset."""

    def is_documentation_page(self) -> bool:
        return True


class _Link(NamedTuple):
    url: str


def _in_language(base: str, language: str, first: str | None, url: str) -> str:
    """Page ``url`` in ``language``, below ``base`` (the site's address or path): the first
    language is at ``base``, each other one in its folder.

    Examples:
        >>> _in_language("/d/", "zh", "en", "a/"), _in_language("/d/", "en", "en", "a/")
        ('/d/zh/a/', '/d/a/')
    """
    return base + ("" if language == first else f"{language}/") + url


def _sitemap(base: str, urls: list[str], languages: list[str], first: str) -> str:
    """The whole site's sitemap: each page in each language, with its address in every language
    (``hreflang`` alternates). ``first`` is at the root, each other language in its folder.

    Examples:
        >>> print(_sitemap("https://x.org/d/", ["a/"], ["en", "zh"], "en"), end="")
        <?xml version="1.0" encoding="UTF-8"?>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
          <url><loc>https://x.org/d/a/</loc>
            <xhtml:link rel="alternate" hreflang="en" href="https://x.org/d/a/"/>
            <xhtml:link rel="alternate" hreflang="zh" href="https://x.org/d/zh/a/"/></url>
          <url><loc>https://x.org/d/zh/a/</loc>
            <xhtml:link rel="alternate" hreflang="en" href="https://x.org/d/a/"/>
            <xhtml:link rel="alternate" hreflang="zh" href="https://x.org/d/zh/a/"/></url>
        </urlset>
    """

    def address(language: str, url: str) -> str:
        return escape(_in_language(base, language, first, url))

    entries = []
    for language in languages:
        for url in urls:
            links = "".join(
                f'\n    <xhtml:link rel="alternate" hreflang="{other}" href="{address(other, url)}"/>'
                for other in languages
            )
            entries.append(f"  <url><loc>{address(language, url)}</loc>{links}</url>\n")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        + "".join(entries)
        + "</urlset>\n"
    )


def _with_pages(sitemap: str, site_url: str, urls: list[str]) -> str:
    r"""The sitemap with each of ``urls`` (relative to ``site_url``) it lacks.

    Examples:
        >>> _with_pages("<urlset>\n</urlset>", "https://x.org/d/", ["a/", "zh/a/"]).count("<loc>")
        2
        >>> _with_pages("<urlset><loc>https://x.org/a/</loc></urlset>", "https://x.org/", ["a/"]).count("<loc>")
        1
    """
    base = site_url.rstrip("/") + "/"
    missing = [url for url in urls if f"<loc>{base}{url}</loc>" not in sitemap]
    added = "".join(f"    <url><loc>{base}{url}</loc></url>\n" for url in missing)
    return sitemap.replace("</urlset>", added + "</urlset>", 1) if added else sitemap


def _notebooks_as_pages(files: Files, config: MkDocsConfig, globs: list[str]) -> None:
    """Make each notebook (a file that one of ``globs`` matches) a page, in its language's folder:
    i18n took it for an asset, which a language without its own copy shares with the default
    language's folder; as a page, it goes under the language's folder (``zh/``) like the others."""
    i18n = config.plugins.get("i18n")
    language = getattr(i18n, "current_language", None)
    folder = f"{language}/" if language and language != getattr(i18n, "default_language", language) else ""
    for file in list(files):
        if file.is_documentation_page() or not any(PurePosixPath(file.src_uri).match(glob) for glob in globs):
            continue
        source = source_of(file.src_uri) or file.src_uri  # mlp.zh.py is the Chinese page of mlp.py
        path = posixpath.splitext(source)[0]
        dest, url = (f"{path}/index.html", f"{path}/") if config.use_directory_urls else (f"{path}.html",) * 2
        page = NotebookPage(
            file.src_path, file.src_dir, config.site_dir, config.use_directory_urls, dest_uri=folder + dest
        )
        where = ("dest_dir", "dest_uri", "url", "abs_dest_path")  # a page's, not the asset's
        page.__dict__.update({key: value for key, value in vars(file).items() if key not in where})  # i18n's locale
        if i18n is not None:  # the language switch: the same notebook's page in each language
            default = i18n.default_language
            page.alternates = {
                lang: _Link(url if lang == default else f"{lang}/{url}") for lang in i18n.build_languages
            }
        files.remove(file)
        files.append(page)


def _search_keywords(files: Files) -> dict[str, list[str]]:
    """Each translated page's search keywords (its source page -> keywords): the terms that the
    Chinese glossary links to it (see ``dlref_site.glossary``). None in the English build, whose
    files do not include the translation."""
    page = files.get_file_from_path(translation_of(glossary.PAGE))
    if page is None:
        return {}
    terms = glossary.terms_by_page(page.content_string, page.src_uri)
    if not terms:  # a build with --strict fails on it
        log.warning(f"dlref: {page.src_uri} has no table row linking a term to a page: no search keywords")
    return {source: glossary.keywords(found, terms) for source, found in terms.items()}


def _linked_file(files: Files, page: Page, target: str) -> File | None:
    """The file a relative link of ``page`` (``../linalg/norms.md``) names, if the site has it."""
    return files.get_file_from_path(posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), target)))
