r"""Linear, logistic and softmax regression from scratch: explicit parameters, the formula in ``forward``.

Each model is a small `nn.Module` whose parameters are plain tensors (no `nn.Linear`), so the
forward pass is the formula and nothing else. Being modules, they have a ``state_dict`` for
checkpoints and work with [`fit`][dlref.train.loop.fit] and any `torch.optim` optimiser, exactly like
their concise counterparts (``nn.Linear`` and friends), which the walkthroughs train side by side.
Classifiers return **logits**; the losses in [`dlref.models.losses`][dlref.models.losses] take logits.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["LinearRegressionScratch", "LogisticRegressionScratch", "SoftmaxRegressionScratch", "linreg"]


def _check_size(owner: str, name: str, value: object, meaning: str) -> None:
    """A layer size: an int of at least 1 (a bool is refused). ``meaning`` says what to pass instead."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}: {name} must be an int ({meaning}), got {value!r}")
    if value < 1:
        raise ValueError(f"{owner}: {name} must be at least 1 ({meaning}), got {value}")


def _check_sigma(owner: str, sigma: object) -> None:
    """The standard deviation of the initial weights: a finite number, at least 0."""
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)):
        raise TypeError(
            f"{owner}: sigma must be a number, the standard deviation of the initial weights, got {sigma!r}"
        )
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(
            f"{owner}: sigma is the standard deviation of the initial weights and must be finite and at least 0,"
            f" got {sigma!r} (0.01 is usual)"
        )


def _check_features(name: str, X: torch.Tensor, w: torch.Tensor) -> None:
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{name}: X must be a tensor, got {type(X).__name__}")
    if X.dim() != 2 or X.shape[1] != w.shape[0]:
        raise ValueError(
            f"{name}: X must have shape (n, {w.shape[0]}) (one row per example, {w.shape[0]} features), "
            f"got shape {tuple(X.shape)}"
        )
    if X.dtype != w.dtype:
        raise TypeError(
            f"{name}: X is {X.dtype} but the weights are {w.dtype}; convert X with X.to({w.dtype})"
            " (or the model with .to(dtype))"
        )
    if X.device != w.device:
        raise ValueError(
            f"{name}: X is on {X.device} but the weights are on {w.device}; move X with X.to({w.device!r})"
        )


# --8<-- [start:linreg]
def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""The linear model $\hat y = X w + b$: one prediction per row of ``X``.

    Args:
        X: features, shape ``(n, d)``.
        w: weights, shape ``(d, k)`` (``k = 1`` for a single output).
        b: bias, shape ``(k,)``, broadcast over the rows.

    Returns:
        Predictions of shape ``(n, k)``.

    Raises:
        TypeError: ``X`` is not a tensor, or its dtype is not ``w``'s (an integer ``X``, or float64
            against float32 weights): convert it with ``X.to(w.dtype)``.
        ValueError: ``X`` is not ``(n, d)`` for the ``d`` of ``w``, or is on another device than ``w``.

    Examples:
        >>> linreg(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[2.0], [-3.4]]), torch.tensor([4.2]))
        tensor([[-0.6000],
                [-3.4000]])
    """
    _check_features("linreg", X, w)
    return X @ w + b


class LinearRegressionScratch(nn.Module):
    r"""Linear regression $\hat y = X w + b$ with $w \sim \mathcal{N}(0, \sigma^2)$ and $b = 0$ at the start.

    Args:
        num_inputs: $d$, the number of features (columns of ``X``), at least 1.
        sigma: $\sigma$, the standard deviation of the initial weights: finite, at least 0.

    Raises:
        TypeError: ``num_inputs`` is not an int, or ``sigma`` not a number.
        ValueError: ``num_inputs`` is less than 1, or ``sigma`` is negative, infinite or NaN. Both
            are checked before any weight is drawn, so a refused model leaves the random state as
            it was.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> model = LinearRegressionScratch(2)
        >>> model(torch.ones(3, 2)).shape
        torch.Size([3, 1])
        >>> LinearRegressionScratch(0)
        Traceback (most recent call last):
          ...
        ValueError: LinearRegressionScratch: num_inputs must be at least 1 (the number of features, X.shape[1]), got 0
    """

    def __init__(self, num_inputs: int, sigma: float = 0.01) -> None:
        owner = type(self).__name__
        _check_size(owner, "num_inputs", num_inputs, "the number of features, X.shape[1]")
        _check_sigma(owner, sigma)
        super().__init__()
        self.w = nn.Parameter(sigma * torch.randn(num_inputs, 1))
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return linreg(X, self.w, self.b)


# --8<-- [end:linreg]


# --8<-- [start:classifiers]
class LogisticRegressionScratch(LinearRegressionScratch):
    r"""Logistic regression: the logit $z = X w + b$; the probability of class 1 is $\sigma(z)$.

    Returns logits of shape ``(n, 1)``, for
    [`binary_cross_entropy_with_logits`][dlref.models.losses.binary_cross_entropy_with_logits].

    Examples:
        >>> LogisticRegressionScratch(30)(torch.zeros(4, 30))
        tensor([[0.],
                [0.],
                [0.],
                [0.]], grad_fn=<AddBackward0>)

    The same affine map as [`LinearRegressionScratch`][dlref.models.linear.LinearRegressionScratch]:
    what makes it a classifier is the loss it is trained with.
    """


class SoftmaxRegressionScratch(nn.Module):
    r"""Softmax regression: logits $Z = X W + b$, one row of ``classes`` scores per example.

    The class probabilities are $\mathrm{softmax}(Z)$; training uses the logits with
    [`cross_entropy`][dlref.models.losses.cross_entropy], which never forms the probabilities.

    Args:
        num_inputs: the number of features, at least 1.
        num_outputs: the number of classes, at least 1.
        sigma: the standard deviation of the initial weights: finite, at least 0.

    Raises:
        TypeError: a size is not an int, or ``sigma`` not a number.
        ValueError: a size is less than 1, or ``sigma`` is negative, infinite or NaN (checked before
            any weight is drawn).

    Examples:
        >>> SoftmaxRegressionScratch(64, 10)(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
        >>> SoftmaxRegressionScratch(2, 0)
        Traceback (most recent call last):
          ...
        ValueError: SoftmaxRegressionScratch: num_outputs must be at least 1 (the number of classes), got 0
    """

    def __init__(self, num_inputs: int, num_outputs: int, sigma: float = 0.01) -> None:
        owner = type(self).__name__
        _check_size(owner, "num_inputs", num_inputs, "the number of features, X.shape[1]")
        _check_size(owner, "num_outputs", num_outputs, "the number of classes")
        _check_sigma(owner, sigma)
        super().__init__()
        self.W = nn.Parameter(sigma * torch.randn(num_inputs, num_outputs))
        self.b = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return linreg(X, self.W, self.b)


# --8<-- [end:classifiers]
