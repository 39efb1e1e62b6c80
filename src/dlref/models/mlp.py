r"""The multilayer perceptron, three ways: from scratch, as an `nn.Module` subclass, as `nn.Sequential`.

One hidden layer with a ReLU: $H = \mathrm{ReLU}(X W_1 + b_1)$, $O = H W_2 + b_2$. Without the ReLU
the two layers collapse into one linear map, $X W_1 W_2 + (b_1 W_2 + b_2)$, no more expressive than
softmax regression; [`collapse_linear`][dlref.models.mlp.collapse_linear] computes that single layer.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MLP", "MLPScratch", "collapse_linear", "mlp_sequential", "relu"]


# --8<-- [start:scratch]
def relu(X: torch.Tensor) -> torch.Tensor:
    r"""$\mathrm{ReLU}(x) = \max(x, 0)$, element-wise.

    Examples:
        >>> relu(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([0., 0., 3.])
    """
    return X.clamp_min(0)  # max(x, 0) in one kernel, without allocating a tensor of zeros


class MLPScratch(nn.Module):
    r"""An MLP with one hidden layer, parameters as plain tensors: $\mathrm{ReLU}(X W_1 + b_1) W_2 + b_2$.

    Examples:
        >>> MLPScratch(64, 32, 10)(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
    """

    def __init__(self, num_inputs: int, num_hiddens: int, num_outputs: int, sigma: float = 0.01) -> None:
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

    Examples:
        >>> MLP(64, 32, 10)
        MLP(
          (hidden): Linear(in_features=64, out_features=32, bias=True)
          (output): Linear(in_features=32, out_features=10, bias=True)
        )
    """

    def __init__(self, num_inputs: int, num_hiddens: int, num_outputs: int) -> None:
        super().__init__()
        self.hidden = nn.Linear(num_inputs, num_hiddens)
        self.output = nn.Linear(num_hiddens, num_outputs)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output(torch.relu(self.hidden(X)))


def mlp_sequential(num_inputs: int, num_hiddens: int, num_outputs: int) -> nn.Sequential:
    """The same MLP as `nn.Sequential`: the layers, in order, and nothing else.

    Examples:
        >>> mlp_sequential(64, 32, 10)
        Sequential(
          (0): Linear(in_features=64, out_features=32, bias=True)
          (1): ReLU()
          (2): Linear(in_features=32, out_features=10, bias=True)
        )
    """
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, num_outputs))


# --8<-- [end:concise]


# --8<-- [start:collapse_linear]
def collapse_linear(first: nn.Linear, second: nn.Linear) -> nn.Linear:
    r"""The single `nn.Linear` equal to ``second(first(x))``: what two layers without a nonlinearity are.

    `nn.Linear` computes $x A^\top + c$, so
    $(x A_1^\top + c_1) A_2^\top + c_2 = x (A_2 A_1)^\top + (A_2 c_1 + c_2)$.

    Raises:
        ValueError: ``first``'s outputs are not ``second``'s inputs (the message names both sizes).

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
    if first.out_features != second.in_features:
        raise ValueError(
            f"collapse_linear: first has {first.out_features} outputs but second has {second.in_features} inputs"
        )
    one = nn.Linear(first.in_features, second.out_features, device=first.weight.device, dtype=first.weight.dtype)
    with torch.no_grad():
        one.weight.copy_(second.weight @ first.weight)
        one.bias.copy_(second.weight @ first.bias + second.bias)
    return one


# --8<-- [end:collapse_linear]
