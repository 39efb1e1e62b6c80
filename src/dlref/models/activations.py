r"""Activation functions from their definitions, and their derivatives in closed form.

ReLU and the sigmoid are in [`dlref.models.mlp.relu`][dlref.models.mlp.relu] and
[`dlref.models.losses.sigmoid`][dlref.models.losses.sigmoid]; this module adds $\tanh$ and GELU, and
the four derivatives, which the tests compare with what autograd computes through
`torch.nn.functional`:

$$
\mathrm{ReLU}'(x) = [x > 0], \quad \sigma'(x) = \sigma(x)\,(1 - \sigma(x)), \quad
\tanh'(x) = 1 - \tanh^2(x), \quad \mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x).
$$

Half-precision inputs are computed in float32 and rounded once, as torch's kernels do. The
derivatives of the sigmoid and tanh in half precision start from the output rounded to that
dtype, as torch's backward does (it saves the output, not the input).
"""

from __future__ import annotations

import math

import torch

from dlref.models.losses import sigmoid

__all__ = ["gelu", "gelu_derivative", "relu_derivative", "sigmoid_derivative", "tanh", "tanh_derivative"]

_HALF = (torch.float16, torch.bfloat16)


def _real(name: str, x: object, *, floating: bool = False) -> torch.Tensor:
    """``x`` as a real floating tensor: integers and booleans in the default dtype (as `torch.tanh`
    gives), unless ``floating`` asks for a floating tensor already (as autograd and `F.gelu` do)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: x must be a tensor, got {type(x).__name__}")
    if x.dtype.is_complex:
        raise TypeError(f"{name}: x must be real, got {x.dtype}; use x.real")
    if not x.dtype.is_floating_point:
        if floating:
            raise TypeError(f"{name}: x must be a floating-point tensor, got {x.dtype}; use x.float()")
        x = x.to(torch.get_default_dtype())
    return x


# --8<-- [start:tanh]
def tanh(x: torch.Tensor) -> torch.Tensor:
    r"""The hyperbolic tangent $\tanh(x) = \dfrac{1 - e^{-2x}}{1 + e^{-2x}} = 2\sigma(2x) - 1$, element-wise.

    Computed for $|x|$ and given the sign of $x$, so that $e^{-2|x|} \le 1$ never overflows;
    ``expm1`` keeps the digits of $1 - e^{-2|x|}$ for small $|x|$. Integer and boolean ``x`` give
    the default float dtype, as `torch.tanh`.

    Raises:
        TypeError: ``x`` is not a tensor, or is complex (`torch.tanh` accepts it; this reference is
            for real inputs).

    Examples:
        >>> tanh(torch.tensor([-1000.0, -1.0, 0.0, 1e-8, 2.0]))
        tensor([-1.0000e+00, -7.6159e-01,  0.0000e+00,  1.0000e-08,  9.6403e-01])
    """
    x = _real("tanh", x)
    dtype = x.dtype
    if dtype in _HALF:
        x = x.float()
    m = torch.expm1(-2 * x.abs())  # e^{-2|x|} - 1, in (-1, 0]
    return (torch.sign(x) * (-m / (2 + m))).to(dtype)


# --8<-- [end:tanh]


# --8<-- [start:gelu]
def gelu(x: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    r"""The Gaussian error linear unit $\mathrm{GELU}(x) = x\,\Phi(x)$, element-wise.

    $\Phi(x) = \tfrac12\left(1 + \operatorname{erf}(x / \sqrt 2)\right)$ is the standard normal
    distribution function: GELU weights $x$ by the probability that a standard normal variable is
    below it. With ``approximate="tanh"``, $\Phi(x)$ is replaced by
    $\tfrac12\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)$, as in
    ``F.gelu(x, approximate="tanh")``.

    At $x = +\infty$ the result is $+\infty$, as $\Phi(+\infty) = 1$; at $-\infty$ it is NaN
    ($-\infty \cdot 0$), as in torch. (torch's exact float32 and bfloat16 kernels give NaN at
    $+\infty$ too, and overflow to $+\infty$ above about half the largest float32; in float64 they
    agree with this.)

    Raises:
        TypeError: ``x`` is not a floating-point tensor (as `F.gelu`, which has no integer kernel).
        ValueError: ``approximate`` is neither ``"none"`` nor ``"tanh"``.

    Examples:
        >>> gelu(torch.tensor([-3.0, -1.0, 0.0, 1.0, 3.0]))
        tensor([-0.0040, -0.1587,  0.0000,  0.8413,  2.9960])
        >>> gelu(torch.tensor([1.0]), approximate="tanh")
        tensor([0.8412])
        >>> gelu(torch.tensor([float("inf"), -float("inf"), 3e38]))
        tensor([       inf,        nan, 3.0000e+38])
    """
    x = _real("gelu", x, floating=True)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    dtype = x.dtype
    if dtype in _HALF:
        x = x.float()
    if approximate == "tanh":
        Phi = 0.5 * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    else:
        Phi = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    return (x * Phi).to(dtype)


# --8<-- [end:gelu]


# --8<-- [start:derivatives]
def relu_derivative(x: torch.Tensor) -> torch.Tensor:
    r"""$\mathrm{ReLU}'(x)$: 1 where $x > 0$, 0 where $x < 0$, and 0 at the kink $x = 0$ (as autograd).

    At 0 any slope in $[0, 1]$ is a subderivative; torch's backward passes the gradient where
    $x \le 0$ is false, so it gives 0 there and 1 for NaN, and so does this.

    Raises:
        TypeError: ``x`` is not a floating-point tensor (autograd needs one).

    Examples:
        >>> relu_derivative(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([0., 0., 1.])
    """
    x = _real("relu_derivative", x, floating=True)
    return torch.where(x <= 0, 0.0, 1.0).to(x.dtype)


def sigmoid_derivative(x: torch.Tensor) -> torch.Tensor:
    r"""$\sigma'(x) = \sigma(x)\,(1 - \sigma(x)) = \sigma(x)\,\sigma(-x)$: at most $\tfrac14$, at $x = 0$.

    Computed in the second form: for large $x$, $1 - \sigma(x)$ subtracts two nearly equal numbers
    and keeps few digits, where $\sigma(-x)$ keeps them all (autograd uses the first, so in float32
    it gives exactly 0 from $x \approx 17$ on, where $\sigma(x)$ rounds to 1). In float16 and
    bfloat16 it is the first form on the rounded output, as autograd computes it.

    Raises:
        TypeError: ``x`` is not a floating-point tensor (autograd needs one).

    Examples:
        >>> sigmoid_derivative(torch.tensor([-10.0, 0.0, 10.0]))
        tensor([4.5396e-05, 2.5000e-01, 4.5396e-05])
    """
    x = _real("sigmoid_derivative", x, floating=True)
    if x.dtype in _HALF:  # from the rounded output, as autograd
        s = sigmoid(x).float()
        return (s * (1 - s)).to(x.dtype)
    return sigmoid(x) * sigmoid(-x)


def tanh_derivative(x: torch.Tensor) -> torch.Tensor:
    r"""$\tanh'(x) = 1 - \tanh^2(x)$: at most 1, at $x = 0$.

    Raises:
        TypeError: ``x`` is not a floating-point tensor (autograd needs one).

    Examples:
        >>> tanh_derivative(torch.tensor([-3.0, 0.0, 3.0]))
        tensor([0.0099, 1.0000, 0.0099])
    """
    x = _real("tanh_derivative", x, floating=True)
    t = tanh(x).float() if x.dtype in _HALF else tanh(x)  # half: from the rounded output, as autograd
    return (1 - t * t).to(x.dtype)


def gelu_derivative(x: torch.Tensor) -> torch.Tensor:
    r"""$\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)$, with $\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}$ (exact GELU).

    By the product rule on $x\,\Phi(x)$, as $\Phi' = \varphi$. Unlike ReLU's, it is smooth, and
    negative below $x \approx -0.75$, down to about $-0.129$ at $x = -\sqrt 2$ (where
    $\mathrm{GELU}'' = \varphi(x)(2 - x^2)$ is 0).

    Raises:
        TypeError: ``x`` is not a floating-point tensor (autograd needs one).

    Examples:
        >>> gelu_derivative(torch.tensor([-3.0, -1.5, 0.0, 3.0]))
        tensor([-0.0119, -0.1275,  0.5000,  1.0119])
    """
    x = _real("gelu_derivative", x, floating=True)
    dtype = x.dtype
    if dtype in _HALF:
        x = x.float()
    Phi = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    phi = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return (Phi + x * phi).to(dtype)


# --8<-- [end:derivatives]
