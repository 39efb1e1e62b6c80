"""The ``dlref`` MkDocs plugin: the site shows only outputs that the engine produced and checked.

Registered by entry point (``mkdocs.plugins``: ``dlref``), not through ``hooks:``, so that the build
keeps working where hooks do not. For each Markdown page it runs the page's ``pycon`` examples
with [`dlref.engine`][dlref.engine], fails the build on any difference (naming ``file:line``), and
renders the page with the outputs of that run. Before the pages it runs the docstring examples of
every ``dlref`` module, which the API reference shows. The footer says which torch version and
device produced the outputs.

It also makes what readers get (``dlref.publish``): notebook pages without inline styles or CDN
scripts (the styles go to one shared file, ``assets/stylesheets/notebook.css``), ``pycon`` blocks
whose copy button copies only code, and a downloadable ``.ipynb`` next to every page that has
examples.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import logging
import os
import pkgutil
from pathlib import Path

import torch
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

import dlref
from dlref.device import DeviceError, default_device
from dlref.engine import rewrite_outputs, run_docstrings, run_markdown
from dlref.publish.html import mark_pycon_outputs, slim_notebook, unique_slugs
from dlref.publish.notebook import page_notebook

NOTEBOOK_CSS = "assets/stylesheets/notebook.css"
"""Where the styles of notebook pages are served, once for the whole site."""


def verified_with() -> str:
    """The footer line: the torch version and the device the outputs come from."""
    device = default_device()
    where = str(device)
    if device.type == "cuda":
        where += f" ({torch.cuda.get_device_name(device)})"
    return (
        f"Every output on this site was produced and checked at build time with torch {torch.__version__} on {where}."
    )


class DlrefPlugin(BasePlugin):
    """Run and check every page's examples and dlref's docstrings; show the outputs of the run."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Choose the device (a clear error if it is missing) and write the footer line."""
        # A page that crashes the interpreter (a segfault or SIGFPE inside torch) then still names
        # its file and line: the faulthandler dump shows the example's frame as page.md:line.
        if not faulthandler.is_enabled():
            faulthandler.enable()
        try:
            line = verified_with()
        except DeviceError as error:
            raise PluginError(str(error)) from None
        config.copyright = f"{config.copyright} · {line}" if config.copyright else line
        if "toc" in config.mdx_configs or "toc" in config.markdown_extensions:
            # Unicode anchors (a Chinese heading gets one that works); set here, as a Python object
            # in mkdocs.yml would need a YAML tag that yaml.safe_load refuses.
            from pymdownx.slugs import slugify

            config.mdx_configs.setdefault("toc", {}).setdefault("slugify", slugify(case="lower"))
        with contextlib.suppress(ImportError):  # the search plugin's Chinese segmenter: no log lines
            import jieba

            jieba.setLogLevel(logging.WARNING)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        """Check the docstring examples that the API reference shows."""
        failures = []
        for info in pkgutil.walk_packages(dlref.__path__, "dlref."):
            module = importlib.import_module(info.name)
            failures += [run.report() for run in run_docstrings(module) if not run.passed]
        if failures:
            raise PluginError("docstring examples differ from their outputs:\n\n" + "\n\n".join(failures))

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Run the page; fail on a difference; return it with the outputs of this run."""
        if not page.file.src_uri.endswith(".md") or page.file.abs_src_path is None:
            return markdown
        source = Path(page.file.abs_src_path)
        text = source.read_text(encoding="utf-8")
        if get_data(text)[0] != markdown:
            raise PluginError(f"{page.file.src_uri}: another plugin changed the page before dlref; list dlref first")
        run = run_markdown(text, os.path.relpath(source))
        if not run.passed:
            raise PluginError(f"page outputs differ from what the page shows:\n\n{run.report()}")
        shown, _ = rewrite_outputs(text, run, only_failures=False)
        return get_data(shown)[0]

    # --- what readers get: light notebook pages, copyable code, .ipynb downloads (dlref.publish) -----

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Slim notebook pages (before search indexes them); mark ``pycon`` output lines."""
        if "jupyter-wrapper" in html and not page.file.src_uri.endswith(".md"):
            slugify = config.mdx_configs.get("toc", {}).get("slugify")
            if slugify is None:
                from pymdownx.slugs import slugify as make

                slugify = make(case="lower")
            stem = Path(page.file.src_uri).stem
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
        source = page.file.abs_src_path
        if source and (not source.endswith(".md") or "```pycon" in Path(source).read_text(encoding="utf-8")):
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
            import jupytext
            import nbformat

            source = Path(page.file.abs_src_path)
            if source.suffix == ".md":
                notebook = page_notebook(source.read_text(encoding="utf-8"), Path(config.config_file_path).parent)
            else:
                notebook = jupytext.read(source)
            nbformat.write(notebook, folder / name)
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


def _flat_toc(toc) -> list:
    items = []
    for item in toc:
        items.append(item)
        items.extend(_flat_toc(item.children))
    return items
