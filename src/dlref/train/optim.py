r"""Minibatch stochastic gradient descent from scratch, with the interface of `torch.optim.SGD`.

One step moves every parameter against its gradient, $\theta \leftarrow \theta - \eta\, \nabla_\theta \ell$,
where $\ell$ is the mean loss over the batch (the losses in dlref and torch return means, so there
is no division by the batch size here, unlike d2l's first ``sgd``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import torch

__all__ = ["SGD"]


# --8<-- [start:SGD]
class SGD:
    r"""Plain SGD: ``step()`` applies $\theta \leftarrow \theta - \eta\, \nabla_\theta \ell$, ``zero_grad()`` clears.

    It has the methods [`fit`][dlref.train.loop.fit] and the checkpoint helpers use (``step``,
    ``zero_grad``, ``state_dict``, ``load_state_dict``), so it drops in where `torch.optim.SGD` goes.

    Args:
        params: the tensors to update (``model.parameters()``).
        lr: the learning rate $\eta > 0$.

    Raises:
        ValueError: ``lr`` is not a positive finite number, or there are no parameters.
        TypeError: a parameter is not a floating-point tensor (a parameter group, a dict, is not
            supported: pass the tensors).

    Examples:
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> optimizer = SGD([w], lr=0.1)
        >>> (w**2).sum().backward()
        >>> w.grad
        tensor([2., 4.])
        >>> optimizer.step()
        >>> w
        tensor([0.8000, 1.6000], requires_grad=True)
        >>> optimizer.zero_grad()
        >>> w.grad is None
        True
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD: got no parameters to optimise")
        for i, p in enumerate(self.params):
            if not isinstance(p, torch.Tensor) or not p.is_floating_point():
                what = f"a {p.dtype} tensor" if isinstance(p, torch.Tensor) else f"a {type(p).__name__}"
                raise TypeError(f"SGD: params[{i}] is {what}; pass floating-point tensors, model.parameters()")
        self.lr = _check_lr(lr)

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)  # p -= lr * grad, in one kernel

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None  # cheaper than filling with zeros; the next backward allocates it

    def state_dict(self) -> dict[str, float]:
        """Plain SGD keeps no state between steps: only its learning rate."""
        return {"lr": self.lr}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Take the learning rate from ``state``, a dict ``{"lr": lr}`` from `state_dict`.

        Raises:
            ValueError: ``state`` is not such a dict (a `torch.optim` optimiser's state has
                ``state`` and ``param_groups``: load it into that optimiser), or its ``lr`` is not
                a positive finite number.
        """
        if not isinstance(state, dict) or set(state) != {"lr"}:
            held = sorted(map(str, state)) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"SGD.load_state_dict: state must be {{'lr': lr}}, as SGD.state_dict() gives; got {held}")
        self.lr = _check_lr(state["lr"])


def _check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"SGD: lr must be a positive finite number, got lr={lr!r}")
    return float(lr)


# --8<-- [end:SGD]
