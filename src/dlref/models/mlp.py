r"""The multilayer perceptron, three ways: from scratch, as an `nn.Module` subclass, as `nn.Sequential`.

One hidden layer with a ReLU: $H = \mathrm{ReLU}(X W_1 + b_1)$, $O = H W_2 + b_2$. Without the ReLU
the two layers collapse into one linear map, $X W_1 W_2 + (b_1 W_2 + b_2)$, no more expressive than
softmax regression; [`collapse_linear`][dlref.models.mlp.collapse_linear] computes that single layer.
"""

from __future__ import annotations

import torch
from torch import nn

from dlref.models.linear import _check_sigma, _check_size

__all__ = ["MLP", "MLPScratch", "collapse_linear", "mlp_sequential", "relu"]


def _check_sizes(owner: str, num_inputs: object, num_hiddens: object, num_outputs: object) -> None:
    _check_size(owner, "num_inputs", num_inputs, "the number of features, X.shape[1]")
    _check_size(owner, "num_hiddens", num_hiddens, "the width of the hidden layer")
    _check_size(owner, "num_outputs", num_outputs, "the number of outputs or classes")


# --8<-- [start:scratch]
def relu(X: torch.Tensor) -> torch.Tensor:
    r"""$\mathrm{ReLU}(x) = \max(x, 0)$, element-wise.

    Its gradient is $[x > 0]$: 0 at the kink $x = 0$, as `torch.relu`'s.

    Raises:
        TypeError: ``X`` is boolean or complex (as `torch.relu`; a boolean would come back as int64).

    Examples:
        >>> relu(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([0., 0., 3.])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"relu: X must be a tensor, got {type(X).__name__}")
    if X.dtype == torch.bool or X.dtype.is_complex:
        raise TypeError(f"relu: X must be a real number tensor, got {X.dtype}; use X.float()")
    # 0 where x <= 0, else x: NaN stays NaN, and the gradient at 0 is 0 (clamp_min's would be 1)
    return torch.where(X <= 0, 0, X)


class MLPScratch(nn.Module):
    r"""An MLP with one hidden layer, parameters as plain tensors: $\mathrm{ReLU}(X W_1 + b_1) W_2 + b_2$.

    Raises:
        TypeError: a size is not an int, or ``sigma`` not a number.
        ValueError: a size is less than 1, or ``sigma`` is negative, infinite or NaN (checked before
            any weight is drawn).

    Examples:
        >>> MLPScratch(64, 32, 10)(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
    """

    def __init__(self, num_inputs: int, num_hiddens: int, num_outputs: int, sigma: float = 0.01) -> None:
        _check_sizes(type(self).__name__, num_inputs, num_hiddens, num_outputs)
        _check_sigma(type(self).__name__, sigma)
        super().__init__()
        self.W1 = nn.Parameter(sigma * torch.randn(num_inputs, num_hiddens))
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(sigma * torch.randn(num_hiddens, num_outputs))
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = relu(X @ self.W1 + self.b1)
        return H @ self.W2 + self.b2


# --8<-- [end:scratch]


# --8<-- [start:concise]
class MLP(nn.Module):
    """The same MLP as an `nn.Module` subclass: layers in ``__init__``, the computation in ``forward``.

    Raises:
        TypeError: a size is not an int.
        ValueError: a size is less than 1 (`nn.Linear` accepts 0 and fails on a negative size with
            a message about a tensor's dimension).

    Examples:
        >>> MLP(64, 32, 10)
        MLP(
          (hidden): Linear(in_features=64, out_features=32, bias=True)
          (output): Linear(in_features=32, out_features=10, bias=True)
        )
        >>> MLP(2, -1, 3)
        Traceback (most recent call last):
          ...
        ValueError: MLP: num_hiddens must be at least 1 (the width of the hidden layer), got -1
    """

    def __init__(self, num_inputs: int, num_hiddens: int, num_outputs: int) -> None:
        _check_sizes(type(self).__name__, num_inputs, num_hiddens, num_outputs)
        super().__init__()
        self.hidden = nn.Linear(num_inputs, num_hiddens)
        self.output = nn.Linear(num_hiddens, num_outputs)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output(torch.relu(self.hidden(X)))


def mlp_sequential(num_inputs: int, num_hiddens: int, num_outputs: int) -> nn.Sequential:
    """The same MLP as `nn.Sequential`: the layers, in order, and nothing else.

    Raises:
        TypeError, ValueError: as [`MLP`][dlref.models.mlp.MLP].

    Examples:
        >>> mlp_sequential(64, 32, 10)
        Sequential(
          (0): Linear(in_features=64, out_features=32, bias=True)
          (1): ReLU()
          (2): Linear(in_features=32, out_features=10, bias=True)
        )
    """
    _check_sizes("mlp_sequential", num_inputs, num_hiddens, num_outputs)
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, num_outputs))


# --8<-- [end:concise]


# --8<-- [start:collapse_linear]
def collapse_linear(first: nn.Linear, second: nn.Linear) -> nn.Linear:
    r"""The single `nn.Linear` equal to ``second(first(x))``: what two layers without a nonlinearity are.

    `nn.Linear` computes $x A^\top + c$, so
    $(x A_1^\top + c_1) A_2^\top + c_2 = x (A_2 A_1)^\top + (A_2 c_1 + c_2)$; a layer without a
    bias (``bias=False``) has $c = 0$.

    Raises:
        TypeError: ``first`` or ``second`` is not an `nn.Linear`, or their dtypes differ.
        ValueError: ``first``'s outputs are not ``second``'s inputs (the message names both sizes),
            or they are on different devices.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> first, second = nn.Linear(4, 8), nn.Linear(8, 3)
        >>> one = collapse_linear(first, second)
        >>> one
        Linear(in_features=4, out_features=3, bias=True)
        >>> x = torch.randn(5, 4)
        >>> torch.allclose(one(x), second(first(x)), atol=1e-6)
        True
    """
    for name, layer in (("first", first), ("second", second)):
        if not isinstance(layer, nn.Linear):
            raise TypeError(f"collapse_linear: {name} must be an nn.Linear, got {type(layer).__name__}")
    if first.weight.dtype != second.weight.dtype:
        raise TypeError(
            f"collapse_linear: first is {first.weight.dtype} but second is {second.weight.dtype};"
            " convert one with .to(dtype)"
        )
    if first.weight.device != second.weight.device:
        raise ValueError(
            f"collapse_linear: first is on {first.weight.device} but second on {second.weight.device};"
            " move one with .to(device)"
        )
    if first.out_features != second.in_features:
        raise ValueError(
            f"collapse_linear: first has {first.out_features} outputs but second has {second.in_features} inputs"
        )
    one = nn.Linear(first.in_features, second.out_features, device=first.weight.device, dtype=first.weight.dtype)
    with torch.no_grad():
        one.weight.copy_(second.weight @ first.weight)
        one.bias.zero_()  # a layer made with bias=False adds nothing
        if first.bias is not None:
            one.bias.add_(second.weight @ first.bias)
        if second.bias is not None:
            one.bias.add_(second.bias)
    return one


# --8<-- [end:collapse_linear]
