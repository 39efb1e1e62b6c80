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


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_x_then_the_noise_are_drawn_from_one_generator_in_ws_dtype(device: torch.device, dtype: torch.dtype) -> None:
    """The definition, step by step: X, then epsilon, each N(0, 1) in w's dtype on the CPU, then
    y = Xw + b + noise * epsilon on w's device: the same operations give the same bits."""
    w = torch.tensor([2.0, -3.4, 0.5], dtype=dtype, device=device)
    X, y = synthetic_linear(w, 4.2, 64, noise=0.3, generator=torch.Generator().manual_seed(7))
    draws = torch.Generator().manual_seed(7)
    X_expected = torch.randn(64, 3, dtype=dtype, generator=draws)
    epsilon = 0.3 * torch.randn(64, dtype=dtype, generator=draws)
    y_expected = X_expected.to(device) @ w + 4.2 + epsilon.to(device)
    torch.testing.assert_close(X, X_expected.to(device), rtol=0, atol=0)
    torch.testing.assert_close(y, y_expected.reshape(-1, 1), rtol=0, atol=0)


def test_one_example_is_enough(device: torch.device) -> None:
    X, y = synthetic_linear(torch.tensor([2.0, -3.4], device=device), 4.2, 1)
    assert X.shape == (1, 2)
    assert y.shape == (1, 1)


@pytest.mark.parametrize(
    ("w", "n", "noise", "error", "match"),
    [
        (torch.ones(1, 2), 10, 0.1, ValueError, r"w must be 1-D .* got shape \(1, 2\)"),
        (torch.ones(2, dtype=torch.int64), 10, 0.1, TypeError, "floating-point tensor, got torch.int64"),
        ([2.0, -3.4], 10, 0.1, TypeError, "floating-point tensor, got <class 'list'>"),
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
