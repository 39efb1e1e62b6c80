"""Checks `dlref.train.checkpoint`: resuming is bit-identical to never stopping (CPU), and files load weights-only."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.models.losses import cross_entropy
from dlref.train.checkpoint import load_checkpoint, save_checkpoint
from dlref.train.loop import fit


def setup(device: torch.device, seed: int = 0):
    """The same data every time; the model's initial weights, the global RNG and the shuffling from ``seed``."""
    X = torch.randn(96, 5, generator=torch.Generator().manual_seed(0)).to(device)
    torch.manual_seed(seed)
    y = (X.sum(1) > 0).long()
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)  # state: moments and step counts
    generator = torch.Generator(device=device).manual_seed(seed)
    return model, optimizer, Batches(X, y, batch_size=16, generator=generator), generator


def test_resume_is_bit_identical_on_the_cpu(tmp_path: Path) -> None:
    device = torch.device("cpu")
    straight_model, optimizer, batches, _ = setup(device)
    straight = fit(straight_model, cross_entropy, optimizer, batches, epochs=4)

    model, optimizer, batches, generator = setup(device)
    first = fit(model, cross_entropy, optimizer, batches, epochs=2)
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=2, generator=generator)
    fresh_model, fresh_optimizer, fresh_batches, fresh_generator = setup(device, seed=99)  # other weights, other RNG
    assert load_checkpoint(tmp_path / "c.pt", fresh_model, fresh_optimizer, generator=fresh_generator) == 2
    second = fit(fresh_model, cross_entropy, fresh_optimizer, fresh_batches, epochs=2)

    assert first.loss + second.loss == straight.loss  # exactly, float for float
    for resumed, reference in zip(fresh_model.parameters(), straight_model.parameters(), strict=True):
        assert torch.equal(resumed, reference)


def test_checkpoints_cross_devices(device: torch.device, tmp_path: Path) -> None:
    model, optimizer, batches, generator = setup(device)
    fit(model, cross_entropy, optimizer, batches, epochs=1)
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=1, generator=generator)
    cpu_model, cpu_optimizer, _, _ = setup(torch.device("cpu"), seed=5)
    load_checkpoint(tmp_path / "c.pt", cpu_model, cpu_optimizer, restore_rng=False)
    for loaded, saved in zip(cpu_model.parameters(), model.parameters(), strict=True):
        assert torch.equal(loaded, saved.cpu())
    assert cpu_optimizer.state_dict()["state"][0]["exp_avg"].device.type == "cpu"


def test_a_pickled_model_is_refused_by_weights_only_loading(tmp_path: Path) -> None:
    torch.save(nn.Linear(2, 1), tmp_path / "model.pt")  # pickles the class: loading runs code
    with pytest.raises(Exception, match="Weights only load failed"):
        load_checkpoint(tmp_path / "model.pt", nn.Linear(2, 1))


def test_a_different_architecture_is_named(tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight"):
        load_checkpoint(tmp_path / "c.pt", nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)))
    with pytest.raises(ValueError, match="holds no generator state"):
        load_checkpoint(tmp_path / "c.pt", model, generator=torch.Generator())
