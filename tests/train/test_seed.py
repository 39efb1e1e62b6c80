"""Checks `dlref.train.seed`: two seeded runs give identical histories and parameters on the CPU."""

from __future__ import annotations

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


def test_deterministic_switches_torch_to_deterministic_algorithms() -> None:
    before = torch.are_deterministic_algorithms_enabled()
    try:
        seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(before)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True])
def test_bad_seed(seed: object) -> None:
    with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\*\*32\)"):
        seed_everything(seed)  # type: ignore[arg-type]
