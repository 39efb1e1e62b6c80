r"""Tensor attributes from the definitions: dtype promotion (`result_type`) and row-major strides.

`result_type` is torch's type-promotion algorithm written out from its documented rules: the
category order bool < integer < floating < complex, the pairwise lattice of `promote_types`, and the
three priority classes of operands (dimensioned tensors, zero-dimensional tensors, Python numbers).
`contiguous_strides` is the stride rule of a freshly allocated (row-major, C-order) tensor. Both are
checked against torch, dtype for dtype and stride for stride, in ``tests/tensors/test_attributes.py``.
"""

from __future__ import annotations

import torch

__all__ = ["category", "contiguous_strides", "promote_types", "result_type"]

# The dtypes the lattice below knows, smallest first within each kind. (torch's uint16/32/64 and the
# float8 types have no promotion rules with the others: torch refuses them too.)
_SIGNED = [torch.int8, torch.int16, torch.int32, torch.int64]
_FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
_COMPLEX = {torch.float16: torch.complex32, torch.float32: torch.complex64, torch.float64: torch.complex128}
_REAL_PART = {complex_: real for real, complex_ in _COMPLEX.items()}
_KNOWN = {torch.bool, torch.uint8, *_SIGNED, *_FLOATS, *_COMPLEX.values()}

Operand = torch.Tensor | bool | int | float | complex


# --8<-- [start:category]
def category(dtype: torch.dtype) -> int:
    """Return the category of ``dtype``: 0 bool, 1 integer, 2 floating point, 3 complex.

    Examples:
        >>> [category(d) for d in (torch.bool, torch.uint8, torch.float16, torch.complex64)]
        [0, 1, 2, 3]

    """
    _check_known(dtype)
    if dtype == torch.bool:
        return 0
    if dtype.is_complex:
        return 3
    return 2 if dtype.is_floating_point else 1


# --8<-- [end:category]


def _check_known(dtype: torch.dtype, name: str = "dtype") -> None:
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{name} must be a torch.dtype, got {dtype!r} ({type(dtype).__name__})")
    if dtype not in _KNOWN:
        raise TypeError(
            f"{name}: no promotion rule for {dtype}: only bool, uint8, int8..int64, float16, bfloat16, "
            "float32, float64 and complex32..complex128 take part in promotion"
        )


# --8<-- [start:promote_types]
def promote_types(a: torch.dtype, b: torch.dtype) -> torch.dtype:
    """Return the smallest dtype to which both ``a`` and ``b`` convert without leaving their category.

    The rules, in order:

    1. Equal dtypes: that dtype. ``bool`` with anything: the other dtype.
    2. Different categories (integer < floating < complex): the higher category wins, except that a
       complex type widens to hold a float's precision (``complex64`` with ``float64`` is
       ``complex128``).
    3. Two floats: the wider; ``float16`` with ``bfloat16`` (neither holds the other) is ``float32``.
    4. Two integers: the wider; ``uint8`` with a signed type needs a sign and 8 value bits, so with
       ``int8`` it is ``int16``, and with a wider signed type that type.

    Args:
        a: a dtype.
        b: another dtype.

    Returns:
        The promoted dtype, as `torch.promote_types` gives it.

    Raises:
        TypeError: a dtype without promotion rules (``uint16``, ``float8_e4m3fn``, ...), as in torch.

    Examples:
        >>> promote_types(torch.int64, torch.float16)
        torch.float16
        >>> promote_types(torch.uint8, torch.int8)
        torch.int16
        >>> promote_types(torch.float16, torch.bfloat16)
        torch.float32
        >>> promote_types(torch.complex64, torch.float64)
        torch.complex128

    """
    _check_known(a, "a")
    _check_known(b, "b")
    if a == b or b == torch.bool:
        return a
    if a == torch.bool:
        return b
    if category(a) < category(b):
        a, b = b, a  # now a is in the higher (or the same) category
    if a.is_complex:
        real = _REAL_PART[a]
        if b.is_complex:
            b = _REAL_PART[b]
        return _COMPLEX[promote_types(real, b)] if b.is_floating_point else a
    if a.is_floating_point and b.is_floating_point:
        if {a, b} == {torch.float16, torch.bfloat16}:
            return torch.float32
        return max(a, b, key=_FLOATS.index)
    if a.is_floating_point:
        return a
    if torch.uint8 in (a, b):  # one unsigned byte, one signed type
        signed = b if a == torch.uint8 else a
        return torch.int16 if signed == torch.int8 else signed
    return max(a, b, key=_SIGNED.index)


# --8<-- [end:promote_types]


# --8<-- [start:result_type]
def _python_dtype(value: bool | int | float | complex) -> torch.dtype:
    """The dtype a Python number stands for: bool, int64, the default float, or its complex type."""
    if isinstance(value, bool):
        return torch.bool
    if isinstance(value, int):
        return torch.int64
    if isinstance(value, float):
        return torch.get_default_dtype()
    return _COMPLEX[torch.get_default_dtype()]


def _combine(higher: torch.dtype | None, lower: torch.dtype | None) -> torch.dtype | None:
    """Merge the dtype of a higher-priority class with that of a lower one.

    The lower class counts only if its category is above the higher class's. Then its dtype is the
    result, except that a float of the higher class keeps its precision in the complex type
    (a ``float64`` tensor with a Python ``complex`` gives ``complex128``, not ``complex64``).
    """
    if higher is None or lower is None:
        return lower if higher is None else higher
    if category(lower) <= category(higher):
        return higher
    if lower.is_complex and higher.is_floating_point:
        return _COMPLEX.get(higher, torch.complex64)  # bfloat16 has no complex type: complex64
    return lower


def result_type(*operands: Operand) -> torch.dtype:
    r"""Return the dtype of an elementwise operation on ``operands``, by torch's promotion rules.

    Operands fall into three priority classes: tensors with at least one dimension, zero-dimensional
    tensors, and Python numbers (``bool`` is bool, ``int`` is int64, ``float`` is
    `torch.get_default_dtype()`, ``complex`` its complex type). Within a class the dtypes are
    promoted pairwise (`promote_types`). Across classes, a lower class only matters when its
    category (bool < integer < floating < complex) is **higher**:

    $$
    \text{result} = \text{combine}\bigl(\text{dim},\ \text{combine}(\text{zero-dim},\ \text{number})\bigr)
    $$

    So ``int8 tensor + 1000`` stays ``int8`` (same category; the number does not widen it), but
    ``int8 tensor + 1.5`` is ``float32`` (a higher category, at the default float's size).

    Args:
        *operands: tensors and Python numbers (bool, int, float, complex), at least one.

    Returns:
        The dtype `torch.result_type` gives (for two operands; torch's function takes exactly two).

    Raises:
        TypeError: an operand is neither a tensor nor a number, no operand is given, or a dtype has
            no promotion rules.

    Examples:
        >>> i8, f64_scalar = torch.tensor([1, 2], dtype=torch.int8), torch.tensor(1.0, dtype=torch.float64)
        >>> result_type(i8, 1000), result_type(i8, 1.5)
        (torch.int8, torch.float32)
        >>> result_type(i8, f64_scalar)
        torch.float64
        >>> result_type(torch.ones(2), f64_scalar)
        torch.float32
        >>> result_type(i8, "2")
        Traceback (most recent call last):
          ...
        TypeError: operand 1 must be a tensor or a Python number, got '2' (str)

    """
    if not operands:
        raise TypeError("result_type needs at least one operand")
    classes: list[torch.dtype | None] = [None, None, None]  # dimensioned, zero-dim, Python number
    for position, operand in enumerate(operands):
        if isinstance(operand, torch.Tensor):
            dtype, rank = operand.dtype, 0 if operand.dim() > 0 else 1
        elif isinstance(operand, (bool, int, float, complex)):
            dtype, rank = _python_dtype(operand), 2
        else:
            raise TypeError(
                f"operand {position} must be a tensor or a Python number, got {operand!r} ({type(operand).__name__})"
            )
        current = classes[rank]
        classes[rank] = dtype if current is None else promote_types(current, dtype)
    result = _combine(classes[0], _combine(classes[1], classes[2]))
    assert result is not None
    return result


# --8<-- [end:result_type]


# --8<-- [start:contiguous_strides]
def contiguous_strides(shape: tuple[int, ...] | torch.Size) -> tuple[int, ...]:
    r"""Return the strides of a contiguous (row-major) tensor of ``shape``, in elements.

    $$
    s_{k-1} = 1, \qquad s_j = s_{j+1} \cdot \max(d_{j+1}, 1)
    $$

    Stepping one place along axis $j$ skips a whole block of the later axes. A length-0 axis
    counts as 1, as in torch, so the strides stay positive.

    Args:
        shape: the sizes $(d_0, \dots, d_{k-1})$, each an int at least 0.

    Returns:
        The strides, one per axis; ``()`` for a scalar.

    Raises:
        TypeError: a size is not an int.
        ValueError: a size is negative.

    Examples:
        >>> contiguous_strides((2, 3, 4))
        (12, 4, 1)
        >>> torch.zeros(2, 3, 4).stride()
        (12, 4, 1)
        >>> contiguous_strides((2, 0, 3))
        (3, 3, 1)
        >>> contiguous_strides((2, -1))
        Traceback (most recent call last):
          ...
        ValueError: sizes must be non-negative, got shape (2, -1) (axis 1 is -1)

    """
    shape = tuple(shape)
    for axis, size in enumerate(shape):
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"sizes must be ints, got shape {shape!r} (axis {axis} is {type(size).__name__})")
        if size < 0:
            raise ValueError(f"sizes must be non-negative, got shape {shape} (axis {axis} is {size})")
    strides = [1] * len(shape)
    for j in range(len(shape) - 2, -1, -1):
        strides[j] = strides[j + 1] * max(shape[j + 1], 1)
    return tuple(strides)


# --8<-- [end:contiguous_strides]
