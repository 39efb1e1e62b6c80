"""Checks `dlref.train.seed`: two seeded runs give identical histories and parameters on the CPU; every
seed in [0, 2**32) seeds all three generators; ``deterministic=True`` sets torch's, cuDNN's and cuBLAS's
switches (and only then)."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.models.losses import cross_entropy
from dlref.train.loop import accuracy, fit
from dlref.train.seed import seed_everything


def run(seed: int) -> tuple[list[float], list[torch.Tensor], tuple[float, float]]:
    seed_everything(seed)
    X = torch.randn(80, 4)
    y = torch.randint(0, 3, (80,))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))  # dropout draws too
    history = fit(model, cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), Batches(X, y, batch_size=16),
                  epochs=3, metric=accuracy)  # fmt: skip
    return (
        history.loss + history.metric,
        [p.detach().clone() for p in model.parameters()],
        (random.random(), np.random.rand()),
    )


def test_two_seeded_runs_are_identical_and_another_seed_differs() -> None:
    first, second, other = run(0), run(0), run(1)
    assert first[0] == second[0]
    assert all(torch.equal(a, b) for a, b in zip(first[1], second[1], strict=True))
    assert first[2] == second[2]
    assert first[0] != other[0]


def test_deterministic_switches_torch_cudnn_and_cublas_to_deterministic_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = torch.are_deterministic_algorithms_enabled()
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    try:
        seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.benchmark is False
        # one of the two values cuBLAS documents for deterministic matrix products
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    finally:
        torch.use_deterministic_algorithms(before)


def test_deterministic_keeps_a_cublas_workspace_config_already_set(monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.are_deterministic_algorithms_enabled()
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)  # restored afterwards
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    try:
        seed_everything(0, deterministic=True)
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"
    finally:
        torch.use_deterministic_algorithms(before)


def test_by_default_seeding_leaves_the_determinism_settings_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    before = torch.are_deterministic_algorithms_enabled()
    try:
        torch.use_deterministic_algorithms(False)
        seed_everything(0)
        assert not torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.benchmark is True
        assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
    finally:
        torch.use_deterministic_algorithms(before)


@pytest.mark.parametrize("seed", [0, 64, 2**31, 2**32 - 1])
def test_every_seed_numpy_takes_is_accepted_and_seeds_all_three(seed: int) -> None:
    seed_everything(seed)
    assert torch.initial_seed() == seed
    assert random.random() == random.Random(seed).random()
    assert np.random.rand() == np.random.RandomState(seed).rand()


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True])
def test_bad_seed(seed: object) -> None:
    with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\*\*32\)"):
        seed_everything(seed)  # type: ignore[arg-type]
