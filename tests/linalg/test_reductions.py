"""Checks `dlref.linalg.reductions` against torch, on every available device.

Each comparison runs the reference and torch on the same tensor and device and requires the same
dtype, device and shape; integer results must be equal, float results within a bound on the
rounding error of a sum: a few units in the last place of the sum of absolute values (torch adds in
float32 with a vectorised order, the reference in float64 with one rounding at the end).
"""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.linalg import reductions
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))

# complex too: sum and cumsum accumulate complex tensors part by part (their docstrings say so)
DTYPES = [
    torch.float32,
    torch.float64,
    torch.float16,
    torch.complex64,
    torch.complex128,
    torch.int32,
    torch.int64,
    torch.uint8,
    torch.bool,
]


def random_tensor(shape: tuple[int, ...], dtype: torch.dtype, seed: int, device: torch.device) -> torch.Tensor:
    """Draw a tensor on the CPU from ``seed`` and move it to ``device``."""
    generator = torch.Generator().manual_seed(seed)
    if dtype.is_complex:  # both parts drawn, so a lost imaginary part shows
        x = torch.complex(torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)) * 10
    elif dtype.is_floating_point:
        x = torch.randn(shape, generator=generator) * 10
    elif dtype == torch.bool:
        x = torch.randint(0, 2, shape, generator=generator)
    elif dtype == torch.uint8:
        x = torch.randint(0, 256, shape, generator=generator)
    else:
        x = torch.randint(-1000, 1000, shape, generator=generator)
    return x.to(dtype).to(device)


@st.composite
def tensors(draw: st.DrawFn, dtypes: list[torch.dtype] = DTYPES) -> tuple[tuple[int, ...], torch.dtype, int]:
    """Draw a shape of 0 to 4 axes of length 0 to 4, a dtype and a seed."""
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    return shape, draw(st.sampled_from(dtypes)), draw(st.integers(0, 2**32 - 1))


@st.composite
def dims_for(draw: st.DrawFn, ndim: int) -> int | tuple[int, ...] | None:
    """Draw ``None``, one axis, or a tuple of distinct axes, each written positive or negative."""
    n = max(ndim, 1)
    axes = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    written = tuple(axis - n if draw(st.booleans()) else axis for axis in axes)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or not written:
        return None
    return written[0] if kind == "int" else written


def assert_same_kind(ours: torch.Tensor, expected: torch.Tensor) -> None:
    assert ours.dtype == expected.dtype
    assert ours.device == expected.device
    assert ours.shape == expected.shape


def absolute(x: torch.Tensor) -> torch.Tensor:
    """|x| in float64 (for complex x, the modulus; converting complex to float64 would drop the imaginary part)."""
    return x.abs().double() if x.dtype.is_complex else x.double().abs()


def assert_sum_close(ours: torch.Tensor, expected: torch.Tensor, magnitude: torch.Tensor, terms: int) -> None:
    """Exact for integers; for floats, within (terms + 2) ulps of the sum of absolute values; for
    complex numbers, each part within that bound (each part is a real sum of parts no larger)."""
    assert_same_kind(ours, expected)
    if not (expected.dtype.is_floating_point or expected.dtype.is_complex):
        assert torch.equal(ours, expected)
        return
    real = expected.real.dtype  # float32 for complex64
    bound = (terms + 2) * torch.finfo(real).eps * magnitude.double() + torch.finfo(real).tiny
    parts = (torch.real, torch.imag) if expected.dtype.is_complex else (torch.real,)
    for part in parts:
        assert ((part(ours).double() - part(expected).double()).abs() <= bound).all(), (ours, expected)


# sum ---------------------------------------------------------------------------------------------


@on_each_device
@given(data=st.data(), drawn=tensors(), keepdim=st.booleans())
def test_sum_equals_torch(data: st.DataObject, drawn: tuple, keepdim: bool, device: torch.device) -> None:
    """Any axes (int, tuple, negative, None), keepdim or not, any dtype: torch.sum's result."""
    shape, dtype, seed = drawn
    x = random_tensor(shape, dtype, seed, device)
    dim = data.draw(dims_for(x.dim()), label="dim")
    ours = reductions.sum(x, dim=dim, keepdim=keepdim)
    all_or_dim = tuple(range(x.dim())) if dim is None else dim
    expected = torch.sum(x, dim=all_or_dim, keepdim=keepdim)
    magnitude = torch.sum(absolute(x), dim=all_or_dim, keepdim=keepdim)
    assert_sum_close(ours, expected, magnitude, max(x.numel(), 1))


def test_sum_of_nothing_is_zero_and_empty_tuple_means_all(device: torch.device) -> None:
    """An axis of length 0 sums to 0; dim=() sums every axis, as in torch."""
    x = torch.ones(2, 0, 3, device=device)
    assert torch.equal(reductions.sum(x, dim=1), torch.sum(x, dim=1))
    assert torch.equal(reductions.sum(x, dim=1), torch.zeros(2, 3, device=device))
    y = torch.arange(6.0, device=device).reshape(2, 3)
    assert torch.equal(reductions.sum(y, dim=()), torch.sum(y, dim=()))
    assert reductions.sum(y, dim=()).item() == 15


def test_sum_of_a_scalar_accepts_dims_0_and_minus_1(device: torch.device) -> None:
    """A 0-d tensor: dim 0 and -1 are allowed and change nothing, as in torch."""
    s = torch.tensor(3, dtype=torch.int8, device=device)
    for dim in (0, -1, None):
        assert_same_kind(reductions.sum(s, dim=dim), torch.sum(s, dim=() if dim is None else dim))
        assert reductions.sum(s, dim=dim).item() == 3


def test_keepdim_result_broadcasts_against_the_input(device: torch.device) -> None:
    """A / A.sum(dim=1, keepdim=True): every row sums to 1."""
    A = random_tensor((3, 4), torch.float64, 0, device).abs() + 1
    rows = A / reductions.sum(A, dim=1, keepdim=True)
    torch.testing.assert_close(reductions.sum(rows, dim=1), torch.ones(3, dtype=torch.float64, device=device))


@pytest.mark.parametrize(("dim", "bad"), [(2, "2"), (-3, "-3"), ((0, 5), "5")])
def test_sum_out_of_range_dim_is_index_error_like_torch(dim: object, bad: str, device: torch.device) -> None:
    """An axis out of range: IndexError from both, ours naming the axis and the shape."""
    x = torch.ones(2, 3, device=device)
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.sum(x, dim=dim)
    with pytest.raises(IndexError, match=rf"^sum: dim {bad} is out of range for a tensor of shape \(2, 3\)"):
        reductions.sum(x, dim=dim)


@pytest.mark.parametrize(("shape", "dim", "valid"), [((2, 3), 2, "[-2, 1]"), ((4,), -2, "[-1, 0]"), ((), 1, "[-1, 0]")])
def test_out_of_range_dim_message_gives_the_valid_range(shape: tuple, dim: int, valid: str) -> None:
    """The message ends with the range of valid axes, as torch's does."""
    with pytest.raises(IndexError, match=rf"\(expected to be in range of {re.escape(valid)}\)$"):
        reductions.sum(torch.ones(shape), dim=dim)


@pytest.mark.parametrize("dim", [(0, 0), (1, -1), [0, -2]])
def test_sum_duplicate_dims_are_refused_like_torch(dim: object, device: torch.device) -> None:
    """An axis named twice, even once negative: refused by both."""
    x = torch.ones(2, 3, device=device)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        torch.sum(x, dim=dim)
    with pytest.raises(ValueError, match=rf"^sum: dim \d appears multiple times in dim={re.escape(repr(dim))}$"):
        reductions.sum(x, dim=dim)


@pytest.mark.parametrize("dim", [1.0, "0", True, (0, 1.0)])
def test_sum_non_int_dim_is_type_error(dim: object) -> None:
    """A float, string or bool axis: TypeError naming what was given."""
    with pytest.raises(TypeError, match=r"^sum: dim must be an int, a tuple of ints or None, got"):
        reductions.sum(torch.ones(2, 3), dim=dim)


# mean --------------------------------------------------------------------------------------------


@on_each_device
@given(
    data=st.data(),
    drawn=tensors([torch.float32, torch.float64, torch.complex64, torch.complex128]),
    keepdim=st.booleans(),
)
def test_mean_equals_torch(data: st.DataObject, drawn: tuple, keepdim: bool, device: torch.device) -> None:
    """Floats and complex numbers, any axes: torch.mean's result (NaN for the mean of nothing, as torch)."""
    shape, dtype, seed = drawn
    x = random_tensor(shape, dtype, seed, device)
    dim = data.draw(dims_for(x.dim()), label="dim")
    ours = reductions.mean(x, dim=dim, keepdim=keepdim)
    expected = torch.mean(x, dim=dim if dim is not None else tuple(range(x.dim())), keepdim=keepdim)
    assert_same_kind(ours, expected)
    torch.testing.assert_close(ours, expected, equal_nan=True, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_mean_of_integers_is_refused_like_torch(dtype: torch.dtype, device: torch.device) -> None:
    """torch.mean raises on integer tensors; the reference too, naming the dtype and the fix."""
    x = torch.ones(3, dtype=dtype, device=device)
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        torch.mean(x)
    with pytest.raises(TypeError, match=rf"^mean: .* got {re.escape(str(dtype))}; try x\.float\(\)$"):
        reductions.mean(x)


def test_mean_divides_the_float64_sum_and_rounds_once(device: torch.device) -> None:
    """float32 entries: the sum is kept in float64 and only the mean is rounded to float32 (rounding
    the sum first gives 308147.3125 here); torch gives the same."""
    x = torch.tensor([1540996.125, -293.42889404296875, -21.787893295288086, 56.84312438964844, -1.0845223665237427])
    x = x.to(device)
    assert reductions.mean(x).item() == torch.mean(x).item() == 308147.34375


@pytest.mark.parametrize(
    ("dim", "error", "message"),
    [
        (2, IndexError, r"^mean: dim 2 is out of range for a tensor of shape \(2, 3\)"),
        ((0, -2), ValueError, r"^mean: dim 0 appears multiple times in dim=\(0, -2\)$"),
    ],
)
def test_mean_names_itself_in_dim_errors(dim: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        reductions.mean(torch.ones(2, 3), dim=dim)


# cumsum ------------------------------------------------------------------------------------------


@on_each_device
@given(data=st.data(), drawn=tensors())
def test_cumsum_equals_torch(data: st.DataObject, drawn: tuple, device: torch.device) -> None:
    """Any axis (negative too), any dtype: torch.cumsum's result."""
    shape, dtype, seed = drawn
    x = random_tensor(shape, dtype, seed, device)
    n = max(x.dim(), 1)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    ours = reductions.cumsum(x, dim)
    expected = torch.cumsum(x, dim)
    magnitude = torch.cumsum(absolute(x), dim)
    assert_sum_close(ours, expected, magnitude, x.shape[dim] if x.dim() else 1)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_sum_and_cumsum_keep_the_imaginary_part(dtype: torch.dtype, device: torch.device) -> None:
    """Complex entries: the imaginary part of a sum is the sum of the imaginary parts (exact here)."""
    x = torch.tensor([[1 + 2j, 3 - 1j], [0.5 + 0.25j, -2 + 4j]], dtype=dtype, device=device)
    assert torch.equal(reductions.sum(x), torch.tensor(2.5 + 5.25j, dtype=dtype, device=device))
    assert torch.equal(reductions.sum(x, dim=0), torch.tensor([1.5 + 2.25j, 1 + 3j], dtype=dtype, device=device))
    expected = torch.tensor([[1 + 2j, 4 + 1j], [0.5 + 0.25j, -1.5 + 4.25j]], dtype=dtype, device=device)
    assert torch.equal(reductions.cumsum(x, 1), expected)
    assert torch.equal(reductions.mean(x), torch.tensor(0.625 + 1.3125j, dtype=dtype, device=device))


def test_integer_sums_are_exact_beyond_float_precision(device: torch.device) -> None:
    """int64 totals are kept in int64: 2**62 + 1 + 1 is exact (float32, or float64, would round it)."""
    x = torch.tensor([[2**62, 1, 1]], device=device)
    assert reductions.sum(x).item() == torch.sum(x).item() == 2**62 + 2
    assert reductions.cumsum(x, 1).tolist() == torch.cumsum(x, 1).tolist() == [[2**62, 2**62 + 1, 2**62 + 2]]


def test_cumsum_last_entry_is_the_sum(device: torch.device) -> None:
    """The last running sum along an axis is the sum over that axis."""
    x = random_tensor((3, 5), torch.int64, 1, device)
    assert torch.equal(reductions.cumsum(x, 1)[:, -1], reductions.sum(x, dim=1))


def test_cumsum_errors(device: torch.device) -> None:
    """A tuple of axes or an axis out of range: refused by both."""
    x = torch.ones(2, 3, device=device)
    with pytest.raises(TypeError):
        torch.cumsum(x, (0, 1))
    with pytest.raises(TypeError, match=r"^cumsum: dim must be an int, got \(0, 1\)$"):
        reductions.cumsum(x, (0, 1))
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.cumsum(x, 2)
    with pytest.raises(IndexError, match=r"^cumsum: dim 2 is out of range for a tensor of shape \(2, 3\)"):
        reductions.cumsum(x, 2)
