r"""Xavier (Glorot) and Kaiming (He) initialisation, from the variance each layer should keep.

A linear layer $o_i = \sum_{j=1}^{n_\text{in}} w_{ij} x_j$ with independent, zero-mean weights of
variance $\sigma^2$ and inputs of variance $\gamma^2$ gives outputs of variance
$n_\text{in} \sigma^2 \gamma^2$; backwards, the gradients are scaled by $n_\text{out} \sigma^2$.
Keeping both at 1 asks for $n_\text{in} \sigma^2 = 1$ and $n_\text{out} \sigma^2 = 1$:

- **Xavier** takes the compromise $\sigma^2 = \dfrac{2}{n_\text{in} + n_\text{out}}$ (for tanh or
  no activation);
- **Kaiming** keeps the forward pass through a ReLU, which zeroes half of its input and so halves
  the second moment: $\sigma^2 = \dfrac{2}{n_\text{in}}$.

Each is drawn from a normal distribution with that standard deviation, or from $U(-a, a)$, whose
variance is $a^2 / 3$, so $a = \sqrt{3}\,\sigma$. A ``gain`` multiplies $\sigma$ (the functions
here take it as a number; `torch.nn.init.calculate_gain` gives the usual ones). The values are
drawn on the CPU generator (the global one, or ``generator``) and copied into the tensor.
"""

from __future__ import annotations

import math

import torch

__all__ = ["fans", "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_"]


def fans(shape: torch.Size | tuple[int, ...]) -> tuple[int, int]:
    r"""$(n_\text{in}, n_\text{out})$ of a weight of ``shape``, laid out as torch lays out its layers' weights.

    An `nn.Linear` weight is ``(out_features, in_features)``; a convolution's is
    ``(out_channels, in_channels, *kernel)``, each output summing over ``in_channels`` times the
    kernel's size of inputs: $n_\text{in}$ = ``shape[1] * prod(shape[2:])`` and
    $n_\text{out}$ = ``shape[0] * prod(shape[2:])``.

    Raises:
        TypeError: ``shape`` is not a sequence of ints.
        ValueError: ``shape`` has fewer than 2 dimensions (a bias has no fan-in and fan-out;
            torch raises ``ValueError`` too) or a negative size.

    Examples:
        >>> fans(torch.nn.Linear(3, 5).weight.shape)
        (3, 5)
        >>> fans((16, 3, 5, 5))  # a Conv2d(3, 16, kernel_size=5) weight
        (75, 400)
    """
    if not isinstance(shape, (tuple, list, torch.Size)) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in shape
    ):
        raise TypeError(f"fans: shape must be a tuple of ints such as weight.shape, got {shape!r}")
    if len(shape) < 2:
        raise ValueError(
            f"fans: shape must have at least 2 dimensions (out, in, *kernel), got {tuple(shape)};"
            " a bias or other 1-D parameter has no fan-in and fan-out, initialise it directly"
        )
    if any(n < 0 for n in shape):
        raise ValueError(f"fans: shape has a negative size: {tuple(shape)}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _check(owner: str, tensor: object, gain: object) -> tuple[int, int]:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{owner}: tensor must be a tensor (a layer's weight), got {type(tensor).__name__}")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"{owner}: tensor must be a floating-point tensor, got {tensor.dtype}")
    if isinstance(gain, bool) or not isinstance(gain, (int, float)) or not (math.isfinite(gain) and gain > 0):
        raise ValueError(
            f"{owner}: gain must be a finite number above 0, got {gain!r}"
            " (torch.nn.init.calculate_gain('relu') gives ReLU's)"
        )
    try:
        return fans(tensor.shape)
    except ValueError as error:
        raise ValueError(str(error).replace("fans: shape", f"{owner}: tensor")) from None


def _draw(tensor: torch.Tensor, std: float, uniform: bool, generator: torch.Generator | None) -> torch.Tensor:
    """Fill ``tensor`` in place with zero-mean draws of standard deviation ``std``, from the CPU generator."""
    if tensor.numel() == 0:  # nothing to fill, and a fan of 0 would divide by 0
        return tensor
    if uniform:
        a = math.sqrt(3.0) * std  # U(-a, a) has variance a^2 / 3
        values = (2 * torch.rand(tensor.shape, generator=generator, dtype=torch.float64) - 1) * a
    else:
        values = torch.randn(tensor.shape, generator=generator, dtype=torch.float64) * std
    with torch.no_grad():  # a parameter that requires grad may be filled in place
        return tensor.copy_(values)


# --8<-- [start:init]
def xavier_uniform_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Fill ``tensor`` from $U(-a, a)$, $a = \text{gain} \sqrt{6 / (n_\text{in} + n_\text{out})}$; return it.

    That is variance $\text{gain}^2 \cdot 2 / (n_\text{in} + n_\text{out})$, as
    `torch.nn.init.xavier_uniform_` draws.

    Raises:
        TypeError: ``tensor`` is not a floating-point tensor.
        ValueError: ``tensor`` has fewer than 2 dimensions, or ``gain`` is not a finite number above 0.

    Examples:
        >>> W = xavier_uniform_(torch.empty(200, 300), generator=torch.Generator().manual_seed(0))
        >>> W.abs().max() <= (6 / (300 + 200)) ** 0.5, round(W.std().item(), 3), round((2 / 500) ** 0.5, 3)
        (tensor(True), 0.063, 0.063)
    """
    fan_in, fan_out = _check("xavier_uniform_", tensor, gain)
    return _draw(tensor, gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), True, generator)


def xavier_normal_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Fill ``tensor`` from $\mathcal{N}(0, \sigma^2)$, $\sigma = \text{gain} \sqrt{2 / (n_\text{in} + n_\text{out})}$.

    Returns ``tensor``.

    Raises:
        TypeError, ValueError: as [`xavier_uniform_`][dlref.models.init.xavier_uniform_].

    Examples:
        >>> W = xavier_normal_(torch.empty(200, 300), generator=torch.Generator().manual_seed(0))
        >>> round(W.std().item(), 3), round((2 / 500) ** 0.5, 3)
        (0.063, 0.063)
    """
    fan_in, fan_out = _check("xavier_normal_", tensor, gain)
    return _draw(tensor, gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), False, generator)


def _fan(owner: str, mode: object, fan_in: int, fan_out: int) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(
            f"{owner}: mode must be 'fan_in' (keep the forward pass) or 'fan_out' (the backward), got {mode!r}"
        )
    return max(fan_in if mode == "fan_in" else fan_out, 1)


def kaiming_uniform_(
    tensor: torch.Tensor, gain: float = math.sqrt(2.0), mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Fill ``tensor`` from $U(-a, a)$, $a = \text{gain} \sqrt{3 / n}$, $n = n_\text{in}$ or $n_\text{out}$.

    Returns ``tensor``.

    With the default gain $\sqrt 2$ (ReLU's), the variance is $2 / n_\text{in}$, as
    `torch.nn.init.kaiming_uniform_` draws with its defaults. (`nn.Linear` initialises its weight
    with ``kaiming_uniform_(w, a=math.sqrt(5))``, a gain of $\sqrt{1/3}$: variance $1 / (9 n_\text{in})$.)

    Raises:
        TypeError, ValueError: as [`xavier_uniform_`][dlref.models.init.xavier_uniform_]; or
            ``mode`` is neither ``"fan_in"`` nor ``"fan_out"``.

    Examples:
        >>> W = kaiming_uniform_(torch.empty(200, 300), generator=torch.Generator().manual_seed(0))
        >>> round(W.std().item(), 3), round((2 / 300) ** 0.5, 3)
        (0.082, 0.082)
    """
    fan_in, fan_out = _check("kaiming_uniform_", tensor, gain)
    return _draw(tensor, gain / math.sqrt(_fan("kaiming_uniform_", mode, fan_in, fan_out)), True, generator)


def kaiming_normal_(
    tensor: torch.Tensor, gain: float = math.sqrt(2.0), mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Fill ``tensor`` from $\mathcal{N}(0, \sigma^2)$, $\sigma = \text{gain} / \sqrt{n}$ ($n$: the fan of ``mode``).

    Returns ``tensor``.

    Raises:
        TypeError, ValueError: as [`kaiming_uniform_`][dlref.models.init.kaiming_uniform_].

    Examples:
        >>> W = kaiming_normal_(torch.empty(200, 300), generator=torch.Generator().manual_seed(0))
        >>> round(W.std().item(), 3), round((2 / 300) ** 0.5, 3)
        (0.082, 0.082)
    """
    fan_in, fan_out = _check("kaiming_normal_", tensor, gain)
    return _draw(tensor, gain / math.sqrt(_fan("kaiming_normal_", mode, fan_in, fan_out)), False, generator)


# --8<-- [end:init]
