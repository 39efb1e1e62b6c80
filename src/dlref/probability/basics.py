r"""Probability from its definitions: relative frequencies, Bayes' rule, expectation and variance,
the normal density and the Gaussian negative log-likelihood.

The tests compare each function with `torch.distributions` or `torch.nn.functional`. Probabilities
passed in are checked: non-negative, summing to 1 (to the precision of their dtype), with a
`ValueError` that names the argument and the value found.
"""

from __future__ import annotations

import math

import torch

__all__ = ["bayes_posterior", "expectation", "gaussian_nll", "normal_pdf", "relative_frequencies", "variance"]


def _tensor(name: str, arg: str, x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: {arg} must be a tensor, got {type(x).__name__}")
    return x


def _floating(name: str, arg: str, x: object) -> torch.Tensor:
    x = _tensor(name, arg, x)
    if not x.dtype.is_floating_point:
        raise TypeError(f"{name}: {arg} must be a floating-point tensor, got {x.dtype}; use {arg}.float()")
    return x


def _vector(name: str, arg: str, x: torch.Tensor) -> None:
    if x.dim() != 1 or len(x) == 0:
        raise ValueError(f"{name}: {arg} must be 1-D and not empty, got shape {tuple(x.shape)}")


def _pair(name: str, first: str, x: torch.Tensor, second: str, y: torch.Tensor) -> None:
    """Same shape, dtype and device: one entry of ``y`` per entry of ``x``."""
    if x.shape != y.shape:
        raise ValueError(
            f"{name}: {first} has shape {tuple(x.shape)} but {second} has shape {tuple(y.shape)}; they must match"
        )
    if x.dtype != y.dtype:
        raise TypeError(
            f"{name}: {first} is {x.dtype} but {second} is {y.dtype}; convert with {second}.to({first}.dtype)"
        )
    if x.device != y.device:
        raise ValueError(f"{name}: {first} is on {x.device} but {second} is on {y.device}; move {second} there")


def _distribution(name: str, arg: str, p: torch.Tensor) -> None:
    """Entries in [0, 1] (NaN is not) that sum to 1 within a few units of the dtype's precision."""
    if not ((p >= 0) & (p <= 1)).all():
        bad = p[~((p >= 0) & (p <= 1))][0].item()
        raise ValueError(f"{name}: {arg} must hold probabilities in [0, 1], got {bad}")
    total = p.sum(dtype=torch.float64).item()
    if abs(total - 1) > max(1e-6, 8 * len(p) * torch.finfo(p.dtype).eps):
        raise ValueError(f"{name}: {arg} must sum to 1, got {total:.6g}; divide by {arg}.sum() to normalise")


# --8<-- [start:relative_frequencies]
def relative_frequencies(samples: torch.Tensor, num_classes: int) -> torch.Tensor:
    r"""The relative frequency of each outcome after each draw: row $t$ holds
    $\hat P_t(k) = \frac{1}{t} \sum_{s=1}^{t} [x_s = k]$ for $k = 0, \dots, K - 1$.

    By the law of large numbers each column converges to the outcome's probability as $t$ grows;
    the last row is ``torch.bincount(samples, minlength=num_classes) / len(samples)``.

    Args:
        samples: 1-D integer tensor of outcomes $x_1, \dots, x_n$ in $\{0, \dots, K - 1\}$.
        num_classes: $K$, the number of possible outcomes.

    Returns:
        A tensor of shape ``(n, num_classes)`` in the default float dtype, on ``samples``' device.

    Raises:
        TypeError: ``samples`` is not an integer tensor, or ``num_classes`` not an int.
        ValueError: ``samples`` is not 1-D or is empty, ``num_classes`` is below 1, or an outcome
            is outside ``[0, num_classes)``.

    Examples:
        >>> relative_frequencies(torch.tensor([0, 2, 2, 1]), num_classes=3)
        tensor([[1.0000, 0.0000, 0.0000],
                [0.5000, 0.0000, 0.5000],
                [0.3333, 0.0000, 0.6667],
                [0.2500, 0.2500, 0.5000]])
    """
    samples = _tensor("relative_frequencies", "samples", samples)
    if samples.dtype == torch.bool or samples.dtype.is_floating_point or samples.dtype.is_complex:
        raise TypeError(f"relative_frequencies: samples must be an integer tensor of outcomes, got {samples.dtype}")
    _vector("relative_frequencies", "samples", samples)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise TypeError(f"relative_frequencies: num_classes must be an int, got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"relative_frequencies: num_classes must be at least 1, got {num_classes}")
    outside = (samples < 0) | (samples >= num_classes)
    if outside.any():
        raise ValueError(
            f"relative_frequencies: samples must lie in [0, {num_classes}) (num_classes={num_classes}),"
            f" got {samples[outside][0].item()}"
        )
    dtype = torch.get_default_dtype()
    hits = samples[:, None] == torch.arange(num_classes, device=samples.device)  # (n, K): [x_s = k]
    counts = hits.to(dtype).cumsum(dim=0)
    draws = torch.arange(1, len(samples) + 1, dtype=dtype, device=samples.device)
    return counts / draws[:, None]


# --8<-- [end:relative_frequencies]


# --8<-- [start:bayes_posterior]
def bayes_posterior(prior: torch.Tensor, likelihood: torch.Tensor) -> torch.Tensor:
    r"""Bayes' rule over hypotheses $A_1, \dots, A_k$ that partition the outcomes:

    $$
    P(A_i \mid B) = \frac{P(B \mid A_i)\,P(A_i)}{P(B)}, \qquad
    P(B) = \sum_j P(B \mid A_j)\,P(A_j).
    $$

    The numerators are the joint probabilities $P(A_i, B)$; their sum, the evidence $P(B)$, is a
    marginal probability.

    Args:
        prior: $P(A_i)$, 1-D, non-negative, summing to 1.
        likelihood: $P(B \mid A_i)$, the same shape, dtype and device; each in $[0, 1]$ (they need
            not sum to 1: they are probabilities of one event under different hypotheses).

    Returns:
        $P(A_i \mid B)$, a tensor like ``prior``.

    Raises:
        TypeError: an argument is not a floating-point tensor, or their dtypes differ.
        ValueError: shapes or devices differ, ``prior`` is not 1-D, a probability is outside
            $[0, 1]$, ``prior`` does not sum to 1, or $P(B) = 0$ (the event cannot happen).

    Examples:
        A test with 99% sensitivity and a 1% false-positive rate, for a condition 1 in 1000 has:
        the probability of the condition after a positive result is only about 9%.

        >>> bayes_posterior(torch.tensor([0.001, 0.999]), torch.tensor([0.99, 0.01]))
        tensor([0.0902, 0.9098])
    """
    prior = _floating("bayes_posterior", "prior", prior)
    likelihood = _floating("bayes_posterior", "likelihood", likelihood)
    _vector("bayes_posterior", "prior", prior)
    _pair("bayes_posterior", "prior", prior, "likelihood", likelihood)
    _distribution("bayes_posterior", "prior", prior)
    if not ((likelihood >= 0) & (likelihood <= 1)).all():
        raise ValueError("bayes_posterior: likelihood must hold probabilities P(B | A_i) in [0, 1]")
    joint = likelihood * prior  # P(A_i, B)
    evidence = joint.sum()  # P(B), the marginal
    if evidence == 0:
        raise ValueError("bayes_posterior: P(B) = sum(likelihood * prior) is 0: B cannot happen under this prior")
    return joint / evidence


# --8<-- [end:bayes_posterior]


# --8<-- [start:moments]
def expectation(values: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    r"""The expectation of a discrete random variable, $E[X] = \sum_x x\,P(X = x)$.

    Args:
        values: the values $x$ it takes, 1-D, floating point.
        probs: $P(X = x)$ for each value: the same shape, dtype and device; non-negative, summing to 1.

    Raises:
        TypeError: an argument is not a floating-point tensor, or their dtypes differ.
        ValueError: shapes or devices differ, the tensors are not 1-D, or ``probs`` is not a
            distribution.

    Examples:
        A fair die:

        >>> faces = torch.arange(1, 7, dtype=torch.float64)
        >>> expectation(faces, torch.full((6,), 1 / 6, dtype=torch.float64))
        tensor(3.5000, dtype=torch.float64)
    """
    _check_moments("expectation", values, probs)
    return (values * probs).sum()


def variance(values: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    r"""The variance of a discrete random variable, $\mathrm{Var}[X] = E\left[(X - E[X])^2\right]
    = E[X^2] - E[X]^2$.

    Computed in the first form, which does not lose digits when the mean is large compared with
    the spread (the second subtracts two nearly equal numbers).

    Args:
        values: the values $x$ it takes, 1-D, floating point.
        probs: $P(X = x)$ for each value: the same shape, dtype and device; non-negative, summing to 1.

    Raises:
        TypeError: an argument is not a floating-point tensor, or their dtypes differ.
        ValueError: shapes or devices differ, the tensors are not 1-D, or ``probs`` is not a
            distribution.

    Examples:
        A fair die: $\mathrm{Var} = 35/12$.

        >>> faces = torch.arange(1, 7, dtype=torch.float64)
        >>> variance(faces, torch.full((6,), 1 / 6, dtype=torch.float64))
        tensor(2.9167, dtype=torch.float64)
        >>> variance(faces, torch.full((6,), 1 / 5, dtype=torch.float64))
        Traceback (most recent call last):
          ...
        ValueError: variance: probs must sum to 1, got 1.2; divide by probs.sum() to normalise
    """
    _check_moments("variance", values, probs)
    mean = (values * probs).sum()  # E[X]
    return ((values - mean) ** 2 * probs).sum()


# --8<-- [end:moments]


def _check_moments(name: str, values: object, probs: object) -> None:
    values = _floating(name, "values", values)
    probs = _floating(name, "probs", probs)
    _vector(name, "values", values)
    _pair(name, "values", values, "probs", probs)
    _distribution(name, "probs", probs)


def _sigma(name: str, sigma: object) -> float:
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)):
        raise TypeError(f"{name}: sigma must be a number, the standard deviation, got {sigma!r}")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"{name}: sigma must be a finite number above 0, got {sigma}")
    return float(sigma)


# --8<-- [start:normal]
def normal_pdf(x: torch.Tensor, mu: float = 0.0, sigma: float = 1.0) -> torch.Tensor:
    r"""The density of the normal distribution $\mathcal N(\mu, \sigma^2)$, element-wise:

    $$
    p(x) = \frac{1}{\sqrt{2\pi\sigma^2}} \exp\left(-\frac{(x - \mu)^2}{2\sigma^2}\right).
    $$

    The result has ``x``'s dtype (float16 and bfloat16 are computed in float32 and rounded once);
    a NaN in ``x`` gives NaN.

    Raises:
        TypeError: ``x`` is not a floating-point tensor, or ``mu`` or ``sigma`` not a number.
        ValueError: ``mu`` is not finite, or ``sigma`` is not a finite number above 0.

    Examples:
        >>> normal_pdf(torch.tensor([0.0, 1.0, 2.0]))
        tensor([0.3989, 0.2420, 0.0540])
        >>> torch.distributions.Normal(0.0, 1.0).log_prob(torch.tensor([0.0, 1.0, 2.0])).exp()
        tensor([0.3989, 0.2420, 0.0540])
    """
    x = _floating("normal_pdf", "x", x)
    if isinstance(mu, bool) or not isinstance(mu, (int, float)):
        raise TypeError(f"normal_pdf: mu must be a number, the mean, got {mu!r}")
    if not math.isfinite(mu):
        raise ValueError(f"normal_pdf: mu must be finite, got {mu}")
    sigma = _sigma("normal_pdf", sigma)
    dtype = x.dtype
    if dtype in (torch.float16, torch.bfloat16):
        x = x.float()  # computed in float32 and rounded once
    return (torch.exp(-((x - mu) ** 2) / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2)).to(dtype)


def gaussian_nll(y_hat: torch.Tensor, y: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    r"""The mean negative log-likelihood of targets $y_i$ under $y_i \sim \mathcal N(\hat y_i, \sigma^2)$:

    $$
    -\frac1n \sum_i \log p(y_i \mid \hat y_i)
    = \frac12 \log(2\pi\sigma^2) + \frac{1}{\sigma^2} \cdot \frac1n \sum_i \tfrac12 (y_i - \hat y_i)^2 .
    $$

    For a fixed $\sigma$ the first term is a constant and the second is the squared loss divided
    by $\sigma^2$: minimising one minimises the other, which is why the squared loss is the
    maximum-likelihood loss for Gaussian noise. This equals
    ``F.gaussian_nll_loss(y_hat, y, var, full=True)`` with ``var`` filled with $\sigma^2$.

    Raises:
        TypeError: ``y_hat`` or ``y`` is not a floating-point tensor, or ``sigma`` not a number.
        ValueError: ``y_hat`` and ``y`` differ in shape or device, or ``sigma`` is not a finite
            number above 0.

    Examples:
        >>> y_hat, y = torch.tensor([1.0, 2.0]), torch.tensor([1.5, 1.0])
        >>> gaussian_nll(y_hat, y)
        tensor(1.2314)
        >>> 0.5 * math.log(2 * math.pi) + ((y - y_hat) ** 2 / 2).mean()
        tensor(1.2314)
    """
    y_hat = _floating("gaussian_nll", "y_hat", y_hat)
    y = _floating("gaussian_nll", "y", y)
    if y_hat.shape != y.shape:
        raise ValueError(
            f"gaussian_nll: y_hat has shape {tuple(y_hat.shape)} but y has shape {tuple(y.shape)}; they must match"
        )
    if y_hat.device != y.device:
        raise ValueError(f"gaussian_nll: y_hat is on {y_hat.device} but y is on {y.device}; move y there")
    sigma = _sigma("gaussian_nll", sigma)
    return 0.5 * math.log(2 * math.pi * sigma**2) + ((y - y_hat) ** 2 / 2).mean() / sigma**2


# --8<-- [end:normal]
