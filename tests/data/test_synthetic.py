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


@pytest.mark.parametrize(
    ("b", "n", "noise", "error", "match"),
    [
        (0.0, 10, float("nan"), ValueError, "noise must be a finite standard deviation >= 0, got noise=nan"),
        (0.0, 10, float("inf"), ValueError, "got noise=inf"),
        (float("nan"), 10, 0.1, ValueError, "b must be a finite bias, got b=nan"),
        (float("-inf"), 10, 0.1, ValueError, "got b=-inf"),
        (0.0, 2.5, 0.1, TypeError, "n .* must be an int, got n=2.5"),
        (0.0, True, 0.1, TypeError, "n .* must be an int, got n=True"),
        ("1", 10, 0.1, TypeError, "b must be a real number .* got b='1'"),
        (0.0, 10, torch.tensor(0.1), TypeError, "noise must be a real number"),
    ],
)
def test_non_finite_or_mistyped_numbers_are_refused(b: float, n: int, noise: float, error: type, match: str) -> None:
    """A NaN or infinite noise or bias would make every target NaN or infinite: refused, named."""
    with pytest.raises(error, match=match):
        synthetic_linear(torch.ones(2), b, n, noise)


def test_a_non_finite_weight_is_named(device: torch.device) -> None:
    w = torch.tensor([1.0, 2.0, float("nan")], device=device)
    with pytest.raises(ValueError, match=r"w must hold finite weights, but w\[2\] is nan"):
        synthetic_linear(w, 0.0, 5)
