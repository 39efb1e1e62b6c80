"""pytest collects the pages, the notebooks and dlref's docstrings, and checks them with the engine.

* ``docs/**/*.md`` with ``pycon`` examples: one test per page (``dlref.engine.run_page``);
* ``docs/**/*.py`` (jupytext notebooks): one test per notebook, executed in a fresh kernel;
* ``src/dlref/**/*.py``: one test per docstring with examples (``dlref.engine.run_docstrings``).

A failure names ``file:line``, the example's source, the expected and the actual output.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from dlref.device import DeviceError, default_device
from dlref.engine import PageRun, find_docstrings, run_docstring, run_notebook, run_page

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
SRC = ROOT / "src"


def pytest_configure(config: pytest.Config) -> None:
    """Fail in one line, before collecting anything, if ``$DLREF_DEVICE`` names a missing device."""
    try:
        default_device()
    except DeviceError as error:
        raise pytest.UsageError(str(error)) from None


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


class PageFile(pytest.File):
    def collect(self):
        yield PageItem.from_parent(self, name="page")


class PageItem(_EngineItem):
    """Every ``pycon`` example of one page, run top to bottom in one namespace."""

    def runtest(self) -> None:
        self._check(run_page(self.path.relative_to(ROOT)))


class NotebookFile(pytest.File):
    def collect(self):
        yield NotebookItem.from_parent(self, name="notebook")


class NotebookItem(_EngineItem):
    """A jupytext notebook executed in a fresh kernel; any cell that raises fails it."""

    def runtest(self) -> None:
        error = run_notebook(self.path)
        if error is not None:
            raise EngineFailure(f"{self.path.relative_to(ROOT)}: a cell raised\n{error}")


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
        self._check(run_docstring(self.test))
