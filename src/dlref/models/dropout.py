r"""Dropout from scratch: zero each entry with probability $p$ and scale the survivors by $1/(1 - p)$.

$$
h' = \begin{cases} 0 & \text{with probability } p, \\ \dfrac{h}{1 - p} & \text{otherwise,} \end{cases}
\qquad \mathbb{E}[h'] = (1 - p) \cdot \frac{h}{1 - p} = h .
$$

Scaling during training ("inverted dropout", as `nn.Dropout` does) keeps each activation's
expectation, so at evaluation the layer is the identity and nothing needs rescaling. The mask is
drawn on the CPU generator (the global one, or ``generator``) and moved to the input's device, so
the CPU and CUDA drop the same entries for the same seed.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Dropout", "dropout"]


def _check_p(owner: str, p: object) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{owner}: p must be a number, the probability of zeroing an entry, got {p!r}")
    if not (0 <= p <= 1):  # false for NaN
        raise ValueError(f"{owner}: p is the probability of zeroing an entry and must be in [0, 1], got {p!r}")
    return float(p)


# --8<-- [start:dropout]
def dropout(X: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Zero each entry of ``X`` with probability ``p`` and divide the rest by $1 - p$; ``X`` itself when not training.

    Each entry is kept when a uniform draw $u \sim U[0, 1)$ is at least $p$, which happens with
    probability $1 - p$. With $p = 1$ every entry is dropped and the result is zeros (not
    $0 / 0$), as in `torch.nn.functional.dropout`.

    Args:
        X: a floating-point tensor of any shape.
        p: the probability of zeroing each entry, in $[0, 1]$.
        training: when false, return ``X`` unchanged (the same tensor), as at evaluation.
        generator: a CPU ``torch.Generator`` for the mask; the global one when ``None``.

    Raises:
        TypeError: ``X`` is not a floating-point tensor (torch refuses integers too), or ``p`` is
            not a number.
        ValueError: ``p`` is outside $[0, 1]$ or NaN (torch raises ``ValueError`` too).

    Examples:
        >>> X = torch.arange(1.0, 9.0)
        >>> dropout(X, 0.5, generator=torch.Generator().manual_seed(0))
        tensor([ 0.,  4.,  0.,  0.,  0., 12.,  0., 16.])
        >>> dropout(X, 0.5, training=False) is X
        True
        >>> dropout(X, 1.0)
        tensor([0., 0., 0., 0., 0., 0., 0., 0.])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"dropout: X must be a tensor, got {type(X).__name__}")
    if not X.dtype.is_floating_point:
        raise TypeError(f"dropout: X must be a floating-point tensor, got {X.dtype}; use X.float()")
    p = _check_p("dropout", p)
    if not training or p == 0:
        return X
    if p == 1:
        return torch.zeros_like(X)
    keep = torch.rand(X.shape, generator=generator) >= p  # True with probability 1 - p
    return X * keep.to(X.device) / (1 - p)


class Dropout(nn.Module):
    r"""Dropout as a layer: [`dropout`][dlref.models.dropout.dropout] in training mode, the identity in eval mode.

    ``model.train()`` and ``model.eval()`` set ``self.training`` on every submodule, which is all
    this layer reads; `nn.Dropout` works the same way.

    Raises:
        TypeError, ValueError: ``p`` is not a number in $[0, 1]$.

    Examples:
        >>> layer = Dropout(0.5)
        >>> _ = torch.manual_seed(0)
        >>> layer(torch.ones(6))
        tensor([0., 2., 0., 0., 0., 2.])
        >>> layer.eval()(torch.ones(6))
        tensor([1., 1., 1., 1., 1., 1.])
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = _check_p("Dropout", p)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return dropout(X, self.p, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# --8<-- [end:dropout]
