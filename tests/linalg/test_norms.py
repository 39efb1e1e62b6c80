"""Checks `dlref.linalg.norms` against torch, on every available device, and the norm axioms.

torch computes a norm in the input's precision, the reference in float64 with one rounding at the
end, so float32 results agree to a relative 1e-5 and float64 ones to 1e-12. The spectral norm is an
iterative estimate: it must lie within 1e-4 (relative) of `torch.linalg.matrix_norm(A, ord=2)` and,
up to rounding, never above it; or, for a matrix whose top singular values are within 1% of each
other (power iteration then converges too slowly to separate them in its 1000 steps, as its
docstring says), between the lowest of those and the top one.
"""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from dlref.linalg.norms import frobenius_norm, spectral_norm, vector_norm
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))
properties = settings(max_examples=scaled(50))

INF = math.inf
ORDS = [1, 2, 3, 0.5, INF, -INF, 0, -1]
DTYPES = [torch.float32, torch.float64, torch.complex64, torch.complex128]  # the dtypes the norms claim
seeds = st.integers(0, 2**32 - 1)
RTOL = {torch.float32: 1e-5, torch.float64: 1e-12}


def random_tensor(shape: tuple[int, ...], dtype: torch.dtype, seed: int, device: torch.device) -> torch.Tensor:
    """Draw on the CPU from ``seed``, zero about a fifth of the entries, and move to ``device``."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=generator, dtype=dtype)
    x[torch.rand(shape, generator=generator) < 0.2] = 0
    return x.to(device)


# torch 2.13's vector_norm warns from inside its kernel ("Casting complex values to real discards the
# imaginary part") for a 0-dim complex tensor with ord=0, and still counts the non-zero entry right
# (1 for 2j, as ours); the warning is torch's, not a sign of a wrong result.
@pytest.mark.filterwarnings("ignore:Casting complex values to real discards the imaginary part:UserWarning")
@on_each_device
@given(
    shape=st.lists(st.integers(0, 4), max_size=3),
    ord=st.sampled_from(ORDS),
    dtype=st.sampled_from(DTYPES),
    seed=seeds,
    keepdim=st.booleans(),
    data=st.data(),
)
def test_vector_norm_equals_torch(
    shape: list[int], ord: float, dtype: torch.dtype, seed: int, keepdim: bool, data: st.DataObject, device
) -> None:
    """Any ord, axes, keepdim and float or complex dtype: torch.linalg.vector_norm's result, or both raise."""
    x = random_tensor(tuple(shape), dtype, seed, device)
    axes = data.draw(st.lists(st.integers(0, max(x.dim(), 1) - 1), unique=True, max_size=x.dim()), label="axes")
    dim = tuple(axes) if axes else None
    reduced = axes or range(x.dim())
    if (ord < 0 or math.isinf(ord)) and any(x.shape[axis] == 0 for axis in reduced):
        # no maximum, minimum or negative power of nothing: both refuse
        with pytest.raises(RuntimeError, match="empty"):
            torch.linalg.vector_norm(x, ord=ord, dim=dim, keepdim=keepdim)
        with pytest.raises(ValueError, match=rf"^vector_norm: the {ord} norm of nothing is undefined"):
            vector_norm(x, ord=ord, dim=dim, keepdim=keepdim)
        return
    expected = torch.linalg.vector_norm(x, ord=ord, dim=dim, keepdim=keepdim)
    ours = vector_norm(x, ord=ord, dim=dim, keepdim=keepdim)
    assert ours.dtype == expected.dtype
    assert ours.device == expected.device
    assert ours.shape == expected.shape
    torch.testing.assert_close(ours, expected, rtol=RTOL[expected.dtype], atol=1e-30)


@pytest.mark.parametrize(("dtype", "real"), [(torch.complex64, torch.float32), (torch.complex128, torch.float64)])
def test_norm_of_complex_is_its_real_dtype_of_the_same_precision(
    dtype: torch.dtype, real: torch.dtype, device: torch.device
) -> None:
    """|3 + 4i| = 5 in float32 for complex64 and in float64 for complex128 (as torch), both norms."""
    z = torch.tensor([[3 + 4j, 0j], [0j, 0j]], dtype=dtype, device=device)
    for ours, theirs in ((vector_norm(z), torch.linalg.vector_norm(z)), (frobenius_norm(z), torch.linalg.norm(z))):
        assert ours.dtype == theirs.dtype == real
        assert ours.item() == 5


def test_named_norms_of_3_4() -> None:
    """(3, -4, 0): L1 = 7, L2 = 5, L-inf = 4, L-(-inf) = 0, L0 = 2."""
    x = torch.tensor([3.0, -4.0, 0.0])
    assert [vector_norm(x, ord=p).item() for p in (1, 2, INF, -INF, 0)] == [7, 5, 4, 0, 2]


def test_integer_tensors_are_refused_like_torch(device: torch.device) -> None:
    """torch raises on an int tensor; the reference too, naming the dtype and the fix x.float()."""
    x = torch.tensor([3, 4], device=device)
    with pytest.raises(RuntimeError, match=r"^linalg.vector_norm: Expected a floating point or complex tensor"):
        torch.linalg.vector_norm(x)
    with pytest.raises(TypeError, match=r"^vector_norm: .* got torch\.int64; try x\.float\(\)$"):
        vector_norm(x)
    for function in (frobenius_norm, spectral_norm):
        with pytest.raises(TypeError, match=r"got torch\.int64; try A\.float\(\)$"):
            function(x.reshape(1, 2))
    assert vector_norm(x.float()).item() == 5


@pytest.mark.parametrize(
    ("entries", "dtype", "ord"),
    [
        ([1e30, 1e30], torch.float32, 2),  # the squares overflow float32, the norm would fit: inf
        ([1e30, 0.0], torch.float32, 2),
        ([3e38, 3e38], torch.float32, 1),  # the sum overflows
        ([1.5e19, 1.5e19], torch.float32, 2),  # each square fits, their sum overflows: inf, not 2.1e19
        ([1e13, 1e13], torch.float32, 3),
        ([1e30], torch.float32, 2),  # one entry: its absolute value, no power formed
        ([1e-25, 1e-25], torch.float32, 2),  # the squares underflow: 0
        ([1e-30, 1e-30], torch.float32, -1),
        ([300.0, 400.0], torch.float16, 2),  # float16's squares are formed in float32: 500
        ([6e4, 6e4], torch.float16, 3),  # the norm itself overflows float16
        ([1e30 + 1e30j, 1.0], torch.complex64, 2),
        ([1e200, 1e200], torch.float64, 2),
    ],
)
def test_overflow_and_underflow_as_in_torch(entries: list, dtype: torch.dtype, ord: float, device) -> None:
    """torch forms the powers and their sum in float32 for 32- and 16-bit inputs: inf or 0 where those do."""
    x = torch.tensor(entries, dtype=dtype, device=device)
    expected = torch.linalg.vector_norm(x, ord=ord)
    torch.testing.assert_close(vector_norm(x, ord=ord), expected, rtol=1e-5, atol=0, equal_nan=True)
    if x.dim() == 1 and ord == 2:
        A = x.reshape(1, -1)
        torch.testing.assert_close(frobenius_norm(A), torch.linalg.matrix_norm(A), rtol=1e-5, atol=0)


@pytest.mark.parametrize("ord", ["fro", None, True, math.nan])
def test_vector_norm_refuses_ord_that_is_not_a_number(ord: object) -> None:
    """A string, None, a bool or NaN ord: TypeError naming it."""
    with pytest.raises(
        TypeError, match=rf"^vector_norm: ord must be a real number, inf or -inf, got {re.escape(repr(ord))}"
    ):
        vector_norm(torch.ones(3), ord=ord)


# the norm axioms ---------------------------------------------------------------------------------

# Entries of magnitude 1e-3 to 1e3, or 0: |x|^p neither underflows nor overflows in float64 (a
# subnormal x would have |x|^3 = 0, and a nonzero vector a zero norm, here and in torch).
reals = st.just(0.0) | st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3)
vectors = st.lists(reals, min_size=1, max_size=6)
norm_ords = st.sampled_from([1, 2, 3, INF])


def _pair(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    n = draw(st.integers(1, 6))
    entries = st.lists(reals, min_size=n, max_size=n)
    return torch.tensor(draw(entries), dtype=torch.float64), torch.tensor(draw(entries), dtype=torch.float64)


@properties
@given(data=st.data(), p=norm_ords)
def test_triangle_inequality(data: st.DataObject, p: float) -> None:
    """||x + y|| <= ||x|| + ||y|| for p >= 1."""
    x, y = _pair(data.draw)
    assert vector_norm(x + y, ord=p) <= (vector_norm(x, ord=p) + vector_norm(y, ord=p)) * (1 + 1e-12)


@properties
@given(x=vectors, a=reals, p=norm_ords)
def test_absolute_homogeneity(x: list[float], a: float, p: float) -> None:
    """||a x|| = |a| ||x||."""
    v = torch.tensor(x, dtype=torch.float64)
    torch.testing.assert_close(vector_norm(a * v, ord=p), abs(a) * vector_norm(v, ord=p), rtol=1e-12, atol=1e-300)


@properties
@given(x=vectors, p=norm_ords)
def test_positive_definiteness(x: list[float], p: float) -> None:
    """||x|| >= 0, and ||x|| = 0 exactly when x = 0."""
    v = torch.tensor(x, dtype=torch.float64)
    norm = vector_norm(v, ord=p)
    assert norm >= 0
    assert (norm == 0) == bool((v == 0).all())


def test_the_triangle_inequality_fails_below_p_1() -> None:
    """p = 0.5 is not a norm: e1 + e2 is 'longer' than the sum of the lengths."""
    e1, e2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert vector_norm(e1 + e2, ord=0.5) == 4 > vector_norm(e1, ord=0.5) + vector_norm(e2, ord=0.5)


# Frobenius ---------------------------------------------------------------------------------------


@on_each_device
@given(shape=st.lists(st.integers(0, 4), min_size=2, max_size=4), dtype=st.sampled_from(DTYPES), seed=seeds)
def test_frobenius_equals_torch(shape: list[int], dtype: torch.dtype, seed: int, device: torch.device) -> None:
    """Matrices and batches of them, float or complex: torch.linalg.matrix_norm(A, 'fro')."""
    A = random_tensor(tuple(shape), dtype, seed, device)
    expected = torch.linalg.matrix_norm(A, ord="fro")
    ours = frobenius_norm(A)
    assert ours.dtype == expected.dtype
    assert ours.device == expected.device
    torch.testing.assert_close(ours, expected, rtol=RTOL[expected.dtype], atol=1e-30)


def test_frobenius_refuses_a_vector() -> None:
    with pytest.raises(
        ValueError, match=r"^frobenius_norm: A must be a matrix \(at least 2 dimensions\), got shape \(3,\)$"
    ):
        frobenius_norm(torch.ones(3))


# spectral norm -----------------------------------------------------------------------------------


def check_spectral_estimate(ours: torch.Tensor, A: torch.Tensor, rtol: float = 1e-4) -> None:
    """``ours`` is sigma_1 of ``A`` to within ``rtol``, never above it (up to rounding), or, when
    singular values lie within 1% of sigma_1, at least the lowest of them (see the module's note)."""
    sigma = torch.linalg.svdvals(A.double()).tolist()
    top = sigma[0]
    close = [s for s in sigma if s >= 0.99 * top]
    lowest = min(top * (1 - rtol), min(close) * (1 - 1e-6)) - 1e-12
    assert lowest <= ours.item() <= top * (1 + 1e-6) + 1e-12, (ours.item(), sigma)


@on_each_device
@given(m=st.integers(1, 6), n=st.integers(1, 6), dtype=st.sampled_from([torch.float32, torch.float64]), seed=seeds)
def test_spectral_norm_equals_torch(m: int, n: int, dtype: torch.dtype, seed: int, device: torch.device) -> None:
    """Random matrices: torch.linalg.matrix_norm(A, ord=2) within 1e-4, and never above it."""
    A = random_tensor((m, n), dtype, seed, device)
    ours = spectral_norm(A)
    assert ours.dtype == dtype
    assert ours.device == A.device
    check_spectral_estimate(ours, A)


@on_each_device
@given(n=st.integers(1, 5), seed=seeds)
@example(n=5, seed=850736213)  # once stopped at sigma_2 = 3.4573 for 3.7009 (a start nearly orthogonal to v_1)
@example(n=4, seed=639052519)  # eigenvalues -4.8549 and 4.8564: 4.8554 after 1000 steps, between the two
def test_spectral_norm_of_symmetric_matrix_is_largest_absolute_eigenvalue(
    n: int, seed: int, device: torch.device
) -> None:
    """For a symmetric S = B + B^T, ||S||_2 is the largest |eigenvalue| that eigvalsh finds."""
    B = random_tensor((n, n), torch.float64, seed, device)
    S = B + B.T
    eigenvalues = torch.linalg.eigvalsh(S)
    assume(eigenvalues.abs().max() > 0)
    torch.testing.assert_close(eigenvalues.abs().max(), torch.linalg.svdvals(S)[0])
    check_spectral_estimate(spectral_norm(S), S)


def test_spectral_norm_special_matrices(device: torch.device) -> None:
    """Zero -> 0; diag(3, -2, 1) -> 3; a rotation (all singular values 1) -> 1; an empty matrix -> 0."""
    assert spectral_norm(torch.zeros(3, 2, device=device)).item() == 0
    assert spectral_norm(torch.diag(torch.tensor([3.0, -2.0, 1.0])).to(device)).item() == pytest.approx(3, rel=1e-6)
    c, s = math.cos(0.3), math.sin(0.3)
    rotation = torch.tensor([[c, -s], [s, c]], device=device)
    assert spectral_norm(rotation).item() == pytest.approx(1, rel=1e-6)
    assert spectral_norm(torch.ones(0, 3, device=device)).item() == 0


@pytest.mark.parametrize("top", [1e-2, 1e-4, 1e-6])
def test_spectral_norm_finds_sigma_1_from_a_start_nearly_orthogonal_to_its_vector(
    top: float, device: torch.device
) -> None:
    """A start whose component along v_1 is ``top`` first turns towards v_2, and the estimate lingers
    near sigma_2 while that component grows: a small change per step is no sign of convergence there.
    A = Q diag(3.7, 3.46, 1.5, 1.3, 0.2) Q^T, with Q's first column at ``top`` from spectral_norm's start."""
    n = 5
    start = torch.randn(n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)  # spectral_norm's v_0
    start = start / start.norm()
    other = torch.randn(n, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    other = other - (other @ start) * start
    first = other / other.norm() * math.sqrt(1 - top**2) + top * start
    rest = torch.randn(n, n - 1, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    Q, _ = torch.linalg.qr(torch.cat([first[:, None], rest], dim=1))
    assert abs(Q[:, 0] @ start) == pytest.approx(top, rel=1e-9)
    A = (Q @ torch.diag(torch.tensor([3.7, 3.46, 1.5, 1.3, 0.2], dtype=torch.float64)) @ Q.T).to(device)
    assert spectral_norm(A).item() == pytest.approx(3.7, rel=1e-6)


def test_spectral_norm_estimates_rise_with_iterations() -> None:
    """With tol=0 the estimate after k steps rises with k towards sigma_1."""
    A = random_tensor((5, 4), torch.float64, 7, torch.device("cpu"))
    estimates = [spectral_norm(A, iterations=k, tol=0).item() for k in (1, 2, 4, 8, 200)]
    assert estimates == sorted(estimates)
    assert estimates[-1] == pytest.approx(torch.linalg.matrix_norm(A, ord=2).item(), rel=1e-10)


def test_spectral_norm_defaults_are_1000_iterations_from_seed_0() -> None:
    """The signature's defaults are what runs: sigma_1 and sigma_2 differ by 1e-4, so power iteration
    still moves in its 1000th step, and 3 steps from another start vector end elsewhere."""
    Q, _ = torch.linalg.qr(torch.randn(6, 6, generator=torch.Generator().manual_seed(3), dtype=torch.float64))
    A = Q @ torch.diag(torch.tensor([1.0, 1 - 1e-4, 0.5, 0.3, 0.2, 0.1], dtype=torch.float64)) @ Q.T
    assert spectral_norm(A, tol=0).item() == spectral_norm(A, tol=0, iterations=1000).item()
    assert spectral_norm(A, tol=0, iterations=1000).item() != spectral_norm(A, tol=0, iterations=1001).item()
    assert spectral_norm(A, iterations=3).item() == spectral_norm(A, iterations=3, seed=0).item()
    assert spectral_norm(A, iterations=3, seed=0).item() != spectral_norm(A, iterations=3, seed=1).item()


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (((3,),), {}, ValueError, r"^spectral_norm: A must be a matrix \(2 dimensions\), got shape \(3,\)$"),
        (((2, 2, 2),), {}, ValueError, r"got shape \(2, 2, 2\)$"),
        (((2, 2),), {"iterations": 0}, ValueError, r"iterations must be an int of at least 1, got 0$"),
        (((2, 2),), {"tol": -1.0}, ValueError, r"tol must be at least 0, got -1\.0$"),
        (((2, 2), math.nan), {}, ValueError, r"^spectral_norm: A has NaN or infinite entries"),
        (((2, 2), math.inf), {}, ValueError, r"^spectral_norm: A has NaN or infinite entries"),
    ],
)
def test_spectral_norm_bad_arguments(args, kwargs, error, message) -> None:
    A = torch.ones(*args[0])
    if len(args) > 1:
        A[0, 0] = args[1]
    with pytest.raises(error, match=message):
        spectral_norm(A, **kwargs)


def test_spectral_norm_refuses_complex() -> None:
    with pytest.raises(
        TypeError, match=r"^spectral_norm: A must be a real floating-point matrix, got torch\.complex64$"
    ):
        spectral_norm(torch.ones(2, 2, dtype=torch.complex64))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: vector_norm([1.0]), TypeError, "vector_norm: x must be a tensor, got list"),
        (lambda: vector_norm(torch.arange(3)), TypeError, "vector_norm: expected a floating-point or complex tensor"),
        (lambda: vector_norm(torch.ones(2), 2, 5), IndexError, "vector_norm: dim 5 is out of range"),
        (lambda: frobenius_norm(torch.arange(4).reshape(2, 2)), TypeError, "frobenius_norm: expected a floating"),
        (lambda: spectral_norm(torch.arange(4).reshape(2, 2)), TypeError, "spectral_norm: expected a floating"),
        (lambda: spectral_norm([[1.0]]), TypeError, "spectral_norm: A must be a tensor, got list"),
    ],
)
def test_each_error_starts_with_the_function_and_names_the_argument(call, error: type, message: str) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("ord", [math.inf, -math.inf, 0])
@pytest.mark.parametrize(("dim", "keepdim"), [(0, False), (1, True), ((0, 2), False)])
def test_max_min_and_count_norms_reduce_only_the_axes_named(ord: float, dim, keepdim: bool) -> None:
    x = torch.tensor([[[3.0, -7.0], [0.0, 2.0], [-1.0, 0.0]], [[5.0, 0.0], [-4.0, 6.0], [0.5, -2.0]]])
    expected = torch.linalg.vector_norm(x, ord=ord, dim=dim, keepdim=keepdim)
    torch.testing.assert_close(vector_norm(x, ord=ord, dim=dim, keepdim=keepdim), expected, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("x", "dim"),
    [
        (torch.tensor(1e30), None),
        (torch.tensor(1e30), ()),
        (torch.tensor(1e30), 0),  # torch forms the power here, and overflows
        (torch.tensor([[1e30, 2.0, -3.0]]), 0),  # one entry per norm: no power formed
        (torch.tensor([[3.0, -4.0]]), (0,)),
        (torch.tensor([1e30]), 0),
    ],
)
def test_a_norm_of_one_entry_takes_torchs_shortcut_where_torch_does(x: torch.Tensor, dim) -> None:
    torch.testing.assert_close(vector_norm(x, dim=dim), torch.linalg.vector_norm(x, dim=dim), rtol=0, atol=0)


def test_the_count_norm_of_an_empty_axis_is_zero() -> None:
    torch.testing.assert_close(vector_norm(torch.empty(2, 0), ord=0, dim=1), torch.zeros(2))


@pytest.mark.parametrize("values", [[1e30, 1e30], [1e-30, 1e-30], [1e20, -1e20, 3.0]])
def test_float32_powers_overflow_and_underflow_as_torchs_do(values: list[float]) -> None:
    """The powers and their sum are rounded to float32 as torch rounds them: inf for 1e30 (1e60 does
    not fit), 0 for 1e-30 (1e-60 is below float32's smallest)."""
    x = torch.tensor(values)
    torch.testing.assert_close(vector_norm(x), torch.linalg.vector_norm(x), rtol=0, atol=0)


@pytest.mark.parametrize("iterations", [2.5, True, 0])
def test_spectral_norm_wants_a_whole_number_of_iterations(iterations) -> None:
    with pytest.raises(ValueError, match=r"^spectral_norm: iterations must be an int of at least 1"):
        spectral_norm(torch.eye(2), iterations=iterations)
