r"""Indexing from the definitions: `index_select` and `gather`.

`index_select` picks whole slices along one dimension, one per index, by a loop of slice copies.
`gather` picks one element per index position, by replacing one coordinate of every position with
the index stored there. Both validate their arguments the way torch does, with messages that name
the shapes and the dim, and both are checked against torch on every available device in
``tests/tensors/test_indexing.py``.
"""

from __future__ import annotations

import torch

__all__ = ["gather", "index_select"]


def _check_dim(function: str, input: torch.Tensor, dim: int) -> int:
    """Return ``dim`` made non-negative; raise `IndexError` naming the valid range otherwise."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{function}: dim must be an int, got {dim!r} ({type(dim).__name__})")
    rank = max(input.dim(), 1)  # a scalar has one dim for this purpose, as in torch
    if not -rank <= dim < rank:
        raise IndexError(
            f"{function}: dim {dim} is out of range for input of shape {tuple(input.shape)} "
            f"(expected to be in range of [{-rank}, {rank - 1}])"
        )
    return dim % rank


def _check_index(function: str, index: torch.Tensor) -> None:
    if not isinstance(index, torch.Tensor):
        raise TypeError(f"{function}: index must be a tensor, got {type(index).__name__}")
    if index.dtype not in (torch.int32, torch.int64):
        raise TypeError(f"{function}: index must be int64 or int32, got dtype {index.dtype}")


def _check_bounds(function: str, index: torch.Tensor, size: int, dim: int, shape: tuple[int, ...]) -> None:
    """Raise `IndexError` naming the first index outside ``[0, size)`` (negative ones included)."""
    outside = (index < 0) | (index >= size)
    if bool(outside.any()):
        bad = int(index[outside][0])
        raise IndexError(
            f"{function}: index {bad} is out of bounds for dimension {dim} with size {size} (input shape {shape})"
        )


# --8<-- [start:index_select]
def index_select(input: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    r"""Return the slices of ``input`` at positions ``index`` along ``dim``, in that order.

    $$
    \text{out}[\dots, k, \dots] = \text{input}[\dots, \text{index}_k, \dots]
    \quad (\text{position } k \text{ in axis } \texttt{dim})
    $$

    The result has ``input``'s shape with ``dim``'s length replaced by ``len(index)``. It is a new
    tensor (a copy), built here by allocating it and copying one slice per index: ``select`` gives a
    view of one slice, and ``copy_`` writes into one. Indices may repeat; negative ones are refused,
    as in torch.

    Args:
        input: the tensor to pick from.
        dim: the dimension along which to pick; negative counts from the end.
        index: a 1-D (or 0-D) int64 or int32 tensor of positions in ``[0, input.shape[dim])``.

    Returns:
        A tensor on ``input``'s device, of ``input``'s dtype.

    Raises:
        TypeError: ``index`` is not an int64/int32 tensor, or ``dim`` is not an int.
        IndexError: ``dim`` is out of range, ``index`` has more than one dimension, or an index is
            out of bounds; the message names the shapes and the dim.

    Examples:
        >>> x = torch.arange(12).reshape(3, 4)
        >>> index_select(x, 0, torch.tensor([2, 0, 2]))
        tensor([[ 8,  9, 10, 11],
                [ 0,  1,  2,  3],
                [ 8,  9, 10, 11]])
        >>> index_select(x, 1, torch.tensor([4]))
        Traceback (most recent call last):
          ...
        IndexError: index_select: index 4 is out of bounds for dimension 1 with size 4 (input shape (3, 4))

    """
    _check_index("index_select", index)
    dim = _check_dim("index_select", input, dim)
    if index.dim() > 1:
        raise IndexError(f"index_select: index must be 1-D, got index of shape {tuple(index.shape)}")
    if input.dim() == 0:  # a scalar: one position, 0, along its one (pretend) dim
        if index.numel() != 1:
            raise IndexError(
                f"index_select: a scalar input takes exactly one index, got index of shape {tuple(index.shape)}"
            )
        _check_bounds("index_select", index, 1, dim, ())
        return input.clone()
    _check_bounds("index_select", index, input.shape[dim], dim, tuple(input.shape))
    shape = list(input.shape)
    shape[dim] = index.numel()
    out = input.new_empty(shape)
    for k, i in enumerate(index.reshape(-1).tolist()):
        out.select(dim, k).copy_(input.select(dim, i))
    return out


# --8<-- [end:index_select]


# --8<-- [start:gather]
def gather(input: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    r"""Return, at every position of ``index``, the element of ``input`` that ``index`` points to along ``dim``.

    For a 3-D input and ``dim=1``,

    $$
    \text{out}[i, j, k] = \text{input}[i,\ \text{index}[i, j, k],\ k]
    $$

    and likewise for any number of dims: the output has ``index``'s shape, and each output position
    copies the input position whose ``dim`` coordinate is replaced by the index stored there.
    ``index`` must have as many dims as ``input``, and be no larger in every dim except ``dim``.

    Built as the formula reads: one coordinate grid per axis (``arange`` shaped to broadcast along
    its axis), the grid of ``dim`` swapped for ``index``, and ``input`` indexed with all of them.

    Args:
        input: the tensor to pick from.
        dim: the axis along which ``index`` points; negative counts from the end.
        index: an int64 or int32 tensor with ``input.dim()`` dims, values in ``[0, input.shape[dim])``.

    Returns:
        A tensor of ``index``'s shape and ``input``'s dtype, on ``input``'s device.

    Raises:
        TypeError: ``index`` is not an int64/int32 tensor, or ``dim`` is not an int.
        IndexError: ``dim`` is out of range, or an index is out of bounds.
        ValueError: ``index`` has another number of dims than ``input``, or is larger than
            ``input`` in a dim other than ``dim``; the message names both shapes and the dim.

    Examples:
        >>> scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
        >>> labels = torch.tensor([[1], [0]])
        >>> gather(scores, 1, labels)
        tensor([[0.7000],
                [0.5000]])
        >>> gather(scores, 1, torch.tensor([1, 0]))
        Traceback (most recent call last):
          ...
        ValueError: gather: index must have as many dims as input, got index of shape (2,) for input of shape (2, 3)

    """
    _check_index("gather", index)
    dim = _check_dim("gather", input, dim)
    if index.dim() != input.dim() and not (input.dim() <= 1 and index.dim() <= 1):
        raise ValueError(
            f"gather: index must have as many dims as input, got index of shape {tuple(index.shape)} "
            f"for input of shape {tuple(input.shape)}"
        )
    if input.dim() == 0 or index.dim() == 0:  # torch treats a scalar as having one element along dim 0
        size = input.numel()
        _check_bounds("gather", index, size, dim, tuple(input.shape))
        return input.reshape(-1)[index.to(torch.int64)].reshape(index.shape)
    for d in range(input.dim()):
        if d != dim and index.shape[d] > input.shape[d]:
            raise ValueError(
                f"gather: index of shape {tuple(index.shape)} is larger than input of shape {tuple(input.shape)} "
                f"in dimension {d} (only dimension {dim}, the gather dim, may be larger)"
            )
    _check_bounds("gather", index, input.shape[dim], dim, tuple(input.shape))
    grids = []
    for d, size in enumerate(index.shape):
        axis_shape = [1] * index.dim()
        axis_shape[d] = size
        grids.append(torch.arange(size, device=input.device).reshape(axis_shape))  # coordinate d
    grids[dim] = index.to(device=input.device, dtype=torch.int64)  # ... but along dim, the index
    return input[tuple(grids)]


# --8<-- [end:gather]
