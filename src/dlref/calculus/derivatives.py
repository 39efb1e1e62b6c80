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

import math
from collections.abc import Callable

import torch

__all__ = ["central_difference", "difference_quotient", "numerical_gradient", "numerical_jacobian"]


def _check_step(name: str, h: float) -> None:
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 < h < math.inf:
        raise ValueError(f"{name}: h must be a positive number, got h={h!r}; try 1e-6 in float64")


def _check_floating(name: str, x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: x must be a tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{name}: x must have a floating-point dtype, got dtype={x.dtype}")


def _value(name: str, f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """``f(x)``, refused unless it is a tensor: the quotients subtract and reshape what ``f`` returns."""
    value = f(x)
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name}: f must return a tensor, got {type(value).__name__} {value!r:.40};"
            " make f return one, e.g. torch.as_tensor(value, dtype=x.dtype)"
        )
    return value


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
        ValueError: ``h`` is not a positive finite number.

    Examples:
        >>> x = torch.tensor([1.0], dtype=torch.float64)
        >>> difference_quotient(torch.exp, x, 1e-3)  # e = 2.71828...
        tensor([2.7196], dtype=torch.float64)
        >>> difference_quotient(torch.exp, x, 0)
        Traceback (most recent call last):
          ...
        ValueError: difference_quotient: h must be a positive number, got h=0; try 1e-6 in float64
    """
    _check_floating("difference_quotient", x)
    _check_step("difference_quotient", h)
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
    _check_step("central_difference", h)
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
        TypeError: ``x`` is not a floating-point tensor, or ``f`` returns something other than a
            tensor (a Python float, say).
        ValueError: ``h`` is not positive, or ``f(x)`` is not a scalar.

    Examples:
        >>> x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        >>> numerical_gradient(lambda v: (v**2).sum(), x)
        tensor([2.0000, 4.0000, 6.0000], dtype=torch.float64)
        >>> numerical_gradient(lambda v: v**2, x)
        Traceback (most recent call last):
          ...
        ValueError: numerical_gradient: f(x) must be a scalar, got shape (3,); use numerical_jacobian
        >>> numerical_gradient(lambda v: float((v**2).sum()), x)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        TypeError: numerical_gradient: f must return a tensor, got float 14.0; make f return one, ...
    """
    _check_floating("numerical_gradient", x)
    _check_step("numerical_gradient", h)
    value = _value("numerical_gradient", f, x)
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
    ``f(x).shape + x.shape``. The denominator-layout derivative is its transpose. An empty ``x``
    gives an empty Jacobian of that shape, in ``f(x)``'s dtype.

    Raises:
        TypeError: ``x`` is not a floating-point tensor, or ``f`` returns something other than a tensor.
        ValueError: ``h`` is not positive.

    Examples:
        >>> A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64)
        >>> numerical_jacobian(lambda v: A @ v, torch.zeros(3, dtype=torch.float64))
        tensor([[1., 2., 3.],
                [4., 5., 6.]], dtype=torch.float64)
    """
    _check_floating("numerical_jacobian", x)
    _check_step("numerical_jacobian", h)
    value = _value("numerical_jacobian", f, x)
    flat = x.detach().reshape(-1)
    if flat.numel() == 0:  # no columns to stack
        return value.new_zeros((*value.shape, *x.shape))
    columns = []
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = h
        column = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape))) / (2 * h)
        columns.append(column.reshape(-1))
    return torch.stack(columns, dim=1).reshape((*value.shape, *x.shape))


# --8<-- [end:numerical_jacobian]
