r"""Reshaping from the definitions: the ``-1`` rule of `reshape`, and when `view` needs no copy.

`infer_shape` is the rule by which ``reshape``/``view`` fill in a ``-1``, with the same checks, in
the same order, and the same messages as torch. `view_strides` decides whether a tensor with given
sizes and strides can be *viewed* in a new shape without copying, and returns the strides of that
view, or ``None`` where torch's ``view`` raises and ``reshape`` must copy. Both are checked against
torch on every available device in ``tests/tensors/test_reshaping.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["infer_shape", "view_strides"]


def _check_ints(name: str, values: Sequence[int]) -> tuple[int, ...]:
    values = tuple(values)
    for position, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must hold ints, got {values!r} ({type(value).__name__} at index {position})")
    return values


def _brackets(shape: Sequence[int]) -> str:
    """Format a shape as torch's messages do: ``[2, -1]``."""
    return "[" + ", ".join(str(size) for size in shape) + "]"


# --8<-- [start:infer_shape]
def infer_shape(shape: Sequence[int], numel: int) -> tuple[int, ...]:
    r"""Return ``shape`` with its ``-1`` (if any) replaced so that it holds ``numel`` elements.

    $$
    d_{\text{inferred}} = \frac{\text{numel}}{\prod_{j \ne \text{inferred}} d_j}
    $$

    At most one size may be ``-1``; every other size must be at least 0; the product of the known
    sizes must divide ``numel`` (or equal it, when there is no ``-1``). With 0 elements and a known
    size 0, the ``-1`` could be anything, so it is refused. The checks run in torch's order, size
    by size from the left, and raise torch's messages as `RuntimeError`, the type torch raises.

    Args:
        shape: the requested sizes, ints, at most one of them ``-1``.
        numel: the number of elements of the tensor being reshaped, at least 0.

    Returns:
        The shape with every size known.

    Raises:
        RuntimeError: two ``-1``, a negative size other than ``-1``, a shape that cannot hold
            ``numel`` elements, or a ``-1`` beside a ``0`` (ambiguous), in torch's words.
        TypeError: a size is not an int.
        ValueError: ``numel`` is negative.

    Examples:
        >>> infer_shape((2, -1), 6)
        (2, 3)
        >>> infer_shape((-1,), 0)
        (0,)
        >>> infer_shape((4, -1), 6)
        Traceback (most recent call last):
          ...
        RuntimeError: shape '[4, -1]' is invalid for input of size 6
        >>> infer_shape((-1, -1), 6)
        Traceback (most recent call last):
          ...
        RuntimeError: only one dimension can be inferred

    """
    shape = _check_ints("shape", shape)
    if isinstance(numel, bool) or not isinstance(numel, int) or numel < 0:
        raise ValueError(f"numel must be an int at least 0, got {numel!r}")
    known = 1  # the product of the sizes that are given
    inferred = None  # the position of the -1
    for position, size in enumerate(shape):
        if size == -1:
            if inferred is not None:
                raise RuntimeError("only one dimension can be inferred")
            inferred = position
        elif size >= 0:
            known *= size
        else:
            raise RuntimeError(f"invalid shape dimension {size} at index {position} of shape {_brackets(shape)}")
    if inferred is None:
        if known == numel:
            return shape
    elif known > 0 and numel % known == 0:
        return (*shape[:inferred], numel // known, *shape[inferred + 1 :])
    elif known == 0 and numel == 0:
        raise RuntimeError(
            f"cannot reshape tensor of 0 elements into shape {_brackets(shape)} because the "
            "unspecified dimension size -1 can be any value and is ambiguous"
        )
    raise RuntimeError(f"shape '{_brackets(shape)}' is invalid for input of size {numel}")


# --8<-- [end:infer_shape]


# --8<-- [start:view_strides]
def view_strides(shape: Sequence[int], stride: Sequence[int], new_shape: Sequence[int]) -> tuple[int, ...] | None:
    r"""Return the strides of a view of ``shape``/``stride`` in ``new_shape``, or ``None`` if none exists.

    A view reuses the memory as it is, so element $(i_0, \dots, i_{k-1})$ of the view must sit at
    offset $\sum_j i_j s'_j$ for some strides $s'$. Split the old axes into **chunks**: maximal runs
    of neighbouring axes that are contiguous with each other, axis $j$ and $j + 1$ being in one
    chunk when

    $$
    s_j = d_{j+1} \, s_{j+1} \quad \text{or} \quad d_j = 1 .
    $$

    Each chunk is one evenly strided block of memory, and can be re-cut into any sizes with the
    same product. So, walking both shapes from the right, the new sizes must fill each chunk
    exactly, never straddling two; within a chunk the new strides are row-major times the stride of
    the chunk's last axis. Axes of size 1 fit anywhere. If the walk fails, `view` raises and
    `reshape` copies.

    Args:
        shape: the sizes of the tensor.
        stride: its strides, in elements, one per axis.
        new_shape: the requested sizes, with the same product as ``shape`` (no ``-1``: resolve it
            with `infer_shape` first).

    Returns:
        The strides of the view, as ``tensor.view(new_shape).stride()`` gives them, or ``None``
        where ``tensor.view(new_shape)`` raises.

    Raises:
        TypeError: a size or stride is not an int.
        ValueError: ``stride`` has another length than ``shape``, or the products differ; the
            message names both shapes.

    Examples:
        >>> import torch
        >>> x = torch.arange(6).reshape(2, 3)
        >>> view_strides(x.shape, x.stride(), (3, 2)), x.view(3, 2).stride()
        ((2, 1), (2, 1))
        >>> t = x.t()  # shape (3, 2), strides (1, 3): not contiguous
        >>> view_strides(t.shape, t.stride(), (6,)) is None
        True
        >>> view_strides(t.shape, t.stride(), (3, 1, 2)), t.view(3, 1, 2).stride()
        ((1, 6, 3), (1, 6, 3))

    """
    shape = _check_ints("shape", shape)
    stride = _check_ints("stride", stride)
    new_shape = _check_ints("new_shape", new_shape)
    if len(stride) != len(shape):
        raise ValueError(f"stride {stride} has {len(stride)} entries for shape {shape} of {len(shape)} dims")
    numel = _product(shape)
    if -1 in new_shape:
        raise ValueError(f"new_shape {new_shape} has a -1; resolve it first with infer_shape(new_shape, {numel})")
    if _product(new_shape) != numel or any(size < 0 for size in new_shape):
        raise ValueError(f"new_shape {new_shape} does not hold the {numel} elements of shape {shape}")
    if not shape:  # a scalar: every new axis has size 1
        return (1,) * len(new_shape)
    if numel == 0:  # no memory is addressed: any strides do; torch keeps the old or makes row-major
        return stride if new_shape == shape else _row_major(new_shape)

    new_stride = [0] * len(new_shape)
    view_d = len(new_shape) - 1  # the next new axis to place, from the right
    chunk_base = stride[-1]  # the stride of the current chunk's last (fastest) axis
    chunk_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        chunk_numel *= shape[d]
        chunk_ends = d == 0 or (shape[d - 1] != 1 and stride[d - 1] != chunk_numel * chunk_base)
        if chunk_ends:  # axes d..(end of chunk) are one evenly strided block: cut it into new axes
            while view_d >= 0 and (view_numel < chunk_numel or new_shape[view_d] == 1):
                new_stride[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != chunk_numel:  # a new axis straddles two chunks
                return None
            if d > 0:
                chunk_base, chunk_numel, view_numel = stride[d - 1], 1, 1
    return tuple(new_stride) if view_d == -1 else None


# --8<-- [end:view_strides]


def _product(sizes: Sequence[int]) -> int:
    result = 1
    for size in sizes:
        result *= size
    return result


def _row_major(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides = [1] * len(shape)
    for j in range(len(shape) - 2, -1, -1):
        strides[j] = strides[j + 1] * max(shape[j + 1], 1)
    return tuple(strides)
