"""Shared fixtures: every test that takes ``device`` runs once on each available device."""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import settings

from dlref.device import available_devices

# In CI, property tests draw the same examples on every run (a red build always reproduces) and
# print the blob that replays a failure; elsewhere they explore new examples each run.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(params=available_devices(), ids=str)
def device(request: pytest.FixtureRequest) -> torch.device:
    """A device this machine has: the CPU, and each CUDA device when there is one."""
    return request.param


@pytest.fixture
def missing_cuda() -> str:
    """A ``DLREF_DEVICE`` value naming a CUDA device this machine lacks (any CUDA on a CPU machine)."""
    return f"cuda:{torch.cuda.device_count() + 7}" if torch.cuda.is_available() else "cuda"
