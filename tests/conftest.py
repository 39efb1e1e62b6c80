"""Shared fixtures: every test that takes ``device`` runs once on each available device."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from filelock import FileLock
from hypothesis import HealthCheck, settings

from dlref.device import available_devices

# Property tests: no per-example deadline (the first call of a torch op can take seconds), and the
# `device` fixture is meant to be shared by a test's examples. In CI they also draw the same
# examples on every run (a red build always reproduces) and print the blob that replays a failure;
# elsewhere they explore new examples each run. Test files set only max_examples.
settings.register_profile("dlref", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("ci", parent=settings.get_profile("dlref"), derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dlref")


@pytest.fixture(params=available_devices(), ids=str)
def device(request: pytest.FixtureRequest) -> torch.device:
    """A device this machine has: the CPU, and each CUDA device when there is one."""
    return request.param


@pytest.fixture
def missing_cuda() -> str:
    """A ``DLREF_DEVICE`` value naming a CUDA device this machine lacks (any CUDA on a CPU machine)."""
    return f"cuda:{torch.cuda.device_count() + 7}" if torch.cuda.is_available() else "cuda"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own site, built once per session with ``mkdocs build --strict``.

    Shared by ``tests/test_site.py`` and the browser, link and notebook tests in ``tests/site/``: a
    build runs every page and notebook, so it is the costliest fixture of the suite. While working
    on those tests, ``DLREF_BUILT_SITE=site`` uses a site already built by ``scripts/docs build``.
    """
    if os.environ.get("DLREF_BUILT_SITE"):
        return Path(os.environ["DLREF_BUILT_SITE"]).resolve()
    # Under pytest-xdist the first worker to get here builds; the others wait and use its site.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's temporary root, common to its workers
    out, done = shared / "built-site", shared / "built-site.ok"
    with FileLock(shared / "built-site.lock"):
        if not done.is_file():
            shutil.rmtree(out, ignore_errors=True)
            build_site(out)
            done.touch()
    return out


def build_site(out: Path) -> None:
    """``mkdocs build --strict`` of the project into ``out``; no warnings."""
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(out)],
        cwd=root,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]  # mkdocs' own
    assert not warnings, warnings
