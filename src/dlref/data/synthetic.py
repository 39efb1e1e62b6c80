r"""Synthetic regression data with known parameters: d2l's ``synthetic_data``.

A model trained on these data should recover the parameters that generated them, which makes them
the first check of any training loop (see the linear regression walkthrough).
"""

from __future__ import annotations

import math
import numbers

import torch

__all__ = ["synthetic_linear"]


# --8<-- [start:synthetic_linear]
def synthetic_linear(
    w: torch.Tensor, b: float, n: int, noise: float = 0.01, *, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Draw ``n`` examples from the linear model $y = Xw + b + \epsilon$.

    $$
    X_{ij} \sim \mathcal{N}(0, 1), \qquad \epsilon_i \sim \mathcal{N}(0, \text{noise}^2), \qquad
    y = X w + b + \epsilon
    $$

    The values are drawn on the CPU (from ``generator``, or torch's global generator) and then moved
    to ``w``'s device, so a seeded run gives the same data on the CPU and on a GPU.

    Args:
        w: the true weights, a 1-D floating-point tensor of length $d$.
        b: the true bias.
        n: the number of examples (at least 1).
        noise: the standard deviation of the Gaussian noise (at least 0).
        generator: the CPU generator to draw from; torch's global generator when ``None``.

    Returns:
        ``(X, y)``: features of shape ``(n, d)`` and targets of shape ``(n, 1)`` (a column, like the
        output of ``nn.Linear(d, 1)``), with ``w``'s dtype, on ``w``'s device.

    Raises:
        ValueError: ``w`` is not 1-D or holds a NaN or infinite weight, ``b`` is NaN or infinite,
            ``n`` < 1, or ``noise`` is negative, NaN or infinite (each would give targets that are
            all NaN or infinite, not data a model can fit).
        TypeError: ``w`` is not a floating-point tensor, ``n`` is not an int, or ``b`` or
            ``noise`` is not a real number.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> X, y = synthetic_linear(torch.tensor([2.0, -3.4]), 4.2, 1000)
        >>> X.shape, y.shape
        (torch.Size([1000, 2]), torch.Size([1000, 1]))
        >>> X[0], y[0]
        (tensor([-1.1258, -1.1524]), tensor([5.8655]))
        >>> synthetic_linear(torch.tensor([[2.0, -3.4]]), 4.2, 10)
        Traceback (most recent call last):
          ...
        ValueError: synthetic_linear: w must be 1-D (one weight per feature), got shape (1, 2)
        >>> synthetic_linear(torch.tensor([2.0, -3.4]), 4.2, 10, noise=float("nan"))
        Traceback (most recent call last):
          ...
        ValueError: synthetic_linear: noise must be a finite standard deviation >= 0, got noise=nan
    """
    if not isinstance(w, torch.Tensor) or not w.is_floating_point():
        raise TypeError(f"synthetic_linear: w must be a floating-point tensor, got {getattr(w, 'dtype', type(w))}")
    if w.dim() != 1:
        raise ValueError(f"synthetic_linear: w must be 1-D (one weight per feature), got shape {tuple(w.shape)}")
    if not w.isfinite().all():
        i = int((~w.isfinite()).nonzero()[0, 0])
        raise ValueError(f"synthetic_linear: w must hold finite weights, but w[{i}] is {w[i].item()}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"synthetic_linear: n is a number of examples and must be an int, got n={n!r}")
    if n < 1:
        raise ValueError(f"synthetic_linear: n must be at least 1, got n={n}")
    for name, value in (("b", b), ("noise", noise)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"synthetic_linear: {name} must be a real number (a Python float), got {name}={value!r}")
    if not math.isfinite(b):
        raise ValueError(f"synthetic_linear: b must be a finite bias, got b={b}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"synthetic_linear: noise must be a finite standard deviation >= 0, got noise={noise}")
    X = torch.randn(n, len(w), dtype=w.dtype, generator=generator)
    epsilon = noise * torch.randn(n, dtype=w.dtype, generator=generator)
    X = X.to(w.device)
    y = X @ w + b + epsilon.to(w.device)
    return X, y.reshape(-1, 1)


# --8<-- [end:synthetic_linear]
