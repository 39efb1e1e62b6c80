r"""Products from the sum-of-products definitions: dot, mv, mm and matmul (``@``).

These are from-scratch versions of `torch.dot`, `torch.mv`, `torch.mm` and `torch.matmul`, written to
be read rather than to be fast. Each multiplies the entries that meet, elementwise, with broadcasting
lining them up, and adds the products over the shared index with `dlref.linalg.reductions.sum` (a
Python loop over that index). So ``mm`` is literally $c_{ij} = \sum_k a_{ik} b_{kj}$: the product
``A[:, :, None] * B[None, :, :]`` holds every $a_{ik} b_{kj}$, and the sum runs over $k$.

Products are formed and summed in int64, float64 or complex128 and rounded once to the inputs'
dtype, which must be the same for both operands (torch refuses mixed dtypes too). Each is checked
against torch on every available device in ``tests/linalg/test_products.py``.

``mm`` and ``matmul`` form the products one block at a time: the tensor of all $a_{ik} b_{kj}$ has
$m n p$ entries (64 GB in float64 for two 2000 × 2000 matrices), so they take a block of rows
$i$, of inner indices $k$ and of columns $j$ whose product tensor has at most `BLOCK_ELEMENTS`
entries, sum it over $k$, and add it into the result. The
memory they use beyond their inputs and result is bounded by that, whatever the sizes.
"""

from __future__ import annotations

import torch

from dlref.linalg.reductions import _accumulator, _shape, sum

__all__ = ["BLOCK_ELEMENTS", "dot", "matmul", "mm", "mv"]

BLOCK_ELEMENTS = 2**20
"""The most products $a_{ik} b_{kj}$ that ``mm`` and ``matmul`` form at once: 8 MiB in float64 (a
``matmul`` whose batch has more entries forms one product per batch entry at a time)."""


def _check_operands(function: str, a: torch.Tensor, b: torch.Tensor, names: tuple[str, str]) -> None:
    """Refuse a mix of dtypes or devices, and booleans (torch has no boolean products)."""
    first, second = names
    if a.dtype != b.dtype:
        raise TypeError(
            f"{function}: {first} is {a.dtype} and {second} is {b.dtype}; convert one, e.g. {second}.to({first}.dtype)"
        )
    if a.dtype == torch.bool:
        raise TypeError(
            f"{function}: {first} and {second} are boolean tensors, which have no product here (nor in torch); "
            f"convert them, e.g. {first}.int()"
        )
    if a.device != b.device:
        raise ValueError(f"{function}: {first} is on {a.device} and {second} is on {b.device}; move one of them")


def _check_dims(function: str, name: str, t: torch.Tensor, dims: int, what: str) -> None:
    if t.dim() != dims:
        raise ValueError(f"{function}: {name} must be {what} ({dims}-D), got shape {_shape(t)}")


# --8<-- [start:dot]
def dot(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Return the dot product of two vectors of the same length.

    $$
    x^\top y = \sum_{i=1}^{n} x_i y_i
    $$

    Args:
        x: a 1-D tensor of length $n$.
        y: a 1-D tensor of length $n$, with ``x``'s dtype and device.

    Returns:
        A 0-dimensional tensor of ``x``'s dtype.

    Raises:
        TypeError: the dtypes differ, or are boolean.
        ValueError: a tensor is not 1-D, the lengths differ, or the devices differ.

    Examples:
        >>> dot(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0]))
        tensor(32.)
        >>> dot(torch.ones(3), torch.ones(4))
        Traceback (most recent call last):
          ...
        ValueError: dot: lengths differ: x is (3,) and y is (4,): 3 != 4
    """
    _check_operands("dot", x, y, ("x", "y"))
    _check_dims("dot", "x", x, 1, "a vector")
    _check_dims("dot", "y", y, 1, "a vector")
    if len(x) != len(y):
        raise ValueError(f"dot: lengths differ: x is {_shape(x)} and y is {_shape(y)}: {len(x)} != {len(y)}")
    wide = _accumulator(x.dtype)
    return sum(x.to(wide) * y.to(wide)).to(x.dtype)


# --8<-- [end:dot]


# --8<-- [start:mv]
def mv(A: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Return the matrix-vector product $A x$: one dot product per row of $A$.

    $$
    (A x)_i = \sum_{j=1}^{n} a_{ij} x_j, \qquad A \in \mathbb{R}^{m \times n},\; x \in \mathbb{R}^{n}
    $$

    ``A * x`` broadcasts $x$ along every row, so its entry $(i, j)$ is $a_{ij} x_j$; summing over
    $j$ (``dim=1``) gives the $m$ entries of $A x$.

    Args:
        A: a 2-D tensor of shape ``(m, n)``.
        x: a 1-D tensor of length ``n``, with ``A``'s dtype and device.

    Returns:
        A 1-D tensor of length ``m``.

    Raises:
        TypeError: the dtypes differ, or are boolean.
        ValueError: ``A`` is not 2-D, ``x`` is not 1-D, ``n`` differs, or the devices differ.

    Examples:
        >>> mv(torch.tensor([[1, 2, 3], [4, 5, 6]]), torch.tensor([1, 0, -1]))
        tensor([-2, -2])
        >>> mv(torch.ones(2, 3), torch.ones(4))
        Traceback (most recent call last):
          ...
        ValueError: mv: inner dimensions differ: A is (2, 3) and x is (4,): 3 != 4
    """
    _check_operands("mv", A, x, ("A", "x"))
    _check_dims("mv", "A", A, 2, "a matrix")
    _check_dims("mv", "x", x, 1, "a vector")
    if A.shape[1] != len(x):
        raise ValueError(
            f"mv: inner dimensions differ: A is {_shape(A)} and x is {_shape(x)}: {A.shape[1]} != {len(x)}"
        )
    wide = _accumulator(A.dtype)
    return sum(A.to(wide) * x.to(wide), dim=1).to(A.dtype)


# --8<-- [end:mv]


# --8<-- [start:mm]
def mm(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    r"""Return the matrix product $A B$: entry $(i, j)$ is row $i$ of $A$ dotted with column $j$ of $B$.

    $$
    (A B)_{ij} = \sum_{k=1}^{n} a_{ik} b_{kj},
    \qquad A \in \mathbb{R}^{m \times n},\; B \in \mathbb{R}^{n \times p},\; A B \in \mathbb{R}^{m \times p}
    $$

    ``A[:, :, None] * B[None, :, :]`` has shape ``(m, n, p)`` and entry $(i, k, j)$ equal to
    $a_{ik} b_{kj}$; summing over $k$ (``dim=1``) leaves the ``(m, p)`` product. That tensor is
    formed a block at a time (see `_products_summed`), so memory stays bounded for large matrices.

    Args:
        A: a 2-D tensor of shape ``(m, n)``.
        B: a 2-D tensor of shape ``(n, p)``, with ``A``'s dtype and device.

    Returns:
        A 2-D tensor of shape ``(m, p)``.

    Raises:
        TypeError: the dtypes differ, or are boolean.
        ValueError: a tensor is not 2-D, the inner dimensions ``n`` differ, or the devices differ.

    Examples:
        >>> mm(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[0, 1], [1, 0]]))
        tensor([[2, 1],
                [4, 3]])
        >>> mm(torch.ones(2, 3), torch.ones(4, 5))
        Traceback (most recent call last):
          ...
        ValueError: mm: inner dimensions differ: A is (2, 3) and B is (4, 5): 3 != 4
    """
    _check_operands("mm", A, B, ("A", "B"))
    _check_dims("mm", "A", A, 2, "a matrix")
    _check_dims("mm", "B", B, 2, "a matrix")
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            f"mm: inner dimensions differ: A is {_shape(A)} and B is {_shape(B)}: {A.shape[1]} != {B.shape[0]}"
        )
    wide = _accumulator(A.dtype)
    return _products_summed(A.to(wide), B.to(wide)).to(A.dtype)


# --8<-- [end:mm]


# --8<-- [start:blocks]
def _products_summed(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""$c_{\dots ij} = \sum_k a_{\dots ik}\, b_{\dots kj}$ for ``a`` of shape ``(..., m, n)`` and ``b`` of
    shape ``(..., n, p)`` (batch axes broadcast), one block of $i$, $k$ and $j$ at a time.

    Each block's products ``a[..., i, k, None] * b[..., None, k, j]`` hold at most `BLOCK_ELEMENTS`
    entries (one per batch entry when the batch alone is larger); summed over $k$ they are added
    into the rows $i$ and columns $j$ of the result. Adding the blocks over $k$ one after the other
    sums the same terms, grouped by block: each block is summed on its own and then added to the
    running total, so in floating point the last bits can depend on `BLOCK_ELEMENTS`.
    """
    *_, m, n = a.shape
    p = b.shape[-1]
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    C = torch.zeros(*batch, m, p, dtype=a.dtype, device=a.device)
    # Block sizes: as many columns j as fit, then rows i, then inner indices k (each at least 1).
    budget = max(1, BLOCK_ELEMENTS // max(1, batch.numel()))
    cols = max(1, min(p, budget))
    rows = max(1, min(m, budget // cols))
    inner = max(1, min(n, budget // (cols * rows)))
    for i in range(0, m, rows):
        for j in range(0, p, cols):
            for k in range(0, n, inner):
                block = a[..., i : i + rows, k : k + inner, None] * b[..., None, k : k + inner, j : j + cols]
                C[..., i : i + rows, j : j + cols] += sum(block, dim=-2)
    return C


# --8<-- [end:blocks]


# --8<-- [start:matmul]
def matmul(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    r"""Return ``A @ B``: matrix products over the last two axes, broadcasting the axes before them.

    $$
    C_{b,\, ij} = \sum_{k=1}^{n} A_{b,\, ik}\, B_{b,\, kj}
    $$

    for every batch index $b$, where the batch shapes ``A.shape[:-2]`` and ``B.shape[:-2]`` are
    broadcast against each other (a missing or length-1 axis repeats). As in `torch.matmul`, a 1-D
    ``A`` is taken as a row (a length-1 axis is put in front and removed from the result), and a 1-D
    ``B`` as a column (a length-1 axis is put after it and removed); so two vectors give their dot
    product and a matrix times a vector gives ``mv``.

    Args:
        A: a tensor of at least 1 dimension, ``(..., m, n)``, or ``(n,)``.
        B: a tensor of at least 1 dimension, ``(..., n, p)``, or ``(n,)``, with ``A``'s dtype and
            device.

    Returns:
        The products, of shape ``(*broadcast batch, m, p)`` less the axes added for vectors.

    Raises:
        TypeError: the dtypes differ, or are boolean.
        ValueError: a tensor is 0-dimensional, the inner dimensions ``n`` differ, the batch shapes do
            not broadcast, or the devices differ.

    Examples:
        >>> matmul(torch.ones(2, 1, 3, 4), torch.ones(5, 4, 2)).shape
        torch.Size([2, 5, 3, 2])
        >>> matmul(torch.ones(4), torch.ones(5, 4, 2)).shape
        torch.Size([5, 2])
        >>> matmul(torch.ones(2, 3, 4), torch.ones(3, 4, 5))
        Traceback (most recent call last):
          ...
        ValueError: matmul: batch shapes (2,) and (3,) do not broadcast: A is (2, 3, 4) and B is (3, 4, 5)
    """
    _check_operands("matmul", A, B, ("A", "B"))
    if A.dim() == 0 or B.dim() == 0:
        raise ValueError(
            f"matmul: both arguments need at least 1 dimension, got A of shape {_shape(A)} and B of shape {_shape(B)}"
        )
    a = A.unsqueeze(0) if A.dim() == 1 else A  # a row (1, n)
    b = B.unsqueeze(1) if B.dim() == 1 else B  # a column (n, 1)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"matmul: inner dimensions differ: A is {_shape(A)} and B is {_shape(B)}: {a.shape[-1]} != {b.shape[-2]}"
        )
    a_batch, b_batch = _shape(a)[:-2], _shape(b)[:-2]
    # Broadcasting: aligned from the right (zip stops at the shorter), lengths equal or one of them 1.
    if any(m != n and 1 not in (m, n) for m, n in zip(reversed(a_batch), reversed(b_batch), strict=False)):
        raise ValueError(
            f"matmul: batch shapes {a_batch} and {b_batch} do not broadcast: A is {_shape(A)} and B is {_shape(B)}"
        )
    wide = _accumulator(A.dtype)
    # (..., m, n, 1) * (..., 1, n, p): entry (..., i, k, j) is a_ik * b_kj; sum over k, block by block.
    C = _products_summed(a.to(wide), b.to(wide)).to(A.dtype)
    if B.dim() == 1:
        C = C.squeeze(-1)
    if A.dim() == 1:
        C = C.squeeze(-2 if B.dim() > 1 else -1)
    return C


# --8<-- [end:matmul]
