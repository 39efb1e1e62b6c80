"""pytest collects the pages, the notebooks and dlref's docstrings, and checks them with the engine.

* ``docs/**/*.md`` with ``pycon`` examples: one test per page (``dlref.engine.run_markdown``);
* ``docs/**/*.py`` (jupytext notebooks): one test per notebook, executed in a fresh process
  (``dlref.runner.execute_notebook``, the site build's executor);
* ``src/dlref/**/*.py``: one test per docstring with examples (``dlref.engine.run_docstring``).

A failure names ``file:line``, the example's source, the expected and the actual output.

Passing runs are shared with the site build through ``dlref.runner.Cache`` (``.cache/dlref/``): a
page whose text, the ``dlref`` sources, the installed versions and the device are all unchanged
since it last passed, here or in a build, is not run again. ``DLREF_CACHE=0`` runs everything.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from dlref.device import ENV_VAR, DeviceError, default_device
from dlref.engine import PageRun, find_docstrings, rewrite_outputs, run_docstring, run_markdown
from dlref.runner import DOCSTRINGS, Cache, Outcome, _share_cores, cache_directory, run_notebook_page, submit

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
SRC = ROOT / "src"


def pytest_configure(config: pytest.Config) -> None:
    """Fail in one line, before collecting anything, if ``$DLREF_DEVICE`` names a missing device."""
    if os.environ.get(ENV_VAR, "").strip() not in ("", "cpu"):  # unset or cpu: always there (no torch import)
        try:
            default_device()
        except DeviceError as error:
            raise pytest.UsageError(str(error)) from None
    # Under pytest-xdist each worker takes its share of the cores (see dlref.runner._share_cores).
    _share_cores(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def pytest_report_header(config: pytest.Config) -> str:
    import torch

    return f"dlref: torch {torch.__version__}, pages run on {default_device()}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.is_relative_to(DOCS):
        if file_path.suffix == ".md" and "```pycon" in file_path.read_text(encoding="utf-8"):
            return PageFile.from_parent(parent, path=file_path)
        if file_path.suffix == ".py":
            return NotebookFile.from_parent(parent, path=file_path)
    if file_path.is_relative_to(SRC / "dlref") and file_path.suffix == ".py":
        return DocstringModule.from_parent(parent, path=file_path)
    return None


_CACHE: list[Cache] = []


def cache() -> Cache:
    """The execution cache the site build uses too (made on first use: it hashes the sources)."""
    if not _CACHE:
        _CACHE.append(Cache(cache_directory(ROOT)))
    return _CACHE[0]


class EngineFailure(Exception):
    """Examples whose outputs differ from the page (the message is the engine's report)."""


class _EngineItem(pytest.Item):
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, EngineFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name

    @staticmethod
    def _check(run: PageRun) -> None:
        if not run.passed:
            raise EngineFailure(run.report())

    def _cached(self, kind: str, text: str) -> str | None:
        """This item's cache key, or ``None`` when a passing run with that key is stored."""
        name = self.path.relative_to(ROOT).as_posix() if kind != "docstring" else self.name
        key = cache().key(kind, name, text)
        return None if cache().get(key) is not None else key


class PageFile(pytest.File):
    def collect(self):
        yield PageItem.from_parent(self, name="page")


class PageItem(_EngineItem):
    """Every ``pycon`` example of one page, run top to bottom in one namespace."""

    def runtest(self) -> None:
        text = self.path.read_text(encoding="utf-8")
        key = self._cached("page", text)
        if key is None:
            return
        run = run_markdown(text, str(self.path.relative_to(ROOT)))
        self._check(run)
        cache().put(key, Outcome(True, shown=rewrite_outputs(text, run, only_failures=False)[0]))


class NotebookFile(pytest.File):
    def collect(self):
        yield NotebookItem.from_parent(self, name="notebook")


class NotebookItem(_EngineItem):
    """A jupytext notebook executed in a fresh process; any cell that raises fails it."""

    def runtest(self) -> None:
        key = self._cached("notebook", self.path.read_text(encoding="utf-8"))
        if key is None:
            return
        outcome = submit(run_notebook_page, str(self.path)).result()
        if not outcome.passed:
            raise EngineFailure(outcome.report)
        cache().put(key, outcome)


class DocstringModule(pytest.File):
    def collect(self):
        name = ".".join(self.path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for test in find_docstrings(module):
            yield DocstringItem.from_parent(self, name=test.name, test=test)


class DocstringItem(_EngineItem):
    """The examples of one docstring, run in a copy of the module's namespace."""

    def __init__(self, *, test, **kwargs) -> None:
        super().__init__(**kwargs)
        self.test = test

    def runtest(self) -> None:
        key = self._cached("docstring", "")
        if key is None or cache().get(cache().key("docstrings", DOCSTRINGS, "")) is not None:
            return  # this one passed before, or all of them did in a site build (dlref.runner.check_docstrings)
        self._check(run_docstring(self.test))
        cache().put(key, Outcome(True))
