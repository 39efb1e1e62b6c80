"""Checks `dlref.data.synthetic` on every available device."""

from __future__ import annotations

import pytest
import torch

from dlref.data.synthetic import synthetic_linear


def test_shapes_device_and_the_model_holds(device: torch.device) -> None:
    w = torch.tensor([2.0, -3.4], device=device)
    X, y = synthetic_linear(w, 4.2, 500, noise=0.0)
    assert X.shape == (500, 2)
    assert y.shape == (500, 1)
    assert X.device == y.device == w.device
    assert X.dtype == y.dtype == w.dtype
    torch.testing.assert_close(y, X @ w.reshape(2, 1) + 4.2)


def test_the_noise_has_the_asked_standard_deviation(device: torch.device) -> None:
    w = torch.tensor([1.0], device=device, dtype=torch.float64)
    X, y = synthetic_linear(w, 0.0, 20_000, noise=0.5, generator=torch.Generator().manual_seed(1))
    residual = (y - X @ w.reshape(1, 1)).squeeze(1)
    assert abs(residual.std().item() - 0.5) < 0.02
    assert abs(residual.mean().item()) < 0.02


def test_the_same_generator_gives_the_same_data_on_every_device(device: torch.device) -> None:
    w = torch.tensor([2.0, -3.4])
    X_cpu, y_cpu = synthetic_linear(w, 4.2, 50, generator=torch.Generator().manual_seed(0))
    X_dev, y_dev = synthetic_linear(w.to(device), 4.2, 50, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(X_dev.cpu(), X_cpu, rtol=0, atol=0)
    torch.testing.assert_close(y_dev.cpu(), y_cpu)


@pytest.mark.parametrize(
    ("w", "n", "noise", "error", "match"),
    [
        (torch.ones(1, 2), 10, 0.1, ValueError, r"w must be 1-D .* got shape \(1, 2\)"),
        (torch.ones(2, dtype=torch.int64), 10, 0.1, TypeError, "floating-point tensor, got torch.int64"),
        (torch.ones(2), 0, 0.1, ValueError, "n must be at least 1, got n=0"),
        (torch.ones(2), 10, -1.0, ValueError, "noise=-1.0"),
    ],
)
def test_bad_input(w: torch.Tensor, n: int, noise: float, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        synthetic_linear(w, 0.0, n, noise)
