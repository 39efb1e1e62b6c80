r"""Minibatch stochastic gradient descent from scratch, with the interface of `torch.optim.SGD`.

One step moves every parameter against its gradient, $\theta \leftarrow \theta - \eta\, \nabla_\theta \ell$,
where $\ell$ is the mean loss over the batch (the losses in dlref and torch return means, so there
is no division by the batch size here, unlike d2l's first ``sgd``).
"""

from __future__ import annotations

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
        ValueError: ``lr`` is not positive, or there are no parameters.

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
        if not lr > 0:
            raise ValueError(f"SGD: lr must be positive, got lr={lr}")
        self.lr = lr

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
        self.lr = state["lr"]


# --8<-- [end:SGD]
