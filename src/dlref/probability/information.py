r"""Entropy, cross-entropy and the Kullback-Leibler divergence of discrete distributions, in nats.

Each function takes probability vectors along the **last** dimension (one distribution per row)
and returns one number per distribution:

$$
H(P) = -\sum_i p_i \log p_i, \qquad
H(P, Q) = -\sum_i p_i \log q_i, \qquad
D_{\mathrm{KL}}(P \,\|\, Q) = \sum_i p_i \log \frac{p_i}{q_i} = H(P, Q) - H(P).
$$

A term with $p_i = 0$ counts 0 (the limit of $p \log p$ and of $p \log q$ as $p \to 0$), so a
category $P$ never produces costs nothing whatever $Q$ says about it; a category with $p_i > 0$ and
$q_i = 0$ makes the cross-entropy and the divergence infinite. Divide by $\log 2$ for bits.

The inputs are checked: floating-point tensors of at least one dimension, the same shape, dtype
and device, and, on the CPU, every entry in $[0, 1]$ and every row summing to 1 within
$\sqrt{\varepsilon}$ of the dtype (``torch.finfo(dtype).eps ** 0.5``). On a GPU the values are not
read, as in `dlref.models.losses`: that would make the caller wait for the GPU.
"""

from __future__ import annotations

import torch

__all__ = ["cross_entropy", "entropy", "kl_divergence"]


def _check_distribution(name: str, arg: str, p: object) -> torch.Tensor:
    """A floating tensor of probability vectors along its last dimension (values checked on the CPU)."""
    if not isinstance(p, torch.Tensor):
        raise TypeError(f"{name}: {arg} must be a tensor of probabilities, got {type(p).__name__}")
    if not p.dtype.is_floating_point:
        raise TypeError(
            f"{name}: {arg} must be a floating-point tensor of probabilities, got {p.dtype};"
            f" use {arg}.float() (counts: {arg} / {arg}.sum(-1, keepdim=True))"
        )
    if p.dim() == 0 or p.shape[-1] == 0:
        raise ValueError(
            f"{name}: {arg} must hold probability vectors along its last dimension, got shape {tuple(p.shape)}"
        )
    if p.device.type == "cpu":
        inside = (p >= 0) & (p <= 1)  # false for NaN
        if not inside.all():
            bad = p[~inside][0].item()
            raise ValueError(
                f"{name}: {arg} must hold probabilities in [0, 1], got {bad};"
                f" for logits use torch.softmax({arg}, dim=-1)"
            )
        total = p.sum(dim=-1, dtype=torch.float64)
        tolerance = torch.finfo(p.dtype).eps ** 0.5
        far = (total - 1).abs() > tolerance
        if far.any():
            raise ValueError(
                f"{name}: each row of {arg} must sum to 1 along the last dimension, got a sum of"
                f" {total[far][0].item():.6g}; normalise with {arg} / {arg}.sum(-1, keepdim=True)"
            )
    return p


def _check_pair(name: str, p: object, q: object) -> tuple[torch.Tensor, torch.Tensor]:
    p, q = _check_distribution(name, "p", p), _check_distribution(name, "q", q)
    if p.shape != q.shape:
        raise ValueError(
            f"{name}: p has shape {tuple(p.shape)} but q has shape {tuple(q.shape)};"
            " they must match (one probability for each category of each distribution)"
        )
    if p.dtype != q.dtype:
        raise TypeError(f"{name}: p is {p.dtype} but q is {q.dtype}; convert q with q.to(p.dtype)")
    if p.device != q.device:
        raise ValueError(f"{name}: p is on {p.device} but q is on {q.device}; move q with q.to(p.device)")
    return p, q


def _log_where_p(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """$\\log x_i$ where $p_i > 0$, and 0 elsewhere: the terms $0 \\log x$ count 0.

    The log is taken of 1 where $p_i = 0$, so neither the value nor its gradient sees $\\log 0$.
    """
    return torch.log(torch.where(p > 0, x, torch.ones_like(x)))


# --8<-- [start:information]
def entropy(p: torch.Tensor) -> torch.Tensor:
    r"""The entropy $H(P) = -\sum_i p_i \log p_i$ of each distribution along the last dimension, in nats.

    It is 0 for a certain outcome and $\log K$, its largest value, for the uniform distribution
    over $K$ categories (`torch.distributions.Categorical(probs=p).entropy()` computes the same).

    Raises:
        TypeError: ``p`` is not a floating-point tensor.
        ValueError: ``p`` is 0-D or has an empty last dimension; or, on the CPU, an entry is outside
            $[0, 1]$ (or NaN), or a row does not sum to 1.

    Examples:
        >>> entropy(torch.tensor([[0.5, 0.5], [1.0, 0.0], [0.9, 0.1]]))
        tensor([0.6931, 0.0000, 0.3251])
        >>> torch.distributions.Categorical(probs=torch.tensor([0.9, 0.1])).entropy()
        tensor(0.3251)
    """
    _check_distribution("entropy", "p", p)
    return 0.0 - (p * _log_where_p(p, p)).sum(dim=-1)  # 0 - x, not -x: a certain outcome gives 0, not -0


def cross_entropy(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    r"""The cross-entropy $H(P, Q) = -\sum_i p_i \log q_i$ along the last dimension, in nats.

    The expected cost, in nats, of coding outcomes drawn from $P$ with a code built for $Q$. With a
    one-hot $P$ (the label $y$) it is $-\log q_y$: softmax regression's loss for one example, which
    [`dlref.models.losses.cross_entropy`][dlref.models.losses.cross_entropy] computes from logits.

    Raises:
        TypeError: ``p`` or ``q`` is not a floating-point tensor, or their dtypes differ.
        ValueError: they differ in shape or device, or either fails the checks of
            [`entropy`][dlref.probability.information.entropy].

    Examples:
        >>> p, q = torch.tensor([0.9, 0.1]), torch.tensor([0.6, 0.4])
        >>> cross_entropy(p, q)
        tensor(0.5514)
        >>> entropy(p) + kl_divergence(p, q)
        tensor(0.5514)
        >>> cross_entropy(torch.tensor([0.0, 1.0, 0.0]), torch.tensor([0.2, 0.5, 0.3]))  # -log 0.5
        tensor(0.6931)
    """
    p, q = _check_pair("cross_entropy", p, q)
    return 0.0 - (p * _log_where_p(p, q)).sum(dim=-1)


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    r"""The Kullback-Leibler divergence $D_{\mathrm{KL}}(P \| Q) = \sum_i p_i \log (p_i / q_i)$, in nats.

    At least 0, and 0 only when $P = Q$ (Gibbs' inequality); not symmetric. It is what the
    cross-entropy adds to the entropy: $H(P, Q) = H(P) + D_{\mathrm{KL}}(P \| Q)$. Torch computes
    it as ``torch.nn.functional.kl_div(q.log(), p, reduction="sum")``, log-probabilities of $Q$
    first, or as ``torch.distributions.kl_divergence(Categorical(probs=p), Categorical(probs=q))``.

    Raises:
        TypeError, ValueError: as [`cross_entropy`][dlref.probability.information.cross_entropy].

    Examples:
        >>> p, q = torch.tensor([0.9, 0.1]), torch.tensor([0.6, 0.4])
        >>> kl_divergence(p, q), kl_divergence(q, p)
        (tensor(0.2263), tensor(0.3112))
        >>> torch.nn.functional.kl_div(q.log(), p, reduction="sum")
        tensor(0.2263)
        >>> kl_divergence(p, torch.tensor([1.0, 0.0]))  # P gives 0.1 to a category Q rules out
        tensor(inf)
    """
    p, q = _check_pair("kl_divergence", p, q)
    return (p * (_log_where_p(p, p) - _log_where_p(p, q))).sum(dim=-1)


# --8<-- [end:information]
