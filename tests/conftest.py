"""Shared fixtures: every test that takes ``device`` runs once on each available device."""

from __future__ import annotations

import pytest
import torch

from dlref.device import available_devices


@pytest.fixture(params=available_devices(), ids=str)
def device(request: pytest.FixtureRequest) -> torch.device:
    """A device this machine has: the CPU, and each CUDA device when there is one."""
    return request.param
