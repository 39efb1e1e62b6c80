r"""Losses from their definitions, each with the numerically stable form and the naive one it replaces.

Every loss here returns the **mean** over the examples of a batch, as the `torch.nn` losses do by
default, so the gradient does not grow with the batch size. The naive versions
(`binary_cross_entropy_naive`, `softmax_naive`, `cross_entropy_naive`) are here to be shown failing:
on large logits they overflow to ``inf`` or ``nan``, where the stable versions, written with
$\log(1 + e^{-|z|})$ and the log-sum-exp trick, stay finite.

The checks are on shapes and dtypes only: a check on values (labels in range) would copy a result
from the GPU to the host in every training step.
"""

from __future__ import annotations

import torch

__all__ = [
    "binary_cross_entropy_naive",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "cross_entropy_naive",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax",
    "softmax_naive",
    "squared_loss",
]


def _check_same_shape(name: str, y_hat: torch.Tensor, y: torch.Tensor) -> None:
    if y_hat.shape != y.shape:
        raise ValueError(
            f"{name}: y_hat has shape {tuple(y_hat.shape)} but y has shape {tuple(y.shape)}; they must match"
            " (broadcasting would pair every prediction with every target)"
        )


def _check_logits(name: str, logits: torch.Tensor) -> None:
    if logits.dim() != 2:
        raise ValueError(f"{name}: logits must be 2-D (examples, classes), got shape {tuple(logits.shape)}")


# --8<-- [start:squared_loss]
def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Half the mean squared error: $\ell = \frac{1}{n} \sum_i \tfrac12 (\hat y_i - y_i)^2$.

    The factor $\tfrac12$ (d2l's convention) makes the gradient $\hat y - y$. `nn.MSELoss` has no
    $\tfrac12$: its gradients are twice as large, so the same step needs half the learning rate.

    This returns the **mean** over the batch, as `nn.MSELoss` does. d2l's ``squared_loss`` returns
    one loss per example, and its ``sgd`` divides the summed gradient by the batch size; with this
    loss the optimiser must not divide again (one step with the summed loss and ``lr / batch_size``
    equals one step with the mean loss and ``lr``: see the linear-regression walkthrough).

    Raises:
        ValueError: ``y_hat`` and ``y`` differ in shape. A prediction of shape ``(n, 1)`` minus a
            target of shape ``(n,)`` broadcasts to ``(n, n)`` and silently trains on the wrong loss.

    Examples:
        >>> squared_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([[2.0], [5.0]]))
        tensor(1.2500)
        >>> squared_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, 5.0]))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: squared_loss: y_hat has shape (2, 1) but y has shape (2,); they must match (broadcasting ...
    """
    _check_same_shape("squared_loss", y_hat, y)
    return ((y_hat - y) ** 2 / 2).mean()


# --8<-- [end:squared_loss]


# --8<-- [start:sigmoid]
def sigmoid(z: torch.Tensor) -> torch.Tensor:
    r"""The logistic function $\sigma(z) = \frac{1}{1 + e^{-z}}$, element-wise.

    Written as $e^{z} / (1 + e^{z})$ for negative $z$, so that $e^{-z}$ never overflows.

    Examples:
        >>> sigmoid(torch.tensor([-200.0, 0.0, 2.0, 200.0]))
        tensor([0.0000, 0.5000, 0.8808, 1.0000])
    """
    e = torch.exp(-z.abs())  # in (0, 1]: cannot overflow
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


# --8<-- [end:sigmoid]


# --8<-- [start:bce]
def binary_cross_entropy_naive(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Binary cross-entropy computed as written, through the probability $p = \sigma(z)$.

    $$ \ell = -\frac{1}{n} \sum_i \left[ y_i \log p_i + (1 - y_i) \log (1 - p_i) \right] $$

    In float32, $\sigma(z)$ rounds to exactly 1 for $z > 17$ (and to 0 below about $-104$), so
    $\log(1 - p)$ is $\log 0 = -\infty$ and a confidently wrong prediction costs ``inf``.

    Examples:
        >>> binary_cross_entropy_naive(torch.tensor([[2.0], [40.0]]), torch.tensor([[1.0], [0.0]]))
        tensor(inf)
    """
    _check_same_shape("binary_cross_entropy_naive", logits, y)
    p = sigmoid(logits)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def binary_cross_entropy_with_logits(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Binary cross-entropy from logits, stable for every $z$ (what `nn.BCEWithLogitsLoss` computes).

    Since $-\log \sigma(z) = \log(1 + e^{-z})$ and $-\log(1 - \sigma(z)) = z + \log(1 + e^{-z})$,

    $$ \ell_i = \max(z_i, 0) - z_i y_i + \log\left(1 + e^{-|z_i|}\right), $$

    in which the exponential is at most 1 and the log never sees 0.

    Raises:
        ValueError: ``logits`` and ``y`` differ in shape.

    Examples:
        >>> logits, y = torch.tensor([[2.0], [40.0]]), torch.tensor([[1.0], [0.0]])
        >>> binary_cross_entropy_with_logits(logits, y)
        tensor(20.0635)
        >>> torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        tensor(20.0635)
    """
    _check_same_shape("binary_cross_entropy_with_logits", logits, y)
    return (logits.clamp_min(0) - logits * y + torch.log1p(torch.exp(-logits.abs()))).mean()


# --8<-- [end:bce]


# --8<-- [start:softmax]
def softmax_naive(logits: torch.Tensor) -> torch.Tensor:
    r"""Softmax over the last dimension as written: $\mathrm{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}$.

    In float32, $e^{z}$ overflows to ``inf`` for $z > 88.7$, and ``inf / inf`` is ``nan``.

    Examples:
        >>> softmax_naive(torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]]))
        tensor([[0.0900, 0.2447, 0.6652],
                [   nan,    nan,    nan]])
    """
    e = torch.exp(logits)
    return e / e.sum(dim=-1, keepdim=True)


def logsumexp(logits: torch.Tensor) -> torch.Tensor:
    r"""$\log \sum_k e^{z_k}$ over the last dimension, by the log-sum-exp trick.

    With $m = \max_k z_k$, $\log \sum_k e^{z_k} = m + \log \sum_k e^{z_k - m}$: every exponent is
    at most 0, and the largest term is $e^0 = 1$, so the sum neither overflows nor is 0. (A row
    whose largest logit is $\pm\infty$ gives ``nan`` here, where `torch.logsumexp` special-cases it.)

    Examples:
        >>> logsumexp(torch.tensor([[1.0, 2.0, 100.0], [-1000.0, -1000.0, -1000.0]]))
        tensor([ 100.0000, -998.9014])
        >>> torch.logsumexp(torch.tensor([[1.0, 2.0, 100.0], [-1000.0, -1000.0, -1000.0]]), dim=-1)
        tensor([ 100.0000, -998.9014])
    """
    m = logits.amax(dim=-1, keepdim=True).detach()  # a constant shift: no gradient needed through it
    return (m + torch.log(torch.exp(logits - m).sum(dim=-1, keepdim=True))).squeeze(-1)


def log_softmax(logits: torch.Tensor) -> torch.Tensor:
    r"""$\log \mathrm{softmax}(z)_j = z_j - \log \sum_k e^{z_k}$, over the last dimension, stably.

    Computed as $(z_j - m) - \log \sum_k e^{z_k - m}$ with $m = \max_k z_k$, not as
    $z_j - \mathrm{logsumexp}(z)$: for the largest logit that difference cancels. With
    $z = (1314.77, 1303.87)$ the answer is $-\log(1 + e^{-10.9}) \approx -1.85 \cdot 10^{-5}$, but
    $\mathrm{logsumexp}(z) = 1314.77 + 1.85 \cdot 10^{-5}$ rounds to $1314.77$ in float32, whose
    spacing there is $1.2 \cdot 10^{-4}$, and the difference comes out as exactly 0.

    Examples:
        >>> log_softmax(torch.tensor([[1.0, 2.0, 100.0]]))
        tensor([[-99., -98.,   0.]])
        >>> z = torch.tensor([[1314.7712, 1303.8721]])
        >>> log_softmax(z)[0, 0], (z - logsumexp(z).unsqueeze(-1))[0, 0]
        (tensor(-1.8477e-05), tensor(0.))
        >>> torch.log_softmax(z, dim=-1)[0, 0]
        tensor(-1.8477e-05)
    """
    shifted = logits - logits.amax(dim=-1, keepdim=True).detach()
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def softmax(logits: torch.Tensor) -> torch.Tensor:
    r"""Softmax over the last dimension, stably: $e^{z_j - m} / \sum_k e^{z_k - m}$, $m = \max_k z_k$.

    Subtracting the same $m$ from every logit multiplies numerator and denominator by $e^{-m}$,
    which changes nothing mathematically and keeps every exponential in $(0, 1]$.

    Examples:
        >>> softmax(torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]]))
        tensor([[0.0900, 0.2447, 0.6652],
                [0.0900, 0.2447, 0.6652]])
    """
    e = torch.exp(logits - logits.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


# --8<-- [end:softmax]


# --8<-- [start:cross_entropy]
def _check_labels(name: str, logits: torch.Tensor, y: torch.Tensor) -> None:
    _check_logits(name, logits)
    if y.dtype != torch.int64 or y.shape != logits.shape[:1]:
        raise ValueError(
            f"{name}: y must be int64 class indices of shape ({logits.shape[0]},), "
            f"got {y.dtype} of shape {tuple(y.shape)}"
        )


def cross_entropy_naive(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy as written: $-\frac1n \sum_i \log \mathrm{softmax}(z_i)_{y_i}$, through `softmax_naive`.

    Examples:
        >>> cross_entropy_naive(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0]))
        tensor(inf)
        >>> cross_entropy_naive(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([2]))
        tensor(nan)
    """
    _check_labels("cross_entropy_naive", logits, y)
    p = softmax_naive(logits)
    return -torch.log(p[torch.arange(len(y), device=y.device), y]).mean()


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy from logits with the log-sum-exp trick (what `nn.CrossEntropyLoss` computes).

    $$ \ell = \frac1n \sum_i \left( \log \sum_k e^{z_{ik}} - z_{i y_i} \right) $$

    Args:
        logits: unnormalised scores, shape ``(n, classes)``.
        y: the class index of each example, int64, shape ``(n,)``.

    Raises:
        ValueError: ``logits`` is not 2-D, or ``y`` is not int64 of shape ``(n,)`` (a one-hot
            ``y`` or float labels are refused, with their dtype and shape in the message).

    Examples:
        >>> cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0]))
        tensor(99.)
        >>> torch.nn.functional.cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0]))
        tensor(99.)
        >>> cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0.0]))
        Traceback (most recent call last):
          ...
        ValueError: cross_entropy: y must be int64 class indices of shape (1,), got torch.float32 of shape (1,)
    """
    _check_labels("cross_entropy", logits, y)
    # -log softmax(z_i)_{y_i}, from the stable log_softmax (logsumexp(z_i) - z_{i,y_i} would cancel)
    return -log_softmax(logits).gather(1, y.unsqueeze(1)).squeeze(1).mean()


# --8<-- [end:cross_entropy]
