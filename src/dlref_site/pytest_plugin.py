"""pytest collects the pages, the notebooks and the library's docstrings, and checks them.

* ``docs/**/*.md`` with examples (found by the one parser): one test per page;
* ``docs/**/*.py`` (jupytext walkthroughs): one test per notebook, executed in a fresh process;
* ``src/**/*.py``: one test per module, its docstrings' examples (the library's and the machinery's).

Each runs through the same [`Runner`][dlref_site.runner.Runner] as the site build, so a run that
the build already made (same key) is not made again. A failure names ``file:line``, the example,
the expected and the actual output. The project's ``conftest.py`` loads this plugin.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dlref_site.runner import Runner, share_cores

_RUNNER: list[Runner] = []


def runner(config: pytest.Config) -> Runner:
    """The run's [`Runner`][dlref_site.runner.Runner] for the project at pytest's root (made once)."""
    if not _RUNNER:
        _RUNNER.append(Runner(Path(config.rootpath)))
    return _RUNNER[0]


def pytest_configure(config: pytest.Config) -> None:
    """Fail in one line, before collecting, if ``$DLREF_DEVICE`` names a missing device."""
    from dlref.device import ENV_VAR, DeviceError, default_device

    if os.environ.get(ENV_VAR, "").strip() not in ("", "cpu"):
        try:
            default_device()
        except DeviceError as error:
            raise pytest.UsageError(str(error)) from None
    share_cores(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def pytest_report_header(config: pytest.Config) -> str:
    import torch

    run = runner(config)
    how = "compared exactly" if run.exact else f"compared with tolerances: {run.tolerance}"
    return f"dlref: torch {torch.__version__}, pages run on {run.device}, outputs {how}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    root = Path(parent.config.rootpath)
    if file_path.is_relative_to(root / "docs"):
        if file_path.suffix == ".md":
            from dlref_site.examples import parse

            text = file_path.read_text(encoding="utf-8")
            if parse(text, str(file_path), [root]).examples:
                return PageFile.from_parent(parent, path=file_path)
        elif file_path.suffix == ".py":
            return NotebookFile.from_parent(parent, path=file_path)
    if file_path.is_relative_to(root / "src") and file_path.suffix == ".py" and ">>>" in file_path.read_text("utf-8"):
        return DocstringModule.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A walkthrough given by path (``pytest docs/training/mlp.py``) is not imported as a module of
    tests as well: importing it would run every cell (and ``mlp.zh.py`` is no module name).
    ``pytest_collect_file`` above makes it one page item."""
    if Path(module_path).is_relative_to(Path(parent.config.rootpath) / "docs"):
        return _NoTests.from_parent(parent, path=module_path)
    return None


class _NoTests(pytest.File):
    def collect(self):
        return []


class Failed(Exception):
    """An outcome that did not pass; its message is the report."""


class _Item(pytest.Item):
    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        return str(excinfo.value) if isinstance(excinfo.value, Failed) else super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name

    @staticmethod
    def check(outcome) -> None:
        if not outcome.passed:
            raise Failed(outcome.report)


class PageFile(pytest.File):
    def collect(self):
        yield PageItem.from_parent(self, name="page")


class PageItem(_Item):
    """Every example of one page, top to bottom in one namespace, in a fresh process."""

    def runtest(self) -> None:
        run = runner(self.config)
        name = self.path.relative_to(run.project).as_posix()
        self.check(run.page(name, self.path.read_text(encoding="utf-8")).result())


class NotebookFile(pytest.File):
    """A walkthrough is a page: pytest runs it as one item, never imports it as a module."""

    def collect(self):
        yield NotebookItem.from_parent(self, name="notebook")


class NotebookItem(_Item):
    """A jupytext notebook executed in a fresh process; a cell that raises fails it."""

    def runtest(self) -> None:
        self.check(runner(self.config).notebook(self.path).result())


class DocstringModule(pytest.File):
    def collect(self):
        root = Path(self.config.rootpath) / "src"
        name = ".".join(self.path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        yield DocstringItem.from_parent(self, name="docstrings", module=name)


class DocstringItem(_Item):
    """A module's docstring examples, run in a fresh process (cached; passing at once when a build
    ran every docstring of ``dlref`` with these sources and versions)."""

    def __init__(self, *, module: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.module = module

    def runtest(self) -> None:
        run = runner(self.config)
        library = self.module.split(".")[0] == "dlref"
        if library and run.store.get(run.key("docstrings", "dlref docstrings", "")) is not None:
            return
        self.check(run.docstrings(self.module).result())
