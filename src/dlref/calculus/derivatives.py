r"""Derivatives from the limit definition: difference quotients, and gradients and Jacobians from them.

The derivative of $f$ at $x$ is the limit of the difference quotient,

$$
f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}.
$$

On a computer $h$ cannot go to 0: the forward quotient's truncation error shrinks like $h$ (the
central quotient's like $h^2$), while the round-off error, about $\varepsilon |f(x)| / h$ with
$\varepsilon$ the machine epsilon of the dtype, grows as $h$ shrinks. These functions compute the
quotients in the dtype of their input, so both effects can be seen; the tests in
``tests/calculus/test_derivatives.py`` compare them with torch.autograd on every device.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["central_difference", "difference_quotient", "numerical_gradient", "numerical_jacobian"]


def _check_step(h: float) -> None:
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not h > 0:
        raise ValueError(f"h must be a positive number, got h={h!r}")


def _check_floating(name: str, x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: x must be a tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{name}: x must have a floating-point dtype, got dtype={x.dtype}")


# --8<-- [start:quotients]
def difference_quotient(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float) -> torch.Tensor:
    r"""The forward difference quotient $\dfrac{f(x + h) - f(x)}{h}$, elementwise, in ``x``'s dtype.

    Args:
        f: an elementwise function of a tensor.
        x: the points, a floating-point tensor.
        h: the step, a positive number.

    Returns:
        A tensor like ``x``: an approximation of $f'(x)$ with error $O(h)$ plus round-off.

    Raises:
        TypeError: ``x`` is not a floating-point tensor.
        ValueError: ``h`` is not positive.

    Examples:
        >>> x = torch.tensor([1.0], dtype=torch.float64)
        >>> difference_quotient(torch.exp, x, 1e-3)  # e = 2.71828...
        tensor([2.7196], dtype=torch.float64)
        >>> difference_quotient(torch.exp, x, 0)
        Traceback (most recent call last):
          ...
        ValueError: h must be a positive number, got h=0
    """
    _check_floating("difference_quotient", x)
    _check_step(h)
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float) -> torch.Tensor:
    r"""The central difference quotient $\dfrac{f(x + h) - f(x - h)}{2h}$, elementwise, in ``x``'s dtype.

    Its truncation error is $O(h^2)$ instead of $O(h)$: the $f''$ terms of the two Taylor
    expansions cancel.

    Examples:
        >>> x = torch.tensor([1.0], dtype=torch.float64)
        >>> central_difference(torch.exp, x, 1e-3)
        tensor([2.7183], dtype=torch.float64)
    """
    _check_floating("central_difference", x)
    _check_step(h)
    return (f(x + h) - f(x - h)) / (2 * h)


# --8<-- [end:quotients]


# --8<-- [start:numerical_gradient]
def numerical_gradient(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    r"""The gradient of a scalar ``f`` at ``x`` by central differences, one entry at a time.

    $$
    (\nabla f)_i \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}
    $$

    The result has the shape of ``x`` (like ``x.grad``). Use float64: in float32, round-off
    swamps a step this small.

    Raises:
        TypeError: ``x`` is not a floating-point tensor.
        ValueError: ``h`` is not positive, or ``f(x)`` is not a scalar.

    Examples:
        >>> x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        >>> numerical_gradient(lambda v: (v**2).sum(), x)
        tensor([2.0000, 4.0000, 6.0000], dtype=torch.float64)
        >>> numerical_gradient(lambda v: v**2, x)
        Traceback (most recent call last):
          ...
        ValueError: numerical_gradient: f(x) must be a scalar, got shape (3,); use numerical_jacobian
    """
    _check_floating("numerical_gradient", x)
    _check_step(h)
    value = f(x)
    if value.dim() != 0:
        raise ValueError(
            f"numerical_gradient: f(x) must be a scalar, got shape {tuple(value.shape)}; use numerical_jacobian"
        )
    flat = x.detach().reshape(-1)
    gradient = torch.empty_like(flat)
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = h
        gradient[i] = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape))) / (2 * h)
    return gradient.reshape(x.shape)


# --8<-- [end:numerical_gradient]


# --8<-- [start:numerical_jacobian]
def numerical_jacobian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    r"""The Jacobian $J_{ij} = \partial f_i / \partial x_j$ of ``f`` at ``x`` by central differences.

    For $f: \mathbb{R}^n \to \mathbb{R}^m$ the result is $m \times n$ (numerator layout, as
    ``torch.autograd.functional.jacobian`` returns it); in general its shape is
    ``f(x).shape + x.shape``. The denominator-layout derivative is its transpose.

    Examples:
        >>> A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64)
        >>> numerical_jacobian(lambda v: A @ v, torch.zeros(3, dtype=torch.float64))
        tensor([[1., 2., 3.],
                [4., 5., 6.]], dtype=torch.float64)
    """
    _check_floating("numerical_jacobian", x)
    _check_step(h)
    out_shape = f(x).shape
    flat = x.detach().reshape(-1)
    columns = []
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = h
        column = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape))) / (2 * h)
        columns.append(column.reshape(-1))
    return torch.stack(columns, dim=1).reshape(*out_shape, *x.shape)


# --8<-- [end:numerical_jacobian]
