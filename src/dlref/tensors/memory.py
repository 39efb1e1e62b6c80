r"""Which tensors share memory: the byte ranges of strided tensors, roughly and exactly.

A strided tensor ``t`` of shape $(n_0, \dots, n_{k-1})$, strides $(s_0, \dots, s_{k-1})$ (in
elements) and element size $b$ bytes keeps element $(i_0, \dots, i_{k-1})$ at the address

$$
\text{addr}(i) = \text{t.data\_ptr()} + b \sum_j i_j \, s_j ,
$$

and that element occupies the bytes $[\text{addr}(i), \text{addr}(i) + b)$. Views (slices,
transposes, ``view``, ``expand``) are other shapes, strides and offsets over the same bytes. Two
tensors *share memory* when some byte belongs to an element of each.

`may_share_memory` compares the two spans from the lowest to the highest byte a tensor can touch,
as `numpy.may_share_memory` does: quick, and it can say ``True`` for interleaved views that never
touch the same byte (``x[::2]`` and ``x[1::2]``). `shares_memory` answers exactly, like
`numpy.shares_memory`, by listing every element's address. Both compare addresses, not storages:
comparing ``untyped_storage().data_ptr()`` is wrong both ways (see the page). They are checked
against NumPy and against mutation in ``tests/tensors/test_memory.py``.
"""

from __future__ import annotations

import torch

__all__ = ["byte_span", "element_addresses", "may_share_memory", "shares_memory"]


def _check_strided(name: str, t: object) -> torch.Tensor:
    """Return ``t`` if it is a strided tensor; raise `TypeError` or `ValueError` naming it otherwise."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(t).__name__}")
    if t.layout != torch.strided:
        raise ValueError(f"{name} has layout {t.layout}; only strided tensors have one block of memory to compare")
    if t.device.type == "meta":
        raise ValueError(f"{name} is on the meta device, which has shapes but no memory")
    return t


# --8<-- [start:byte_span]
def byte_span(t: torch.Tensor) -> tuple[int, int]:
    r"""Return the addresses ``(start, stop)`` of the bytes ``t`` can touch: ``[start, stop)``.

    Strides are never negative in torch, so the lowest address is element $(0, \dots, 0)$ and the
    highest element is $(n_0 - 1, \dots, n_{k-1} - 1)$:

    $$
    \text{stop} = \text{start} + b \left(1 + \sum_j (n_j - 1)\, s_j\right).
    $$

    A tensor with no elements touches nothing: ``start == stop``.

    Args:
        t: a strided tensor.

    Returns:
        ``(start, stop)`` as integer addresses; their difference is what matters, not their values.

    Raises:
        TypeError: ``t`` is not a tensor.
        ValueError: ``t`` is not strided (sparse, say) or is on the meta device.

    Examples:
        >>> x = torch.zeros(4, 6)  # float32: 4 bytes an element
        >>> start, stop = byte_span(x[1:3, ::2])
        >>> start - x.data_ptr(), stop - x.data_ptr()  # from element [1, 0] to [2, 4], inclusive
        (24, 68)
    """
    t = _check_strided("t", t)
    start = t.data_ptr()
    if t.numel() == 0:
        return start, start
    last = sum((n - 1) * s for n, s in zip(t.shape, t.stride(), strict=True))
    return start, start + (last + 1) * t.element_size()


# --8<-- [end:byte_span]


# --8<-- [start:element_addresses]
def element_addresses(t: torch.Tensor) -> torch.Tensor:
    r"""Return the address of every element of ``t``, $\text{data\_ptr} + b \sum_j i_j s_j$, as int64.

    Built axis by axis: start from the address of element $(0, \dots, 0)$ and, for each axis, add
    $b\, i_j s_j$ for $i_j = 0, \dots, n_j - 1$ along a new trailing axis, by broadcasting. The result
    is on the CPU, in the order of ``t.flatten()``.

    Args:
        t: a strided tensor.

    Returns:
        A 1-D int64 tensor of ``t.numel()`` addresses (repeats where ``t`` has stride 0).

    Raises:
        TypeError: ``t`` is not a tensor.
        ValueError: ``t`` is not strided (sparse, say) or is on the meta device.

    Examples:
        >>> x = torch.zeros(2, 3)  # 4 bytes an element
        >>> element_addresses(x.T) - x.data_ptr()
        tensor([ 0, 12,  4, 16,  8, 20])
    """
    t = _check_strided("t", t)
    addresses = torch.tensor(t.data_ptr(), dtype=torch.int64)
    for n, s in zip(t.shape, t.stride(), strict=True):
        steps = torch.arange(n, dtype=torch.int64) * (s * t.element_size())
        addresses = addresses.unsqueeze(-1) + steps  # one more axis, broadcast against the steps
    return addresses.reshape(-1)


# --8<-- [end:element_addresses]


# --8<-- [start:may_share_memory]
def may_share_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Return whether the byte spans of ``a`` and ``b`` overlap (a quick, conservative test).

    ``False`` is certain: the tensors have no byte in common. ``True`` means they might: views that
    interleave (``x[::2]`` and ``x[1::2]``) have overlapping spans but no common byte. Tensors on
    different devices never share memory.

    Args:
        a: a strided tensor.
        b: a strided tensor.

    Returns:
        ``span(a)`` and ``span(b)`` intersect, where span is `byte_span`.

    Raises:
        TypeError: ``a`` or ``b`` is not a tensor.
        ValueError: ``a`` or ``b`` is not strided, or is on the meta device.

    Examples:
        >>> x = torch.arange(6)
        >>> may_share_memory(x[::2], x[1::2]), may_share_memory(x[:3], x[3:])
        (True, False)
    """
    _check_strided("a", a)
    _check_strided("b", b)
    if a.device != b.device:
        return False
    (a_start, a_stop), (b_start, b_stop) = byte_span(a), byte_span(b)
    return a_start < a_stop and b_start < b_stop and a_start < b_stop and b_start < a_stop


# --8<-- [end:may_share_memory]


# --8<-- [start:shares_memory]
def shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    r"""Return whether some byte of memory belongs to an element of ``a`` and an element of ``b``.

    Exact, for any shapes, strides, offsets and dtypes (a ``float32`` tensor and an ``int16`` view
    of its bytes, say). Element $i$ of ``a`` occupies $[p_i, p_i + b_a)$ and element $j$ of ``b``
    occupies $[q_j, q_j + b_b)$; they overlap when

    $$
    p_i - b_b < q_j < p_i + b_a .
    $$

    With the $q_j$ sorted, the number of them in that open interval is a difference of two
    `torch.searchsorted` counts, for every $p_i$ at once: $O((m + n) \log n)$ time for $m$ and $n$
    elements, after `may_share_memory` has ruled out the easy cases. (NumPy's `shares_memory` solves
    a small integer program instead, without listing the elements.)

    Args:
        a: a strided tensor.
        b: a strided tensor.

    Returns:
        ``True`` when the tensors have a byte in common.

    Raises:
        TypeError: ``a`` or ``b`` is not a tensor.
        ValueError: ``a`` or ``b`` is not strided, or is on the meta device.

    Examples:
        >>> x = torch.arange(6)
        >>> shares_memory(x[::2], x[1::2]), shares_memory(x[::2], x[2:3])
        (False, True)
        >>> shares_memory(x, x.clone())
        False
    """
    if not may_share_memory(a, b):
        return False
    p, q = element_addresses(a), element_addresses(b).sort().values
    b_a, b_b = a.element_size(), b.element_size()
    below_end = torch.searchsorted(q, p + b_a, side="left")  # how many q_j < p_i + b_a
    up_to_start = torch.searchsorted(q, p - b_b, side="right")  # how many q_j <= p_i - b_b
    return bool((below_end > up_to_start).any())


# --8<-- [end:shares_memory]
