"""`verify` accepts true derivatives and rejects wrong ones, on every device, and never trusts sympy alone."""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable
from fractions import Fraction

import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.calculus.verify import AUTOGRAD_ATOL, AUTOGRAD_RTOL, FD_ATOL, FD_RTOL, Check, Verification, _sample, verify
from dlref.device import DeviceError, available_devices
from profiles import scaled

on_each_device = settings(max_examples=scaled(25))


@on_each_device
@given(n=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_the_transposed_jacobian_of_a_linear_map_passes(device: torch.device, n: int, m: int, seed: int) -> None:
    result = verify(lambda x, A: A @ x, lambda x, A: A.T, {"x": (n,), "A": (m, n)}, devices=[device], seed=seed)
    assert result.autograd.passed, str(result)
    assert result.finite_differences.passed, str(result)
    assert result.symbolic.passed is None


def test_f_and_the_claim_get_their_inputs_on_the_device_checked(device: torch.device) -> None:
    """Each numeric check evaluates f and the claim with inputs on each device of ``devices``."""
    seen = set()

    def claim(x: torch.Tensor) -> torch.Tensor:
        seen.add(x.device)
        return 2 * x

    result = verify(lambda x: (x**2).sum(), claim, {"x": (2,)}, points=1, devices=[device])
    assert result.autograd.passed, str(result)
    assert seen == {device}


@on_each_device
@given(n=st.integers(2, 4), i=st.integers(0, 3), delta=st.floats(1e-3, 10), seed=st.integers(0, 2**16))
def test_a_perturbed_gradient_fails_with_the_size_of_the_perturbation(
    device: torch.device, n: int, i: int, delta: float, seed: int
) -> None:
    i = i % n

    def wrong(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        bump = torch.zeros_like(a)
        bump[i] = delta
        return a + bump

    result = verify(lambda x, a: a @ x, wrong, {"x": (n,), "a": (n,)}, devices=[device], seed=seed)
    assert result.autograd.passed is False
    assert result.finite_differences.passed is False
    assert result.autograd.error == pytest.approx(delta, rel=1e-9)
    assert result.finite_differences.error == pytest.approx(delta, rel=1e-4)
    assert result.autograd.device == str(device)


@on_each_device
@given(n=st.integers(2, 3), seed=st.integers(0, 2**16))
def test_2Ax_passes_for_symmetric_A_only(device: torch.device, n: int, seed: int) -> None:
    shapes = {"x": (n,), "A": (n, n)}
    f = lambda x, A: x @ A @ x  # noqa: E731
    claim = lambda x, A: 2 * A @ x  # noqa: E731
    assert verify(f, claim, shapes, domains={"A": "symmetric"}, devices=[device], seed=seed).autograd.passed
    assert verify(f, claim, shapes, domains={"A": "spd"}, devices=[device], seed=seed).finite_differences.passed
    assert not verify(f, claim, shapes, devices=[device], seed=seed).autograd.passed


def test_sympys_silent_zero_for_log_det_is_caught() -> None:
    """MatrixSymbol calculus says d log det X / dX = 0; the numeric confirmation refuses it."""
    X = sympy.MatrixSymbol("X", 3, 3)
    assert isinstance(sympy.diff(sympy.log(sympy.Determinant(X)), X), sympy.ZeroMatrix)  # the trap (sympy 1.14)
    result = verify(
        lambda X: torch.logdet(X),
        lambda X: torch.linalg.inv(X).T,
        {"X": (3, 3)},
        domains={"X": "spd"},
        sympy_f=lambda X: sympy.log(sympy.Determinant(X)),
        sympy_claim=lambda X: X.inv().T,
        symbolic="matrixsymbol",
        devices=["cpu"],
    )
    check = result.symbolic
    assert (check.method, check.passed, check.device) == ("symbolic", False, None)
    X0 = check.point["X"]
    assert set(check.point) == {"X"}
    # sympy's 0 against autograd's X⁻ᵀ: the error is the largest |entry| of X⁻¹, the tolerance autograd's
    assert check.error == pytest.approx(torch.linalg.inv(X0).abs().max().item(), rel=1e-12)
    assert check.tolerance == pytest.approx(AUTOGRAD_ATOL + AUTOGRAD_RTOL * check.error, rel=1e-12)
    assert check.detail == (
        f"sympy's derivative is wrong at the point (autograd differs by {check.error:.3g}): not trusted"
    )
    assert result.autograd.passed
    assert result.finite_differences.passed


def _failed_before_comparing(check: Check, inputs: set[str]) -> None:
    """A symbolic check that failed before any comparison: no error, no device, and the exact point of
    each input, for the report."""
    assert (check.method, check.passed, check.error, check.device) == ("symbolic", False, None, None)
    assert set(check.point) == inputs


@pytest.mark.parametrize(
    ("scale", "sympy_f"),
    [
        (1, lambda x: (x.T * x)[0] + 1),  # differs by a constant: same derivative, other function
        (1, lambda x: (x.T * x)[0] * sympy.Rational(10**6 + 1, 10**6)),  # by a factor 1 + 10⁻⁶
        (1e-6, lambda x: (x.T * x)[0] / 10**6 + sympy.Rational(1, 10**10)),  # by 10⁻¹⁰, on values near 10⁻⁶
    ],
    ids=["plus-1", "times-1.000001", "plus-1e-10"],
)
def test_a_sympy_form_that_is_not_the_torch_function_is_refused(scale: float, sympy_f: Callable) -> None:
    """The two forms of f must agree at the exact point to rtol 10⁻⁹ and atol 10⁻¹², far tighter than
    these differences (float64 evaluates the exact point's values to about 10⁻¹⁶)."""
    result = verify(
        lambda x: scale * (x**2).sum(),
        lambda x: scale * 2 * x,
        {"x": (3,)},
        sympy_f=sympy_f,
        sympy_claim=lambda x: 2 * x * sympy.nsimplify(scale),
        devices=["cpu"],
    )
    check = result.symbolic
    _failed_before_comparing(check, {"x"})
    assert check.detail == "the sympy f and the torch f differ at the point"


def test_an_f_that_cannot_be_evaluated_fails_the_confirmation_and_says_why() -> None:
    """sympy's derivative is confirmed with torch's f at the exact point; an f that returns no tensor
    fails the symbolic check there, with the first line of the error."""
    result = verify(
        lambda x: float((x**2).sum()),
        lambda x: 2 * x,
        {"x": (2,)},
        sympy_f=lambda x: (x.T * x)[0],
        sympy_claim=lambda x: 2 * x,
        devices=["cpu"],
    )
    check = result.symbolic
    _failed_before_comparing(check, {"x"})
    assert check.detail == "confirming numerically: evaluating it raised TypeError: f must return a tensor, got float"
    assert check.point["x"].shape == (2,)


def test_a_claim_sympy_cannot_compare_fails_and_says_why() -> None:
    """relu's derivative written as a condition, ``s > 0``: sympy's derivative, Heaviside(s), is confirmed
    at the point, but ``Heaviside(s) - (s > 0)`` is no expression; the check fails and names sympy's error."""
    result = verify(
        torch.relu,
        lambda s: (s > 0).double(),
        {"s": ()},
        domains={"s": "positive"},
        sympy_f=lambda s: sympy.Max(s, 0),
        sympy_claim=lambda s: s > 0,
        devices=["cpu"],
    )
    check = result.symbolic
    _failed_before_comparing(check, {"s"})
    assert check.detail.startswith("sympy: evaluating it raised TypeError: unsupported operand type(s) for -")
    assert result.autograd.passed


def test_all_three_modes_accept_a_true_identity() -> None:
    for mode in ("elementwise", "matrixsymbol", "directional"):
        result = verify(
            lambda x, A: x @ A @ x,
            lambda x, A: (A + A.T) @ x,
            {"x": (3,), "A": (3, 3)},
            sympy_f=lambda x, A: x.T * A * x,
            sympy_claim=lambda x, A: (A + A.T) * x,
            symbolic=mode,
            devices=["cpu"],
        )
        assert result.passed, (mode, str(result))


@pytest.mark.parametrize("mode", ["elementwise", "matrixsymbol", "directional"])
def test_a_passed_symbolic_check_names_its_mode(mode: str) -> None:
    result = verify(
        lambda x: (x**2).sum(),
        lambda x: 2 * x,
        {"x": (2,)},
        sympy_f=lambda x: x.T * x,  # a 1×1 matrix: indexed, MatrixSymbol calculus gives 0
        sympy_claim=lambda x: 2 * x,
        symbolic=mode,
        devices=["cpu"],
    )
    check = result.symbolic
    assert (check.method, check.passed, check.detail) == ("symbolic", True, f"{mode}, confirmed at an exact point")


def _cubic(x: torch.Tensor | sympy.Matrix) -> torch.Tensor | sympy.Expr:
    """x0² x1 + x1³ x2 + x0 x2, written once for torch and for sympy (both index a vector as x[i])."""
    return x[0] ** 2 * x[1] + x[1] ** 3 * x[2] + x[0] * x[2]


def _cubic_hessian(x: torch.Tensor | sympy.Matrix, off: int = 1) -> list[list]:
    """The Hessian of `_cubic` (``off=1``), or with ∂²/∂x0∂x2 made ``off``: symmetric, no two entries alike."""
    return [
        [2 * x[1], 2 * x[0], off + 0 * x[0]],
        [2 * x[0], 6 * x[1] * x[2], 3 * x[1] ** 2],
        [off + 0 * x[0], 3 * x[1] ** 2, 0 * x[0]],
    ]


def _torch_matrix(rows: list[list]) -> torch.Tensor:
    return torch.stack([torch.stack(row) for row in rows])


@pytest.mark.parametrize(
    ("order", "shapes", "f", "claim", "wrong", "sympy_f", "sympy_claim", "sympy_wrong"),
    [
        (
            1,
            {"x": (3,), "A": (2, 3)},
            lambda x, A: A @ x,
            lambda x, A: A.T,
            lambda x, A: A.T + torch.tensor([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=A.dtype),
            lambda x, A: A * x,
            lambda x, A: A.T,
            lambda x, A: A.T + sympy.Matrix([[0, 0], [0, 1], [0, 0]]),
        ),
        (
            2,
            {"x": (3,)},
            _cubic,
            lambda x: _torch_matrix(_cubic_hessian(x)),
            lambda x: _torch_matrix(_cubic_hessian(x, off=2)),
            _cubic,
            lambda x: sympy.Matrix(_cubic_hessian(x)),
            lambda x: sympy.Matrix(_cubic_hessian(x, off=2)),
        ),
    ],
    ids=["transposed jacobian of two outputs", "hessian"],
)
def test_directional_mode_contracts_the_claim_with_each_direction(
    order: int,
    shapes: dict,
    f: Callable,
    claim: Callable,
    wrong: Callable,
    sympy_f: Callable,
    sympy_claim: Callable,
    sympy_wrong: Callable,
) -> None:
    """d/dt f(x + tV) at t = 0 must be Σᵢ Vᵢ claimᵢₖ for each output k (here two: A x), and d²/dt² f(x + tV)
    must be Vᵀ claim V: a true claim passes, one with a single wrong entry (off the diagonal, for the
    Hessian, whose entries all differ) fails, on sympy's exact values."""

    def symbolic(torch_claim: Callable, sympy_form: Callable) -> Check:
        result = verify(
            f,
            torch_claim,
            shapes,
            order=order,
            sympy_f=sympy_f,
            sympy_claim=sympy_form,
            symbolic="directional",
            points=1,
            devices=["cpu"],
        )
        return result.symbolic

    true = symbolic(claim, sympy_claim)
    assert (true.passed, true.detail) == (True, "directional, confirmed at an exact point")
    false = symbolic(wrong, sympy_wrong)
    assert false.passed is False
    assert false.detail.startswith("derivative - claim = "), false.detail
    assert false.error > 0


def test_directional_mode_moves_along_a_real_line() -> None:
    """t in f(x + tV) is real, so sympy differentiates |·| (which Matrix.norm writes) as a real function."""
    result = verify(
        lambda x: torch.linalg.vector_norm(x),
        lambda x: x / torch.linalg.vector_norm(x),
        {"x": (3,)},
        domains={"x": "positive"},
        sympy_f=lambda x: x.norm(),
        sympy_claim=lambda x: x / x.norm(),
        symbolic="directional",
        points=1,
        devices=["cpu"],
    )
    assert result.passed, str(result)


def test_directional_mode_draws_its_directions_from_the_seed() -> None:
    """The directions, like the point, come from the seeded generator: the same seed gives the same
    failed check (its error depends on the directions), whatever torch's global generator holds."""

    def check() -> Check:
        return verify(
            lambda x: (x**2).sum(),
            lambda x: 2 * x + 1,
            {"x": (3,)},
            sympy_f=lambda x: (x.T * x)[0],
            sympy_claim=lambda x: 2 * x + sympy.ones(3, 1),
            symbolic="directional",
            points=1,
            devices=["cpu"],
        ).symbolic

    torch.manual_seed(1)
    first = check()
    torch.manual_seed(2)
    second = check()
    assert first.passed is second.passed is False
    assert (second.error, second.detail) == (first.error, first.detail)


def _three_x_as_the_derivative_of_x_squared(seed: int, points: int = 1) -> Verification:
    """A false claim, d x²/dx = 3x for a one-entry x, checked in directional mode from ``seed``."""
    return verify(
        lambda x: (x**2).sum(),
        lambda x: 3 * x,
        {"x": (1,)},
        sympy_f=lambda x: (x.T * x)[0],
        sympy_claim=lambda x: 3 * x,
        symbolic="directional",
        points=points,
        devices=["cpu"],
        seed=seed,
    )


def test_directional_mode_never_moves_along_a_zero_direction() -> None:
    """Along V = 0 both sides are 0 whatever the claim: for a one-entry x, seed 6168 draws both directions
    as 0 from the general domain, and they are drawn again (from the same generator, so still from the
    seed) until nonzero, so the symbolic check refuses d x²/dx = 3x there."""
    generator = torch.Generator().manual_seed(6168 + 7919)  # as the symbolic check draws: the point, then V
    _sample((1,), "general", generator)
    assert [_sample((1,), "general", generator) for _ in range(2)] == [[0], [0]]  # the trap
    check = _three_x_as_the_derivative_of_x_squared(seed=6168).symbolic
    assert check.passed is False
    assert check.detail.startswith("derivative - claim = "), check.detail


@pytest.mark.parametrize("mode", ["elementwise", "directional"])
def test_a_false_claim_is_rejected_at_the_exact_point_without_simplify(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A difference that is not 0 at the exact point is not identically 0: the check says so without
    sympy.simplify (which took most of the time of rejecting a false identity), even with exp in it."""
    simplified = []
    simplify = sympy.simplify
    monkeypatch.setattr(sympy, "simplify", lambda e: simplified.append(e) or simplify(e))
    result = verify(
        lambda x: x.exp().sum(),
        lambda x: 2 * x.exp(),
        {"x": (2,)},
        sympy_f=lambda x: sum(sympy.exp(e) for e in x),
        sympy_claim=lambda x: x.applyfunc(lambda e: 2 * sympy.exp(e)),
        symbolic=mode,
        points=1,
        devices=["cpu"],
    )
    assert result.symbolic.passed is False
    assert result.symbolic.detail.startswith("derivative - claim = ")
    assert simplified == []


def test_a_failed_symbolic_check_shows_the_first_nonzero_difference() -> None:
    """derivative - claim, simplified, for the first entry where it is not 0; the error is the claim's
    distance from sympy's derivative at the exact point (tolerance 0: sympy is exact); long ones are cut."""
    off = verify(
        lambda x: (x**2).sum(),
        lambda x: 2 * x + 1,
        {"x": (2,)},
        sympy_f=lambda x: (x.T * x)[0],
        sympy_claim=lambda x: 2 * x + sympy.ones(2, 1),
        devices=["cpu"],
    ).symbolic
    assert (off.method, off.passed, off.error, off.tolerance, off.device) == ("symbolic", False, 1.0, 0.0, None)
    assert off.detail == "derivative - claim = -1 (first nonzero entry), not 0"
    assert set(off.point) == {"x"}

    def f(x: torch.Tensor) -> torch.Tensor:
        return (x**2).sum() * torch.exp(x[0]) * torch.cos(x[1]) * torch.sin(x[0] * x[1])

    def sympy_f(x: sympy.Matrix) -> sympy.Expr:
        return (x.T * x)[0] * sympy.exp(x[0]) * sympy.cos(x[1]) * sympy.sin(x[0] * x[1])

    long = verify(f, torch.zeros_like, {"x": (2,)}, sympy_f=sympy_f, sympy_claim=lambda x: sympy.zeros(2, 1)).symbolic
    shown = long.detail.removeprefix("derivative - claim = ").removesuffix(" (first nonzero entry), not 0")
    assert len(shown) == 80
    assert shown.endswith("...")


def test_a_failed_matrixsymbol_check_shows_the_first_nonzero_entry() -> None:
    """MatrixSymbol calculus gives derivative - claim as a matrix expression; the report shows its
    first nonzero entry, written out: here (A + Aᵀ)x - 2Ax = (Aᵀ - A)x, whose first entry is
    (A₁₀ - A₀₁)x₁."""
    check = verify(
        lambda x, A: x @ A @ x,
        lambda x, A: 2 * A @ x,
        {"x": (2,), "A": (2, 2)},
        sympy_f=lambda x, A: x.T * A * x,
        sympy_claim=lambda x, A: 2 * A * x,
        symbolic="matrixsymbol",
        devices=["cpu"],
    ).symbolic
    assert (check.method, check.passed, check.tolerance) == ("symbolic", False, 0.0)
    assert check.detail == "derivative - claim = -A[0, 1]*x[1, 0] + A[1, 0]*x[1, 0] (first nonzero entry), not 0"
    A, x = check.point["A"], check.point["x"]
    assert check.error == ((A.T - A) @ x).abs().max().item()  # exact: the point is on a binary grid


def _exp_200(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(200 * x).sum()


@pytest.mark.parametrize("factor", [1, 2])
def test_the_symbolic_check_compares_in_float64(factor: int) -> None:
    """exp(200x) for x ≥ 1/2 is beyond float32's range (e¹⁰⁰ > 3.4·10³⁸), not float64's: the true
    derivative passes, and a claim twice it is off by the derivative itself, a finite number."""
    result = verify(
        _exp_200,
        lambda x: factor * 200 * torch.exp(200 * x),
        {"x": (1,)},
        domains={"x": "positive"},
        sympy_f=lambda x: sympy.exp(200 * x[0]),
        sympy_claim=lambda x: factor * 200 * x.applyfunc(lambda e: sympy.exp(200 * e)),
        points=1,
        devices=["cpu"],
    )
    check = result.symbolic
    if factor == 1:
        assert check.passed, str(result)
    else:
        assert check.passed is False
        assert check.error == pytest.approx(200 * math.exp(200 * check.point["x"].item()), rel=1e-12)


@pytest.mark.parametrize("shape", [(), (2,), (2, 2)], ids=str)
def test_the_symbols_are_real_so_abs_has_the_derivative_sign(shape: tuple[int, ...]) -> None:
    """Each entry of each input is a real symbol, for a number, a vector and a matrix: sympy
    differentiates |x| to sign(x) only for a real x (for a complex one, to an expression in re and im)."""
    result = verify(
        lambda x: x.abs().sum(),
        torch.sign,
        {"x": shape},
        sympy_f=lambda x: sum(x.applyfunc(sympy.Abs)) if shape else sympy.Abs(x),
        sympy_claim=lambda x: x.applyfunc(sympy.sign) if shape else sympy.sign(x),
        points=1,
        devices=["cpu"],
    )
    check = result.symbolic
    assert (check.passed, check.detail) == (True, "elementwise, confirmed at an exact point"), str(result)


@pytest.mark.parametrize(
    ("mode", "sympy_claim", "detail"),
    [
        ("elementwise", lambda x: 2 * x[:1, :], "the claim has 1 entries, the derivative has 2"),
        ("matrixsymbol", lambda x: 2 * x[:1, :], "the claim has shape (1, 1), sympy's derivative has shape (2, 1)"),
        ("directional", lambda x: 2 * x[:1, :], "the claim has 1 entries, the derivative has 2"),
        ("directional", lambda x: (2 * x).col_join(sympy.zeros(1, 1)), "the claim has 3 entries, the derivative has 2"),
    ],
    ids=["elementwise, too few", "matrixsymbol, too few", "directional, too few", "directional, too many"],
)
def test_a_sympy_claim_sympy_cannot_compare_is_named(mode: str, sympy_claim: Callable, detail: str) -> None:
    """A sympy claim with too few or too many entries (or, as a matrix, the wrong shape): the symbolic
    check says which, at the point (directional mode, which contracts the claim with its directions,
    would index past a short claim and ignore the rest of a long one)."""
    result = verify(
        lambda x: (x**2).sum(),
        lambda x: 2 * x,
        {"x": (2,)},
        sympy_f=lambda x: (x.T * x)[0],
        sympy_claim=sympy_claim,
        symbolic=mode,
        points=1,
        devices=["cpu"],
    )
    check = result.symbolic
    _failed_before_comparing(check, {"x"})
    assert check.detail == f"sympy: evaluating it raised ValueError: {detail}"


@pytest.mark.parametrize(
    ("f", "claim", "shapes", "order", "sympy_f", "sympy_claim", "message"),
    [
        (
            lambda x: (x**2).sum(),
            lambda x: 2 * torch.eye(2, dtype=x.dtype),
            {"x": (2,)},
            2,
            lambda x: (x.T * x)[0],
            lambda x: 2 * sympy.eye(2),
            "verify: symbolic='matrixsymbol' supports order=1 only, got order=2",
        ),
        (
            lambda s: s**2,
            lambda s: 2 * s,
            {"s": ()},
            1,
            lambda s: s**2,
            lambda s: 2 * s,
            "verify: symbolic='matrixsymbol' needs vectors and matrices, got shapes['s'] = ()",
        ),
        (
            lambda x, T: x @ x + T.sum(),
            lambda x, T: 2 * x,
            {"x": (2,), "T": (2, 2, 2)},
            1,
            lambda x, T: (x.T * x)[0],
            lambda x, T: 2 * x,
            "verify: symbolic='matrixsymbol' needs vectors and matrices, got shapes['T'] = (2, 2, 2)",
        ),
    ],
    ids=["hessian", "0-dim input", "3-dim input"],
)
def test_matrixsymbol_mode_refuses_what_sympys_matrix_calculus_cannot_do(
    f: Callable,
    claim: Callable,
    shapes: dict,
    order: int,
    sympy_f: Callable,
    sympy_claim: Callable,
    message: str,
) -> None:
    """A Hessian, or an input that is not a vector or a matrix: refused up front, naming the order or the
    input and its shape, rather than a FALSE verdict for a true identity."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        verify(
            f,
            claim,
            shapes,
            order=order,
            sympy_f=sympy_f,
            sympy_claim=sympy_claim,
            symbolic="matrixsymbol",
            devices=["cpu"],
        )


def test_a_derivative_sympys_matrix_calculus_leaves_unevaluated_is_named() -> None:
    """sympy 1.14 returns d det(X) / dX unevaluated, as Derivative(Determinant(X), X): the symbolic check
    fails saying so, not with a shape it made up for it."""
    X = sympy.MatrixSymbol("X", 2, 2)
    assert isinstance(sympy.diff(sympy.Determinant(X), X), sympy.Derivative)  # the trap (sympy 1.14)
    result = verify(
        lambda X: torch.det(X),
        lambda X: torch.det(X) * torch.linalg.inv(X).T,
        {"X": (2, 2)},
        domains={"X": "invertible"},
        sympy_f=lambda X: sympy.Determinant(X),
        sympy_claim=lambda X: sympy.Determinant(X) * X.inv().T,
        symbolic="matrixsymbol",
        points=1,
        devices=["cpu"],
    )
    check = result.symbolic
    assert (check.passed, check.error) == (False, None)
    assert check.detail == (
        "sympy: evaluating it raised ValueError: sympy left the derivative unevaluated: "
        "it returned Derivative(Determinant(X), X)"
    )
    assert result.autograd.passed
    assert result.finite_differences.passed


def test_a_hessian() -> None:
    result = verify(lambda x: (x**3).sum(), lambda x: torch.diag(6 * x), {"x": (3,)}, order=2, devices=["cpu"])
    assert result.autograd.passed
    assert result.finite_differences.passed
    wrong = verify(lambda x: (x**3).sum(), lambda x: torch.diag(3 * x), {"x": (3,)}, order=2, devices=["cpu"])
    assert not wrong.autograd.passed
    assert not wrong.finite_differences.passed


def test_marks_show_passed_failed_and_not_run() -> None:
    """Symbolic / autograd / finite differences: without sympy forms the symbolic check is not run."""
    f = lambda x: (x**2).sum()  # noqa: E731
    assert verify(f, lambda x: 2 * x, {"x": (3,)}, devices=["cpu"]).marks() == "– ✓ ✓"
    assert verify(f, lambda x: 3 * x, {"x": (3,)}, devices=["cpu"]).marks() == "– ✗ ✗"


def test_a_verification_prints_one_line_per_check_then_the_failure_point() -> None:
    """The verdict, each check's summary (a failure: where, the error against its tolerance, why),
    then the inputs at the first failure: a number for a 0-dim input, a list for the others."""
    unchecked = verify(lambda x: (x**2).sum(), lambda x: 2 * x, {"x": (3,)}, devices=["cpu"], name="squares")
    assert str(unchecked) == (
        "squares: not fully checked\n"
        "  symbolic: not run (no sympy forms given)\n"
        "  autograd: passed\n"
        "  finite differences: passed"
    )
    true = verify(
        lambda x: (x**2).sum(),
        lambda x: 2 * x,
        {"x": (3,)},
        sympy_f=lambda x: (x.T * x)[0],
        sympy_claim=lambda x: 2 * x,
        devices=["cpu"],
        name="squares",
    )
    assert str(true) == "squares: true\n  symbolic: passed\n  autograd: passed\n  finite differences: passed"
    wrong = verify(
        lambda x, s: s * (x**2).sum(), lambda x, s: 2 * s * x + 1, {"x": (2,), "s": ()}, devices=["cpu"], name="off"
    )
    a, fd = wrong.autograd, wrong.finite_differences
    assert a.error == pytest.approx(1.0)  # the claim is off by 1
    assert str(wrong) == "\n".join(
        [
            "off: FALSE",
            "  symbolic: not run (no sympy forms given)",
            f"  autograd: FAILED on cpu; max error {a.error:.3g} (tolerance {a.tolerance:.3g});"
            f" the claim differs from autograd by up to {a.error:.3g}",
            f"  finite differences: FAILED on cpu; max error {fd.error:.3g} (tolerance {fd.tolerance:.3g});"
            f" the claim differs from finite differences by up to {fd.error:.3g}",
            "  point of the autograd failure:",
            f"    x = {a.point['x'].tolist()}",
            f"    s = {a.point['s'].item()}",
        ]
    )


def test_a_failed_checks_summary_shows_what_it_knows() -> None:
    """Without an error size or a device, or a detail, the summary leaves them out, and the detail is shown whole."""
    assert Check("symbolic", False).summary() == "symbolic: FAILED"
    assert Check("symbolic", False, detail="no derivative with respect to X").summary() == (
        "symbolic: FAILED; no derivative with respect to X"
    )
    assert Check("autograd", False, 2.0, 0.5, device="cpu").summary() == (
        "autograd: FAILED on cpu; max error 2 (tolerance 0.5)"
    )


@pytest.mark.parametrize(
    ("order", "f", "claim"),
    [(1, lambda s: s**3, lambda s: 3 * s**2), (2, lambda s: s**3, lambda s: 6 * s)],
    ids=["first", "second"],
)
def test_a_0_dim_variable_is_differentiated(order: int, f: Callable, claim: Callable) -> None:
    """d(s³)/ds = 3s² and d²(s³)/ds² = 6s for a number s: the derivatives of a scalar function of a 0-dim
    input have shape ()."""
    result = verify(f, claim, {"s": ()}, order=order, devices=["cpu"])
    assert result.autograd.passed, str(result)
    assert result.finite_differences.passed, str(result)


def _raises(error: Exception) -> Callable[..., torch.Tensor]:
    def claim(*inputs: torch.Tensor) -> torch.Tensor:
        raise error

    return claim


@pytest.mark.parametrize(
    ("f", "claim", "detail"),
    [
        (
            lambda x, A: A @ x,
            _raises(ValueError("bad claim\nsecond line")),
            "evaluating it raised ValueError: bad claim",
        ),
        (lambda x, A: A @ x, _raises(ValueError()), "evaluating it raised ValueError: "),
        (
            lambda x, A: float((A @ x).sum()),
            lambda x, A: A.T,
            "evaluating it raised TypeError: f must return a tensor, got float",
        ),
        (lambda x, A: A @ x, lambda x, A: 1.0, "the claim has shape float, the derivative has shape (3, 2)"),
        (lambda x, A: A @ x, lambda x, A: A, "the claim has shape (2, 3), the derivative has shape (3, 2)"),
    ],
)
def test_a_check_that_cannot_compare_says_why_where_and_at_which_point(
    f: Callable[..., object], claim: Callable[..., object], detail: str
) -> None:
    """An f or claim that raises (the first line of its message), returns no tensor, or a claim of the
    wrong shape: each numeric check fails on the device, at the point, with no error size."""
    result = verify(f, claim, {"x": (3,), "A": (2, 3)}, devices=["cpu"])
    for check, method in ((result.autograd, "autograd"), (result.finite_differences, "finite differences")):
        assert (check.method, check.passed, check.device, check.detail, check.error) == (
            method,
            False,
            "cpu",
            detail,
            None,
        )
        assert set(check.point) == {"x", "A"}
        assert check.point["A"].shape == (2, 3)


def test_the_tolerance_is_atol_plus_rtol_times_the_largest_derivative() -> None:
    """A passed check reports its largest difference (tiny); a failed one its error and tolerance."""
    passed = verify(lambda x: (x**2).sum(), lambda x: 2 * x, {"x": (1,)}, devices=["cpu"])
    assert passed.autograd.passed
    assert passed.finite_differences.passed
    assert 0 <= passed.autograd.error < 1e-12
    assert 0 <= passed.finite_differences.error < 1e-6
    wrong = verify(lambda x: 1000 * (x**2).sum(), lambda x: 2000 * x + 1, {"x": (3,)}, devices=["cpu"])
    for check, rtol, atol in (
        (wrong.autograd, AUTOGRAD_RTOL, AUTOGRAD_ATOL),
        (wrong.finite_differences, FD_RTOL, FD_ATOL),
    ):
        scale = (2000 * check.point["x"]).abs().max().item()  # |the derivative|, to finite differences' accuracy
        assert check.tolerance == pytest.approx(atol + rtol * scale, rel=1e-6)
        assert check.error == pytest.approx(1, rel=1e-3)


@pytest.mark.parametrize(("method", "atol"), [("autograd", AUTOGRAD_ATOL), ("finite_differences", FD_ATOL)])
def test_a_difference_equal_to_the_tolerance_passes_and_the_next_float_up_fails(method: str, atol: float) -> None:
    """The tolerance is the largest difference accepted: where the derivative is 0 it is atol exactly
    (autograd and finite differences of a constant are exactly 0), and a claim off by atol passes."""

    def check(claimed: float) -> Check:
        result = verify(lambda x: (0 * x).sum(), lambda x: torch.full_like(x, claimed), {"x": (2,)}, devices=["cpu"])
        return getattr(result, method)

    at = check(atol)
    assert (at.passed, at.error) == (True, atol)
    above = check(math.nextafter(atol, 1.0))
    assert (above.passed, above.tolerance) == (False, atol)


def test_finite_differences_step_by_h_in_float64() -> None:
    """Central differences with h = 1e-6 in float64: for x itself they are exact up to the rounding of
    x ± h (about 1e-16 / 2e-6), far below what a step rounded to float32 (off by 2.5e-9 relatively) gives."""
    result = verify(lambda x: x.sum(), lambda x: torch.ones_like(x), {"x": (1,)}, devices=["cpu"])
    assert result.finite_differences.passed
    assert result.finite_differences.error < 1e-9


def test_a_claim_of_the_wrong_shape_names_both_shapes() -> None:
    result = verify(lambda x, A: A @ x, lambda x, A: A, {"x": (3,), "A": (2, 3)}, devices=["cpu"])
    assert result.autograd.passed is False
    assert result.autograd.detail == "the claim has shape (2, 3), the derivative has shape (3, 2)"


def test_domains_draw_what_they_promise() -> None:
    from fractions import Fraction

    from dlref.calculus.verify import _sample

    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        p = _sample((4,), "probability", generator)
        assert sum(p) == Fraction(1)
        assert min(p) > 0
        spd = torch.tensor([float(v) for v in _sample((3, 3), "spd", generator)]).reshape(3, 3)
        assert torch.equal(spd, spd.T)
        assert torch.linalg.eigvalsh(spd).min() >= 1 - 1e-6
        inv = torch.tensor([float(v) for v in _sample((3, 3), "invertible", generator)]).reshape(3, 3)
        off = inv.abs().sum(1) - inv.diagonal().abs()
        assert (inv.diagonal().abs() > off).all()  # strictly diagonally dominant


def _on_a_binary_grid(values: list[Fraction]) -> bool:
    return all(v.denominator & (v.denominator - 1) == 0 for v in values)  # a power of 2: exact in float64


@pytest.mark.parametrize(("domain", "low", "high"), [("general", -2, 2), ("positive", Fraction(1, 2), Fraction(5, 2))])
def test_entries_span_their_documented_interval_on_a_binary_grid(domain: str, low: Fraction, high: Fraction) -> None:
    """Enough draws reach both ends of the interval the module documents, and never leave it."""
    values = _sample((2000,), domain, torch.Generator().manual_seed(0))
    assert (min(values), max(values)) == (low, high)
    assert _on_a_binary_grid(values)


def test_the_same_seed_draws_the_same_point() -> None:
    """The points come from the generator given, not from torch's global one."""
    for domain in ("general", "positive", "probability", "symmetric", "spd", "invertible"):
        first = _sample((3, 3), domain, torch.Generator().manual_seed(5))
        torch.manual_seed(1)  # the global generator's state must not matter
        assert _sample((3, 3), domain, torch.Generator().manual_seed(5)) == first


def test_the_matrix_domains_keep_their_promises() -> None:
    """symmetric: A = Aᵀ; spd: A − I is positive semidefinite (A = RRᵀ + I); invertible: U + (n + 1)I
    with every entry of U in (−1, 1); all on a binary grid, and not the same matrix every time."""
    generator = torch.Generator().manual_seed(0)
    n = 3
    for domain in ("symmetric", "spd", "invertible"):
        draws = [_sample((n, n), domain, generator) for _ in range(50)]
        assert len({tuple(values) for values in draws}) > 1
        for values in draws:
            assert _on_a_binary_grid(values)
            A = torch.tensor([float(v) for v in values], dtype=torch.float64).reshape(n, n)
            if domain == "symmetric":
                assert torch.equal(A, A.T)
            elif domain == "spd":
                assert torch.linalg.eigvalsh(A - torch.eye(n, dtype=torch.float64)).min() >= -1e-12
            else:
                U = A - (n + 1) * torch.eye(n, dtype=torch.float64)
                assert U.abs().max() < 1


@pytest.mark.parametrize("domain", ["symmetric", "spd", "invertible"])
@pytest.mark.parametrize("shape", [(2, 3), (2, 2, 2), (4,)])
def test_a_matrix_domain_for_an_input_that_is_not_a_square_matrix_is_named(domain: str, shape: tuple) -> None:
    message = f"verify: domain {domain!r} needs a square matrix, got shape {shape}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        verify(lambda A: A.sum(), torch.ones_like, {"A": shape}, domains={"A": domain}, devices=["cpu"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wrt": "y"}, r"wrt='y' is not one of the inputs \['x'\]"),
        ({"domains": {"z": "spd"}}, r"domains names \['z'\], which are not inputs \['x'\]"),
        ({"domains": {"x": "unitary"}}, r"domain 'unitary' for 'x' is not one of"),
        ({"order": 3}, "order must be 1 or 2, got 3"),
        ({"symbolic": "exact"}, "symbolic must be one of"),
        ({"sympy_f": lambda x: x}, "^verify: give both sympy_f and sympy_claim, or neither$"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        verify(lambda x: x.sum(), lambda x: torch.ones_like(x), {"x": (3,)}, **kwargs)


@pytest.mark.parametrize(
    ("shapes", "kwargs", "error", "message"),
    [
        ({}, {}, ValueError, "verify: shapes must name at least one input"),
        ({"x": "3"}, {}, TypeError, "verify: shapes['x'] must be a sequence of ints, got '3'"),
        ({"x": 3}, {}, TypeError, "verify: shapes['x'] must be a sequence of ints, got 3"),
        ({"x": (3, True)}, {}, TypeError, "verify: shapes['x'] must hold ints, got True in (3, True)"),
        (
            {"x": (3, 0)},
            {},
            ValueError,
            "verify: shapes['x'] has the size 0: (3, 0); an empty input has no entries to check",
        ),
        ({"x": (1,)}, {"points": True}, TypeError, "verify: points must be an int, got True"),
        (
            {"x": (1,)},
            {"points": 0},
            ValueError,
            "verify: points must be at least 1, got 0; no point would check nothing",
        ),
        (
            {"x": (1,)},
            {"devices": "cpu"},
            TypeError,
            "verify: devices must be a list of devices, got 'cpu'; use ['cpu']",
        ),
        ({"x": (1,)}, {"order": 0}, ValueError, "verify: order must be 1 or 2, got 0"),
    ],
)
def test_bad_shapes_points_and_devices_are_named(shapes: dict, kwargs: dict, error: type, message: str) -> None:
    """Each message starts with verify's name and shows the value it refuses."""
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        verify(lambda x: x.sum(), lambda x: torch.ones_like(x), shapes, **kwargs)


@pytest.mark.parametrize(("f", "shape"), [(lambda x: x[:0], (0,)), (lambda x: x.reshape(2, 1)[:, :0], (2, 0))])
@pytest.mark.parametrize("order", [1, 2])
def test_an_f_with_an_empty_output_is_refused(f: Callable, shape: tuple, order: int) -> None:
    """An empty output, like an empty input, has no entries to check: refused before any check, naming its
    shape (autograd failed on it, and finite differences passed it)."""
    message = f"verify: f returns an empty tensor of shape {shape}; an empty output has no entries to check"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        verify(f, lambda x: torch.zeros((2, *shape), dtype=x.dtype), {"x": (2,)}, order=order, devices=["cpu"])


def test_a_device_this_machine_lacks_is_named() -> None:
    with pytest.raises(DeviceError, match=r"^verify: devices: "):
        verify(lambda x: x.sum(), lambda x: torch.ones_like(x), {"x": (1,)}, devices=["gpu"])


def test_the_defaults_are_3_points_seed_0_and_the_name_of_f() -> None:
    """A result is labelled ``name``, else ``f.__name__``, else "f" (a callable without a name)."""

    def squares(x: torch.Tensor) -> torch.Tensor:
        return (x**2).sum()

    def wrong(x: torch.Tensor) -> torch.Tensor:
        return 2 * x + 1

    result = verify(squares, wrong, {"x": (3,)}, devices=["cpu"])
    assert result.name == "squares"
    assert str(result) == str(verify(squares, wrong, {"x": (3,)}, devices=["cpu"], points=3, seed=0))
    assert str(result) != str(verify(squares, wrong, {"x": (3,)}, devices=["cpu"], seed=1))  # the point moves
    passed = verify(squares, lambda x: 2 * x, {"x": (3,)}, devices=["cpu"])
    assert passed.autograd.detail == passed.finite_differences.detail == "3 points per device"
    assert verify(functools.partial(squares), wrong, {"x": (3,)}, devices=["cpu"]).name == "f"
    assert verify(squares, wrong, {"x": (3,)}, devices=["cpu"], name="label").name == "label"


def test_the_devices_checked_are_those_given_or_every_available_one() -> None:
    def squares(x: torch.Tensor) -> torch.Tensor:
        return (x**2).sum()

    assert verify(squares, lambda x: 2 * x, {"x": (2,)}, devices=["cpu"]).devices == ("cpu",)
    everywhere = verify(squares, lambda x: 2 * x, {"x": (2,)})
    assert everywhere.devices == tuple(str(device) for device in available_devices())
    assert everywhere.autograd.passed


def test_one_point_is_enough() -> None:
    result = verify(lambda x: (x**2).sum(), lambda x: 2 * x, {"x": (2,)}, points=1, devices=["cpu"])
    assert result.autograd.passed
    assert result.autograd.detail == "1 point per device"


def test_the_zero_test_skips_simplify_only_where_the_answer_is_settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rational function is decided by ``cancel``, a value at the point proves "not zero"; the rest
    (functions of the symbols that vanish at the point) still needs ``simplify``, and gets it."""
    module = importlib.import_module("dlref.calculus.verify")  # `dlref.calculus.verify` is also the function
    x, y = sympy.symbols("x y", real=True)
    point = {x: sympy.Rational(1, 2), y: sympy.Rational(3, 4)}
    simplified = []
    simplify = sympy.simplify
    monkeypatch.setattr(sympy, "simplify", lambda e: simplified.append(e) or simplify(e))
    # identically zero, but not term by term: cancel proves it
    assert module._is_zero(1 / (x - 1) + 1 / (x + 1) - 2 * x / (x**2 - 1))
    # rational functions that are not zero, even where they vanish at the point
    assert not module._is_zero((x + y) ** 2 - x**2 - y**2, point)
    assert not module._is_zero(x - sympy.Rational(1, 2), point)
    # not zero at the point: settled there, whatever the functions in it
    assert not module._is_zero(sympy.exp(x) - 1, point)
    # the point is passed on from the first nonzero difference's search
    assert module._first_nonzero([sympy.exp(x) - 1], point) == [sympy.exp(x) - 1]
    assert simplified == []
    # zero at the point, so only simplify can tell: the true one is proved, the false one is refused
    assert module._is_zero(sympy.sin(x) ** 2 + sympy.cos(x) ** 2 - 1, point)
    assert not module._is_zero(sympy.sqrt(x**2) - x, {x: sympy.Rational(1, 2)})  # |x| - x: zero for x ≥ 0 only
    assert len(simplified) == 2
    # the first nonzero difference only: the rest of a false claim is not examined
    assert module._first_nonzero([x - x, x**2 - 1, sympy.exp(x) - sympy.exp(x) + x], point) == [x**2 - 1]
    assert module._first_nonzero([x - x, (x + 1) ** 2 - x**2 - 2 * x - 1], point) == []  # none: no entry


_x = sympy.Symbol("x", real=True)


@pytest.mark.parametrize(
    "expr",
    [sympy.Integer(1), (_x + 1) ** 2 - _x**2 - 2 * _x, (_x**2 - 1) / (_x - 1) - _x],
    ids=["1", "1-once-expanded", "1-once-cancelled"],
)
def test_the_zero_test_refuses_a_nonzero_constant_however_it_is_written(expr: sympy.Expr) -> None:
    """A claim off by exactly 1 is false: 1 as given, or as it comes out of ``expand`` or ``cancel``."""
    module = importlib.import_module("dlref.calculus.verify")
    assert module._is_zero(expr) is False


def test_no_devices_is_refused_rather_than_passing_unchecked() -> None:
    """With no device the numeric checks would run nowhere and report "passed", a wrong claim too."""
    with pytest.raises(
        ValueError, match=r"^verify: devices is empty; the numeric checks would check nothing, and pass$"
    ):
        verify(lambda x: (x**2).sum(), lambda x: 3 * x, {"x": (2,)}, devices=[])


@pytest.mark.parametrize("symbolic", ["elementwise", "directional"])
def test_sympy_forms_of_an_input_with_3_dimensions_are_refused(symbolic: str) -> None:
    """sympy's forms take numbers, vectors and matrices: a 3-dim input is refused, naming it, before
    sympy fails to make it a matrix; without sympy forms it is checked numerically."""
    f, claim = lambda T: (T**2).sum(), lambda T: 2 * T
    with pytest.raises(
        ValueError,
        match=r"^verify: sympy forms take numbers, vectors and matrices, got shapes\['T'\] = \(2, 2, 2\);"
        r" check it without sympy_f and sympy_claim$",
    ):
        verify(
            f, claim, {"T": (2, 2, 2)}, sympy_f=lambda T: T, sympy_claim=lambda T: T, symbolic=symbolic, devices=["cpu"]
        )
    assert verify(f, claim, {"T": (2, 2, 2)}, points=1, devices=["cpu"]).autograd.passed


@pytest.mark.parametrize("seed", [0, 6168], ids=["seed 0", "seed 6168, whose directions are drawn again"])
def test_verify_leaves_torchs_global_generator_alone(seed: int) -> None:
    """Every point and direction comes from generators seeded by ``seed``: a verification neither
    reads nor advances torch's global generator, so it gives the same report whatever state that is
    in, and a reader's own random numbers after it are the ones they would get without it. Seed 6168
    draws both directions of a one-entry x as zero, so the redraw is covered too."""

    torch.manual_seed(1)
    state = torch.get_rng_state()
    first = _three_x_as_the_derivative_of_x_squared(seed, points=2)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(2)
    assert str(_three_x_as_the_derivative_of_x_squared(seed, points=2)) == str(first)
    assert first.symbolic.passed is False
