r"""Broadcasting from the definition: the shape rule, and views with stride 0.

Two shapes broadcast by lining them up from the right (trailing axes first), padding the shorter
one with 1s on the left, and requiring each pair of sizes to be equal or to contain a 1; the
result takes the larger size of each pair. `broadcast_shapes` is that rule, written out;
`broadcast_to` builds the broadcast view the way torch does, with `torch.Tensor.as_strided`: an axis
that is repeated gets stride 0, so every index along it reads the same memory and nothing is
copied.

Both are checked against `torch.broadcast_shapes` and `torch.broadcast_to`, for shapes that
broadcast and shapes that do not, on every available device in
``tests/tensors/test_broadcasting.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["broadcast_shapes", "broadcast_strides", "broadcast_to"]


def _as_shape(name: str, shape: int | Sequence[int]) -> tuple[int, ...]:
    """Return ``shape`` as a tuple of ints (an int is a 1-D shape); raise `TypeError` otherwise."""
    items = (shape,) if isinstance(shape, int) and not isinstance(shape, bool) else shape
    if isinstance(items, torch.Tensor) or not isinstance(items, Sequence):
        raise TypeError(f"{name} must be an int or a sequence of ints, got {shape!r} ({type(shape).__name__})")
    for size in items:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"{name} must contain only ints, got {size!r} ({type(size).__name__}) in {shape!r}")
    return tuple(items)


# --8<-- [start:broadcast_shapes]
def broadcast_shapes(*shapes: int | Sequence[int]) -> torch.Size:
    r"""Return the shape that tensors of the given shapes broadcast to.

    Align the shapes on the right and pad each on the left with 1s to $k$, the largest number of
    dimensions. Then, axis by axis, the sizes $s_1, \dots, s_m$ must be equal wherever they are not 1,
    and the result is their largest:

    $$
    r_j = \max_i s_{i,j} \qquad \text{provided } s_{i,j} \in \{1, r_j\} \text{ for every } i .
    $$

    A size 0 is not special: it pairs with 0 or 1, and $\max$ is replaced by "the size that is not 1".

    Args:
        shapes: shapes (``torch.Size``, tuples, lists), or ints for 1-D shapes.

    Returns:
        The broadcast shape.

    Raises:
        TypeError: a shape is not an int or a sequence of ints.
        ValueError: a size is negative.
        RuntimeError: two sizes on one axis differ and neither is 1; the message names the axis
            (counted from the right, as ``-1`` for the last) and the two shapes.

    Examples:
        >>> broadcast_shapes((2, 1, 4), (3, 1))
        torch.Size([2, 3, 4])
        >>> broadcast_shapes((2, 3), (3,), ())
        torch.Size([2, 3])
        >>> broadcast_shapes((2, 3), (2,))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        RuntimeError: shapes (2, 3) (argument 0) and (2,) (argument 1) cannot be broadcast: at dimension -1 ...
    """
    checked = [_as_shape(f"shape {i}", shape) for i, shape in enumerate(shapes)]
    for i, shape in enumerate(checked):
        if any(size < 0 for size in shape):
            raise ValueError(f"broadcast_shapes: shape {i} {shape} has a negative size")
    ndim = max((len(shape) for shape in checked), default=0)
    result = [1] * ndim
    owner = [None] * ndim  # which argument set result[j], for the error message
    for i, shape in enumerate(checked):
        for j in range(-1, -len(shape) - 1, -1):  # from the right: -1 is the last axis
            size = shape[j]
            if size == 1 or size == result[j]:
                continue
            if result[j] == 1:
                result[j], owner[j] = size, i
                continue
            k = owner[j]
            raise RuntimeError(
                f"shapes {checked[k]} (argument {k}) and {shape} (argument {i}) cannot be broadcast: "
                f"at dimension {j} the sizes are {result[j]} and {size}, and neither is 1"
            )
    return torch.Size(result)


# --8<-- [end:broadcast_shapes]


# --8<-- [start:broadcast_strides]
def broadcast_strides(x: torch.Tensor, shape: Sequence[int]) -> tuple[int, ...]:
    r"""Return the strides of ``x`` broadcast to ``shape``: 0 on every axis that repeats.

    Element $(i_0, \dots, i_{k-1})$ of a strided tensor lives at
    $\text{offset} + \sum_j i_j \, \text{stride}_j$ in its storage. An axis that ``x`` lacks (on the
    left) or has with size 1 gets stride 0, so moving along it does not move in memory; every other
    axis keeps the stride of ``x``. (The stride of an axis of size 1 is never used, since its only
    index is 0; torch sometimes puts another number there, this function puts 0 on new axes.)

    Args:
        x: the tensor to broadcast.
        shape: the target shape, or an int for a 1-D target; ``-1`` keeps the size of ``x``.

    Returns:
        One stride per axis of ``shape``.

    Raises:
        TypeError, RuntimeError: as [`broadcast_to`][dlref.tensors.broadcasting.broadcast_to],
            when ``x`` does not broadcast to ``shape``.

    Examples:
        >>> broadcast_strides(torch.zeros(3), (2, 3))
        (0, 1)
        >>> broadcast_strides(torch.zeros(3, 1), (3, 4))
        (1, 0)
    """
    shape = _target("broadcast_strides", x, shape)
    lead = len(shape) - x.dim()
    strides = [0] * lead  # new axes on the left: the whole of x repeats
    for size, stride, target in zip(x.shape, x.stride(), shape[lead:], strict=True):
        strides.append(0 if size == 1 and target != 1 else stride)
    return tuple(strides)


# --8<-- [end:broadcast_strides]


# --8<-- [start:broadcast_to]
def broadcast_to(x: torch.Tensor, shape: int | Sequence[int]) -> torch.Tensor:
    r"""Return a view of ``x`` with shape ``shape``, repeating ``x`` along its size-1 and new axes.

    ``x`` broadcasts to ``shape`` when, aligned on the right, each size of ``x`` is 1 or equal to
    the target's (``x`` may have fewer axes, never more). The view is
    ``x.as_strided(shape, broadcast_strides(x, shape), x.storage_offset())``: it shares memory
    with ``x``, copies nothing, and has stride 0 along every repeated axis. As in torch, a target
    size of ``-1`` keeps the size of ``x`` on that axis (not allowed on a new, leading axis).

    Args:
        x: the tensor to broadcast.
        shape: the target shape, or an int for a 1-D target.

    Returns:
        A view of ``x`` with the target shape.

    Raises:
        TypeError: ``x`` is not a tensor, or ``shape`` is not an int or a sequence of ints.
        RuntimeError: ``x`` has more axes than ``shape``, a size of ``x`` is neither 1 nor the
            target's, or ``-1`` is used on a new axis; the message names the dimension and sizes.

    Examples:
        >>> v = broadcast_to(torch.tensor([1, 2, 3]), (2, 3))
        >>> v
        tensor([[1, 2, 3],
                [1, 2, 3]])
        >>> v.stride()
        (0, 1)
        >>> broadcast_to(torch.tensor([1, 2, 3]), (2, 4))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        RuntimeError: cannot broadcast shape (3,) to (2, 4): at dimension 1 the size is 3, and it is ...
    """
    target = _target("broadcast_to", x, shape)
    return x.as_strided(target, broadcast_strides(x, target), x.storage_offset())


# --8<-- [end:broadcast_to]


def _target(function: str, x: torch.Tensor, shape: int | Sequence[int]) -> list[int]:
    """The target ``shape`` with each ``-1`` replaced by the size of ``x``, checked to be one ``x`` broadcasts to."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{function}: x must be a tensor, got {type(x).__name__}")
    target = list(_as_shape("shape", shape))
    lead = len(target) - x.dim()
    if lead < 0:
        raise RuntimeError(
            f"cannot broadcast shape {tuple(x.shape)} to {tuple(target)}: "
            f"the target has {len(target)} dimensions, fewer than the tensor's {x.dim()}"
        )
    for j, size in enumerate(target):
        if size == -1 and j < lead:
            raise RuntimeError(
                f"cannot broadcast shape {tuple(x.shape)} to {tuple(target)}: "
                f"-1 is not allowed at dimension {j}, a new leading dimension"
            )
        if size < -1:
            raise RuntimeError(f"cannot broadcast shape {tuple(x.shape)} to {tuple(target)}: negative size {size}")
    for j in range(lead, len(target)):
        own = x.shape[j - lead]
        if target[j] == -1:
            target[j] = own
        elif own not in (1, target[j]):
            raise RuntimeError(
                f"cannot broadcast shape {tuple(x.shape)} to {tuple(target)}: "
                f"at dimension {j} the size is {own}, and it is neither 1 nor {target[j]}"
            )
    return target
