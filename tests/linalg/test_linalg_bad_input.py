"""Messy input to `dlref.linalg`'s norms and reductions: torch's result, or the documented error naming the argument.

Every dtype, empty and 0-d tensors, NaN, infinities and values whose powers overflow float32, with
any ``ord``, ``dim`` (out of range, repeated, of the wrong type) and ``keepdim``; see ``tests/messy.py``.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.linalg.norms import frobenius_norm, spectral_norm, vector_norm
from dlref.linalg.reductions import cumsum, mean, normalize_dims, sum
from messy import HALF_TOLERANCE, check, rounded_once, same, shapes, tensors
from profiles import scaled

# torch's vector_norm warns from inside its kernel for a complex tensor with ord=0 (see test_norms.py)
pytestmark = pytest.mark.filterwarnings("ignore:Casting complex values to real discards the imaginary part:UserWarning")

messy = settings(max_examples=scaled(60))

ORDS = st.sampled_from([2, 1, 3, 0.5, 0, -1, math.inf, -math.inf, math.nan, "fro", True])


def dims(x_dims: int) -> st.SearchStrategy:
    """``dim`` as users write it: None, an axis, a tuple or list of distinct axes, and now and then
    one out of range, repeated, or not an axis at all."""
    n = max(x_dims, 1)
    axis = st.integers(-n, n - 1)
    bad = st.lists(st.integers(-n - 1, n), min_size=1, max_size=3).map(tuple) | st.just(1.0) | st.just(True)
    return st.one_of(st.none(), axis, st.lists(axis, max_size=3, unique_by=lambda d: d % n).map(tuple), bad)


@messy
@given(data=st.data(), ord=ORDS, keepdim=st.booleans())
def test_vector_norm(device: torch.device, data: st.DataObject, ord: object, keepdim: bool) -> None:
    x = data.draw(tensors(device))
    dim = data.draw(dims(x.dim()))
    check(
        "vector_norm",
        lambda: vector_norm(x, ord=ord, dim=dim, keepdim=keepdim),
        lambda: torch.linalg.vector_norm(x, ord=ord, dim=dim, keepdim=keepdim),
        raises=(TypeError, ValueError, IndexError),
        names=("x", "ord", "dim"),
    )


@messy
@given(data=st.data())
def test_frobenius_norm(device: torch.device, data: st.DataObject) -> None:
    A = data.draw(tensors(device, shape=shapes(min_dims=1)))
    check(
        "frobenius_norm",
        lambda: frobenius_norm(A),
        lambda: torch.linalg.matrix_norm(A),
        raises=(TypeError, ValueError),
        names=("A",),
    )


# torch's 2-norm; for float16 and bfloat16, which torch's SVD refuses, computed in float32
_spectral_reference = rounded_once(lambda A: torch.linalg.matrix_norm(A, ord=2))


def _close_to_top_singular_value(got: torch.Tensor, expected: torch.Tensor, A: torch.Tensor) -> None:
    """Power iteration's estimate: torch's sigma_1 to a relative 1e-3, or, where the top singular
    values are within 1% of each other (its docstring: it converges too slowly to separate them),
    between the lowest of those and the top one."""
    assert (got.shape, got.dtype, got.device) == (expected.shape, expected.dtype, expected.device)
    if math.isclose(got.item(), expected.item(), rel_tol=1e-3, abs_tol=1e-30):
        return
    sigma = torch.linalg.svdvals(A.double()).tolist()
    cluster = [s for s in sigma if s >= 0.99 * sigma[0]]
    assert cluster[-1] * (1 - 1e-3) <= got.item() <= sigma[0] * (1 + 1e-3), f"{got.item()} for singular values {sigma}"


@settings(max_examples=scaled(30))
@given(data=st.data())
def test_spectral_norm(device: torch.device, data: st.DataObject) -> None:
    A = data.draw(tensors(device, shape=shapes(min_dims=2, max_dims=2, max_side=4) | shapes(min_dims=1)))
    check(
        "spectral_norm",
        lambda: spectral_norm(A),
        lambda: _spectral_reference(A),
        raises=(TypeError, ValueError),
        names=("A",),
        compare=lambda got, expected: _close_to_top_singular_value(got, expected, A),
    )


# torch.testing's default (rtol, atol) for each floating dtype, and HALF_TOLERANCE for 16-bit ones
_TOLERANCE = {torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7), **HALF_TOLERANCE}


def within_summation_error(x: torch.Tensor):
    """`same`, but two sums of real floats may differ by what summing in another order can change:
    up to n·ε·Σ|x_i| for n terms added in float32 (float64 for float64), the classic bound. A sum
    that cancels has no answer every order gives: 1 + 1e30 - 1e30 in bfloat16 is 1 in torch's order
    and 0 from left to right. Infinite entries are left out of the bound (they give inf or NaN)."""
    if not x.is_floating_point() or x.numel() == 0:
        return same
    accumulator = torch.float64 if x.dtype == torch.float64 else torch.float32
    magnitude = x.abs().to(torch.float64).nan_to_num(nan=0.0, posinf=0.0).sum().item()
    bound = x.numel() * torch.finfo(accumulator).eps * magnitude
    rtol, atol = _TOLERANCE[x.dtype]
    return lambda got, expected: same(got, expected, rtol=rtol, atol=max(atol, bound))


def test_a_sum_that_cancels_may_differ_by_its_error_bound_and_no_more() -> None:
    x = torch.tensor([1.0, 1e30, -1e30], dtype=torch.bfloat16)
    compare = within_summation_error(x)
    compare(torch.tensor(0.0, dtype=torch.bfloat16), torch.tensor(1.0, dtype=torch.bfloat16))
    small = torch.tensor([1.0, 2.0, -3.0])
    with pytest.raises(AssertionError):
        within_summation_error(small)(torch.tensor(1e-4), torch.tensor(0.0))


@messy
@given(data=st.data(), keepdim=st.booleans())
def test_sum_and_mean(device: torch.device, data: st.DataObject, keepdim: bool) -> None:
    x = data.draw(tensors(device))
    dim = data.draw(dims(x.dim()))
    for ours, theirs in ((sum, torch.sum), (mean, torch.mean)):
        check(
            ours.__name__,
            lambda ours=ours: ours(x, dim=dim, keepdim=keepdim),
            lambda theirs=theirs: theirs(x, dim=dim, keepdim=keepdim),
            raises=(TypeError, ValueError, IndexError),
            names=("x", "dim"),
            compare=within_summation_error(x),
        )


@messy
@given(data=st.data())
def test_cumsum(device: torch.device, data: st.DataObject) -> None:
    x = data.draw(tensors(device))
    n = max(x.dim(), 1)
    dim = data.draw(st.integers(-n, n - 1) | st.integers(-n - 1, n) | st.none() | st.just(0.0))
    check(
        "cumsum", lambda: cumsum(x, dim), lambda: torch.cumsum(x, dim), raises=(TypeError, IndexError), names=("dim",)
    )


def _reduced_axes(x: torch.Tensor, dim: object) -> tuple[int, ...]:
    """The axes torch.sum reduces for ``dim``: those that keepdim shrinks to 1 in a tensor of x's rank
    whose sizes are all 2 or more (so each reduced axis shows)."""
    probe = torch.empty([2 + i for i in range(x.dim())])
    kept = torch.sum(probe, dim=dim, keepdim=True).shape
    return tuple(i for i, (before, after) in enumerate(zip(probe.shape, kept, strict=True)) if before != after)


@messy
@given(data=st.data())
def test_normalize_dims(data: st.DataObject) -> None:
    x = torch.empty(data.draw(shapes()))
    dim = data.draw(dims(x.dim()))
    check(
        "normalize_dims",
        lambda: normalize_dims("sum", x, dim),
        lambda: _reduced_axes(x, dim),
        raises=(TypeError, ValueError, IndexError),
        names=("dim",),
    )
