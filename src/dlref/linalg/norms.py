r"""Norms from the definitions: vector p-norms, the Frobenius norm, and the spectral norm.

`vector_norm` is `torch.linalg.vector_norm` written from its formula (absolute values, powers, a sum
with `dlref.linalg.reductions.sum`, a root); `frobenius_norm` is the 2-norm of a matrix's entries;
`spectral_norm` finds the largest singular value by power iteration, where torch
(`torch.linalg.matrix_norm(A, ord=2)`) computes a full singular value decomposition. Each is
checked against torch on every available device in ``tests/linalg/test_norms.py``, together with
the properties that make a norm a norm.

The absolute values are raised to the power and summed in float64, but each power and their sum
are rounded to the precision torch computes them in (float32 for float16, bfloat16 and float32
inputs, float64 for float64): where torch's squares overflow, so do these, and the norm is ``inf``
as in torch even when it would fit in the result's dtype (``[1e30, 1e30]`` in float32). The norm
is rounded once to the input's real dtype.
"""

from __future__ import annotations

import math

import torch

from dlref.linalg.reductions import Dims, _shape, normalize_dims, sum

__all__ = ["frobenius_norm", "spectral_norm", "vector_norm"]


def _check_floating(function: str, x: torch.Tensor, name: str = "x") -> None:
    """Refuse integer and boolean tensors, as torch's norms do, and say how to convert."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{function}: {name} must be a tensor, got {type(x).__name__}")
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise TypeError(f"{function}: expected a floating-point or complex tensor, got {x.dtype}; try {name}.float()")


def _power_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype torch raises ``|x_i|`` to the power and sums in: float64 for double precision, else float32."""
    return torch.float64 if dtype in (torch.float64, torch.complex128) else torch.float32


def _real_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype of a norm of ``dtype`` values: the real dtype of the same precision."""
    return {torch.complex64: torch.float32, torch.complex128: torch.float64, torch.complex32: torch.float16}.get(
        dtype, dtype
    )


# --8<-- [start:vector_norm]
def vector_norm(x: torch.Tensor, ord: float = 2, dim: Dims = None, keepdim: bool = False) -> torch.Tensor:
    r"""Return the $p$-norm of ``x`` over the axes ``dim`` (every entry when ``dim`` is ``None``).

    $$
    \|x\|_p = \Bigl(\sum_i |x_i|^p\Bigr)^{1/p}, \qquad
    \|x\|_\infty = \max_i |x_i|, \qquad
    \|x\|_{-\infty} = \min_i |x_i|, \qquad
    \|x\|_0 = \#\{\, i : x_i \neq 0 \,\}
    $$

    ``ord=1`` is the sum of absolute values (the L1 or Manhattan norm), ``ord=2`` the Euclidean
    length (L2), ``ord=inf`` the largest absolute value. ``ord=0`` is not a norm but counts the
    nonzero entries; a negative or fractional ``ord`` is not a norm either (the triangle inequality
    fails) but is defined by the same formula, as in torch.

    As in torch, the powers $|x_i|^p$ and their sum are computed in float32 for float16, bfloat16
    and float32 inputs (float64 for float64): a sum beyond float32's range (about $3.4 \cdot 10^{38}$)
    gives ``inf``, and powers below its smallest value count as 0. A norm over a single entry is
    that entry's absolute value, with no power formed (torch's shortcut as well), except for a 0-d
    ``x`` given an axis (``dim=0``), where torch forms the power (and so overflows, in the example
    below).

    Args:
        x: a floating-point or complex tensor. Integer tensors are refused, as by torch: use
            ``x.float()``.
        ord: $p$, any real number, ``math.inf`` or ``-math.inf``.
        dim: the axes the norm runs over; ``None`` for every entry.
        keepdim: keep the reduced axes, with length 1.

    Returns:
        The norms, in the real dtype of ``x`` (``float32`` for ``complex64``), on ``x``'s device.
        ``inf`` where the sum of powers overflows, as in torch.

    Raises:
        TypeError: ``x`` is an integer or boolean tensor, or ``ord`` is not a real number.
        ValueError: ``ord`` is ``inf``, ``-inf`` or negative and an axis the norm runs over is
            empty (there is no maximum, minimum or power of nothing).
        IndexError: an axis is out of range.

    Examples:
        >>> x = torch.tensor([3.0, -4.0, 0.0])
        >>> vector_norm(x), vector_norm(x, ord=1), vector_norm(x, ord=math.inf), vector_norm(x, ord=0)
        (tensor(5.), tensor(7.), tensor(4.), tensor(2.))
        >>> vector_norm(torch.tensor([1e30, 1e30]))  # 1e60 does not fit in float32
        tensor(inf)
        >>> torch.linalg.vector_norm(torch.tensor([1e30, 1e30]))
        tensor(inf)
        >>> vector_norm(torch.tensor(1e30)), vector_norm(torch.tensor(1e30), dim=0)
        (tensor(1.0000e+30), tensor(inf))
        >>> torch.linalg.vector_norm(torch.tensor(1e30)), torch.linalg.vector_norm(torch.tensor(1e30), dim=0)
        (tensor(1.0000e+30), tensor(inf))
        >>> vector_norm(torch.tensor([3, 4]))
        Traceback (most recent call last):
          ...
        TypeError: vector_norm: expected a floating-point or complex tensor, got torch.int64; try x.float()
    """
    _check_floating("vector_norm", x)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)) or math.isnan(ord):
        raise TypeError(f"vector_norm: ord must be a real number, inf or -inf, got {ord!r}")
    axes = normalize_dims("vector_norm", x, dim)
    if ord < 0 or math.isinf(ord):
        for axis in axes:
            if x.shape[axis] == 0:
                raise ValueError(
                    f"vector_norm: the {ord} norm of nothing is undefined, and dim {axis} of shape {_shape(x)} is empty"
                )
    a = x.abs().to(torch.float64)  # |x_i|, real even for complex x
    terms = math.prod(x.shape[axis] for axis in axes)  # entries per norm
    if ord == math.inf:
        norm = a.amax(dim=axes, keepdim=keepdim) if axes else a
    elif ord == -math.inf:
        norm = a.amin(dim=axes, keepdim=keepdim) if axes else a
    elif ord == 0:
        norm = sum((a != 0).to(torch.float64), axes, keepdim)
    elif terms == 1 and (x.dim() > 0 or dim is None or dim in ((), [])):  # |x|, no power to overflow
        norm = sum(a, axes, keepdim)
    else:
        # each power, and their sum, rounded to torch's precision: inf where torch's overflow
        power = _power_dtype(x.dtype)
        powers = (a**ord).to(power).to(torch.float64)
        norm = sum(powers, axes, keepdim).to(power).to(torch.float64) ** (1 / ord)
    return norm.to(_real_dtype(x.dtype))


# --8<-- [end:vector_norm]


# --8<-- [start:frobenius_norm]
def frobenius_norm(A: torch.Tensor) -> torch.Tensor:
    r"""Return the Frobenius norm of a matrix (of each matrix in a batch): the 2-norm of its entries.

    $$
    \|A\|_F = \Bigl(\sum_{i=1}^{m} \sum_{j=1}^{n} |a_{ij}|^2\Bigr)^{1/2}
    $$

    Args:
        A: a floating-point or complex tensor of shape ``(..., m, n)``.

    Returns:
        The norms, of shape ``A.shape[:-2]``, in ``A``'s real dtype: ``inf`` where the sum of
        squares overflows float32 (for float16, bfloat16 and float32 ``A``), as in torch (see
        [`vector_norm`][dlref.linalg.norms.vector_norm]).

    Raises:
        TypeError: ``A`` is an integer or boolean tensor.
        ValueError: ``A`` has fewer than 2 dimensions.

    Examples:
        >>> frobenius_norm(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(5.4772)
        >>> frobenius_norm(torch.tensor([[1e30, 1e30]])), torch.linalg.matrix_norm(torch.tensor([[1e30, 1e30]]))
        (tensor(inf), tensor(inf))
    """
    _check_floating("frobenius_norm", A, "A")
    if A.dim() < 2:
        raise ValueError(f"frobenius_norm: A must be a matrix (at least 2 dimensions), got shape {_shape(A)}")
    return vector_norm(A, ord=2, dim=(-2, -1))


# --8<-- [end:frobenius_norm]


# --8<-- [start:spectral_norm]
def spectral_norm(A: torch.Tensor, *, iterations: int = 1000, tol: float = 1e-7, seed: int = 0) -> torch.Tensor:
    r"""Return the spectral norm of a matrix, its largest singular value, by power iteration.

    $$
    \|A\|_2 = \max_{\|v\|_2 = 1} \|A v\|_2 = \sigma_1(A) = \sqrt{\lambda_{\max}(A^\top A)}
    $$

    Power iteration on the symmetric matrix $A^\top A$: from a random unit vector $v_0$ (drawn on
    the CPU from ``seed``, so every device starts from the same one), repeat

    $$
    w = A^\top (A v_k), \qquad v_{k+1} = w / \|w\|_2, \qquad \sigma^{(k+1)} = \|A v_{k+1}\|_2 .
    $$

    Each step multiplies the component of $v$ along the $i$-th right singular vector by
    $\sigma_i^2$, so $v_k$ turns towards the top one (the other components shrink like
    $(\sigma_2 / \sigma_1)^{2k}$) and $\sigma^{(k)}$ rises to $\sigma_1$ from below, with an error
    quadratic in those components, shrinking like $(\sigma_2 / \sigma_1)^{4k}$. It stops after
    ``iterations`` steps, or earlier when $v_k$ is an eigenvector of $A^\top A$ to within ``tol``:

    $$
    \bigl\| A^\top A\, v_k - (\sigma^{(k)})^2 v_k \bigr\|_2 \le \mathrm{tol} \cdot (\sigma^{(k)})^2 .
    $$

    Not when a step changes $\sigma$ little: a start almost orthogonal to the top singular vector
    first turns towards the second, and $\sigma^{(k)}$ then lingers near $\sigma_2$, changing by
    amounts quadratic in the small top component, while this residual is linear in it (for
    $v_0$'s top component $c$, it is about $|c| (\sigma_1^2 - \sigma_2^2)$). When $\sigma_2$ is close
    to $\sigma_1$ it converges slowly; stopped by ``iterations``, the estimate lies between
    $\sigma_2$ and $\sigma_1$.

    The iteration runs in float64 on $A / s$, with $s = \max_{ij} |a_{ij}|$ (the norm scales:
    $\|A\|_2 = s \|A / s\|_2$), so that $\sigma^2$ neither overflows nor underflows even for
    entries of $10^{300}$; the result $s \sigma$ is rounded once to ``A.dtype``.

    Args:
        A: a real floating-point matrix of shape ``(m, n)``.
        iterations: the most steps to take, at least 1.
        tol: stop when the residual above is at most ``tol`` times $\sigma^2$ (0: never stop early).
        seed: seeds the CPU generator that draws $v_0$.

    Returns:
        A 0-dimensional tensor of ``A``'s dtype on ``A``'s device.

    Raises:
        TypeError: ``A`` is an integer, boolean or complex tensor.
        ValueError: ``A`` is not 2-D or has a NaN or infinite entry (torch's SVD refuses NaN, and
            answers NaN for inf), ``iterations`` is less than 1 or ``tol`` is negative.

    Examples:
        >>> A = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> spectral_norm(A)
        tensor(5.4650)
        >>> torch.linalg.matrix_norm(A, ord=2)
        tensor(5.4650)
    """
    _check_floating("spectral_norm", A, "A")
    if A.dtype.is_complex:
        raise TypeError(f"spectral_norm: A must be a real floating-point matrix, got {A.dtype}")
    if A.dim() != 2:
        raise ValueError(f"spectral_norm: A must be a matrix (2 dimensions), got shape {_shape(A)}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"spectral_norm: iterations must be an int of at least 1, got {iterations!r}")
    if not tol >= 0:
        raise ValueError(f"spectral_norm: tol must be at least 0, got {tol!r}")
    if A.numel() == 0:
        return torch.zeros((), dtype=A.dtype, device=A.device)
    if not A.isfinite().all():
        raise ValueError(
            "spectral_norm: A has NaN or infinite entries, which have no singular values; clean them first"
        )
    scale = A.abs().max().to(torch.float64)
    if scale == 0:
        return torch.zeros((), dtype=A.dtype, device=A.device)
    M = A.to(torch.float64) / scale
    generator = torch.Generator().manual_seed(seed)
    v = torch.randn(M.shape[1], generator=generator, dtype=torch.float64).to(M.device)
    v = v / vector_norm(v)
    Av = M @ v
    sigma = vector_norm(Av)
    for _ in range(iterations):
        w = M.T @ Av
        if vector_norm(w - sigma**2 * v) <= tol * sigma**2:  # also when A v = 0 (A is zero)
            break
        v = w / vector_norm(w)
        Av = M @ v
        sigma = vector_norm(Av)
    return (scale * sigma).to(A.dtype)


# --8<-- [end:spectral_norm]
