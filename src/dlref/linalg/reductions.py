r"""Reductions from the definitions: sum over any axes (with keepdim), mean, and cumsum.

These are from-scratch versions of `torch.sum`, `torch.mean` and `torch.cumsum`, written to be read
rather than to be fast: an axis is summed by a Python loop that adds its slices one by one
(`Tensor.select` and `+`), and several axes are summed one after the other. Each is checked against
torch, value for value and dtype for dtype, on every available device in
``tests/linalg/test_reductions.py``.

Sums are accumulated in a wide type (int64 for integers and booleans, float64 for floats, complex128
for complex numbers) and rounded once to the result's dtype, which is torch's: int64 for integer and
boolean inputs, the input's dtype otherwise.
"""

from __future__ import annotations

import torch

__all__ = ["cumsum", "mean", "normalize_dims", "sum"]

Dims = int | tuple[int, ...] | list[int] | None
"""The axes a reduction runs over: one axis, a tuple or list of axes, or ``None`` for every axis."""


def _shape(x: torch.Tensor) -> tuple[int, ...]:
    """The shape as a plain tuple, which prints as ``(2, 3)`` in messages."""
    return tuple(x.shape)


def _accumulator(dtype: torch.dtype) -> torch.dtype:
    """The wide dtype a sum of ``dtype`` values is accumulated in."""
    if dtype.is_complex:
        return torch.complex128
    if dtype.is_floating_point:
        return torch.float64
    return torch.int64


def _sum_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype of torch's sum of ``dtype`` values: int64 for integers and booleans, else ``dtype``."""
    return dtype if dtype.is_floating_point or dtype.is_complex else torch.int64


# --8<-- [start:normalize_dims]
def normalize_dims(function: str, x: torch.Tensor, dim: Dims) -> tuple[int, ...]:
    """Return the axes ``dim`` names, as non-negative ints in increasing order.

    ``None`` and an empty tuple mean every axis (as in `torch.sum`). A negative axis counts from the
    end: ``-1`` is the last. A 0-dimensional tensor accepts the axes ``0`` and ``-1`` and has no axis
    to reduce.

    Args:
        function: the caller's name, for the error messages.
        x: the tensor whose axes are named.
        dim: an int, a tuple or list of ints, or ``None``.

    Returns:
        The axes, each in ``range(x.dim())``, sorted.

    Raises:
        TypeError: ``dim`` is not an int, a tuple or list of ints, or ``None`` (a bool is refused).
        IndexError: an axis is out of range for ``x``.
        ValueError: an axis is named twice (``(0, -2)`` names axis 0 twice for a 2-D tensor).

    Examples:
        >>> x = torch.zeros(2, 3, 4)
        >>> normalize_dims("sum", x, -1), normalize_dims("sum", x, (2, 0)), normalize_dims("sum", x, None)
        ((2,), (0, 2), (0, 1, 2))
        >>> normalize_dims("sum", x, 3)
        Traceback (most recent call last):
          ...
        IndexError: sum: dim 3 is out of range for a tensor of shape (2, 3, 4) (expected to be in range of [-3, 2])
        >>> normalize_dims("sum", x, (0, -3))
        Traceback (most recent call last):
          ...
        ValueError: sum: dim 0 appears multiple times in dim=(0, -3)
    """
    if dim is None:
        dim = ()
    names = [dim] if isinstance(dim, int) else dim
    if isinstance(dim, bool) or not isinstance(names, (list, tuple)):
        raise TypeError(f"{function}: dim must be an int, a tuple of ints or None, got {dim!r}")
    for d in names:
        if isinstance(d, bool) or not isinstance(d, int):
            raise TypeError(f"{function}: dim must be an int, a tuple of ints or None, got {dim!r}")
    n = max(x.dim(), 1)  # a 0-d tensor accepts dim 0 and -1, as in torch
    axes: list[int] = []
    for d in names:
        if not -n <= d < n:
            raise IndexError(
                f"{function}: dim {d} is out of range for a tensor of shape {_shape(x)}"
                f" (expected to be in range of [{-n}, {n - 1}])"
            )
        axis = d % n
        if axis in axes:
            raise ValueError(f"{function}: dim {axis} appears multiple times in dim={dim!r}")
        axes.append(axis)
    if x.dim() == 0:
        return ()
    return tuple(sorted(axes)) if axes else tuple(range(x.dim()))


# --8<-- [end:normalize_dims]


# --8<-- [start:sum]
def sum(x: torch.Tensor, dim: Dims = None, keepdim: bool = False) -> torch.Tensor:
    r"""Return the sum of ``x`` over the axes ``dim``.

    For one axis $k$ of a tensor of shape $(d_0, \dots, d_{n-1})$,

    $$
    y_{\dots\, i_{k-1}\, i_{k+1} \dots} = \sum_{j=0}^{d_k - 1} x_{\dots\, i_{k-1}\, j\, i_{k+1} \dots}
    $$

    so axis $k$ disappears from the shape; with ``keepdim=True`` it stays, with length 1. Several
    axes are summed one after the other (the order does not change the exact sum), and ``None``
    sums every axis, giving a 0-dimensional tensor. An axis of length 0 sums to 0.

    The slices are added in a Python loop, in int64, float64 or complex128, and the total is cast
    once to the result's dtype: int64 for integer and boolean ``x`` (as `torch.sum`), else
    ``x.dtype``.

    Args:
        x: the tensor to sum.
        dim: an axis, a tuple of axes (negative counts from the end), or ``None`` for all axes.
        keepdim: keep each summed axis, with length 1, so that the result broadcasts against ``x``.

    Returns:
        The sums, on ``x``'s device.

    Raises:
        TypeError: ``dim`` is not an int, a tuple of ints or ``None``.
        IndexError: an axis is out of range.
        ValueError: an axis is named twice.

    Examples:
        >>> x = torch.tensor([[1, 2, 3], [4, 5, 6]])
        >>> sum(x)
        tensor(21)
        >>> sum(x, dim=0)
        tensor([5, 7, 9])
        >>> sum(x, dim=1, keepdim=True)
        tensor([[ 6],
                [15]])
        >>> sum(x, dim=(0, -1))
        tensor(21)
        >>> sum(x, dim=(0, -2))
        Traceback (most recent call last):
          ...
        ValueError: sum: dim 0 appears multiple times in dim=(0, -2)
    """
    axes = normalize_dims("sum", x, dim)
    total = x.to(_accumulator(x.dtype))
    for axis in reversed(axes):  # the highest axis first, so the lower axes keep their numbers
        total = _sum_axis(total, axis)
    if keepdim:
        for axis in axes:  # increasing, so each goes back where it was
            total = total.unsqueeze(axis)
    return total.to(_sum_dtype(x.dtype))


def _sum_axis(x: torch.Tensor, axis: int) -> torch.Tensor:
    r"""Add the slices ``x.select(axis, j)``, for ``j = 0, 1, ...``, to a tensor of zeros.

    Complex numbers are added part by part: torch's complex ``+`` multiplies its second operand by
    ``alpha = 1 + 0j``, and $(1 + 0i)(\infty + 0i)$ has the imaginary part $0 \cdot \infty$ = NaN.
    """
    if x.dtype.is_complex:
        return torch.complex(_sum_axis(x.real, axis), _sum_axis(x.imag, axis))
    total = torch.zeros(x.shape[:axis] + x.shape[axis + 1 :], dtype=x.dtype, device=x.device)
    for j in range(x.shape[axis]):
        total = total + x.select(axis, j)
    return total


# --8<-- [end:sum]


# --8<-- [start:mean]
def mean(x: torch.Tensor, dim: Dims = None, keepdim: bool = False) -> torch.Tensor:
    r"""Return the mean of ``x`` over the axes ``dim``: the sum divided by the number of terms.

    $$
    \bar{x} = \frac{1}{N} \sum_{j} x_j, \qquad N = \prod_{k \in \text{dim}} d_k
    $$

    Like `torch.mean`, it refuses integer and boolean tensors rather than choose a dtype for the
    fraction: convert first (``x.float()``). The mean over zero terms is NaN ($0 / 0$).

    Args:
        x: a floating-point or complex tensor.
        dim: an axis, a tuple of axes, or ``None`` for all axes.
        keepdim: keep each averaged axis, with length 1.

    Returns:
        The means, in ``x.dtype`` on ``x``'s device.

    Raises:
        TypeError: ``x`` has an integer or boolean dtype, or ``dim`` is not an int, a tuple of ints
            or ``None``.
        IndexError: an axis is out of range.
        ValueError: an axis is named twice.

    Examples:
        >>> mean(torch.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=0)
        tensor([2.0000, 3.5000])
        >>> mean(torch.tensor([1, 2]))
        Traceback (most recent call last):
          ...
        TypeError: mean: expected a floating-point or complex tensor, got torch.int64; try x.float()
    """
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise TypeError(f"mean: expected a floating-point or complex tensor, got {x.dtype}; try x.float()")
    axes = normalize_dims("mean", x, dim)
    count = 1
    for axis in axes:
        count *= x.shape[axis]
    total = sum(x.to(_accumulator(x.dtype)), axes, keepdim)
    return (total / count).to(x.dtype)


# --8<-- [end:mean]


# --8<-- [start:cumsum]
def cumsum(x: torch.Tensor, dim: int) -> torch.Tensor:
    r"""Return the running sums of ``x`` along the axis ``dim``.

    $$
    y_i = \sum_{j=0}^{i} x_j = y_{i-1} + x_i, \qquad y_{-1} = 0
    $$

    along axis ``dim``, independently for every position along the other axes. The shape is
    ``x``'s; the dtype is int64 for integer and boolean ``x`` (as `torch.cumsum`), else ``x.dtype``.
    The running total is kept in int64, float64 or complex128 and each $y_i$ is rounded once.

    Args:
        x: the tensor.
        dim: the axis to run along; negative counts from the end.

    Returns:
        A tensor of ``x``'s shape, on ``x``'s device.

    Raises:
        TypeError: ``dim`` is not an int.
        IndexError: ``dim`` is out of range.

    Examples:
        >>> cumsum(torch.tensor([1, 2, 3, 4]), dim=0)
        tensor([ 1,  3,  6, 10])
        >>> cumsum(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=-1)
        tensor([[1., 3.],
                [3., 7.]])
    """
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"cumsum: dim must be an int, got {dim!r}")
    normalize_dims("cumsum", x, dim)  # the range check
    result_dtype = _sum_dtype(x.dtype)
    if x.dim() == 0:
        return x.to(result_dtype)
    axis = dim % x.dim()
    wide = x.to(_accumulator(x.dtype))
    if wide.is_complex():  # part by part, as in sum: complex + would turn inf + 0j into inf + nanj
        return torch.complex(cumsum(wide.real, dim), cumsum(wide.imag, dim)).to(result_dtype)
    running = torch.zeros(wide.shape[:axis] + wide.shape[axis + 1 :], dtype=wide.dtype, device=x.device)
    sums = []
    for i in range(x.shape[axis]):
        running = running + wide.select(axis, i)
        sums.append(running)
    if not sums:  # an axis of length 0: nothing to add
        return torch.zeros(x.shape, dtype=result_dtype, device=x.device)
    return torch.stack(sums, dim=axis).to(result_dtype)


# --8<-- [end:cumsum]
