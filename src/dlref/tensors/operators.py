r"""Elementwise operators from the definitions: floor division, remainder, and `where`.

The hardware divides integers by **truncating** toward zero (C's ``/`` and ``%``; in torch,
``torch.div(..., rounding_mode="trunc")`` and `torch.fmod`). Python and torch's ``//`` and ``%``
**floor** instead, so that the remainder takes the sign of the divisor. `floor_divide` and
`remainder` derive the floored pair from the truncated one with a one-step correction, exactly as
torch's kernels do; `where` selects elementwise after broadcasting. Each is checked against torch,
bit for bit, on every available device in ``tests/tensors/test_operators.py``.
"""

from __future__ import annotations

import torch

from dlref.tensors.attributes import result_type

__all__ = ["floor_divide", "remainder", "where"]

Operand = torch.Tensor | bool | int | float


def _convert(value: Operand, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Return ``value`` as a tensor of ``dtype`` on ``device`` (a Python float straight to ``dtype``)."""
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=dtype)
    return torch.tensor(value, dtype=dtype, device=device)


def _as_tensors(function: str, a: Operand, b: Operand) -> tuple[torch.Tensor, torch.Tensor]:
    """Convert both operands to the promoted real dtype on a common device; refuse bool and complex."""
    tensors = [x for x in (a, b) if isinstance(x, torch.Tensor)]
    if not tensors:
        raise TypeError(
            f"{function}: at least one operand must be a tensor, got {type(a).__name__} and {type(b).__name__}"
        )
    dtype = result_type(a, b)
    if dtype == torch.bool or dtype.is_complex:
        raise TypeError(
            f"{function}: needs real integer or floating-point operands, got dtype {dtype} for a and b;"
            " convert them with .long() or .float()"
        )
    device = tensors[0].device
    for x in tensors:
        if x.device != device and x.dim() > 0:
            raise ValueError(
                f"{function}: operands a and b are on different devices, {tensors[0].device} and {x.device}"
            )
    a, b = (_convert(x, dtype, device) for x in (a, b))
    try:
        a, b = torch.broadcast_tensors(a, b)  # views of one shape (stride 0 along the broadcast axes)
    except RuntimeError:
        raise ValueError(
            f"{function}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast, so a and b cannot be paired"
        ) from None
    return a, b


# --8<-- [start:floor]
def _floored(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(a // b, a % b)`` floored, from the truncated remainder ``fmod(a, b)``.

    ``r = fmod(a, b)`` has the sign of ``a``. Where it is nonzero and its sign differs from ``b``'s,
    the truncated quotient is one too big, so the floored one is one less, and ``r + b`` is the
    floored remainder. The quotient is ``(a - r) / b``, an exact division.
    """
    if not a.dtype.is_floating_point and bool((b == 0).any()):
        raise ZeroDivisionError(f"integer division by zero ({int((b == 0).sum())} zero divisor(s) in b)")
    r = torch.fmod(a, b)
    fix = (r != 0) & ((r < 0) != (b < 0))
    if a.dtype.is_floating_point:
        div = (a - r) / b  # a whole number, up to the rounding of this division
        div = torch.where(fix, div - 1, div)
        floor = div.floor()
        q = torch.where(div - floor > 0.5, floor + 1, floor)  # so round it to the nearest whole number
        q = torch.where(div == 0, torch.copysign(torch.zeros_like(q), a / b), q)  # 0 or -0, as a / b
        q = torch.where(b == 0, a / b, q)  # IEEE: inf, -inf or nan
    else:
        q = torch.div(a - r, b, rounding_mode="trunc")  # exact: b divides a - r
        q = q - fix.to(q.dtype)
    return q, torch.where(fix, r + b, r)


# --8<-- [end:floor]


# --8<-- [start:floor_divide]
def floor_divide(a: Operand, b: Operand) -> torch.Tensor:
    r"""Return ``a // b``: the quotient rounded down, toward $-\infty$.

    $$
    q = \left\lfloor \frac{a}{b} \right\rfloor, \qquad a = b\,q + r, \qquad 0 \le |r| < |b|,
    \quad \operatorname{sign} r = \operatorname{sign} b \text{ or } r = 0
    $$

    ``-7 // 2`` is ``-4`` (floor), not ``-3`` (truncation, what C and ``torch.div(...,
    rounding_mode="trunc")`` give). For floats the quotient is that of the exact remainder, not
    ``floor(a / b)`` of the rounded division: ``1.0 // 0.1`` is ``9.0``, because ``0.1`` is stored
    as slightly more than $1/10$. Dividing by zero gives ``inf``/``nan`` for floats and raises for
    integers, as torch does on the CPU. A float16 or bfloat16 tensor divided by a Python number or
    a 0-dim CPU tensor is divided in float32 by that number's own value, as torch's kernel does.

    Args:
        a: the dividend, a tensor or a Python number.
        b: the divisor, a tensor or a Python number; at least one of them a tensor.

    Returns:
        The broadcast quotient, in the dtype ``result_type(a, b)``.

    Raises:
        TypeError: neither operand is a tensor, or the promoted dtype is bool or complex (torch
            refuses them too).
        ZeroDivisionError: an integer divisor is zero.
        ValueError: the shapes do not broadcast; the message names both.

    Examples:
        >>> floor_divide(torch.tensor([7, -7, 7, -7]), torch.tensor([2, 2, -2, -2]))
        tensor([ 3, -4, -4,  3])
        >>> floor_divide(torch.tensor(1.0), 0.1)
        tensor(9.)
        >>> floor_divide(torch.tensor([1, 2]), torch.tensor([1, 0]))
        Traceback (most recent call last):
          ...
        ZeroDivisionError: integer division by zero (1 zero divisor(s) in b)

    """
    x, y = _as_tensors("floor_divide", a, b)
    if x.dtype in (torch.float16, torch.bfloat16) and _is_cpu_scalar(b):
        # torch's CPU kernel divides these in float32 by the divisor's own value, not by that value
        # rounded to float16/bfloat16 first: bfloat16 1 // float16 0.1 is 10, not 9.
        exact = b if isinstance(b, torch.Tensor) else torch.tensor(b, dtype=torch.float64)
        return _floored(x.float(), exact.to(device=x.device, dtype=torch.float32).expand_as(x))[0].to(x.dtype)
    return _floored(x, y)[0]


def _is_cpu_scalar(value: Operand) -> bool:
    """A Python number, or a 0-dim tensor on the CPU: torch passes these to kernels as scalars."""
    return not isinstance(value, torch.Tensor) or (value.dim() == 0 and value.device.type == "cpu")


# --8<-- [end:floor_divide]


# --8<-- [start:remainder]
def remainder(a: Operand, b: Operand) -> torch.Tensor:
    r"""Return ``a % b``, the remainder of floor division: it has the sign of the divisor ``b``.

    $$
    r = a - b \left\lfloor \frac{a}{b} \right\rfloor
    $$

    ``-7 % 2`` is ``1`` (Python's and torch's ``%``), while `torch.fmod` gives ``-1``, the sign of
    the dividend (C's ``%``). Integer division by zero raises; a float one gives ``nan``.

    Args:
        a: the dividend, a tensor or a Python number.
        b: the divisor, a tensor or a Python number; at least one of them a tensor.

    Returns:
        The broadcast remainder, in the dtype ``result_type(a, b)``.

    Raises:
        TypeError: neither operand is a tensor, or the promoted dtype is bool or complex.
        ZeroDivisionError: an integer divisor is zero.
        ValueError: the shapes do not broadcast; the message names both.

    Examples:
        >>> remainder(torch.tensor([7, -7, 7, -7]), torch.tensor([2, 2, -2, -2]))
        tensor([ 1,  1, -1, -1])
        >>> torch.fmod(torch.tensor([7, -7, 7, -7]), torch.tensor([2, 2, -2, -2]))
        tensor([ 1, -1,  1, -1])

    """
    return _floored(*_as_tensors("remainder", a, b))[1]


# --8<-- [end:remainder]


# --8<-- [start:where]
def where(condition: torch.Tensor, x: Operand, y: Operand) -> torch.Tensor:
    r"""Return ``x`` where ``condition`` is true and ``y`` elsewhere, elementwise after broadcasting.

    $$
    \text{out}_i = \begin{cases} x_i & c_i \\ y_i & \neg c_i \end{cases}
    $$

    The three shapes broadcast together, and ``x`` and ``y`` promote to ``result_type(x, y)``.
    The selection is a copy of ``y`` overwritten through the mask with ``x`` (not
    ``c * x + (1 - c) * y``, which turns an unselected ``inf`` into ``nan``, because
    $0 \cdot \infty$ is not a number).

    Args:
        condition: a bool tensor.
        x: the values taken where ``condition`` is true: a tensor or a Python number.
        y: the values taken elsewhere: a tensor or a Python number.

    Returns:
        A new tensor of the broadcast shape, on ``condition``'s device.

    Raises:
        TypeError: ``condition`` is not a bool tensor, or ``x`` or ``y`` is neither a tensor nor a
            number.
        ValueError: the shapes do not broadcast; the message names all three.

    Examples:
        >>> c = torch.tensor([True, False, True])
        >>> where(c, torch.tensor([1, 2, 3]), 0.5)
        tensor([1.0000, 0.5000, 3.0000])
        >>> where(c, torch.tensor([1.0, 2.0]), 0.0)
        Traceback (most recent call last):
          ...
        ValueError: where: shapes do not broadcast: condition (3,), x (2,), y ()

    """
    if not isinstance(condition, torch.Tensor) or condition.dtype != torch.bool:
        got = f"dtype {condition.dtype}" if isinstance(condition, torch.Tensor) else type(condition).__name__
        raise TypeError(f"where: condition must be a bool tensor, got {got}")
    for name, value in (("x", x), ("y", y)):
        if not isinstance(value, (torch.Tensor, bool, int, float, complex)):
            raise TypeError(f"where: {name} must be a tensor or a Python number, got {type(value).__name__}")
    dtype = result_type(x, y)
    x, y = (_convert(v, dtype, condition.device) for v in (x, y))
    try:
        mask, x, y = torch.broadcast_tensors(condition, x, y)  # views of one shape
    except RuntimeError:
        shapes = ", ".join(f"{n} {tuple(t.shape)}" for n, t in (("condition", condition), ("x", x), ("y", y)))
        raise ValueError(f"where: shapes do not broadcast: {shapes}") from None
    out = y.clone()  # y everywhere, in fresh memory
    out[mask] = x[mask]  # then x where the condition holds
    return out


# --8<-- [end:where]
