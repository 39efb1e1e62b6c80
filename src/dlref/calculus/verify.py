r"""Verify a claimed derivative three ways: symbolically (sympy), with autograd, by finite differences.

A claim is a function ``claim(*inputs)`` that returns the derivative of ``f(*inputs)`` with respect
to one input, in **denominator layout**: the result has the shape of the variable followed by the
shape of ``f``'s output, so the gradient of a scalar has the shape of the variable (as d2l and
PyTorch's ``.grad`` use), and the derivative of $\mathbf{y} \in \mathbb{R}^m$ with respect to
$\mathbf{x} \in \mathbb{R}^n$ is the $n \times m$ matrix $D_{ij} = \partial y_j / \partial x_i$, the
transpose of the Jacobian. With ``order=2`` the claim is the Hessian of a scalar ``f``.

[`verify`][dlref.calculus.verify.verify] runs three independent checks and returns a
[`Verification`][dlref.calculus.verify.Verification] that says which passed:

1. **symbolic** (only when sympy forms of ``f`` and of the claim are given): sympy differentiates
   ``f`` and the difference from the claim must simplify to exactly zero. Three modes:
   ``"elementwise"`` (every entry of every input is its own symbol, e.g. a 3×3 matrix of 9
   symbols), ``"matrixsymbol"`` (sympy's `MatrixSymbol` calculus) and ``"directional"`` (the inputs
   are exact rational points and the variable moves along a rational direction $V$:
   $\frac{d}{dt} f(X + tV)\big|_{t=0}$ must equal $\langle \text{claim}, V \rangle$ exactly; this
   avoids symbolic inverses and determinants of full symbol matrices, which are slow). sympy 1.14
   returns a silent, wrong ``0`` for some `MatrixSymbol` derivatives (log-det, sums of traces,
   functions of a trace, even $\mathbf{x}^\top A \mathbf{x}$ indexed as a scalar), so the symbolic
   check is **never** accepted on sympy's word alone: sympy's derivative is also evaluated at an
   exact random point and must match torch.autograd's derivative of the torch ``f`` there (which
   also confirms that the sympy and torch forms of ``f`` are the same function).
2. **autograd**: at random well-conditioned float64 points on every device, the claim must match
   the derivative torch.autograd computes (``torch.autograd.functional.jacobian`` / ``hessian``).
3. **finite differences**: at the same points, the claim must match central differences of ``f``
   in float64, the formula ``torch.autograd.gradcheck`` uses, $\frac{f(x + h e_i) - f(x - h e_i)}{2h}$
   with $h = 10^{-6}$ (second differences with $h = 10^{-4}$ for a Hessian).

Random points come from a seeded CPU generator (the same points on every machine and device) and
lie on an exact binary grid, so the symbolic check can use the same values as exact rationals.
Each input has a **domain**: ``"general"`` (entries in $[-2, 2]$), ``"positive"`` ($[0.5, 2.5]$),
``"symmetric"``, ``"spd"`` ($RR^\top + I$), ``"invertible"`` ($U + (n + 1)I$ with $U$ in $(-1, 1)$,
strictly diagonally dominant, so well conditioned) or ``"probability"`` (positive entries that sum
to exactly 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy
import torch

from dlref.device import DeviceError, available_devices, resolve_device

__all__ = ["DOMAINS", "Check", "Verification", "verify"]

DOMAINS = ("general", "positive", "symmetric", "spd", "invertible", "probability")
"""The kinds of random points an input can be drawn from."""

SYMBOLIC_MODES = ("elementwise", "matrixsymbol", "directional")

AUTOGRAD_RTOL, AUTOGRAD_ATOL = 1e-7, 1e-9
FD_RTOL, FD_ATOL = 1e-5, 1e-6
FD_STEP, FD_STEP_2 = 1e-6, 1e-4


@dataclass(frozen=True)
class Check:
    """The outcome of one of the three checks.

    Attributes:
        method: ``"symbolic"``, ``"autograd"`` or ``"finite differences"``.
        passed: whether the claim survived the check; ``None`` when it was not run.
        error: the largest absolute difference found between the claim and the check's derivative
            (for a failed symbolic check, at the confirming point), or ``None``.
        tolerance: the largest difference that would have been accepted there.
        point: for a failure, the inputs (on the CPU) at which the claim was wrong.
        device: for a failure of a numeric check, the device it failed on.
        detail: one line: why it failed, or how it was run.
    """

    method: str
    passed: bool | None
    error: float | None = None
    tolerance: float | None = None
    point: dict[str, torch.Tensor] | None = None
    device: str | None = None
    detail: str = ""

    def summary(self) -> str:
        """One line: the method, passed / FAILED / not run, and for a failure the error and why."""
        if self.passed is None:
            return f"{self.method}: not run ({self.detail})"
        if self.passed:
            return f"{self.method}: passed"
        size = "" if self.error is None else f" max error {self.error:.3g} (tolerance {self.tolerance:.3g});"
        where = f" on {self.device}" if self.device else ""
        return f"{self.method}: FAILED{where};{size} {self.detail}".rstrip("; ")


@dataclass(frozen=True)
class Verification:
    """The result of [`verify`][dlref.calculus.verify.verify]: one `Check` per method.

    ``print(result)`` shows one line per check and, for a failure, the point where it failed.
    ``result.passed`` is true only when all three checks ran and passed.
    """

    name: str
    symbolic: Check
    autograd: Check
    finite_differences: Check
    devices: tuple[str, ...] = field(default=())

    @property
    def checks(self) -> tuple[Check, Check, Check]:
        return (self.symbolic, self.autograd, self.finite_differences)

    @property
    def passed(self) -> bool:
        """True when all three checks ran and passed."""
        return all(check.passed is True for check in self.checks)

    @property
    def rejected(self) -> bool:
        """True when at least one check ran and failed."""
        return any(check.passed is False for check in self.checks)

    def marks(self) -> str:
        """Three marks, symbolic / autograd / finite differences: ``✓`` passed, ``✗`` failed, ``–`` not run."""
        return " ".join({True: "✓", False: "✗", None: "–"}[check.passed] for check in self.checks)

    def __str__(self) -> str:
        verdict = "true" if self.passed else ("FALSE" if self.rejected else "not fully checked")
        lines = [f"{self.name}: {verdict}"]
        for check in self.checks:
            lines.append("  " + check.summary())
        failed = next((check for check in self.checks if check.passed is False and check.point), None)
        if failed is not None:
            lines.append(f"  point of the {failed.method} failure:")
            for key, value in failed.point.items():
                text = str(value.tolist() if value.dim() else value.item())
                lines.append(f"    {key} = {text}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Random points on an exact grid: a float64 tensor and the same values as exact fractions.


# --8<-- [start:sample]
def _sample(shape: tuple[int, ...], domain: str, generator: torch.Generator) -> list[Fraction]:
    """Draw exact values (row-major) of ``shape`` from ``domain``; each is exact in float64 too,
    except the probabilities (whose sum is exactly 1 only as fractions)."""

    def integers(low: int, high: int, count: int) -> list[int]:
        return torch.randint(low, high + 1, (count,), generator=generator).tolist()

    numel = math.prod(shape)
    if domain == "general":
        return [Fraction(k, 16) for k in integers(-32, 32, numel)]
    if domain == "positive":
        return [Fraction(k, 16) for k in integers(8, 40, numel)]
    if domain == "probability":
        weights = integers(1, 8, numel)
        return [Fraction(k, sum(weights)) for k in weights]
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"verify: domain {domain!r} needs a square matrix, got shape {shape}")
    n = shape[0]
    R = [[Fraction(k, 8) for k in integers(-8, 8, n)] for _ in range(n)]
    if domain == "symmetric":
        return [(R[i][j] + R[j][i]) / 2 for i in range(n) for j in range(n)]
    if domain == "spd":  # R R^T + I: symmetric, eigenvalues >= 1
        return [sum(R[i][k] * R[j][k] for k in range(n)) + (i == j) for i in range(n) for j in range(n)]
    # invertible: U + (n + 1) I with |U_ij| < 1, strictly diagonally dominant
    U = [Fraction(k, 16) for k in integers(-15, 15, n * n)]
    return [U[i * n + j] + (n + 1) * (i == j) for i in range(n) for j in range(n)]


# --8<-- [end:sample]


def _points(
    shapes: Mapping[str, tuple[int, ...]], domains: Mapping[str, str], generator: torch.Generator
) -> dict[str, list[Fraction]]:
    return {name: _sample(tuple(shape), domains.get(name, "general"), generator) for name, shape in shapes.items()}


def _to_tensor(values: list[Fraction], shape: tuple[int, ...], device: torch.device) -> torch.Tensor:
    return torch.tensor([float(v) for v in values], dtype=torch.float64).reshape(shape).to(device)


def _to_sympy(values: list[Fraction], shape: tuple[int, ...]) -> Any:
    exact = [sympy.Rational(v.numerator, v.denominator) for v in values]
    if len(shape) == 0:
        return exact[0]
    rows, cols = (shape[0], 1) if len(shape) == 1 else shape
    return sympy.Matrix(rows, cols, exact)


def _flat(expr: Any) -> list[Any]:
    """The entries of a sympy scalar or matrix, row-major."""
    if isinstance(expr, (sympy.MatrixBase, sympy.MatrixExpr)):
        expr = sympy.Matrix(expr.as_explicit()) if isinstance(expr, sympy.MatrixExpr) else expr
        return list(expr)
    return [expr]


# --------------------------------------------------------------------------------------------------
# The derivative by autograd and by finite differences, in denominator layout.


def _call(f: Callable[..., torch.Tensor], inputs: Sequence[torch.Tensor]) -> torch.Tensor:
    out = f(*inputs)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"f must return a tensor, got {type(out).__name__}")
    return out


def _autograd_derivative(f: Callable, inputs: list[torch.Tensor], wrt: int, order: int) -> torch.Tensor:
    def g(v: torch.Tensor) -> torch.Tensor:
        return _call(f, [*inputs[:wrt], v, *inputs[wrt + 1 :]])

    x = inputs[wrt]
    if order == 2:
        return torch.autograd.functional.hessian(g, x)
    out_dims = _call(f, inputs).dim()
    J = torch.autograd.functional.jacobian(g, x)  # out_shape + var_shape (numerator layout)
    return J.permute((*range(out_dims, J.dim()), *range(out_dims)))  # var_shape + out_shape


# --8<-- [start:finite_differences]
def _finite_differences(f: Callable, inputs: list[torch.Tensor], wrt: int, order: int) -> torch.Tensor:
    """Central differences of ``f`` in the entries of ``inputs[wrt]``, in denominator layout."""
    x = inputs[wrt]

    def at(v: torch.Tensor) -> torch.Tensor:
        return _call(f, [*inputs[:wrt], v, *inputs[wrt + 1 :]]).detach()

    def step(*indices: int, h: float) -> torch.Tensor:
        e = torch.zeros(x.numel(), dtype=x.dtype, device=x.device)
        for i in indices:
            e[i] += h
        return e.reshape(x.shape)

    n = x.numel()
    if order == 1:  # (f(x + h e_i) - f(x - h e_i)) / 2h, one row per entry of x
        rows = [(at(x + step(i, h=FD_STEP)) - at(x - step(i, h=FD_STEP))) / (2 * FD_STEP) for i in range(n)]
        return torch.stack(rows).reshape((*x.shape, *rows[0].shape))
    h = FD_STEP_2  # (f(x+h e_i+h e_j) - f(x+h e_i-h e_j) - f(x-h e_i+h e_j) + f(x-h e_i-h e_j)) / 4h²
    H = torch.empty(n, n, dtype=x.dtype, device=x.device)
    for i in range(n):
        for j in range(n):
            pp, pm = at(x + step(i, h=h) + step(j, h=h)), at(x + step(i, h=h) - step(j, h=h))
            mp, mm = at(x - step(i, h=h) + step(j, h=h)), at(x - step(i, h=h) - step(j, h=h))
            H[i, j] = (pp - pm - mp + mm) / (4 * h * h)
    return H.reshape((*x.shape, *x.shape))


# --8<-- [end:finite_differences]


def _compare(claimed: torch.Tensor, reference: torch.Tensor, rtol: float, atol: float) -> tuple[float, float]:
    """Return (max |claimed - reference|, tolerance)."""
    error = (claimed - reference).abs().max().item() if reference.numel() else 0.0
    scale = reference.abs().max().item() if reference.numel() else 0.0
    return error, atol + rtol * scale


def _numeric_checks(
    f: Callable,
    claim: Callable,
    names: list[str],
    shapes: Mapping[str, tuple[int, ...]],
    domains: Mapping[str, str],
    wrt: int,
    order: int,
    points: int,
    devices: Sequence[torch.device],
    seed: int,
) -> tuple[Check, Check]:
    results = {}
    for method, rtol, atol in (("autograd", AUTOGRAD_RTOL, AUTOGRAD_ATOL), ("finite differences", FD_RTOL, FD_ATOL)):
        worst = 0.0
        failure = None
        for device in devices:
            generator = torch.Generator().manual_seed(seed)
            for _ in range(points):
                exact = _points(shapes, domains, generator)
                inputs = [_to_tensor(exact[k], tuple(shapes[k]), device) for k in names]
                point = {k: v.cpu() for k, v in zip(names, inputs, strict=True)}
                try:
                    claimed = claim(*inputs)
                    if method == "autograd":
                        reference = _autograd_derivative(f, inputs, wrt, order)
                    else:
                        reference = _finite_differences(f, inputs, wrt, order)
                except Exception as error:  # an f or a claim that cannot be evaluated is a failure
                    failure = Check(method, False, point=point, device=str(device), detail=_describe(error))
                    break
                if not isinstance(claimed, torch.Tensor) or claimed.shape != reference.shape:
                    got = tuple(claimed.shape) if isinstance(claimed, torch.Tensor) else type(claimed).__name__
                    failure = Check(
                        method,
                        False,
                        point=point,
                        device=str(device),
                        detail=f"the claim has shape {got}, the derivative has shape {tuple(reference.shape)}",
                    )
                    break
                error, tolerance = _compare(claimed, reference, rtol, atol)
                worst = max(worst, error)
                if not error <= tolerance:
                    failure = Check(
                        method,
                        False,
                        error,
                        tolerance,
                        point,
                        str(device),
                        f"the claim differs from {method} by up to {error:.3g}",
                    )
                    break
            if failure:
                break
        results[method] = failure or Check(
            method, True, worst, None, detail=f"{points} point{'s' if points != 1 else ''} per device"
        )
    return results["autograd"], results["finite differences"]


def _describe(error: Exception) -> str:
    message = str(error).splitlines()[0] if str(error) else ""
    return f"evaluating it raised {type(error).__name__}: {message}"


# --------------------------------------------------------------------------------------------------
# The symbolic check.


def _symbols(name: str, shape: tuple[int, ...]) -> Any:
    if len(shape) == 0:
        return sympy.Symbol(name, real=True)
    rows, cols = (shape[0], 1) if len(shape) == 1 else shape
    if cols == 1:
        return sympy.Matrix(rows, 1, [sympy.Symbol(f"{name}{i}", real=True) for i in range(rows)])
    return sympy.Matrix(
        rows, cols, [sympy.Symbol(f"{name}{i}{j}", real=True) for i in range(rows) for j in range(cols)]
    )


def _float(value: Any) -> float:
    """A sympy number (possibly an unevaluated expression such as ``Determinant(Matrix(...))``) as a float."""
    return float(sympy.sympify(value).doit())


def _is_zero(expr: Any, point: Mapping[Any, Any] | None = None) -> bool:
    """Whether a sympy expression is identically zero: expand, then cancel, then (slow) simplify.

    Two ways out before ``simplify``, which took most of the time of rejecting a false identity:

    * with ``point`` (exact values of the symbols at a point of the inputs' domains), an expression
      whose value there is clearly not zero (30 significant digits) is not identically zero;
    * a rational function of the symbols with rational coefficients is zero exactly when
      ``cancel`` makes it ``0`` (its numerator and denominator come out expanded, without common
      factors: a canonical form), so one that stays nonzero there is not zero.

    Only an expression with exp, log, roots or other functions in it, and zero at the point when
    one is given, goes on to ``simplify``: the true identities, which must be proved.
    """
    if expr == 0:
        return True
    if point is not None:
        value = sympy.N(sympy.sympify(expr).xreplace(point), 30)
        if value.is_Number and value.is_finite and abs(value) > 1e-15:  # not nan, not a pole
            return False
    expr = sympy.expand(expr)
    if expr == 0:
        return True
    expr = sympy.cancel(expr)
    if expr == 0:
        return True
    return not _rational_function(expr) and sympy.simplify(expr) == 0


def _rational_function(expr: Any) -> bool:
    """Whether ``expr`` is built from symbols and rational numbers with +, * and integer powers only."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (sympy.Add, sympy.Mul, sympy.Symbol, sympy.Rational)):
            continue
        if isinstance(node, sympy.Pow) and node.exp.is_Integer:
            continue
        return False
    return True


def _first_nonzero(differences: Iterable[Any], point: Mapping[Any, Any] | None = None) -> list[Any]:
    """The first of ``differences`` that is not identically zero, as a one-entry list; ``[]`` if none.

    The report shows only the first, so the others of a false identity are not simplified.
    ``point``: as for [`_is_zero`][dlref.calculus.verify._is_zero].
    """
    return next(([difference] for difference in differences if not _is_zero(difference, point)), [])


def _symbolic_check(
    f: Callable,
    sympy_f: Callable,
    sympy_claim: Callable,
    names: list[str],
    shapes: Mapping[str, tuple[int, ...]],
    domains: Mapping[str, str],
    wrt: int,
    order: int,
    mode: str,
    seed: int,
) -> Check:
    generator = torch.Generator().manual_seed(seed + 7919)
    exact = _points(shapes, domains, generator)
    point_sympy = [_to_sympy(exact[k], tuple(shapes[k])) for k in names]
    inputs = [_to_tensor(exact[k], tuple(shapes[k]), torch.device("cpu")) for k in names]
    point = dict(zip(names, inputs, strict=True))
    wrt_shape = tuple(shapes[names[wrt]])
    try:
        if mode == "directional":
            derivative_at_point, claim_at_point, residual, what = _directional(
                sympy_f, sympy_claim, point_sympy, wrt, wrt_shape, order, generator
            )
        else:
            derivative_at_point, claim_at_point, residual, what = _full(
                sympy_f, sympy_claim, names, shapes, point_sympy, wrt, order, mode
            )
    except Exception as error:
        return Check("symbolic", False, point=point, detail=f"sympy: {_describe(error)}")
    # Never take sympy's word alone: its derivative, at the exact point, must match autograd's.
    try:
        reference = _autograd_derivative(f, inputs, wrt, order).reshape(-1)
        if mode == "directional":
            reference = _contract_directions(reference, what)
        value_torch = _call(f, inputs).detach().reshape(-1)
        value_sympy = torch.tensor([_float(v) for v in _flat(sympy_f(*point_sympy))], dtype=torch.float64)
    except Exception as error:
        return Check("symbolic", False, point=point, detail=f"confirming numerically: {_describe(error)}")
    if value_sympy.shape != value_torch.shape or not torch.allclose(value_sympy, value_torch, rtol=1e-9, atol=1e-12):
        return Check("symbolic", False, point=point, detail="the sympy f and the torch f differ at the point")
    sympy_values = torch.tensor([_float(v) for v in derivative_at_point], dtype=torch.float64)
    if sympy_values.shape != reference.shape:
        return Check("symbolic", False, point=point, detail="sympy's derivative has the wrong number of entries")
    error, tolerance = _compare(sympy_values, reference, AUTOGRAD_RTOL, AUTOGRAD_ATOL)
    if not error <= tolerance:
        return Check(
            "symbolic",
            False,
            error,
            tolerance,
            point,
            detail=f"sympy's derivative is wrong at the point (autograd differs by {error:.3g}): not trusted",
        )
    try:
        residual = residual()
    except Exception as error:
        return Check("symbolic", False, point=point, detail=f"sympy: {_describe(error)}")
    if residual:
        claim_values = torch.tensor([_float(v) for v in claim_at_point], dtype=torch.float64)
        claim_error, _ = _compare(claim_values, sympy_values, 0, 0)
        shown = str(residual[0])
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return Check(
            "symbolic",
            False,
            claim_error,
            0.0,
            point,
            detail=f"derivative - claim = {shown} (first nonzero entry), not 0",
        )
    return Check("symbolic", True, detail=f"{mode}, confirmed at an exact point")


def _full(sympy_f, sympy_claim, names, shapes, point_sympy, wrt, order, mode):
    """Differentiate with symbols (elementwise or MatrixSymbol); return values at the point and residuals."""
    if mode == "elementwise":
        variables = [_symbols(k, tuple(shapes[k])) for k in names]
        wrt_symbols = _flat(variables[wrt])
        outs = _flat(sympy_f(*variables))
        if order == 1:
            derivative = [sympy.diff(o, s) for s in wrt_symbols for o in outs]
        else:
            derivative = [sympy.diff(outs[0], s, r) for s in wrt_symbols for r in wrt_symbols]
        claimed = _flat(sympy_claim(*variables))
        substitutions = {}
        for variable, value in zip(variables, point_sympy, strict=True):
            for s, v in zip(_flat(variable), _flat(value), strict=True):
                substitutions[s] = v
        if len(derivative) != len(claimed):
            raise ValueError(f"the claim has {len(claimed)} entries, the derivative has {len(derivative)}")

        def residual() -> list[Any]:
            return _first_nonzero((d - c for d, c in zip(derivative, claimed, strict=True)), substitutions)

        at_point = [sympy.sympify(d).xreplace(substitutions) for d in derivative]
        claim_at = [sympy.sympify(c).xreplace(substitutions) for c in claimed]
    else:  # matrixsymbol: sympy's matrix calculus, compared as matrix expressions, then entry by entry
        variables = []
        for k in names:
            shape = tuple(shapes[k])
            rows, cols = (shape[0], 1) if len(shape) == 1 else shape
            variables.append(sympy.MatrixSymbol(k, rows, cols))
        D = sympy.diff(sympy_f(*variables), variables[wrt])
        C = sympy_claim(*variables)
        if D.has(sympy.Derivative):  # e.g. d Determinant(X) / dX: sympy gives up and returns it as it was
            raise ValueError(f"sympy left the derivative unevaluated: it returned {D}")
        if D == 0:  # sympy's silent 0 (see the module docstring): kept, so the numeric confirmation sees it
            D = sympy.ZeroMatrix(*C.shape)
        elif not isinstance(D, (sympy.MatrixBase, sympy.MatrixExpr)):
            D = sympy.Matrix([[D]])
        if D.shape != C.shape:
            raise ValueError(f"the claim has shape {C.shape}, sympy's derivative has shape {D.shape}")

        def residual() -> list[Any]:
            difference = sympy.simplify(D - C)
            if isinstance(difference, sympy.ZeroMatrix) or difference == sympy.ZeroMatrix(*C.shape):
                return []
            return _first_nonzero(_flat(difference))

        values = {v: sympy.ImmutableMatrix(p) for v, p in zip(variables, point_sympy, strict=True)}  # vectors, matrices
        at_point = _flat(sympy.Matrix(D.subs(values).doit()))
        claim_at = _flat(sympy.Matrix(C.subs(values).doit()))
    return at_point, claim_at, residual, None


def _directional(sympy_f, sympy_claim, point_sympy, wrt, wrt_shape, order, generator):
    """d/dt f(x + t V) at t = 0 (or d²/dt², for a Hessian) for two exact directions V, neither zero."""

    def direction() -> Any:
        values = _sample(wrt_shape, "general", generator)
        while not any(values):  # along V = 0 every claim passes: draw again, from the same generator
            values = _sample(wrt_shape, "general", generator)
        return _to_sympy(values, wrt_shape)

    t = sympy.Symbol("t", real=True)
    x0 = point_sympy[wrt]
    directions = [direction() for _ in range(2)]
    claimed = _flat(sympy_claim(*point_sympy))
    n = len(_flat(x0))
    derivative, predicted = [], []
    for V in directions:
        moved = [*point_sympy[:wrt], x0 + t * V, *point_sympy[wrt + 1 :]]
        outs = _flat(sympy_f(*moved))
        expected = n * len(outs) if order == 1 else n * n
        if len(claimed) != expected:
            raise ValueError(f"the claim has {len(claimed)} entries, the derivative has {expected}")
        v = _flat(V)
        for k, o in enumerate(outs):
            derivative.append(sympy.diff(o, t, order).subs(t, 0))
            if order == 1:
                predicted.append(sum(v[i] * claimed[i * len(outs) + k] for i in range(n)))
            else:
                predicted.append(sum(v[i] * v[j] * claimed[i * n + j] for i in range(n) for j in range(n)))

    def residual() -> list[Any]:
        return _first_nonzero((d - p for d, p in zip(derivative, predicted, strict=True)), {})

    return [sympy.N(d, 30) for d in derivative], predicted, residual, (directions, order)


def _contract_directions(reference: torch.Tensor, what: tuple[list[Any], int]) -> torch.Tensor:
    directions, order = what
    values = []
    for V in directions:
        v = torch.tensor([float(e) for e in _flat(V)], dtype=torch.float64)
        n = v.numel()
        if order == 1:
            values.append(v @ reference.reshape(n, -1))
        else:
            values.append((v @ reference.reshape(n, n) @ v).reshape(1))
    return torch.cat(values)


# --------------------------------------------------------------------------------------------------
# The public function.


# --8<-- [start:verify]
def verify(
    f: Callable[..., torch.Tensor],
    claim: Callable[..., torch.Tensor],
    shapes: Mapping[str, Sequence[int]],
    *,
    wrt: str | None = None,
    order: int = 1,
    domains: Mapping[str, str] | None = None,
    sympy_f: Callable[..., Any] | None = None,
    sympy_claim: Callable[..., Any] | None = None,
    symbolic: str = "elementwise",
    points: int = 3,
    devices: Sequence[torch.device | str] | None = None,
    seed: int = 0,
    name: str | None = None,
) -> Verification:
    r"""Check that ``claim`` is the derivative of ``f`` with respect to ``wrt``, three ways.

    The claim is in denominator layout: ``claim(*inputs).shape == inputs[wrt].shape + f(*inputs).shape``
    (``order=2``: the Hessian, ``shape + shape``, of a scalar ``f``).

    Args:
        f: a function of the inputs, in the order of ``shapes``, returning a tensor.
        claim: the claimed derivative, a function of the same inputs.
        shapes: the name and shape of each input, e.g. ``{"x": (3,), "A": (2, 3)}``.
        wrt: the input to differentiate with respect to; the first one when ``None``.
        order: 1 (gradient or transposed Jacobian) or 2 (Hessian of a scalar ``f``).
        domains: for some inputs, the kind of random point: one of `DOMAINS` ("general" when absent).
        sympy_f: ``f`` written for sympy (vectors are column matrices, a scalar output may be a
            1×1 matrix); with ``sympy_claim``, enables the symbolic check.
        sympy_claim: the claim written for sympy.
        symbolic: ``"elementwise"``, ``"matrixsymbol"`` or ``"directional"`` (see the module).
        points: how many random points each numeric check uses on each device.
        devices: where the numeric checks run; every available device when ``None``.
        seed: seeds the random points (drawn on the CPU, so the same on every device).
        name: a label for the result; ``f``'s name when ``None``.

    Returns:
        A `Verification` with one `Check` per method; ``.passed`` is true when all three passed.

    Raises:
        TypeError: a shape in ``shapes`` is not a sequence of ints, ``points`` is not an int, or
            ``devices`` is one device rather than a list of them.
        ValueError: an unknown input name, domain, symbolic mode or order, only one of the two
            sympy forms, a size less than 1, or ``points`` less than 1 (an empty input or no point
            would check nothing, and pass); ``symbolic="matrixsymbol"`` with ``order=2`` or with an
            input that is not a vector or a matrix (sympy's matrix calculus has neither); sympy forms
            with an input of more than 2 dimensions; an empty ``devices``; an ``f`` whose output is
            empty (tried once, at the first point, on the CPU).
        dlref.device.DeviceError: an entry of ``devices`` is not a device of this machine.

    Examples:
        >>> import torch
        >>> f = lambda x, A: x @ A @ x
        >>> claim = lambda x, A: (A + A.T) @ x
        >>> print(verify(f, claim, {"x": (3,), "A": (3, 3)}, name="x^T A x"))
        x^T A x: not fully checked
          symbolic: not run (no sympy forms given)
          autograd: passed
          finite differences: passed
        >>> wrong = lambda x, A: 2 * A @ x
        >>> result = verify(f, wrong, {"x": (3,), "A": (3, 3)})
        >>> result.autograd.passed, result.finite_differences.passed, result.marks()
        (False, False, '– ✗ ✗')
    """
    names = list(shapes)
    domains = dict(domains or {})
    if not names:
        raise ValueError("verify: shapes must name at least one input")
    wrt = names[0] if wrt is None else wrt
    if wrt not in shapes:
        raise ValueError(f"verify: wrt={wrt!r} is not one of the inputs {names}")
    unknown = [k for k in domains if k not in shapes]
    if unknown:
        raise ValueError(f"verify: domains names {unknown}, which are not inputs {names}")
    for key, domain in domains.items():
        if domain not in DOMAINS:
            raise ValueError(f"verify: domain {domain!r} for {key!r} is not one of {DOMAINS}")
    if order not in (1, 2):
        raise ValueError(f"verify: order must be 1 or 2, got {order}")
    if symbolic not in SYMBOLIC_MODES:
        raise ValueError(f"verify: symbolic must be one of {SYMBOLIC_MODES}, got {symbolic!r}")
    if symbolic == "matrixsymbol" and order != 1:
        raise ValueError(f"verify: symbolic='matrixsymbol' supports order=1 only, got order={order}")
    if (sympy_f is None) != (sympy_claim is None):
        raise ValueError("verify: give both sympy_f and sympy_claim, or neither")
    for key, shape in shapes.items():
        if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
            raise TypeError(f"verify: shapes[{key!r}] must be a sequence of ints, got {shape!r}")
        for size in shape:
            if isinstance(size, bool) or not isinstance(size, int):
                raise TypeError(f"verify: shapes[{key!r}] must hold ints, got {size!r} in {shape!r}")
            if size < 1:
                raise ValueError(
                    f"verify: shapes[{key!r}] has the size {size}: {shape!r}; an empty input has no entries to check"
                )
        if symbolic == "matrixsymbol" and len(shape) not in (1, 2):
            raise ValueError(
                f"verify: symbolic='matrixsymbol' needs vectors and matrices, got shapes[{key!r}] = {shape!r}"
            )
        if sympy_f is not None and len(shape) > 2:
            raise ValueError(
                f"verify: sympy forms take numbers, vectors and matrices, got shapes[{key!r}] = {shape!r};"
                " check it without sympy_f and sympy_claim"
            )
    if isinstance(points, bool) or not isinstance(points, int):
        raise TypeError(f"verify: points must be an int, got {points!r}")
    if points < 1:
        raise ValueError(f"verify: points must be at least 1, got {points}; no point would check nothing")
    shapes = {k: tuple(v) for k, v in shapes.items()}
    index = names.index(wrt)
    if isinstance(devices, (str, torch.device)):
        raise TypeError(f"verify: devices must be a list of devices, got {devices!r}; use [{devices!r}]")
    if devices is not None and len(devices) == 0:
        raise ValueError("verify: devices is empty; the numeric checks would check nothing, and pass")
    try:
        devices = [resolve_device(d) for d in (devices if devices is not None else available_devices())]
    except DeviceError as error:
        raise DeviceError(f"verify: devices: {error}") from None
    # f is tried once, on the CPU, at the numeric checks' first point: an empty output would check nothing
    first = _points(shapes, domains, torch.Generator().manual_seed(seed))
    try:
        out = _call(f, [_to_tensor(first[k], shapes[k], torch.device("cpu")) for k in names])
    except Exception:  # an f that cannot be evaluated fails the checks, which say why
        out = None
    if out is not None and out.numel() == 0:
        raise ValueError(
            f"verify: f returns an empty tensor of shape {tuple(out.shape)}; an empty output has no entries to check"
        )

    if sympy_f is None:
        symbolic_check = Check("symbolic", None, detail="no sympy forms given")
    else:
        symbolic_check = _symbolic_check(f, sympy_f, sympy_claim, names, shapes, domains, index, order, symbolic, seed)
    autograd_check, fd_check = _numeric_checks(f, claim, names, shapes, domains, index, order, points, devices, seed)
    label = name or getattr(f, "__name__", "f")
    return Verification(label, symbolic_check, autograd_check, fd_check, tuple(str(d) for d in devices))


# --8<-- [end:verify]
