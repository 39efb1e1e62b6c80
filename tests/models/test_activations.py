"""Checks `dlref.models.activations` against torch.nn.functional and autograd on every device, and bad input."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.models import activations
from dlref.models.losses import sigmoid
from dlref.models.mlp import relu
from messy import FLOATS, check, rounded_once, tensors
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))
messy = settings(max_examples=scaled(40))

DERIVATIVES = [
    (activations.relu_derivative, torch.relu),
    (activations.sigmoid_derivative, torch.sigmoid),
    (activations.tanh_derivative, torch.tanh),
    (activations.gelu_derivative, F.gelu),
]


def autograd_derivative(function, x: torch.Tensor) -> torch.Tensor:
    """The derivative of an element-wise ``function`` at each entry of ``x``, by autograd."""
    x = x.detach().clone().requires_grad_()
    (grad,) = torch.autograd.grad(function(x).sum(), x)
    return grad


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(0, 20), scale=st.sampled_from([1.0, 5.0, 50.0]))
def test_activations_and_derivatives_match_torch(device: torch.device, seed: int, n: int, scale: float) -> None:
    x = (scale * torch.randn(n, generator=torch.Generator().manual_seed(seed))).to(device)
    torch.testing.assert_close(activations.tanh(x), torch.tanh(x))
    torch.testing.assert_close(activations.gelu(x), F.gelu(x))
    torch.testing.assert_close(activations.gelu(x, approximate="tanh"), F.gelu(x, approximate="tanh"))
    for ours, function in DERIVATIVES:
        torch.testing.assert_close(ours(x), autograd_derivative(function, x))
        torch.testing.assert_close(ours(x.double()), autograd_derivative(function, x.double()))


def test_relations_between_activations(device: torch.device) -> None:
    x = torch.linspace(-6, 6, 121, dtype=torch.float64, device=device)
    torch.testing.assert_close(activations.tanh(x), 2 * sigmoid(2 * x) - 1)  # tanh is a scaled sigmoid
    torch.testing.assert_close(relu(x) - relu(-x), x)
    assert activations.sigmoid_derivative(x).max().item() == 0.25  # at x = 0, on the grid
    assert activations.tanh_derivative(x).max().item() == 1.0
    lowest = activations.gelu_derivative(x).argmin()
    assert abs(x[lowest].item() + math.sqrt(2)) < 0.1  # the minimum of GELU' is at -sqrt(2)


def test_saturation_and_the_kink(device: torch.device) -> None:
    big = torch.tensor([-1000.0, 1000.0], device=device)
    torch.testing.assert_close(activations.tanh(big), torch.tensor([-1.0, 1.0], device=device))
    assert (activations.sigmoid_derivative(big) == 0).all()  # a saturated unit passes no gradient
    assert (activations.tanh_derivative(big) == 0).all()
    zero = torch.zeros(1, device=device)
    assert activations.relu_derivative(zero).item() == autograd_derivative(torch.relu, zero).item() == 0.0


# torch's GELU in float64, rounded to the input's dtype: its float32 and bfloat16 kernels give NaN at
# +inf and overflow above about 1.7e38, where GELU(x) is x
gelu_reference = rounded_once(F.gelu, FLOATS, via=torch.float64)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16, torch.float64])
def test_gelu_at_infinity_and_near_the_largest_float_is_the_definition(dtype: torch.dtype) -> None:
    big = torch.finfo(dtype).max / 1.5
    x = torch.tensor([math.inf, -math.inf, big, -big, 0.0], dtype=dtype)
    expected = torch.tensor([math.inf, math.nan, big, -0.0, 0.0], dtype=dtype)
    torch.testing.assert_close(activations.gelu(x), expected, equal_nan=True, rtol=0, atol=0)
    torch.testing.assert_close(activations.gelu(x), gelu_reference(x), equal_nan=True, rtol=0, atol=0)


@messy
@given(data=st.data())
def test_bad_input(device: torch.device, data: st.DataObject) -> None:
    x = data.draw(tensors(device) | tensors(device, dtypes=FLOATS))
    check("tanh", lambda: activations.tanh(x), lambda: torch.tanh(x), raises=(TypeError,), names=("x",))
    check("gelu", lambda: activations.gelu(x), lambda: gelu_reference(x), raises=(TypeError,), names=("x",))
    for ours, function in DERIVATIVES:
        check(
            ours.__name__,
            lambda ours=ours: ours(x),
            lambda function=function: autograd_derivative(function, x),
            raises=(TypeError,),
            names=("x",),
        )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: activations.tanh([1.0]), TypeError, r"^tanh: x must be a tensor, got list"),
        (lambda: activations.gelu(torch.arange(3)), TypeError, r"^gelu: x must be a floating-point tensor.*int64"),
        (
            lambda: activations.gelu(torch.ones(1), approximate="erf"),
            ValueError,
            r"approximate must be 'none' or 'tanh'",
        ),
        (lambda: activations.relu_derivative(torch.arange(3)), TypeError, r"x must be a floating-point tensor"),
        (lambda: activations.tanh_derivative(torch.tensor([1j])), TypeError, r"x must be real"),
    ],
)
def test_errors_name_the_argument(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "function",
    [
        activations.gelu,
        activations.relu_derivative,
        activations.sigmoid_derivative,
        activations.tanh_derivative,
        activations.gelu_derivative,
    ],
)
def test_an_integer_tensor_is_refused_by_name(function) -> None:
    with pytest.raises(TypeError) as raised:
        function(torch.arange(3))
    expected = f"{function.__name__}: x must be a floating-point tensor, got torch.int64; use x.float()"
    assert str(raised.value) == expected


@pytest.mark.parametrize("function", [activations.tanh, activations.relu_derivative, activations.tanh_derivative])
def test_a_complex_tensor_is_refused_by_name(function) -> None:
    with pytest.raises(TypeError) as raised:
        function(torch.tensor([1j]))
    assert str(raised.value) == f"{function.__name__}: x must be real, got torch.complex64; use x.real"


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_16_bit_inputs_give_torchs_values_in_their_own_dtype(dtype: torch.dtype) -> None:
    """Computed in float32 and rounded once (the derivatives from the rounded output, as autograd
    does): torch's value in the input's dtype, or, for tanh and GELU, the value one unit in the last
    place from it. Where the float32 result lies almost halfway between two 16-bit numbers, which
    one torch gives depends on the CPU: its vectorised erf on an AVX2 CPU makes GELU of float16
    -2.8 -0.0071411, where the float32 value rounded once (and the exact one) is -0.0071373."""
    x = torch.linspace(-4, 4, 41).to(dtype)
    for ours, function in [(activations.tanh, torch.tanh), (activations.gelu, F.gelu)]:
        got, theirs, inf = ours(x), function(x), torch.full_like(x, math.inf)
        assert got.dtype == dtype
        assert torch.equal(got, ours(x.float()).to(dtype)), "not the float32 value rounded once"
        neighbours = (got == torch.nextafter(theirs, inf)) | (got == torch.nextafter(theirs, -inf))
        assert ((got == theirs) | neighbours).all(), (got, theirs)
    for ours, function in DERIVATIVES:
        assert ours(x).dtype == dtype
        # sigma(1 - sigma) lands one unit in the last place from autograd's for 4 of these float16 inputs
        rtol = 1e-3 if ours is activations.sigmoid_derivative else 0
        torch.testing.assert_close(ours(x), autograd_derivative(function, x), rtol=rtol, atol=0)


def test_float64_derivatives_keep_float64_precision() -> None:
    """Within a few units in the last place of autograd's: no step through float32 (1e-8 off)."""
    x = torch.linspace(-4, 4, 41, dtype=torch.float64)
    for ours, function in DERIVATIVES:
        torch.testing.assert_close(ours(x), autograd_derivative(function, x), rtol=1e-14, atol=1e-15)


def test_tanh_of_integers_is_a_float_tensor_as_torchs() -> None:
    torch.testing.assert_close(activations.tanh(torch.arange(3)), torch.tanh(torch.arange(3)))
