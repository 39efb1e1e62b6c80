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

It also makes what readers get (``dlref.publish``): notebook pages without inline styles or CDN
scripts (the styles go to one shared file, ``assets/stylesheets/notebook.css``), ``pycon`` blocks
whose copy button copies only code, and a downloadable ``.ipynb`` next to every page that has
examples.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib.metadata
import logging
import os
import posixpath
import re
from concurrent.futures import Future
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from dlref.device import ENV_VAR, DeviceError
from dlref.publish.html import mark_pycon_outputs, slim_notebook, unique_slugs
from dlref.publish.notebook import page_notebook
from dlref.runner import Cache, Outcome, cache_directory, check_docstrings, run_markdown_page, run_notebook_page, submit

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


class DlrefPlugin(BasePlugin):
    """Run and check every page, notebook and docstring example; show the outputs of the run."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Choose the device (a clear error if it is missing) and write the footer line."""
        # A page that crashes the interpreter (a segfault or SIGFPE inside torch) then still names
        # its file and line: the faulthandler dump shows the example's frame as page.md:line.
        if not faulthandler.is_enabled():
            faulthandler.enable()
        try:
            device, line = build_device()
        except DeviceError as error:
            raise PluginError(str(error)) from None
        config.copyright = f"{config.copyright} · {line}" if config.copyright else line
        self.root = Path(config.config_file_path).resolve().parent
        self.cache = Cache(cache_directory(self.root), device)
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
        """Start the queued runs, the longest first (as long as they took last time; never run:
        notebooks first), so that no long one starts last while the other cores sit idle."""
        last = self.cache.durations()
        guess = {"notebook": 10.0, "docstrings": 5.0, "page": 1.0}  # seconds; only the order matters
        self._queued.sort(key=lambda job: -last.get(job[1], guess.get(job[0], 1.0)))
        for _, name, task, args in self._queued:
            self.results[name] = submit(task, *args)
        self._queued.clear()

    def _outcome(self, name: str) -> Outcome:
        """Wait for ``name``'s outcome (stored in the cache when it passed); fail the build if it failed."""
        result = self.results[name]
        if isinstance(result, Future):
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
        self._start("docstrings", "dlref docstrings", "", check_docstrings)
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
        return files

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
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

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Return the page with the outputs of its run; fail on a difference."""
        if page.file.src_uri not in self.pages:
            return markdown  # no pycon examples, or not Markdown
        name, text = self.pages[page.file.src_uri]
        if get_data(text)[0] != markdown:
            raise PluginError(f"{page.file.src_uri}: another plugin changed the page before dlref; list dlref first")
        return get_data(self._outcome(name).shown)[0]

    def on_env(self, env, config: MkDocsConfig, files: Files):
        """Every example ran: check the docstrings too, and say how much ran and how much was cached."""
        self._outcome("dlref docstrings")
        for name in self.results:
            self._outcome(name)
        self.cache.record_durations({name: self.results[name].seconds for name in self.ran})
        ran = f"executed {len(self.ran)} of {len(self.results)}" + (f" ({', '.join(self.ran)})" if self.ran else "")
        log.info(f"dlref: {ran}; {len(self.results) - len(self.ran)} unchanged, from the cache")
        return env

    # --- what readers get: light notebook pages, copyable code, .ipynb downloads (dlref.publish) -----

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Slim notebook pages (before search indexes them); mark ``pycon`` output lines."""
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
        return mark_pycon_outputs(html)

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
            import nbformat

            if page.file.src_uri in self.pages:
                nbformat.write(page_notebook(self.pages[page.file.src_uri][1], self.root), folder / name)
            else:  # the notebook as executed for this page: its outputs and figures included
                (folder / name).write_bytes(Path(page.file.abs_src_path).read_bytes())
        return output

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Serve the notebook pages' styles once."""
        if self._notebook_styles:
            path = Path(config.site_dir) / NOTEBOOK_CSS
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self._notebook_styles, encoding="utf-8")

    _notebook_styles = ""

    @property
    def _images(self) -> dict[str, dict[str, bytes]]:
        if not hasattr(self, "_pending_images"):
            self._pending_images: dict[str, dict[str, bytes]] = {}
        return self._pending_images


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
