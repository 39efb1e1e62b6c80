"""Difference quotients and numerical gradients and Jacobians, against torch.autograd on every device."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.calculus.derivatives import central_difference, difference_quotient, numerical_gradient, numerical_jacobian
from profiles import scaled

on_each_device = settings(max_examples=scaled(25))
points = st.lists(st.floats(-2, 2), min_size=1, max_size=5)


def autograd_derivative(f, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    f(x).sum().backward()
    return x.grad


@on_each_device
@given(values=points)
def test_quotients_converge_to_the_derivative(device: torch.device, values: list[float]) -> None:
    x = torch.tensor(values, dtype=torch.float64, device=device)
    exact = autograd_derivative(torch.sin, x)
    forward = difference_quotient(torch.sin, x, 1e-7)
    central = central_difference(torch.sin, x, 1e-5)
    assert forward.device == x.device
    assert forward.dtype == torch.float64
    torch.testing.assert_close(forward, exact, atol=1e-6, rtol=0)  # O(h) + O(eps/h)
    torch.testing.assert_close(central, exact, atol=1e-9, rtol=0)  # O(h²) + O(eps/h)


@on_each_device
@given(values=points, h=st.sampled_from([1e-1, 1e-2]))
def test_central_beats_forward_for_a_curved_function(device: torch.device, values: list[float], h: float) -> None:
    x = torch.tensor(values, dtype=torch.float64, device=device)
    exact = torch.exp(x)
    forward_error = (difference_quotient(torch.exp, x, h) - exact).abs()
    central_error = (central_difference(torch.exp, x, h) - exact).abs()
    assert (central_error < forward_error).all()


@on_each_device
@given(n=st.integers(1, 4), m=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_numerical_gradient_and_jacobian_match_autograd(device: torch.device, n: int, m: int, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    A = torch.randn(m, n, generator=generator, dtype=torch.float64).to(device)
    x = torch.randn(n, generator=generator, dtype=torch.float64).to(device)

    def f(v: torch.Tensor) -> torch.Tensor:
        return torch.tanh(A @ v)

    gradient = numerical_gradient(lambda v: f(v).sum(), x)
    torch.testing.assert_close(gradient, autograd_derivative(lambda v: f(v).sum(), x), atol=1e-8, rtol=1e-7)
    J = numerical_jacobian(f, x)
    assert J.shape == (m, n)
    assert J.device == x.device
    torch.testing.assert_close(J, torch.autograd.functional.jacobian(f, x), atol=1e-8, rtol=1e-7)


def test_bad_inputs_are_named() -> None:
    x = torch.ones(3)
    with pytest.raises(ValueError, match=r"^difference_quotient: h must be a positive number, got h=-0\.1"):
        difference_quotient(torch.sin, x, -0.1)
    with pytest.raises(
        TypeError, match=r"difference_quotient: x must have a floating-point dtype, got dtype=torch\.int64"
    ):
        difference_quotient(torch.sin, torch.ones(3, dtype=torch.int64), 0.1)
    with pytest.raises(TypeError, match="central_difference: x must be a tensor, got list"):
        central_difference(torch.sin, [1.0], 0.1)
    with pytest.raises(ValueError, match=r"f\(x\) must be a scalar, got shape \(3,\)"):
        numerical_gradient(torch.sin, x.double())


@pytest.mark.parametrize("function", [difference_quotient, central_difference, numerical_gradient, numerical_jacobian])
def test_an_x_of_the_wrong_kind_is_refused_by_name(function: Callable) -> None:
    """A non-tensor x and an integer x: each function's message starts with its own name."""
    name = function.__name__
    with pytest.raises(TypeError, match=rf"^{name}: x must be a tensor, got list$"):
        function(torch.sin, [1.0], 0.1)
    with pytest.raises(TypeError, match=rf"^{name}: x must have a floating-point dtype, got dtype=torch\.int64$"):
        function(torch.sin, torch.ones(3, dtype=torch.int64), 0.1)


@pytest.mark.parametrize("h", [0, 0.0, -0.1, math.inf, math.nan, True])
@pytest.mark.parametrize("function", [difference_quotient, central_difference, numerical_gradient, numerical_jacobian])
def test_a_step_that_is_not_positive_and_finite_is_refused(function: Callable, h: float) -> None:
    """0 would divide by zero, an infinite step gives no derivative, True is not a number of its own."""
    with pytest.raises(
        ValueError,
        match=rf"^{function.__name__}: h must be a positive number, got h={re.escape(repr(h))}; try 1e-6 in float64$",
    ):
        function(torch.sin, torch.ones(3, dtype=torch.float64), h)


def test_f_returning_a_python_number_is_named() -> None:
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    for function in (numerical_gradient, numerical_jacobian):
        with pytest.raises(TypeError, match=rf"^{function.__name__}: f must return a tensor, got float 5\.0; make f"):
            function(lambda v: float((v**2).sum()), x)


@pytest.mark.parametrize(("shape", "f"), [((0,), lambda v: 2 * v), ((0, 2), lambda v: v.sum().reshape(1))])
def test_the_jacobian_at_an_empty_input_is_empty_as_torch(shape: tuple[int, ...], f, device: torch.device) -> None:
    x = torch.empty(shape, dtype=torch.float64, device=device)
    expected = torch.autograd.functional.jacobian(f, x) if shape != (0,) else torch.empty(0, 0, dtype=x.dtype)
    ours = numerical_jacobian(f, x)
    assert ours.shape == expected.shape
    assert (ours.dtype, ours.device) == (x.dtype, x.device)
