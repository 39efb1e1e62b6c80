r"""Tensor creation from the definitions: arange, linspace, eye, and the shape rule of torch.tensor.

These are from-scratch versions of `torch.arange`, `torch.linspace`, `torch.eye` and of the rule
by which `torch.tensor` infers a shape from nested lists, written to be read rather than to be fast.
Each builds its values from the formula in its docstring with a few primitive operations
(`torch.ones`, `torch.cumsum`, arithmetic, comparison, a cast), and each is checked against torch,
value for value and dtype for dtype, on every available device in
``tests/tensors/test_creation.py``.
"""

from __future__ import annotations

import math

import torch

__all__ = ["arange", "eye", "linspace", "nested_shape"]


def _check_real(name: str, value: object) -> None:
    """Raise `TypeError` unless ``value`` is an int or a float (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be an int or a float, got {value!r} ({type(value).__name__})")


def _check_count(name: str, value: object) -> None:
    """Raise `TypeError` unless ``value`` is an int (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")


def _check_real_dtype(function: str, dtype: torch.dtype) -> None:
    """Raise `TypeError` unless ``dtype`` is a real floating-point or integer dtype (not bool)."""
    if dtype == torch.bool or dtype.is_complex:
        raise TypeError(f"{function} needs a real floating-point or integer dtype, got dtype={dtype}")


# --8<-- [start:indices]
def _indices(n: int, dtype: torch.dtype, device: torch.device | str | None) -> torch.Tensor:
    """Return the indices ``0, 1, ..., n - 1`` as a running sum of ones, minus one.

    The partial sums of ones are whole numbers, exact in int64 and, below $2^{53}$, in float64,
    whatever order the device adds them in; so this is exactly ``torch.arange(n)`` without using it.
    """
    return torch.ones(n, dtype=dtype, device=device).cumsum(0) - 1


# --8<-- [end:indices]


# --8<-- [start:arange]
def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""Return evenly spaced values from ``start``, ``step`` apart, stopping before ``end``.

    $$
    x_i = \text{start} + i \cdot \text{step}, \quad i = 0, 1, \dots, n - 1,
    \qquad n = \left\lceil \frac{\text{end} - \text{start}}{\text{step}} \right\rceil
    $$

    ``end`` is excluded. ``arange(end)`` means ``arange(0, end)``. The length $n$ is computed in
    double precision, as torch does, so a step that is not exactly representable can add an element:
    ``(1.3 - 1) / 0.1`` is ``3.0000000000000004``, whose ceiling is 4, so ``arange(1, 1.3, 0.1)``
    ends at 1.3 (see the examples). Use `linspace` when the endpoints matter.

    With no ``dtype``, the result is int64 when ``start``, ``end`` and ``step`` are all ints, and
    `torch.get_default_dtype()` otherwise, as with `torch.arange`.

    Args:
        start: the first value; with ``end`` omitted, the end (and the start is 0).
        end: the bound, not included.
        step: the gap between neighbouring values; nonzero, with the sign of ``end - start``.
        dtype: the dtype of the result (real floating-point or integer); inferred when ``None``.
        device: where to allocate the result; torch's default device when ``None``.

    Returns:
        A 1-D tensor of $n$ values.

    Raises:
        TypeError: ``start``, ``end`` or ``step`` is not an int or a float (a bool is refused,
            where torch would take it as 0 or 1), or ``dtype`` is bool or complex.
        ValueError: ``step`` is zero (or NaN), ``start`` or ``end`` is not finite, ``step`` points
            away from ``end``, or ``dtype`` is an integer type and one of ``start``, ``end``,
            ``step`` is not a whole number. (torch truncates them in that case, by a rule that
            differs between int64 and the other integer types; this reference refuses instead.)
            Or the range has more than $2^{63} - 1$ elements (a tiny ``step``).

    Examples:
        >>> arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> arange(1, 2.5, 0.5)
        tensor([1.0000, 1.5000, 2.0000])
        >>> arange(10, 0, -3)
        tensor([10,  7,  4,  1])
        >>> arange(1, 1.3, 0.1)
        tensor([1.0000, 1.1000, 1.2000, 1.3000])
        >>> (1.3 - 1) / 0.1
        3.0000000000000004
        >>> arange(0, 5, 0)
        Traceback (most recent call last):
          ...
        ValueError: step must be nonzero, got step=0

    """
    if end is None:
        start, end = 0, start
    _check_real("start", start)
    _check_real("end", end)
    _check_real("step", step)
    # The checks, in torch's order and (up to the parenthesis) in torch's words. Written as
    # "neither positive nor negative" so that a NaN step is refused too, as torch refuses it.
    if not (step > 0 or step < 0):
        raise ValueError(f"step must be nonzero, got step={step}")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError(f"unsupported range: {start} -> {end} (start and end must be finite)")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise ValueError(
            f"upper bound and lower bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    if dtype is None:
        integers = all(isinstance(value, int) for value in (start, end, step))
        dtype = torch.int64 if integers else torch.get_default_dtype()
    _check_real_dtype("arange", dtype)

    if dtype.is_floating_point:
        # n from a division of doubles, exactly as torch computes it; then the values in float64,
        # each one as start + i * step (not by adding step repeatedly, which would let the rounding
        # errors accumulate), and one rounding to the requested dtype at the end.
        n = math.ceil((float(end) - float(start)) / float(step))
        _check_size(n, start, end, step)
        i = _indices(n, torch.float64, device)
        return (float(start) + i * float(step)).to(dtype)

    for name, value in (("start", start), ("end", end), ("step", step)):
        if not float(value).is_integer():
            raise ValueError(f"dtype={dtype} needs whole-number bounds and step, got {name}={value}")
    start, end, step = int(start), int(end), int(step)
    # With integers, n is an exact ceiling division (torch's int64 path is exact too), and the
    # values are exact in int64 before the cast to the requested integer type.
    n = -((start - end) // step)
    _check_size(n, start, end, step)
    i = _indices(n, torch.int64, device)
    return (start + i * step).to(dtype)


# --8<-- [end:arange]


def _check_size(n: int, start: float, end: float, step: float) -> None:
    """Refuse a range of more elements than a tensor's size can count (torch: "invalid size, possible overflow?")."""
    if n > 2**63 - 1:
        raise ValueError(
            f"arange: {start} to {end} in steps of step={step} is {n:.3g} elements, more than a tensor can hold"
            " (2**63 - 1); use a larger step"
        )


# --8<-- [start:linspace]
def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""Return ``steps`` evenly spaced values from ``start`` to ``end``, both included.

    $$
    \delta = \frac{\text{end} - \text{start}}{\text{steps} - 1}, \qquad
    x_i = \begin{cases}
        \text{start} + i\,\delta & i < \lfloor \text{steps} / 2 \rfloor \\
        \text{end} - (\text{steps} - 1 - i)\,\delta & \text{otherwise}
    \end{cases}
    $$

    The first half counts up from ``start`` and the second half counts down from ``end``: this is
    torch's symmetric form, and it makes both endpoints exact ($x_0 = \text{start}$ and
    $x_{\text{steps} - 1} = \text{end}$, with no rounding error from $\delta$). ``steps == 1``
    gives ``[start]`` and ``steps == 0`` an empty tensor.

    The values are computed in float64 and rounded once to ``dtype`` (default
    `torch.get_default_dtype()`). For an integer ``dtype``, as in torch, ``start`` and ``end`` are
    first truncated toward zero, and each value is truncated toward zero at the end.

    Args:
        start: the first value.
        end: the last value.
        steps: how many values; an int, at least 0.
        dtype: the dtype of the result (real floating-point or integer).
        device: where to allocate the result; torch's default device when ``None``.

    Returns:
        A 1-D tensor of ``steps`` values.

    Raises:
        TypeError: ``start`` or ``end`` is not an int or a float, ``steps`` is not an int (a bool
            is refused), or ``dtype`` is bool or complex.
        ValueError: ``steps`` is negative, or ``dtype`` is an integer type and a value the result
            needs (``start`` for 1 step, both for more) is infinite or NaN (torch: an overflow error).

    Examples:
        >>> linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
        >>> linspace(0, 10, 4, dtype=torch.int64)
        tensor([ 0,  3,  6, 10])
        >>> linspace(2, 3, 1)
        tensor([2.])
        >>> linspace(0, 1, -1)
        Traceback (most recent call last):
          ...
        ValueError: number of steps must be non-negative, got -1

    """
    _check_real("start", start)
    _check_real("end", end)
    _check_count("steps", steps)
    if steps < 0:
        raise ValueError(f"number of steps must be non-negative, got {steps}")
    if dtype is None:
        dtype = torch.get_default_dtype()
    _check_real_dtype("linspace", dtype)
    if not dtype.is_floating_point:
        for name, value in (("start", start), ("end", end))[: min(steps, 2)]:  # the values the result needs
            if not math.isfinite(value):
                raise ValueError(f"linspace: {name} must be finite for the integer dtype {dtype}, got {name}={value}")
        start, end = (math.trunc(v) if math.isfinite(v) else 0 for v in (start, end))

    if steps == 1:  # delta is 0 / 0 here; the definition is simply [start]
        return torch.full((1,), float(start), dtype=torch.float64, device=device).to(dtype)
    delta = (end - start) / (steps - 1) if steps > 1 else 0.0
    i = _indices(steps, torch.float64, device)
    from_start = start + i * delta
    from_end = end - (steps - 1 - i) * delta
    return torch.where(i < steps // 2, from_start, from_end).to(dtype)


# --8<-- [end:linspace]


# --8<-- [start:eye]
def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""Return the ``n`` by ``m`` identity matrix: ones on the diagonal, zeros elsewhere.

    $$
    I_{ij} = \begin{cases} 1 & i = j \\ 0 & i \neq j \end{cases},
    \qquad 0 \le i < n, \; 0 \le j < m
    $$

    Built as the definition reads: a column of row indices $i$ is compared with a row of column
    indices $j$, broadcasting to the ``(n, m)`` table of $i = j$, which is then cast to ``dtype``.

    Args:
        n: the number of rows; an int, at least 0.
        m: the number of columns; ``n`` when ``None``.
        dtype: the dtype of the result; `torch.get_default_dtype()` when ``None``.
        device: where to allocate the result; torch's default device when ``None``.

    Returns:
        A tensor of shape ``(n, m)``.

    Raises:
        TypeError: ``n`` or ``m`` is not an int (a bool is refused).
        ValueError: ``n`` or ``m`` is negative.

    Examples:
        >>> eye(2)
        tensor([[1., 0.],
                [0., 1.]])
        >>> eye(2, 3, dtype=torch.int64)
        tensor([[1, 0, 0],
                [0, 1, 0]])
        >>> eye(-1)
        Traceback (most recent call last):
          ...
        ValueError: n must be greater or equal to 0, got -1

    """
    if m is None:
        m = n
    for name, value in (("n", n), ("m", m)):
        _check_count(name, value)
        if value < 0:
            raise ValueError(f"{name} must be greater or equal to 0, got {value}")
    if dtype is None:
        dtype = torch.get_default_dtype()
    rows = arange(n, device=device).reshape(n, 1)  # i, down the rows
    columns = arange(m, device=device).reshape(1, m)  # j, across the columns
    return (rows == columns).to(dtype)


# --8<-- [end:eye]


# --8<-- [start:nested_shape]
def nested_shape(data: object) -> tuple[int, ...]:
    r"""Return the shape `torch.tensor` infers from nested lists and tuples of numbers.

    $$
    \text{shape}(x) = \begin{cases}
        () & x \text{ a number} \\
        (\operatorname{len} x,) \mathbin{+\!\!+} \text{shape}(x_0) & x \text{ a list or tuple}
    \end{cases}
    $$

    The shape is read down the first elements ($x$, $x_0$, $x_{00}$, ...; an empty list ends it),
    and then every list at depth $d$ must have length ``shape[d]``, and every item below the last
    dimension must be a number. The lists are checked depth first, in order, so a ragged input gets
    the same message as from `torch.tensor`.

    One difference: `torch.tensor` skips the check when the inferred shape has no elements, so
    ``torch.tensor([[], [1]])`` has shape ``(2, 0)``; this function refuses that input.

    Args:
        data: a number (int, float, bool or complex), or a list or tuple of such data.

    Returns:
        The shape, one length per dimension; ``()`` for a number.

    Raises:
        ValueError: a list has the wrong length for its depth, or a number and a list appear at
            the same depth. The message names the dimension (the depth).
        TypeError: an item is neither a number nor a list or tuple (a string, say).

    Examples:
        >>> nested_shape(3.5)
        ()
        >>> nested_shape([[1, 2, 3], [4, 5, 6]])
        (2, 3)
        >>> nested_shape([[], []])
        (2, 0)
        >>> nested_shape([[1, 2, 3], [4, 5]])
        Traceback (most recent call last):
          ...
        ValueError: expected sequence of length 3 at dim 1 (got 2)

    """
    shape: list[int] = []
    first = data
    while isinstance(first, (list, tuple)):
        shape.append(len(first))
        if not first:
            break
        first = first[0]
    _check_nesting(data, tuple(shape), 0)
    return tuple(shape)


def _check_nesting(item: object, shape: tuple[int, ...], dim: int) -> None:
    """Check that ``item``, found at depth ``dim``, fits ``shape``; raise naming ``dim`` if not."""
    is_sequence = isinstance(item, (list, tuple))
    if not is_sequence and not isinstance(item, (bool, int, float, complex)):
        raise TypeError(f"expected a number, list or tuple at dim {dim}, got {item!r} ({type(item).__name__})")
    if dim == len(shape):
        if is_sequence:
            raise ValueError(f"expected a number at dim {dim} (got the sequence {item!r})")
        return
    if not is_sequence:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got the number {item!r})")
    if len(item) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(item)})")
    for child in item:
        _check_nesting(child, shape, dim + 1)


# --8<-- [end:nested_shape]
