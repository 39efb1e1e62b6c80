r"""Joining tensors from the definitions: `cat` and `stack` by allocation and slice copies.

`torch.cat` joins tensors along an axis they already have; `torch.stack` joins tensors of one
shape along a new axis. Both are written here the way one would explain them on a blackboard:
check the shapes, work out the shape and dtype of the result, allocate it with `torch.empty` on the
inputs' device, and copy each input into its slice of the result. `hstack` and `vstack` are then
one line each on top of `cat`.

Every function is checked against torch (values, dtype, device, shape) for random shapes, dtypes and
dims, negative dims included, on every available device in ``tests/tensors/test_joining.py``.
Where the inputs do not fit, the error names the tensor, the dimension and the sizes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch

__all__ = ["cat", "hstack", "result_dtype", "stack", "vstack"]


def _check_tensors(function: str, tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Return ``tensors`` as a list after checking: a non-empty sequence of tensors on one device."""
    if isinstance(tensors, torch.Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(f"{function}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{function}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{function}: tensor {i} is not a tensor but a {type(t).__name__}")
        if t.device != tensors[0].device:
            raise ValueError(
                f"{function}: all tensors must be on one device, but tensor 0 is on {tensors[0].device} "
                f"and tensor {i} is on {t.device}"
            )
    return tensors


def _normalize_dim(function: str, dim: int, ndim: int) -> int:
    """Return ``dim`` as an index in ``0..ndim-1``; ``dim = -1`` means the last axis."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{function}: dim must be an int, got {dim!r} ({type(dim).__name__})")
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"{function}: dim={dim} is out of range for {ndim} dimensions (expected -{ndim} to {ndim - 1})"
        )
    return dim % ndim


# --8<-- [start:result_dtype]
def result_dtype(tensors: Sequence[torch.Tensor]) -> torch.dtype:
    """Return the dtype that `torch.cat` and `torch.stack` give: the promotion of all input dtypes.

    `torch.promote_types` is applied pairwise, left to right: ``bool < integers < floating < complex``
    by category, and the wider type within a category (``int8`` and ``uint8`` meet at ``int16``).

    Args:
        tensors: one or more tensors.

    Returns:
        The promoted dtype.

    Examples:
        >>> result_dtype([torch.ones(2, dtype=torch.int64), torch.ones(2)])
        torch.float32
        >>> result_dtype([torch.ones(2, dtype=torch.uint8), torch.ones(2, dtype=torch.int8)])
        torch.int16
    """
    tensors = _check_tensors("result_dtype", tensors)
    return functools.reduce(torch.promote_types, (t.dtype for t in tensors))


# --8<-- [end:result_dtype]


# --8<-- [start:cat]
def cat(tensors: Sequence[torch.Tensor], dim: int = 0) -> torch.Tensor:
    r"""Concatenate tensors along an existing axis ``dim``.

    For inputs $x^{(0)}, \dots, x^{(m-1)}$ that agree in every axis except ``dim``, where they have
    sizes $n_0, \dots, n_{m-1}$, the result has size $N = \sum_k n_k$ along ``dim`` and

    $$
    y[\dots, o_k + i, \dots] = x^{(k)}[\dots, i, \dots], \qquad o_k = \sum_{j<k} n_j,
    \quad 0 \le i < n_k .
    $$

    The result is allocated with `torch.empty` on the inputs' device with the promoted dtype (see
    `result_dtype`), and each input is copied into its slice ``y.narrow(dim, o_k, n_k)``.

    As in torch, a 1-D tensor with no elements (such as ``torch.tensor([])``) is skipped whatever
    ``dim`` is, though its dtype still takes part in the promotion: this is why the accumulator
    pattern ``acc = torch.cat([acc, batch])`` works from ``acc = torch.tensor([])``.

    Args:
        tensors: a non-empty list or tuple of tensors on one device, all of the same number of
            dimensions (at least 1), equal in every axis except ``dim``.
        dim: the axis to join along; negative counts from the end.

    Returns:
        A new tensor (never a view of an input).

    Raises:
        TypeError: ``tensors`` is not a list or tuple of tensors, or ``dim`` is not an int.
        ValueError: the list is empty, the tensors are on different devices, a tensor is
            0-dimensional, or the shapes do not fit (the message names the tensor, the dimension
            and both sizes).
        IndexError: ``dim`` is out of range.

    Examples:
        >>> a = torch.tensor([[1, 2, 3], [4, 5, 6]])
        >>> cat([a, torch.tensor([[7, 8, 9]])])
        tensor([[1, 2, 3],
                [4, 5, 6],
                [7, 8, 9]])
        >>> cat([a, torch.zeros(2, 1)], dim=-1)
        tensor([[1., 2., 3., 0.],
                [4., 5., 6., 0.]])
        >>> cat([a, torch.zeros(3, 3)], dim=1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: cat: tensors must match in every dimension except dim=1, ... (dimension 0: 2 vs 3)
    """
    tensors = _check_tensors("cat", tensors)
    if isinstance(dim, bool) or not isinstance(dim, int):  # checked here too: legacy empty tensors skip the range check
        raise TypeError(f"cat: dim must be an int, got {dim!r} ({type(dim).__name__})")
    dtype = result_dtype(tensors)
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise ValueError(f"cat: tensor {i} is 0-dimensional (a scalar) and has no axis to join along")
    parts = [(i, t) for i, t in enumerate(tensors) if not (t.dim() == 1 and t.numel() == 0)]
    if not parts:  # only legacy empty tensors: torch returns an empty 1-D tensor
        return torch.empty(0, dtype=dtype, device=tensors[0].device)
    first_index, first = parts[0]
    dim = _normalize_dim("cat", dim, first.dim())
    for i, t in parts[1:]:
        if t.dim() != first.dim():
            raise ValueError(
                f"cat: tensors must have the same number of dimensions, but tensor {first_index} has "
                f"{first.dim()} {tuple(first.shape)} and tensor {i} has {t.dim()} {tuple(t.shape)}"
            )
        for d in range(first.dim()):
            if d != dim and t.shape[d] != first.shape[d]:
                raise ValueError(
                    f"cat: tensors must match in every dimension except dim={dim}, but tensor {first_index} "
                    f"has shape {tuple(first.shape)} and tensor {i} has shape {tuple(t.shape)} "
                    f"(dimension {d}: {first.shape[d]} vs {t.shape[d]})"
                )

    shape = list(first.shape)
    shape[dim] = sum(t.shape[dim] for _, t in parts)
    out = torch.empty(shape, dtype=dtype, device=first.device)
    offset = 0
    for _, t in parts:
        out.narrow(dim, offset, t.shape[dim]).copy_(t)  # copy_ casts to out's dtype
        offset += t.shape[dim]
    return out


# --8<-- [end:cat]


# --8<-- [start:stack]
def stack(tensors: Sequence[torch.Tensor], dim: int = 0) -> torch.Tensor:
    r"""Join tensors of one shape along a new axis, inserted at position ``dim``.

    For $m$ inputs of shape $(d_0, \dots, d_{k-1})$ the result has shape
    $(d_0, \dots, d_{\text{dim}-1}, m, d_{\text{dim}}, \dots, d_{k-1})$ and

    $$
    y[\dots, j, \dots] = x^{(j)}, \qquad 0 \le j < m,
    $$

    with $j$ at position ``dim``: ``y.select(dim, j)`` is the $j$-th input. ``dim`` ranges over the
    $k + 1$ places where the new axis can go, from ``-(k + 1)`` to ``k``. The result is allocated
    with `torch.empty` and each input copied into its slice, as in `cat`; equivalently,
    ``stack(ts, dim) == cat([t.unsqueeze(dim) for t in ts], dim)``.

    Args:
        tensors: a non-empty list or tuple of tensors of one shape, on one device.
        dim: where the new axis goes in the result; negative counts from the end of the result.

    Returns:
        A new tensor with one more dimension than the inputs.

    Raises:
        TypeError: ``tensors`` is not a list or tuple of tensors, or ``dim`` is not an int.
        ValueError: the list is empty, the tensors are on different devices, or their shapes
            differ (the message names the tensor, the dimension and both sizes).
        IndexError: ``dim`` is out of range.

    Examples:
        >>> a, b = torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])
        >>> stack([a, b])
        tensor([[1, 2, 3],
                [4, 5, 6]])
        >>> stack([a, b], dim=1)
        tensor([[1, 4],
                [2, 5],
                [3, 6]])
        >>> stack([a, torch.tensor([4, 5])])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: stack: all tensors must have the same shape, but ... (dimension 0: 3 vs 2)
    """
    tensors = _check_tensors("stack", tensors)
    first = tensors[0]
    dim = _normalize_dim("stack", dim, first.dim() + 1)
    for i, t in enumerate(tensors[1:], start=1):
        if t.shape != first.shape:
            where = f"{first.dim()} vs {t.dim()} dimensions"
            if t.dim() == first.dim():
                d = next(d for d in range(t.dim()) if t.shape[d] != first.shape[d])
                where = f"dimension {d}: {first.shape[d]} vs {t.shape[d]}"
            raise ValueError(
                f"stack: all tensors must have the same shape, but tensor 0 has shape {tuple(first.shape)} "
                f"and tensor {i} has shape {tuple(t.shape)} ({where})"
            )

    shape = list(first.shape)
    shape.insert(dim, len(tensors))
    out = torch.empty(shape, dtype=result_dtype(tensors), device=first.device)
    for j, t in enumerate(tensors):
        out.select(dim, j).copy_(t)
    return out


# --8<-- [end:stack]


# --8<-- [start:hstack_vstack]
def hstack(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Join tensors side by side: `cat` along axis 1, or along axis 0 for 1-D tensors.

    Scalars count as 1-D tensors of one element (`torch.atleast_1d`). As in torch, the first tensor
    decides: if it is 1-D, the join is along axis 0.

    Args:
        tensors: a non-empty list or tuple of tensors on one device.

    Returns:
        ``cat(tensors, dim=0)`` if the first tensor is (at most) 1-D, else ``cat(tensors, dim=1)``.

    Examples:
        >>> hstack([torch.tensor([1, 2]), torch.tensor([3])])
        tensor([1, 2, 3])
        >>> hstack([torch.ones(2, 1), torch.zeros(2, 2)])
        tensor([[1., 0., 0.],
                [1., 0., 0.]])
    """
    tensors = [torch.atleast_1d(t) for t in _check_tensors("hstack", tensors)]
    return cat(tensors, dim=0 if tensors[0].dim() == 1 else 1)


def vstack(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Join tensors on top of each other: `cat` along axis 0, a 1-D ``(n,)`` taken as a row ``(1, n)``.

    Args:
        tensors: a non-empty list or tuple of tensors on one device.

    Returns:
        ``cat([torch.atleast_2d(t) for t in tensors], dim=0)``.

    Examples:
        >>> vstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    return cat([torch.atleast_2d(t) for t in _check_tensors("vstack", tensors)], dim=0)


# --8<-- [end:hstack_vstack]
