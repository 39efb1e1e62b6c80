"""Shared set-up: hypothesis profiles, every test that takes ``device`` on each available device, the built site."""

from __future__ import annotations

import gc
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import profiles
from dlref.device import available_devices
from dlref_site import forkserver
from dlref_site.pytest_plugin import runner
from dlref_site.runner import start_server

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Property tests use the hypothesis profile of ``profiles.py``: new random examples every run,
    more of them in CI, the same ones under ``scripts/mutation``; a failure prints the line that
    replays it. Test files set only max_examples, through ``profiles.scaled``.

    Only in processes that run tests: under pytest-xdist the controller imports neither hypothesis
    nor torch (seconds of start-up, on two cores).

    The fork server that runs pages, notebooks and copied code in fresh processes (dlref_site.runner) is
    started here, once for the run: by the controller, or by the only process without workers. The
    workers and the site build they start use it too (``$DLREF_FORK_SERVER``), instead of each
    importing torch and the rest again (4-6 s of CPU apiece).
    """
    # Under scripts/mutation (mutmut sets MUTANT_UNDER_TEST) pytest runs once per mutant, on tests
    # of the library only: no page runs, so no server is started for them.
    mutation = "MUTANT_UNDER_TEST" in os.environ
    if not config.option.collectonly and not os.environ.get("PYTEST_XDIST_WORKER") and not mutation:
        start_server(runner(config).prefix, share=True)
        _fork_workers(config)
        forkserver.freeze_at_exit()  # this process's exit skips collecting (the workers end without one)
    if not _runs_tests(config):
        return
    # The tests make and drop millions of small objects (hypothesis' examples, sympy's expressions),
    # and with Python's default first threshold (700 allocations) each test process spent 2.4-4.8 s
    # of CPU in the collector, most of it in collections that free nothing. Collecting less often
    # frees the same cycles later; the pages, notebooks and copied code run in processes of their
    # own (dlref_site.runner), with Python's defaults.
    gc.set_threshold(10_000, 10, 10)
    profiles.load()


def pytest_report_header(config: pytest.Config) -> str:
    return profiles.header()


def _fork_workers(config: pytest.Config) -> None:
    """pytest-xdist's workers start as processes forked from the run's fork server.

    ``python tests/forked.py`` (``programs.main``) runs a worker's bootstrap in a process
    forked from the server, with torch, pandas, sympy and the rest already imported: each worker
    imported them for itself, 4-8 s of CPU apiece, while the server did the same. Only the default
    ``-n N`` workers (``popen``); an explicit ``--tx`` is left as given.
    """
    specs = config.getoption("tx", None)
    if specs and all(spec == "popen" for spec in specs):
        python = f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'tests' / 'forked.py'))}"
        config.option.tx = [f"popen//python={python}"] * len(specs)


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run of the whole suite starts the site build at once, in pytest's first process.

    It would start when the first worker has collected the tests; started here, MkDocs loads its
    plugins and renders the API reference while the fork server imports torch (the workers, forked
    from that server, wait for it), so neither core waits. Only a run of every test (no paths, no
    ``-k``, ``-m`` or ``--deselect``), which always includes the site's tests.
    """
    config = session.config
    if os.environ.get("PYTEST_XDIST_WORKER") or config.option.collectonly or os.environ.get("DLREF_BUILT_SITE"):
        return
    whole = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if whole and not (config.option.keyword or config.option.markexpr or config.option.deselect):
        _start_site_build(config)


def _runs_tests(config: pytest.Config) -> bool:
    """Whether this process runs tests: a pytest-xdist worker, or a run without workers."""
    return hasattr(config, "workerinput") or not config.getoption("numprocesses", None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``device`` runs once on each device this machine has: the CPU, and each
    CUDA device when there is one (``dlref.device.available_devices``)."""
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", available_devices(), ids=str)


@pytest.fixture
def missing_cuda() -> str:
    """A ``DLREF_DEVICE`` value naming a CUDA device this machine lacks (any CUDA on a CPU machine)."""
    import torch

    return f"cuda:{torch.cuda.device_count() + 7}" if torch.cuda.is_available() else "cuda"


# --- the project's site: built once per run, in the background, while the other tests run -------------

TEST_SITE_URL = "http://127.0.0.1:8000/dlref/"
"""The ``site_url`` of the test build: a project site's address on GitHub Pages has a path."""
_BUILDER: list[threading.Thread] = []  # the build this process started, if it started it


def _run_directory(config: pytest.Config) -> Path:
    """The run's temporary folder, common to all pytest-xdist workers (each has a subfolder of it)."""
    base = config._tmp_path_factory.getbasetemp()  # what the tmp_path_factory fixture returns
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _start_site_build(config: pytest.Config) -> Path:
    """Start ``mkdocs build --strict`` of the project in a new process, unless a worker already has.

    The first test process to get here starts it; a thread of that process writes ``built-site.ok``
    or ``built-site.failed`` (mkdocs' output) when it ends. Returns the site's folder.
    """
    shared = _run_directory(config)
    out = shared / "built-site"
    try:
        os.close(os.open(shared / "built-site.started", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return out
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(out)]
    process = subprocess.Popen(
        command,
        cwd=root,
        # served under a sub-path, as GitHub Pages serves a project site (tests/site/test_site_reading.py)
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DLREF_SITE_URL": TEST_SITE_URL},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def wait() -> None:
        _, stderr = process.communicate()
        warnings = [line for line in stderr.splitlines() if line.startswith("WARNING")]  # mkdocs' own
        failed = process.returncode != 0 or warnings
        marker = shared / ("built-site.failed" if failed else "built-site.ok")
        marker.write_text(stderr, encoding="utf-8")

    _BUILDER.append(threading.Thread(target=wait, name="dlref site build", daemon=True))
    _BUILDER[0].start()
    return out


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the site build as soon as the tests are known, if any of them needs it."""
    if os.environ.get("DLREF_BUILT_SITE") or session.config.option.collectonly:
        return
    if any("built_site" in getattr(item, "fixturenames", ()) for item in session.items):
        _start_site_build(session.config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the built site run after the others, which run while the site builds.

    Then the pages, notebooks and docstrings (``docs/``, ``src/``): the build has run them all, so
    they pass from the shared execution cache unless something changed since.
    """

    def group(item: pytest.Item) -> tuple[int, int]:
        if "built_site" in getattr(item, "fixturenames", ()):
            # the longest first (it runs the page notebooks, as many at once as there are cores)
            return 1, 0 if item.name == "test_downloaded_notebooks_reproduce_their_pages" else 1
        if item.path.is_relative_to(ROOT / "docs") or item.path.is_relative_to(ROOT / "src"):
            return 2, 0
        return 0, 0

    items.sort(key=group)  # stable: each group keeps the collection order


def pytest_sessionfinish(session: pytest.Session) -> None:
    for thread in _BUILDER:  # other workers may be waiting for the build this process started
        thread.join()


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest) -> Path:
    """The project's own site, built once per run with ``mkdocs build --strict``; no warnings.

    Shared by ``tests/test_site.py`` and the browser, link and notebook tests in ``tests/site/``: a
    build runs every page and notebook, so it is the costliest part of the suite. It starts in the
    background as soon as the tests are collected (``pytest_collection_finish``), under
    pytest-xdist once for all workers. While working on those tests, ``DLREF_BUILT_SITE=site`` uses
    a site already built by ``scripts/docs build``.
    """
    if os.environ.get("DLREF_BUILT_SITE"):
        return Path(os.environ["DLREF_BUILT_SITE"]).resolve()
    out = _start_site_build(request.config)
    shared = out.parent
    deadline = time.monotonic() + 900
    while not (shared / "built-site.ok").is_file():
        failed = shared / "built-site.failed"
        if failed.is_file():
            pytest.fail(f"mkdocs build --strict of the project failed:\n{failed.read_text(encoding='utf-8')}")
        if time.monotonic() > deadline:
            pytest.fail("the site build has not finished after 15 minutes")
        time.sleep(0.1)
    return out
