"""The ``dlref`` MkDocs plugin: the site shows only outputs that the engine produced and checked.

Registered by entry point (``mkdocs.plugins``: ``dlref``), not through ``hooks:``, so that the build
keeps working where hooks do not. For each Markdown page it runs the page's ``pycon`` examples
with [`dlref.engine`][dlref.engine], fails the build on any difference (naming ``file:line``), and
renders the page with the outputs of that run. Before the pages it runs the docstring examples of
every ``dlref`` module, which the API reference shows. The footer says which torch version and
device produced the outputs.
"""

from __future__ import annotations

import faulthandler
import importlib
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
