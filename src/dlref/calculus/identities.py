r"""A catalog of the matrix-calculus identities deep learning uses, each checked three ways.

Every [`Identity`][dlref.calculus.identities.Identity] holds its formula in LaTeX in both layouts,
the shapes, a source, and the same function and claimed derivative twice: for torch (checked with
autograd and finite differences on every device) and for sympy (checked symbolically). The
**denominator layout** is the one d2l and PyTorch use: the derivative of a scalar has the shape of
the variable, and the derivative of $\mathbf{y} \in \mathbb{R}^m$ with respect to
$\mathbf{x} \in \mathbb{R}^n$ is $n \times m$. The **numerator layout** is its transpose (for a
vector function, the Jacobian $J_{ji} = \partial y_j / \partial x_i$).

`CATALOG` holds the true identities; `FALSE_IDENTITIES` holds mistakes people make, which the
checks must reject. The page ``docs/calculus/matrix-calculus.md`` renders both from here
([`catalog_markdown`][dlref.calculus.identities.catalog_markdown]; a test keeps the page in sync).

Sources: "Cookbook (n)" is equation (n) of K. B. Petersen and M. S. Pedersen, *The Matrix
Cookbook*, version of 15 November 2012; "d2l" is *Dive into Deep Learning*, section 2.4.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy
import torch

from dlref.calculus.verify import Verification, verify

__all__ = ["CATALOG", "FALSE_IDENTITIES", "Identity", "catalog_markdown", "render_into", "verify_catalog"]


@dataclass(frozen=True)
class Identity:
    r"""One identity: its math (LaTeX, both layouts), shapes, source, and checkable functions.

    Attributes:
        name: a short unique id, e.g. ``"quadratic-form"``.
        group: the section of the catalog it belongs to.
        derivative: the left-hand side in LaTeX, e.g.
            ``\frac{\partial\, \mathbf{a}^\top\mathbf{x}}{\partial \mathbf{x}}``.
        denominator: the claimed derivative in denominator layout (LaTeX).
        numerator: the same in numerator layout (LaTeX): the transpose.
        shapes_tex: the shapes of the inputs, in LaTeX.
        source: where the identity is stated (or how it follows).
        f: the function, for torch (inputs in the order of ``shapes``).
        claim: the claimed derivative, for torch, in denominator layout.
        shapes: the concrete input shapes the checks use.
        sympy_f: ``f`` for sympy (vectors are column matrices).
        sympy_claim: ``claim`` for sympy.
        symbolic: the symbolic mode, see [`verify`][dlref.calculus.verify.verify].
        wrt: the variable; the first input when ``None``.
        order: 1, or 2 for a Hessian.
        domains: the kind of random point for some inputs (SPD for log-det, ...).
        note: a remark shown with the identity (when it holds, why a false one fails).
    """

    name: str
    group: str
    derivative: str
    denominator: str
    numerator: str
    shapes_tex: str
    source: str
    f: Callable[..., torch.Tensor]
    claim: Callable[..., torch.Tensor]
    shapes: Mapping[str, tuple[int, ...]]
    sympy_f: Callable[..., Any]
    sympy_claim: Callable[..., Any]
    symbolic: str = "elementwise"
    wrt: str | None = None
    order: int = 1
    domains: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def verify(self, *, devices: list[torch.device] | None = None, points: int = 3, seed: int = 0) -> Verification:
        """Run the three checks of [`verify`][dlref.calculus.verify.verify] on this identity."""
        return verify(
            self.f,
            self.claim,
            self.shapes,
            wrt=self.wrt,
            order=self.order,
            domains=self.domains,
            sympy_f=self.sympy_f,
            sympy_claim=self.sympy_claim,
            symbolic=self.symbolic,
            points=points,
            devices=devices,
            seed=seed,
            name=self.name,
        )


# Helpers for the sympy forms (vectors are n×1 matrices).
def _softmax_sym(z: sympy.Matrix) -> sympy.Matrix:
    e = z.applyfunc(sympy.exp)
    return e / sum(e)


def _cross_entropy_sym(z: sympy.Matrix, y: sympy.Matrix) -> Any:
    return -sum(yi * sympy.log(pi) for yi, pi in zip(y, _softmax_sym(z), strict=True))


def _on_simplex(y: sympy.Matrix) -> sympy.Matrix:
    """``y`` with its last entry replaced by one minus the others: the constraint sum(y) = 1, built in."""
    return sympy.Matrix([*y[:-1], 1 - sum(y[:-1])])


def _sigmoid_sym(v: Any) -> Any:
    return 1 / (1 + sympy.exp(-v))


def _trace(M: Any) -> Any:
    return M.trace() if isinstance(M, sympy.MatrixBase) else sympy.Trace(M)


def _frobenius2(M: sympy.Matrix) -> Any:
    return sum(e**2 for e in M)


_VECTORS = "Vectors"
_MATRICES = "Matrices and traces"
_INVERSES = "Determinants and inverses"
_LAYERS = "Layers, activations and losses"

x_, a_, b_, A_, B_, C_, X_, W_, g_, y_, z_ = (
    r"\mathbf{x}",
    r"\mathbf{a}",
    r"\mathbf{b}",
    r"\mathbf{A}",
    r"\mathbf{B}",
    r"\mathbf{C}",
    r"\mathbf{X}",
    r"\mathbf{W}",
    r"\mathbf{g}",
    r"\mathbf{y}",
    r"\mathbf{z}",
)


def _d(numerator: str, variable: str) -> str:
    return rf"\frac{{\partial\, {numerator}}}{{\partial {variable}}}"


# --8<-- [start:catalog_example]
CATALOG: tuple[Identity, ...] = (
    Identity(
        name="linear-map",
        group=_VECTORS,
        derivative=_d(rf"{A_}{x_}", x_),
        denominator=rf"{A_}^\top",
        numerator=A_,
        shapes_tex=rf"{A_} \in \mathbb{{R}}^{{m \times n}},\ {x_} \in \mathbb{{R}}^n;\ \text{{result }} n \times m",
        source=r"d2l 2.4",
        f=lambda x, A: A @ x,
        claim=lambda x, A: A.T,
        shapes={"x": (3,), "A": (2, 3)},
        sympy_f=lambda x, A: A * x,
        sympy_claim=lambda x, A: A.T,
        symbolic="matrixsymbol",
    ),
    # --8<-- [end:catalog_example]
    Identity(
        name="row-vector-map",
        group=_VECTORS,
        derivative=_d(rf"{x_}^\top {A_}", x_),
        denominator=A_,
        numerator=rf"{A_}^\top",
        shapes_tex=rf"{x_} \in \mathbb{{R}}^n,\ {A_} \in \mathbb{{R}}^{{n \times m}};\ \text{{result }} n \times m",
        source=r"d2l 2.4 (there with $\mathbf{A} \in \mathbb{R}^{m \times n}$: see the note)",
        f=lambda x, A: x @ A,
        claim=lambda x, A: A,
        shapes={"x": (3,), "A": (3, 2)},
        sympy_f=lambda x, A: x.T * A,
        sympy_claim=lambda x, A: A,
    ),
    Identity(
        name="inner-product",
        group=_VECTORS,
        derivative=_d(rf"{a_}^\top {x_}", x_),
        denominator=a_,
        numerator=rf"{a_}^\top",
        shapes_tex=rf"{a_}, {x_} \in \mathbb{{R}}^n",
        source="Cookbook (69)",
        f=lambda x, a: a @ x,
        claim=lambda x, a: a,
        shapes={"x": (3,), "a": (3,)},
        sympy_f=lambda x, a: a.T * x,
        sympy_claim=lambda x, a: a,
        symbolic="matrixsymbol",
    ),
    Identity(
        name="quadratic-form",
        group=_VECTORS,
        derivative=_d(rf"{x_}^\top {A_} {x_}", x_),
        denominator=rf"({A_} + {A_}^\top){x_}",
        numerator=rf"{x_}^\top({A_} + {A_}^\top)",
        shapes_tex=rf"{x_} \in \mathbb{{R}}^n,\ {A_} \in \mathbb{{R}}^{{n \times n}}",
        source="Cookbook (81)",
        f=lambda x, A: x @ A @ x,
        claim=lambda x, A: (A + A.T) @ x,
        shapes={"x": (3,), "A": (3, 3)},
        sympy_f=lambda x, A: x.T * A * x,
        sympy_claim=lambda x, A: (A + A.T) * x,
        symbolic="matrixsymbol",
    ),
    Identity(
        name="quadratic-form-hessian",
        group=_VECTORS,
        derivative=rf"\frac{{\partial^2\, {x_}^\top {A_} {x_}}}{{\partial {x_}\, \partial {x_}^\top}}",
        denominator=rf"{A_} + {A_}^\top",
        numerator=rf"{A_} + {A_}^\top",
        shapes_tex=rf"{x_} \in \mathbb{{R}}^n,\ {A_} \in \mathbb{{R}}^{{n \times n}}",
        source="Cookbook (81), differentiated again",
        f=lambda x, A: x @ A @ x,
        claim=lambda x, A: A + A.T,
        shapes={"x": (3,), "A": (3, 3)},
        sympy_f=lambda x, A: x.T * A * x,
        sympy_claim=lambda x, A: A + A.T,
        order=2,
        note="A Hessian is symmetric, so both layouts agree.",
    ),
    Identity(
        name="squared-norm",
        group=_VECTORS,
        derivative=_d(rf"\lVert {x_} \rVert_2^2", x_),
        denominator=rf"2{x_}",
        numerator=rf"2{x_}^\top",
        shapes_tex=rf"{x_} \in \mathbb{{R}}^n",
        source=r"d2l 2.4; Cookbook (81) with $\mathbf{A} = \mathbf{I}$",
        f=lambda x: x @ x,
        claim=lambda x: 2 * x,
        shapes={"x": (4,)},
        sympy_f=lambda x: x.T * x,
        sympy_claim=lambda x: 2 * x,
    ),
    Identity(
        name="distance",
        group=_VECTORS,
        derivative=_d(rf"\lVert {x_} - {a_} \rVert_2", x_),
        denominator=rf"\frac{{{x_} - {a_}}}{{\lVert {x_} - {a_} \rVert_2}}",
        numerator=rf"\frac{{({x_} - {a_})^\top}}{{\lVert {x_} - {a_} \rVert_2}}",
        shapes_tex=rf"{x_}, {a_} \in \mathbb{{R}}^n,\ {x_} \neq {a_}",
        source="chain rule on $(u^\\top u)^{1/2}$; Cookbook §2.6 (norms)",
        f=lambda x, a: torch.linalg.vector_norm(x - a),
        claim=lambda x, a: (x - a) / torch.linalg.vector_norm(x - a),
        shapes={"x": (3,), "a": (3,)},
        sympy_f=lambda x, a: sympy.sqrt(_frobenius2(x - a)),
        sympy_claim=lambda x, a: (x - a) / sympy.sqrt(_frobenius2(x - a)),
        note=r"Not differentiable at $\mathbf{x} = \mathbf{a}$.",
    ),
    Identity(
        name="least-squares",
        group=_VECTORS,
        derivative=_d(rf"\lVert {A_}{x_} - {b_} \rVert_2^2", x_),
        denominator=rf"2{A_}^\top({A_}{x_} - {b_})",
        numerator=rf"2({A_}{x_} - {b_})^\top {A_}",
        shapes_tex=rf"{A_} \in \mathbb{{R}}^{{m \times n}},\ {x_} \in \mathbb{{R}}^n,\ {b_} \in \mathbb{{R}}^m",
        source="chain rule: Cookbook (81) with $\\mathbf{A}^\\top\\mathbf{A}$, and (69)",
        f=lambda x, A, b: (A @ x - b) @ (A @ x - b),
        claim=lambda x, A, b: 2 * A.T @ (A @ x - b),
        shapes={"x": (2,), "A": (3, 2), "b": (3,)},
        sympy_f=lambda x, A, b: _frobenius2(A * x - b),
        sympy_claim=lambda x, A, b: 2 * A.T * (A * x - b),
    ),
    Identity(
        name="bilinear",
        group=_MATRICES,
        derivative=_d(rf"{a_}^\top {X_} {b_}", X_),
        denominator=rf"{a_}{b_}^\top",
        numerator=rf"{b_}{a_}^\top",
        shapes_tex=rf"{a_} \in \mathbb{{R}}^m,\ {X_} \in \mathbb{{R}}^{{m \times n}},\ {b_} \in \mathbb{{R}}^n",
        source="Cookbook (70)",
        f=lambda X, a, b: a @ X @ b,
        claim=lambda X, a, b: torch.outer(a, b),
        shapes={"X": (2, 3), "a": (2,), "b": (3,)},
        sympy_f=lambda X, a, b: a.T * X * b,
        sympy_claim=lambda X, a, b: a * b.T,
    ),
    Identity(
        name="frobenius-norm",
        group=_MATRICES,
        derivative=_d(rf"\lVert {X_} \rVert_F^2", X_),
        denominator=rf"2{X_}",
        numerator=rf"2{X_}^\top",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{m \times n}}",
        source=r"d2l 2.4; $\lVert \mathbf{X} \rVert_F^2 = \operatorname{Tr}(\mathbf{X}^\top\mathbf{X})$",
        f=lambda X: (X * X).sum(),
        claim=lambda X: 2 * X,
        shapes={"X": (2, 3)},
        sympy_f=lambda X: _trace(X.T * X),
        sympy_claim=lambda X: 2 * X,
        symbolic="matrixsymbol",
    ),
    Identity(
        name="affine-frobenius",
        group=_MATRICES,
        derivative=_d(rf"\lVert {A_}{X_}{B_} + {C_} \rVert_F^2", X_),
        denominator=rf"2{A_}^\top({A_}{X_}{B_} + {C_}){B_}^\top",
        numerator=rf"2{B_}({A_}{X_}{B_} + {C_})^\top {A_}",
        shapes_tex=(
            rf"{A_} \in \mathbb{{R}}^{{p \times m}},\ {X_} \in \mathbb{{R}}^{{m \times n}},\ "
            rf"{B_} \in \mathbb{{R}}^{{n \times q}},\ {C_} \in \mathbb{{R}}^{{p \times q}}"
        ),
        source="chain rule: the Frobenius norm and Cookbook (102)",
        f=lambda X, A, B, C: ((A @ X @ B + C) ** 2).sum(),
        claim=lambda X, A, B, C: 2 * A.T @ (A @ X @ B + C) @ B.T,
        shapes={"X": (3, 2), "A": (2, 3), "B": (2, 2), "C": (2, 2)},
        sympy_f=lambda X, A, B, C: _frobenius2(A * X * B + C),
        sympy_claim=lambda X, A, B, C: 2 * A.T * (A * X * B + C) * B.T,
    ),
    Identity(
        name="trace",
        group=_MATRICES,
        derivative=_d(rf"\operatorname{{Tr}} {X_}", X_),
        denominator=r"\mathbf{I}",
        numerator=r"\mathbf{I}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}}",
        source="Cookbook (100)",
        f=lambda X: torch.trace(X),
        claim=lambda X: torch.eye(X.shape[0], dtype=X.dtype, device=X.device),
        shapes={"X": (3, 3)},
        sympy_f=lambda X: _trace(X),
        sympy_claim=lambda X: (
            sympy.Identity(X.shape[0]) if isinstance(X, sympy.MatrixSymbol) else sympy.eye(X.shape[0])
        ),
        symbolic="matrixsymbol",
    ),
    Identity(
        name="trace-AXB",
        group=_MATRICES,
        derivative=_d(rf"\operatorname{{Tr}}({A_}{X_}{B_})", X_),
        denominator=rf"{A_}^\top {B_}^\top",
        numerator=rf"{B_}{A_}",
        shapes_tex=(
            rf"{A_} \in \mathbb{{R}}^{{p \times m}},\ {X_} \in \mathbb{{R}}^{{m \times n}},\ "
            rf"{B_} \in \mathbb{{R}}^{{n \times p}}"
        ),
        source="Cookbook (102)",
        f=lambda X, A, B: torch.trace(A @ X @ B),
        claim=lambda X, A, B: A.T @ B.T,
        shapes={"X": (3, 2), "A": (2, 3), "B": (2, 2)},
        sympy_f=lambda X, A, B: _trace(A * X * B),
        sympy_claim=lambda X, A, B: A.T * B.T,
        symbolic="matrixsymbol",
    ),
    Identity(
        name="trace-XtBX",
        group=_MATRICES,
        derivative=_d(rf"\operatorname{{Tr}}({X_}^\top {B_} {X_})", X_),
        denominator=rf"{B_}{X_} + {B_}^\top {X_}",
        numerator=rf"{X_}^\top {B_}^\top + {X_}^\top {B_}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{m \times n}},\ {B_} \in \mathbb{{R}}^{{m \times m}}",
        source="Cookbook (108)",
        f=lambda X, B: torch.trace(X.T @ B @ X),
        claim=lambda X, B: B @ X + B.T @ X,
        shapes={"X": (3, 2), "B": (3, 3)},
        sympy_f=lambda X, B: _trace(X.T * B * X),
        sympy_claim=lambda X, B: B * X + B.T * X,
        symbolic="matrixsymbol",
    ),
    Identity(
        name="trace-square",
        group=_MATRICES,
        derivative=_d(rf"\operatorname{{Tr}}({X_}^2)", X_),
        denominator=rf"2{X_}^\top",
        numerator=rf"2{X_}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}}",
        source="Cookbook (106)",
        f=lambda X: torch.trace(X @ X),
        claim=lambda X: 2 * X.T,
        shapes={"X": (3, 3)},
        sympy_f=lambda X: _trace(X * X),
        sympy_claim=lambda X: 2 * X.T,
        symbolic="matrixsymbol",
    ),
    Identity(
        name="trace-sum",
        group=_MATRICES,
        derivative=_d(rf"\left(\operatorname{{Tr}} {X_} + \operatorname{{Tr}}({X_}^2)\right)", X_),
        denominator=rf"\mathbf{{I}} + 2{X_}^\top",
        numerator=rf"\mathbf{{I}} + 2{X_}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}}",
        source="Cookbook (100) + (106)",
        f=lambda X: torch.trace(X) + torch.trace(X @ X),
        claim=lambda X: torch.eye(X.shape[0], dtype=X.dtype, device=X.device) + 2 * X.T,
        shapes={"X": (3, 3)},
        sympy_f=lambda X: _trace(X) + _trace(X * X),
        sympy_claim=lambda X: sympy.eye(X.shape[0]) + 2 * X.T,
        note="sympy's MatrixSymbol calculus returns a wrong 0 for this sum; the elementwise check is exact.",
    ),
    Identity(
        name="function-of-trace",
        group=_MATRICES,
        derivative=_d(rf"\sin(\operatorname{{Tr}} {X_})", X_),
        denominator=rf"\cos(\operatorname{{Tr}} {X_})\, \mathbf{{I}}",
        numerator=rf"\cos(\operatorname{{Tr}} {X_})\, \mathbf{{I}}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}}",
        source="chain rule and Cookbook (100)",
        f=lambda X: torch.sin(torch.trace(X)),
        claim=lambda X: torch.cos(torch.trace(X)) * torch.eye(X.shape[0], dtype=X.dtype, device=X.device),
        shapes={"X": (3, 3)},
        sympy_f=lambda X: sympy.sin(_trace(X)),
        sympy_claim=lambda X: sympy.cos(_trace(X)) * sympy.eye(X.shape[0]),
        note="sympy's MatrixSymbol calculus returns a wrong 0 here too.",
    ),
    Identity(
        name="determinant",
        group=_INVERSES,
        derivative=_d(rf"\det {X_}", X_),
        denominator=rf"\det({X_})\, {X_}^{{-\top}}",
        numerator=rf"\det({X_})\, {X_}^{{-1}}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}} \text{{ invertible}}",
        source="Cookbook (49)",
        f=lambda X: torch.linalg.det(X),
        claim=lambda X: torch.linalg.det(X) * torch.linalg.inv(X).T,
        shapes={"X": (3, 3)},
        sympy_f=lambda X: X.det(),
        sympy_claim=lambda X: X.adjugate().T,
        domains={"X": "invertible"},
        note=r"Symbolically as the adjugate: $\det(\mathbf{X})\,\mathbf{X}^{-1} = \operatorname{adj}\mathbf{X}$.",
    ),
    Identity(
        name="log-determinant",
        group=_INVERSES,
        derivative=_d(rf"\log \det {X_}", X_),
        denominator=rf"{X_}^{{-\top}}",
        numerator=rf"{X_}^{{-1}}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}},\ \det {X_} > 0",
        source="Cookbook (57)",
        f=lambda X: torch.logdet(X),
        claim=lambda X: torch.linalg.inv(X).T,
        shapes={"X": (3, 3)},
        sympy_f=lambda X: sympy.log(X.det()),
        sympy_claim=lambda X: X.inv().T,
        symbolic="directional",
        domains={"X": "spd"},
        note=r"For symmetric $\mathbf{X}$ (a covariance) this is $\mathbf{X}^{-1}$; in general the transpose matters.",
    ),
    Identity(
        name="inverse-bilinear",
        group=_INVERSES,
        derivative=_d(rf"{a_}^\top {X_}^{{-1}} {b_}", X_),
        denominator=rf"-{X_}^{{-\top}} {a_} {b_}^\top {X_}^{{-\top}}",
        numerator=rf"-{X_}^{{-1}} {b_} {a_}^\top {X_}^{{-1}}",
        shapes_tex=rf"{X_} \in \mathbb{{R}}^{{n \times n}} \text{{ invertible}},\ {a_}, {b_} \in \mathbb{{R}}^n",
        source="Cookbook (61)",
        f=lambda X, a, b: a @ torch.linalg.solve(X, b),
        claim=lambda X, a, b: -torch.linalg.inv(X).T @ torch.outer(a, b) @ torch.linalg.inv(X).T,
        shapes={"X": (3, 3), "a": (3,), "b": (3,)},
        sympy_f=lambda X, a, b: a.T * X.LUsolve(b),
        sympy_claim=lambda X, a, b: -X.inv().T * a * b.T * X.inv().T,
        symbolic="directional",
        domains={"X": "invertible"},
    ),
    Identity(
        name="trace-inverse",
        group=_INVERSES,
        derivative=_d(rf"\operatorname{{Tr}}({A_} {X_}^{{-1}} {B_})", X_),
        denominator=rf"-{X_}^{{-\top}} {A_}^\top {B_}^\top {X_}^{{-\top}}",
        numerator=rf"-{X_}^{{-1}} {B_} {A_} {X_}^{{-1}}",
        shapes_tex=(
            rf"{X_} \in \mathbb{{R}}^{{n \times n}} \text{{ invertible}},\ "
            rf"{A_} \in \mathbb{{R}}^{{p \times n}},\ {B_} \in \mathbb{{R}}^{{n \times p}}"
        ),
        source="Cookbook (63)",
        f=lambda X, A, B: torch.trace(A @ torch.linalg.solve(X, B)),
        claim=lambda X, A, B: -torch.linalg.inv(X).T @ A.T @ B.T @ torch.linalg.inv(X).T,
        shapes={"X": (3, 3), "A": (2, 3), "B": (3, 2)},
        sympy_f=lambda X, A, B: _trace(A * X.inv() * B),
        sympy_claim=lambda X, A, B: -(X.inv() * B * A * X.inv()).T,
        symbolic="matrixsymbol",
        domains={"X": "invertible"},
    ),
    Identity(
        name="linear-layer-weight",
        group=_LAYERS,
        derivative=rf"\frac{{\partial L}}{{\partial {W_}}},\ {y_} = {W_}{x_} + {b_}",
        denominator=rf"{g_}{x_}^\top",
        numerator=rf"{x_}{g_}^\top",
        shapes_tex=(
            rf"{W_} \in \mathbb{{R}}^{{m \times n}},\ {x_} \in \mathbb{{R}}^n,\ "
            rf"{g_} = \partial L / \partial {y_} \in \mathbb{{R}}^m"
        ),
        source="chain rule with Cookbook (70)",
        f=lambda W, x, b, g: g @ (W @ x + b),
        claim=lambda W, x, b, g: torch.outer(g, x),
        shapes={"W": (2, 3), "x": (3,), "b": (2,), "g": (2,)},
        sympy_f=lambda W, x, b, g: g.T * (W * x + b),
        sympy_claim=lambda W, x, b, g: g * x.T,
        note=r"$L = \mathbf{g}^\top\mathbf{y}$ has the upstream gradient $\mathbf{g}$: backpropagation's step.",
    ),
    Identity(
        name="linear-layer-input",
        group=_LAYERS,
        derivative=rf"\frac{{\partial L}}{{\partial {x_}}},\ {y_} = {W_}{x_} + {b_}",
        denominator=rf"{W_}^\top {g_}",
        numerator=rf"{g_}^\top {W_}",
        shapes_tex=rf"{W_} \in \mathbb{{R}}^{{m \times n}},\ {g_} = \partial L / \partial {y_} \in \mathbb{{R}}^m",
        source="chain rule with Cookbook (69)",
        f=lambda x, W, b, g: g @ (W @ x + b),
        claim=lambda x, W, b, g: W.T @ g,
        shapes={"x": (3,), "W": (2, 3), "b": (2,), "g": (2,)},
        sympy_f=lambda x, W, b, g: g.T * (W * x + b),
        sympy_claim=lambda x, W, b, g: W.T * g,
    ),
    Identity(
        name="linear-layer-bias",
        group=_LAYERS,
        derivative=rf"\frac{{\partial L}}{{\partial {b_}}},\ {y_} = {W_}{x_} + {b_}",
        denominator=g_,
        numerator=rf"{g_}^\top",
        shapes_tex=rf"{b_}, {g_} \in \mathbb{{R}}^m",
        source="chain rule with Cookbook (69)",
        f=lambda b, W, x, g: g @ (W @ x + b),
        claim=lambda b, W, x, g: g,
        shapes={"b": (2,), "W": (2, 3), "x": (3,), "g": (2,)},
        sympy_f=lambda b, W, x, g: g.T * (W * x + b),
        sympy_claim=lambda b, W, x, g: g,
    ),
    Identity(
        name="chain-rule",
        group=_LAYERS,
        derivative=_d(rf"\tanh({W_}{x_})", x_),
        denominator=rf"{W_}^\top \operatorname{{diag}}\!\left(1 - \tanh^2({W_}{x_})\right)",
        numerator=rf"\operatorname{{diag}}\!\left(1 - \tanh^2({W_}{x_})\right) {W_}",
        shapes_tex=rf"{W_} \in \mathbb{{R}}^{{m \times n}},\ {x_} \in \mathbb{{R}}^n;\ \text{{result }} n \times m",
        source=(
            r"chain rule: $\frac{\partial \mathbf{z}}{\partial \mathbf{x}} = "
            r"\frac{\partial \mathbf{y}}{\partial \mathbf{x}} \frac{\partial \mathbf{z}}{\partial \mathbf{y}}$"
        ),
        f=lambda x, W: torch.tanh(W @ x),
        claim=lambda x, W: W.T @ torch.diag(1 - torch.tanh(W @ x) ** 2),
        shapes={"x": (3,), "W": (2, 3)},
        sympy_f=lambda x, W: (W * x).applyfunc(sympy.tanh),
        sympy_claim=lambda x, W: W.T * sympy.diag(*[1 - sympy.tanh(e) ** 2 for e in W * x]),
        note="Denominator layout multiplies the factors inner-first; the Jacobians (numerator) outer-first.",
    ),
    Identity(
        name="sigmoid",
        group=_LAYERS,
        derivative=_d(rf"\sigma({x_})", x_),
        denominator=rf"\operatorname{{diag}}\!\left(\sigma({x_}) \odot (1 - \sigma({x_}))\right)",
        numerator=rf"\operatorname{{diag}}\!\left(\sigma({x_}) \odot (1 - \sigma({x_}))\right)",
        shapes_tex=rf"{x_} \in \mathbb{{R}}^n,\ \sigma \text{{ elementwise}}",
        source=r"$\sigma'(x) = \sigma(x)(1 - \sigma(x))$",
        f=lambda x: torch.sigmoid(x),
        claim=lambda x: torch.diag(torch.sigmoid(x) * (1 - torch.sigmoid(x))),
        shapes={"x": (3,)},
        sympy_f=lambda x: x.applyfunc(_sigmoid_sym),
        sympy_claim=lambda x: sympy.diag(*[_sigmoid_sym(e) * (1 - _sigmoid_sym(e)) for e in x]),
    ),
    Identity(
        name="softmax-jacobian",
        group=_LAYERS,
        derivative=_d(r"\operatorname{softmax}(\mathbf{z})", z_),
        denominator=r"\operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top",
        numerator=r"\operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top",
        shapes_tex=rf"{z_} \in \mathbb{{R}}^n,\ \mathbf{{p}} = \operatorname{{softmax}}({z_})",
        source=r"$p_i = e^{z_i} / \sum_k e^{z_k}$, quotient rule",
        f=lambda z: torch.softmax(z, dim=0),
        claim=lambda z: torch.diag(torch.softmax(z, 0)) - torch.outer(torch.softmax(z, 0), torch.softmax(z, 0)),
        shapes={"z": (3,)},
        sympy_f=_softmax_sym,
        sympy_claim=lambda z: sympy.diag(*_softmax_sym(z)) - _softmax_sym(z) * _softmax_sym(z).T,
        note="Symmetric, so both layouts agree.",
    ),
    Identity(
        name="logsumexp",
        group=_LAYERS,
        derivative=_d(r"\log \textstyle\sum_i e^{z_i}", z_),
        denominator=r"\operatorname{softmax}(\mathbf{z})",
        numerator=r"\operatorname{softmax}(\mathbf{z})^\top",
        shapes_tex=rf"{z_} \in \mathbb{{R}}^n",
        source="chain rule",
        f=lambda z: torch.logsumexp(z, dim=0),
        claim=lambda z: torch.softmax(z, dim=0),
        shapes={"z": (3,)},
        sympy_f=lambda z: sympy.log(sum(z.applyfunc(sympy.exp))),
        sympy_claim=_softmax_sym,
    ),
    Identity(
        name="softmax-cross-entropy",
        group=_LAYERS,
        derivative=_d(r"\left(-\textstyle\sum_i y_i \log p_i\right)", z_),
        denominator=rf"\mathbf{{p}} - {y_}",
        numerator=rf"(\mathbf{{p}} - {y_})^\top",
        shapes_tex=(
            rf"{z_}, {y_} \in \mathbb{{R}}^n,\ \mathbf{{p}} = \operatorname{{softmax}}({z_}),\ "
            r"\textstyle\sum_i y_i = 1"
        ),
        source="the general form below with $\\sum_i y_i = 1$",
        f=lambda z, y: -(y * torch.log_softmax(z, dim=0)).sum(),
        claim=lambda z, y: torch.softmax(z, dim=0) - y,
        shapes={"z": (3,), "y": (3,)},
        sympy_f=lambda z, y: _cross_entropy_sym(z, _on_simplex(y)),
        sympy_claim=lambda z, y: _softmax_sym(z) - _on_simplex(y),
        domains={"y": "probability"},
        note=(
            "Only for targets that sum to 1 (one-hot, label smoothing); checked symbolically with "
            r"$y_n = 1 - \sum_{i<n} y_i$."
        ),
    ),
    Identity(
        name="softmax-cross-entropy-general",
        group=_LAYERS,
        derivative=_d(r"\left(-\textstyle\sum_i y_i \log p_i\right)", z_),
        denominator=rf"\left(\textstyle\sum_i y_i\right) \mathbf{{p}} - {y_}",
        numerator=rf"\left(\textstyle\sum_i y_i\right) \mathbf{{p}}^\top - {y_}^\top",
        shapes_tex=rf"{z_}, {y_} \in \mathbb{{R}}^n,\ \mathbf{{p}} = \operatorname{{softmax}}({z_})",
        source=r"$\partial \log p_i / \partial z_j = [i = j] - p_j$",
        f=lambda z, y: -(y * torch.log_softmax(z, dim=0)).sum(),
        claim=lambda z, y: y.sum() * torch.softmax(z, dim=0) - y,
        shapes={"z": (3,), "y": (3,)},
        sympy_f=lambda z, y: _cross_entropy_sym(z, y),
        sympy_claim=lambda z, y: sum(y) * _softmax_sym(z) - y,
    ),
)
"""The true identities, in the order the page shows them."""


FALSE_IDENTITIES: tuple[Identity, ...] = (
    Identity(
        name="false: quadratic-form 2Ax",
        group="False",
        derivative=_d(rf"{x_}^\top {A_} {x_}", x_),
        denominator=rf"2{A_}{x_}",
        numerator=rf"2{x_}^\top {A_}^\top",
        shapes_tex=rf"{A_} \in \mathbb{{R}}^{{n \times n}} \text{{ not symmetric}}",
        source="a common slip: true only for symmetric $\\mathbf{A}$",
        f=lambda x, A: x @ A @ x,
        claim=lambda x, A: 2 * A @ x,
        shapes={"x": (3,), "A": (3, 3)},
        sympy_f=lambda x, A: x.T * A * x,
        sympy_claim=lambda x, A: 2 * A * x,
        note=r"The right answer is $(\mathbf{A} + \mathbf{A}^\top)\mathbf{x}$.",
    ),
    Identity(
        name="false: d2l row-vector-map",
        group="False",
        derivative=_d(rf"{x_}^\top {A_}", x_),
        denominator=A_,
        numerator=rf"{A_}^\top",
        shapes_tex=rf"{A_} \in \mathbb{{R}}^{{m \times n}},\ {x_} \in \mathbb{{R}}^n,\ m \neq n",
        source=r"d2l 2.4 (English edition) quantifies over $\mathbf{A} \in \mathbb{R}^{m \times n}$",
        f=lambda x, A: x @ A,
        claim=lambda x, A: A,
        shapes={"x": (3,), "A": (2, 3)},
        sympy_f=lambda x, A: x.T * A,
        sympy_claim=lambda x, A: A,
        note=(
            r"$\mathbf{x}^\top\mathbf{A}$ needs $n$ rows: $\mathbf{A} \in \mathbb{R}^{n \times m}$, "
            r"and the result is $n \times m$."
        ),
    ),
    Identity(
        name="false: softmax-CE p - y, sum(y) != 1",
        group="False",
        derivative=_d(r"\left(-\textstyle\sum_i y_i \log p_i\right)", z_),
        denominator=rf"\mathbf{{p}} - {y_}",
        numerator=rf"(\mathbf{{p}} - {y_})^\top",
        shapes_tex=r"\textstyle\sum_i y_i \neq 1",
        source="p − y applied to targets that do not sum to 1",
        f=lambda z, y: -(y * torch.log_softmax(z, dim=0)).sum(),
        claim=lambda z, y: torch.softmax(z, dim=0) - y,
        shapes={"z": (3,), "y": (3,)},
        sympy_f=lambda z, y: _cross_entropy_sym(z, y),
        sympy_claim=lambda z, y: _softmax_sym(z) - y,
        domains={"y": "positive"},
        note=r"The gradient is $(\sum_i y_i)\,\mathbf{p} - \mathbf{y}$.",
    ),
    Identity(
        name="false: log-det without transpose",
        group="False",
        derivative=_d(rf"\log \det {X_}", X_),
        denominator=rf"{X_}^{{-1}}",
        numerator=rf"{X_}^{{-\top}}",
        shapes_tex=rf"{X_} \text{{ invertible, not symmetric}}",
        source="Cookbook (57) with the transpose dropped",
        f=lambda X: torch.linalg.slogdet(X)[1],
        claim=lambda X: torch.linalg.inv(X),
        shapes={"X": (3, 3)},
        sympy_f=lambda X: sympy.log(X.det()),
        sympy_claim=lambda X: X.inv(),
        symbolic="directional",
        domains={"X": "invertible"},
        note=r"$\mathbf{X}^{-\top}$; equal to $\mathbf{X}^{-1}$ only for symmetric $\mathbf{X}$.",
    ),
)
"""Mistakes the checks must reject."""


def verify_catalog(
    identities: tuple[Identity, ...] = CATALOG, *, devices: list[torch.device] | None = None
) -> list[Verification]:
    """Verify each identity three ways; return the results in catalog order.

    Raises:
        TypeError: ``identities`` is not a sequence of `Identity`.
        dlref.device.DeviceError: an entry of ``devices`` is not a device of this machine.

    Examples:
        >>> results = verify_catalog(CATALOG[:2])
        >>> [(r.name, r.marks()) for r in results]
        [('linear-map', '✓ ✓ ✓'), ('row-vector-map', '✓ ✓ ✓')]
    """
    _check_identities("verify_catalog", "identities", identities)
    return [identity.verify(devices=devices) for identity in identities]


def _check_identities(function: str, name: str, identities: object) -> None:
    """Refuse anything but a list or tuple of `Identity`, naming the argument and the first bad item."""
    if not isinstance(identities, (list, tuple)):
        raise TypeError(f"{function}: {name} must be a tuple or list of Identity, got {type(identities).__name__}")
    for i, identity in enumerate(identities):
        if not isinstance(identity, Identity):
            raise TypeError(f"{function}: {name}[{i}] must be an Identity, got {type(identity).__name__}")


# --------------------------------------------------------------------------------------------------
# The page's tables, generated from the catalog.

MARK_START = "<!-- catalog:start (generated from src/dlref/calculus/identities.py; do not edit) -->"
MARK_END = "<!-- catalog:end -->"


def _row(number: int, identity: Identity) -> str:
    note = f" {identity.note}" if identity.note else ""
    return (
        f"| {number} | `{identity.name}` | ${identity.derivative}$ | ${identity.denominator}$ "
        f"| ${identity.numerator}$ | ${identity.shapes_tex}$ | {identity.source}.{note} |"
    )


def catalog_markdown(catalog: tuple[Identity, ...] = CATALOG, false: tuple[Identity, ...] = FALSE_IDENTITIES) -> str:
    r"""Render the catalog as Markdown: one table per group, LaTeX in both layouts, then the false ones.

    Raises:
        TypeError: ``catalog`` or ``false`` is not a tuple or list of `Identity`.

    Examples:
        >>> table = catalog_markdown().splitlines()
        >>> table[0], table[2].split(" | ")[1:4]
        ('### Vectors', ['name', 'derivative', 'denominator layout (d2l, torch `.grad`)'])
        >>> print(table[4][:69])
        | 1 | `linear-map` | $\frac{\partial\, \mathbf{A}\mathbf{x}}{\partial

    """
    _check_identities("catalog_markdown", "catalog", catalog)
    _check_identities("catalog_markdown", "false", false)
    header = (
        "| # | name | derivative | denominator layout (d2l, torch `.grad`) | numerator layout | shapes "
        "| source and notes |\n|---|---|---|---|---|---|---|"
    )
    parts: list[str] = []
    number = 0
    groups = list(dict.fromkeys(identity.group for identity in catalog))
    for group in groups:
        rows = []
        for identity in catalog:
            if identity.group == group:
                number += 1
                rows.append(_row(number, identity))
        parts.append(f"### {group}\n\n{header}\n" + "\n".join(rows))
    rows = [_row(i, identity).replace(f"| {i} |", f"| F{i} |", 1) for i, identity in enumerate(false, 1)]
    parts.append("### False identities the checks reject\n\n" + header + "\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


def render_into(page: str) -> str:
    """Return ``page`` with the text between the catalog markers replaced by `catalog_markdown`.

    Raises:
        TypeError: ``page`` is not a string.
        ValueError: ``page`` lacks a marker, or has the end marker before the start marker.
    """
    if not isinstance(page, str):
        raise TypeError(f"render_into: page must be a str (the page's text), got {type(page).__name__}")
    start, end = page.find(MARK_START), page.find(MARK_END)
    if start < 0 or end < start:
        raise ValueError(f"render_into: the page needs the markers {MARK_START!r} and {MARK_END!r}")
    return page[: start + len(MARK_START)] + "\n\n" + catalog_markdown() + "\n" + page[end:]


if __name__ == "__main__":  # python -m dlref.calculus.identities docs/calculus/matrix-calculus.md
    for path in map(Path, sys.argv[1:]):
        path.write_text(render_into(path.read_text(encoding="utf-8")), encoding="utf-8")
