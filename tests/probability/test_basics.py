"""Checks `dlref.probability.basics` against torch.distributions and torch.nn.functional on every device; bad input."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.probability.basics import (
    bayes_posterior,
    expectation,
    gaussian_nll,
    normal_pdf,
    relative_frequencies,
    variance,
)
from messy import FLOATS, check, tensors
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))
messy = settings(max_examples=scaled(40))


def distribution(seed: int, k: int, device: torch.device, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    weights = torch.rand(k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return (weights / weights.sum()).to(dtype).to(device)


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(1, 50), k=st.integers(1, 6))
def test_relative_frequencies_end_at_bincount(device: torch.device, seed: int, n: int, k: int) -> None:
    samples = torch.randint(0, k, (n,), generator=torch.Generator().manual_seed(seed)).to(device)
    freqs = relative_frequencies(samples, k)
    assert freqs.shape == (n, k)
    assert freqs.device.type == device.type
    torch.testing.assert_close(freqs[-1], torch.bincount(samples, minlength=k) / n)
    torch.testing.assert_close(freqs.sum(dim=1), torch.ones(n, device=device))
    expected = F.one_hot(samples, k).cumsum(dim=0) / torch.arange(1, n + 1, device=device)[:, None]
    torch.testing.assert_close(freqs, expected.float())


def test_frequencies_converge_to_the_probabilities(device: torch.device) -> None:
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4])
    samples = torch.multinomial(probs, 100_000, replacement=True, generator=torch.Generator().manual_seed(0))
    freqs = relative_frequencies(samples.to(device), 4)
    # standard error sqrt(p(1 - p)/n) is at most 0.0016 here: 5 of them is a loose bound
    assert (freqs[-1].cpu() - probs).abs().max() < 0.008


def test_relative_frequencies_stay_on_the_samples_device_whatever_the_default_device(device: torch.device) -> None:
    """The outcomes 0..K-1 and the draw counts 1..n are made on samples' device, not torch's default
    device (here "meta", which holds no data: a tensor made there cannot meet the samples)."""
    samples = torch.tensor([0, 2, 2, 1], device=device)
    expected = relative_frequencies(samples, 3)
    with torch.device("meta"):
        freqs = relative_frequencies(samples, 3)
    assert freqs.device == samples.device
    torch.testing.assert_close(freqs, expected, rtol=0, atol=0)


@on_each_device
@given(seed=st.integers(0, 2**31), k=st.integers(1, 6))
def test_bayes_posterior_is_the_normalised_joint(device: torch.device, seed: int, k: int) -> None:
    prior = distribution(seed, k, device)
    likelihood = torch.rand(k, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64).to(device)
    likelihood[0] = likelihood[0].clamp_min(0.01)  # P(B) > 0
    posterior = bayes_posterior(prior, likelihood)
    torch.testing.assert_close(posterior, torch.softmax(prior.log() + likelihood.log(), dim=0))
    torch.testing.assert_close(posterior.sum(), torch.tensor(1.0, dtype=torch.float64, device=device))
    # the joint table P(A_i, B) and P(A_i, not B): the posterior is its first column over the column's sum
    joint = torch.stack([prior * likelihood, prior * (1 - likelihood)], dim=1)
    torch.testing.assert_close(joint.sum(dim=1), prior)  # marginalising B out gives the prior back
    torch.testing.assert_close(posterior, joint[:, 0] / joint[:, 0].sum())


def test_bayes_posterior_accepts_a_likelihood_of_one(device: torch.device) -> None:
    """P(B | A_i) = 1 (B is certain under A_i) is a probability: with a uniform prior the posterior
    is the likelihood over its sum, (1, 0.5) / 1.5."""
    prior = torch.tensor([0.5, 0.5], dtype=torch.float64, device=device)
    posterior = bayes_posterior(prior, torch.tensor([1.0, 0.5], dtype=torch.float64, device=device))
    torch.testing.assert_close(posterior, torch.tensor([2 / 3, 1 / 3], dtype=torch.float64, device=device))
    certain = bayes_posterior(prior, torch.ones(2, dtype=torch.float64, device=device))
    torch.testing.assert_close(certain, prior, rtol=0, atol=0)  # B says nothing: the prior is unchanged


@on_each_device
@given(n=st.integers(1, 30), p=st.floats(0.0, 1.0))
def test_moments_of_the_binomial(device: torch.device, n: int, p: float) -> None:
    binomial = torch.distributions.Binomial(n, torch.tensor(p, dtype=torch.float64))
    values = torch.arange(n + 1, dtype=torch.float64)
    probs = binomial.log_prob(values).exp()
    values, probs = values.to(device), (probs / probs.sum()).to(device)
    torch.testing.assert_close(expectation(values, probs).cpu(), binomial.mean)
    torch.testing.assert_close(variance(values, probs).cpu(), binomial.variance, atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_uniform_distribution_in_half_precision_is_accepted(device: torch.device, dtype: torch.dtype) -> None:
    """1/1000 rounded to float16 or bfloat16, 1000 times, sums to 1.0004 or 0.99945: the tolerance grows
    with the length and the dtype's epsilon (8 n eps), as the rounding error does."""
    probs = torch.full((1000,), 1 / 1000, dtype=dtype, device=device)
    assert abs(probs.sum(dtype=torch.float64).item() - 1) > 1e-4
    values = torch.linspace(0, 1, 1000, dtype=dtype, device=device)
    expected = (values.double() * probs.double()).sum()
    torch.testing.assert_close(expectation(values, probs).double(), expected, rtol=1e-2, atol=0)
    torch.testing.assert_close(bayes_posterior(probs, torch.ones_like(probs)), probs / probs.sum())


@on_each_device
@given(seed=st.integers(0, 2**31), k=st.integers(1, 8), shift=st.sampled_from([0.0, 1e6]))
def test_variance_matches_weighted_covariance(device: torch.device, seed: int, k: int, shift: float) -> None:
    probs = distribution(seed, k, device)
    values = torch.randn(k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).to(device) + shift
    torch.testing.assert_close(expectation(values, probs), (values * probs).sum())
    torch.testing.assert_close(variance(values, probs), torch.cov(values, aweights=probs, correction=0))
    # E[X^2] - E[X]^2 gives the same in exact arithmetic
    torch.testing.assert_close(
        variance(values - shift, probs),
        expectation((values - shift) ** 2, probs) - expectation(values - shift, probs) ** 2,
    )


@on_each_device
@given(seed=st.integers(0, 2**31), mu=st.floats(-5, 5), sigma=st.floats(0.1, 10), n=st.integers(0, 10))
def test_normal_matches_torch_distributions(device: torch.device, seed: int, mu: float, sigma: float, n: int) -> None:
    x = (mu + 3 * sigma * torch.randn(n, generator=torch.Generator().manual_seed(seed))).to(device)
    normal = torch.distributions.Normal(torch.tensor(mu, device=device), torch.tensor(sigma, device=device))
    torch.testing.assert_close(normal_pdf(x, mu, sigma), normal.log_prob(x).exp())
    y_hat = torch.randn(n, generator=torch.Generator().manual_seed(seed + 1)).to(device)
    if n:
        torch.testing.assert_close(gaussian_nll(y_hat, x, sigma), -normal_logpdf_mean(x, y_hat, sigma))
        var = torch.full_like(x, sigma**2)
        torch.testing.assert_close(gaussian_nll(y_hat, x, sigma), F.gaussian_nll_loss(y_hat, x, var, full=True))


def test_normal_defaults_are_the_standard_normal(device: torch.device) -> None:
    """normal_pdf's mu and sigma default to 0 and 1, gaussian_nll's sigma to 1."""
    x = torch.linspace(-3, 3, 13, dtype=torch.float64, device=device)
    standard = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64, device=device), 1.0)
    torch.testing.assert_close(normal_pdf(x), standard.log_prob(x).exp())
    y_hat = torch.zeros_like(x)
    torch.testing.assert_close(gaussian_nll(y_hat, x), F.gaussian_nll_loss(y_hat, x, torch.ones_like(x), full=True))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_normal_pdf_keeps_the_dtype_and_rounds_half_precision_once(device: torch.device, dtype: torch.dtype) -> None:
    """float16 and bfloat16 are computed in float32 and rounded once (the same bits as doing so by
    hand); float64 is computed in float64 (to float64's precision, not float32's)."""
    x = torch.linspace(-4, 4, 101, dtype=torch.float64, device=device).to(dtype)
    got = normal_pdf(x, 0.5, 1.5)
    assert got.dtype == dtype
    if dtype == torch.float64:
        normal = torch.distributions.Normal(torch.tensor(0.5, dtype=dtype, device=device), 1.5)
        torch.testing.assert_close(got, normal.log_prob(x).exp(), rtol=1e-13, atol=0)
    else:
        torch.testing.assert_close(got, normal_pdf(x.float(), 0.5, 1.5).to(dtype), rtol=0, atol=0)


def normal_logpdf_mean(y: torch.Tensor, y_hat: torch.Tensor, sigma: float) -> torch.Tensor:
    return torch.distributions.Normal(y_hat, sigma).log_prob(y).mean()


def test_squared_loss_and_nll_have_the_same_minimiser(device: torch.device) -> None:
    """Fitting y = w x by gradient descent on either loss reaches the same w (the least-squares one)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(50, generator=generator, dtype=torch.float64).to(device)
    y = 3 * x + 0.5 * torch.randn(50, generator=generator, dtype=torch.float64).to(device)
    w_star = (x * y).sum() / (x * x).sum()
    for sigma in (0.5, 1.0, 2.0):
        w = torch.zeros((), dtype=torch.float64, device=device, requires_grad=True)
        for _ in range(200):
            (grad,) = torch.autograd.grad(gaussian_nll(w * x, y, sigma), w)
            with torch.no_grad():
                w -= 0.5 * sigma**2 * grad
        torch.testing.assert_close(w.detach(), w_star)


@messy
@given(data=st.data(), sigma=st.sampled_from([1.0, 0.5, 0.0, -1.0, math.inf, math.nan, True, "1"]))
def test_bad_input(device: torch.device, data: st.DataObject, sigma) -> None:
    x = data.draw(tensors(device) | tensors(device, dtypes=FLOATS))
    good_sigma = sigma in (1.0, 0.5) and not isinstance(sigma, bool)
    check(
        "normal_pdf",
        lambda: normal_pdf(x, 0.0, sigma),
        lambda: normal_in_dtype_of(check_float(x), sigma).log_prob(x).exp() if good_sigma else _raise(),
        raises=(TypeError, ValueError),
        names=("x", "sigma"),
    )
    y = data.draw(tensors(device, shape=x.shape) | tensors(device))
    check(
        "gaussian_nll",
        lambda: gaussian_nll(x, y, sigma),
        lambda: (
            F.gaussian_nll_loss(check_float(x), check_same(x, y), torch.full_like(y, sigma**2), full=True)
            if good_sigma
            else _raise()
        ),
        raises=(TypeError, ValueError),
        names=("y_hat", "y", "sigma"),
        compare=close_in(x, y),
    )


def normal_in_dtype_of(x: torch.Tensor, sigma: float) -> torch.distributions.Normal:
    """N(0, sigma^2) with parameters in x's dtype; without validation, so that NaN in x gives NaN."""
    loc, scale = torch.tensor(0.0, dtype=x.dtype, device=x.device), torch.tensor(sigma, dtype=x.dtype, device=x.device)
    return torch.distributions.Normal(loc, scale, validate_args=False)


def check_float(x: torch.Tensor) -> torch.Tensor:
    if not x.dtype.is_floating_point:
        raise TypeError("not floating")
    return x


def check_same(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """torch broadcasts y_hat against y and promotes dtypes; gaussian_nll takes one shape and floats only."""
    check_float(y)
    if x.shape != y.shape:
        raise ValueError("shapes")
    return y


def _raise():
    raise ValueError("bad sigma")


def close_in(*inputs: torch.Tensor):
    """float16 inputs round on the way; dlref and torch promote mixed dtypes alike, within float16's digits."""

    def compare(got, expected):
        low = any(t.dtype in (torch.float16, torch.bfloat16) for t in inputs)
        tol = {"rtol": 3.2e-2, "atol": 1e-3} if low else {"rtol": 1e-5, "atol": 1e-6}
        assert got.shape == expected.shape
        torch.testing.assert_close(got.double(), expected.double(), equal_nan=True, **tol)

    return compare


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: relative_frequencies([0, 1], 2),
            TypeError,
            r"^relative_frequencies: samples must be a tensor, got list",
        ),
        (
            lambda: relative_frequencies(torch.tensor([0.0, 1.0]), 2),
            TypeError,
            r"^relative_frequencies: samples must be an integer tensor",
        ),
        (
            lambda: relative_frequencies(torch.tensor([0, 3]), 3),
            ValueError,
            r"^relative_frequencies: samples must lie in \[0, 3\).*got 3",
        ),
        (
            lambda: relative_frequencies(torch.tensor([0, 1]), 0),
            ValueError,
            r"^relative_frequencies: num_classes must be at least 1",
        ),
        (
            lambda: relative_frequencies(torch.zeros(2, 2, dtype=torch.int64), 2),
            ValueError,
            r"^relative_frequencies: samples must be 1-D and not empty, got shape \(2, 2\)",
        ),
        (
            lambda: relative_frequencies(torch.tensor([0]), 2.0),
            TypeError,
            r"^relative_frequencies: num_classes must be an int",
        ),
        (
            lambda: bayes_posterior(torch.tensor([0.5, 0.6]), torch.tensor([0.1, 0.2])),
            ValueError,
            r"^bayes_posterior: prior must sum to 1",
        ),
        (
            lambda: bayes_posterior(torch.tensor([0.5, 0.5]), torch.tensor([0.1, 2.0])),
            ValueError,
            r"^bayes_posterior: likelihood must hold probabilities P\(B \| A_i\) in \[0, 1\]$",
        ),
        (
            lambda: bayes_posterior(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.5])),
            ValueError,
            r"^bayes_posterior: P\(B\) = sum\(likelihood \* prior\) is 0",
        ),
        (
            lambda: bayes_posterior(torch.tensor([0.5, 0.5]), torch.tensor([0.1])),
            ValueError,
            r"^bayes_posterior: prior has shape \(2,\) but likelihood",
        ),
        (
            lambda: bayes_posterior(torch.tensor([[1.0]]), torch.tensor([[1.0]])),
            ValueError,
            r"^bayes_posterior: prior must be 1-D and not empty, got shape \(1, 1\)",
        ),
        (
            lambda: bayes_posterior(torch.tensor([1, 0]), torch.tensor([0.5, 0.5])),
            TypeError,
            r"^bayes_posterior: prior must be a floating-point tensor, got torch.int64",
        ),
        (
            lambda: bayes_posterior(torch.tensor([0.5, 0.5]), torch.tensor([1, 0])),
            TypeError,
            r"^bayes_posterior: likelihood must be a floating-point tensor, got torch.int64",
        ),
        (
            lambda: expectation(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.5], dtype=torch.float64)),
            TypeError,
            r"^expectation: values is torch.float32 but probs",
        ),
        (
            lambda: expectation([1.0], torch.tensor([1.0])),
            TypeError,
            r"^expectation: values must be a tensor, got list",
        ),
        (
            lambda: expectation(torch.tensor([1, 2]), torch.tensor([0.5, 0.5])),
            TypeError,
            r"^expectation: values must be a floating-point tensor, got torch.int64",
        ),
        (
            lambda: expectation(torch.tensor([1.0, 2.0]), torch.tensor([0, 1])),
            TypeError,
            r"^expectation: probs must be a floating-point tensor, got torch.int64",
        ),
        (
            lambda: expectation(torch.tensor([1.0, 2.0]), torch.tensor([-0.5, 1.5])),
            ValueError,
            r"^expectation: probs must hold probabilities.*-0.5",
        ),
        (
            lambda: expectation(torch.tensor([1.0, 2.0]), torch.tensor([math.nan, 1.0])),
            ValueError,
            r"^expectation: probs must hold probabilities.*nan",
        ),
        pytest.param(
            lambda: variance(torch.tensor([1.0, 2.0]), torch.tensor([0, 1])),
            TypeError,
            r"^variance: probs must be a floating-point tensor, got torch.int64",
        ),
        pytest.param(
            lambda: variance(torch.tensor([1.0, 2.0]), torch.tensor([-0.5, 1.5])),
            ValueError,
            r"^variance: probs must hold probabilities.*-0.5",
        ),
        (
            lambda: expectation(torch.tensor([1.0]), torch.tensor([1.0], device="meta")),
            ValueError,
            r"^expectation: values is on cpu but probs is on meta; move probs there",
        ),
        (  # the first entry outside [0, 1] is named, not the 1 or the 0 before it, nor the -0.5 after it
            lambda: expectation(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 0.0, 1.5, -0.5])),
            ValueError,
            r"^expectation: probs must hold probabilities in \[0, 1\], got 1\.5$",
        ),
        (  # just above 1 is refused, though the sum is within the tolerance of 1
            lambda: expectation(torch.ones(1, dtype=torch.float64), torch.tensor([1 + 1e-7], dtype=torch.float64)),
            ValueError,
            r"^expectation: probs must hold probabilities in \[0, 1\], got 1\.0000001$",
        ),
        (  # the sum is taken in float64: 2 * 0.69921875 + 0.0030059814453125, not rounded to bfloat16's 1.3984
            lambda: expectation(
                torch.ones(3, dtype=torch.bfloat16), torch.tensor([0.7, 0.7, 0.003], dtype=torch.bfloat16)
            ),
            ValueError,
            r"^expectation: probs must sum to 1, got 1\.40144;",
        ),
        (
            lambda: expectation(torch.tensor([]), torch.tensor([])),
            ValueError,
            r"^expectation: values must be 1-D and not empty",
        ),
        (
            lambda: normal_pdf(torch.zeros(2), 0.0, 0.0),
            ValueError,
            r"^normal_pdf: sigma must be a finite number above 0, got 0.0",
        ),
        (lambda: normal_pdf(torch.zeros(2), math.nan), ValueError, r"^normal_pdf: mu must be finite"),
        (lambda: normal_pdf(torch.arange(2)), TypeError, r"^normal_pdf: x must be a floating-point tensor"),
        (lambda: normal_pdf(torch.zeros(2), "0"), TypeError, r"^normal_pdf: mu must be a number, the mean, got '0'"),
        (lambda: normal_pdf(torch.zeros(2), True), TypeError, r"^normal_pdf: mu must be a number, the mean, got True"),
        (
            lambda: normal_pdf(torch.zeros(2), 0.0, "1"),
            TypeError,
            r"^normal_pdf: sigma must be a number, the standard deviation, got '1'",
        ),
        (
            lambda: normal_pdf(torch.zeros(2), 0.0, math.inf),
            ValueError,
            r"^normal_pdf: sigma must be a finite number above 0, got inf",
        ),
        (
            lambda: gaussian_nll(torch.zeros(2), torch.zeros(2), True),
            TypeError,
            r"^gaussian_nll: sigma must be a number, the standard deviation, got True",
        ),
        (
            lambda: gaussian_nll(torch.zeros(2), torch.zeros(2), -1.0),
            ValueError,
            r"^gaussian_nll: sigma must be a finite number above 0, got -1.0",
        ),
        (
            lambda: gaussian_nll(torch.zeros(2, dtype=torch.int64), torch.zeros(2)),
            TypeError,
            r"^gaussian_nll: y_hat must be a floating-point tensor, got torch.int64",
        ),
        (
            lambda: gaussian_nll(torch.zeros(2), torch.zeros(2, dtype=torch.int64)),
            TypeError,
            r"^gaussian_nll: y must be a floating-point tensor, got torch.int64",
        ),
        (
            lambda: gaussian_nll(torch.zeros(2), torch.zeros(2, device="meta")),
            ValueError,
            r"^gaussian_nll: y_hat is on cpu but y is on meta; move y there",
        ),
        (
            lambda: gaussian_nll(torch.zeros(3, 1), torch.zeros(3)),
            ValueError,
            r"^gaussian_nll: y_hat has shape \(3, 1\) but y has shape \(3,\)",
        ),
    ],
)
def test_errors_name_the_argument(call, error: type, match: str) -> None:
    """Each error starts with the function's name (the one called, not a helper's) and names the argument."""
    with pytest.raises(error, match=match):
        call()
