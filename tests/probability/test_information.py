"""Checks `dlref.probability.information` against torch on every device: entropy, cross-entropy,
KL divergence, H(P, Q) = H(P) + KL(P || Q), zero probabilities, and bad input."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Categorical, kl_divergence

from dlref.probability import information
from messy import check, tensors
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))


def distributions(seed: int, n: int, k: int, zeros: bool, device: torch.device) -> torch.Tensor:
    """``n`` random distributions over ``k`` categories, some entries exactly 0 when ``zeros``."""
    generator = torch.Generator().manual_seed(seed)
    weights = torch.rand(n, k, generator=generator, dtype=torch.float64)
    if zeros:
        weights[torch.rand(n, k, generator=generator) < 0.3] = 0
        weights[:, 0] += 1e-3  # every row keeps a category
    return (weights / weights.sum(-1, keepdim=True)).to(device)


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(1, 6), k=st.integers(1, 8), zeros=st.booleans())
def test_matches_torch_and_ce_is_h_plus_kl(device: torch.device, seed: int, n: int, k: int, zeros: bool) -> None:
    p = distributions(seed, n, k, zeros, device)
    q = distributions(seed + 1, n, k, False, device)  # no zeros in q: every divergence finite
    H, CE, KL = information.entropy(p), information.cross_entropy(p, q), information.kl_divergence(p, q)
    torch.testing.assert_close(H, Categorical(probs=p).entropy())
    torch.testing.assert_close(KL, kl_divergence(Categorical(probs=p), Categorical(probs=q)))
    torch.testing.assert_close(KL, F.kl_div(q.log(), p, reduction="none").sum(-1))
    torch.testing.assert_close(CE, F.cross_entropy(q.log(), p, reduction="none"))
    torch.testing.assert_close(CE, H + KL)
    assert (KL >= -1e-12).all()  # Gibbs' inequality
    assert (math.log(k) + 1e-12 >= H).all()  # the uniform distribution has the most entropy
    torch.testing.assert_close(information.kl_divergence(p, p), torch.zeros(n, dtype=p.dtype, device=device))


def test_zero_probabilities(device: torch.device) -> None:
    p = torch.tensor([0.5, 0.5, 0.0], device=device)
    q = torch.tensor([0.5, 0.0, 0.5], device=device)
    assert information.kl_divergence(p, q).item() == math.inf  # P gives mass where Q has none
    torch.testing.assert_close(information.kl_divergence(q, p), torch.tensor(math.inf, device=device))
    # the terms where p is 0 count 0, whatever q is there
    torch.testing.assert_close(information.entropy(p), torch.tensor(math.log(2), device=device))
    y = torch.tensor([0.0, 1.0, 0.0], device=device)
    assert information.entropy(y).item() == 0.0
    assert not information.entropy(y).signbit()
    torch.testing.assert_close(information.cross_entropy(y, p), torch.tensor(math.log(2), device=device))


def test_gradients_are_finite_at_zero_probabilities(device: torch.device) -> None:
    p = torch.tensor([0.5, 0.5, 0.0], device=device, dtype=torch.float64, requires_grad=True)
    q = torch.tensor([0.25, 0.25, 0.5], device=device, dtype=torch.float64, requires_grad=True)
    information.kl_divergence(p, q).backward()
    assert p.grad is not None
    assert q.grad is not None
    assert p.grad.isfinite().all()
    assert q.grad.isfinite().all()
    torch.testing.assert_close(q.grad, -(p / q).detach())  # d/dq_i of -sum p log q


def test_one_hot_cross_entropy_is_the_softmax_loss(device: torch.device) -> None:
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]], device=device)
    y = torch.tensor([2, 1], device=device)
    per_example = information.cross_entropy(F.one_hot(y, 3).float(), torch.softmax(logits, dim=-1))
    torch.testing.assert_close(per_example, F.cross_entropy(logits, y, reduction="none"))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_uniform_distribution_in_half_precision_is_accepted(device: torch.device, dtype: torch.dtype) -> None:
    """1/1000 rounded to float16 or bfloat16, 1000 times, sums to 1.0004 or 0.99945: within the
    tolerance sqrt(eps) of those dtypes (0.031 and 0.088), so the rows are distributions."""
    p = torch.full((2, 1000), 1 / 1000, dtype=dtype, device=device)
    assert (p.sum(-1, dtype=torch.float64) - 1).abs().min() > 1e-4
    expected = torch.full((2,), math.log(1000), dtype=torch.float64, device=device)
    torch.testing.assert_close(information.entropy(p).double(), expected, rtol=1e-2, atol=0)
    torch.testing.assert_close(information.cross_entropy(p, p).double(), expected, rtol=1e-2, atol=0)
    torch.testing.assert_close(information.kl_divergence(p, p), torch.zeros(2, dtype=dtype, device=device))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: information.entropy(torch.tensor([1, 0])), TypeError, r"^entropy: p must be a floating-point.*int64"),
        (
            lambda: information.entropy([0.5, 0.5]),
            TypeError,
            r"^entropy: p must be a tensor of probabilities, got list",
        ),
        (
            lambda: information.entropy(torch.tensor(1.0)),
            ValueError,
            r"^entropy: p must hold probability vectors.*\(\)",
        ),
        (
            lambda: information.entropy(torch.tensor([0.5, 0.6])),
            ValueError,
            r"^entropy: each row of p must sum to 1.*sum of 1\.1; normalise",
        ),
        (
            lambda: information.entropy(torch.tensor([1.5, -0.5])),
            ValueError,
            r"^entropy: p must hold probabilities in \[0, 1\], got 1\.5",
        ),
        (
            lambda: information.entropy(torch.tensor([math.nan, 1.0])),
            ValueError,
            r"^entropy: p must hold probabilities in \[0, 1\], got nan",
        ),
        (  # just above 1 is refused, though the sum is within the tolerance of 1
            lambda: information.entropy(torch.tensor([1.0001])),
            ValueError,
            r"^entropy: p must hold probabilities in \[0, 1\], got 1\.0001",
        ),
        (  # the sum is taken in float64: 2 * 0.69921875 + 0.0030059814453125, not rounded to bfloat16's 1.3984
            lambda: information.entropy(torch.tensor([0.7, 0.7, 0.003], dtype=torch.bfloat16)),
            ValueError,
            r"^entropy: each row of p must sum to 1 along the last dimension, got a sum of 1\.40144;",
        ),
        (
            lambda: information.entropy(torch.ones(2, 0)),
            ValueError,
            r"^entropy: p must hold probability vectors along its last dimension, got shape \(2, 0\)",
        ),
        (
            lambda: information.cross_entropy(torch.tensor([0.5, 0.5]), torch.tensor([0.5, 0.6])),
            ValueError,
            r"^cross_entropy: each row of q must sum to 1",
        ),
        (
            lambda: information.kl_divergence(torch.tensor([1, 0]), torch.tensor([0.5, 0.5])),
            TypeError,
            r"^kl_divergence: p must be a floating-point tensor of probabilities, got torch.int64",
        ),
        (  # meta stands in for a second device on a CPU-only machine
            lambda: information.kl_divergence(torch.tensor([0.5, 0.5]), torch.tensor([0.5, 0.5], device="meta")),
            ValueError,
            r"^kl_divergence: p is on cpu but q is on meta; move q with q\.to\(p\.device\)",
        ),
        (
            lambda: information.kl_divergence(torch.tensor([0.5, 0.5]), torch.tensor([[0.5, 0.5]])),
            ValueError,
            r"^kl_divergence: p has shape \(2,\) but q has shape \(1, 2\); they must match \(one probability for each",
        ),
        (
            lambda: information.cross_entropy(torch.tensor([0.5, 0.5]), torch.tensor([0.5, 0.5], dtype=torch.float64)),
            TypeError,
            r"^cross_entropy: p is torch.float32 but q is torch.float64",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error: type[Exception], match: str) -> None:
    """Each error starts with the function's name (the one called, not the helper's) and names the argument."""
    with pytest.raises(error, match=match):
        call()


def _torch_kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """torch's divergence, refusing what is not a pair of distributions (as torch's own checks do)."""
    return kl_divergence(Categorical(probs=p, validate_args=True), Categorical(probs=q, validate_args=True))


@settings(max_examples=scaled(40))
@given(data=st.data())
def test_messy_input_gets_torchs_answer_or_a_clear_error(data: st.DataObject) -> None:
    """On the CPU, where values are checked: whatever tensors come, the result is torch's or the
    error names p or q. torch's Categorical normalises rows that do not sum to 1, which dlref
    refuses instead (the "refused" verdict), so a pair it accepts must be two distributions."""
    cpu = torch.device("cpu")
    shape = data.draw(st.sampled_from([(2,), (3,), (2, 2), (), (0,)]))
    p = data.draw(tensors(cpu, shape=shape))
    q = data.draw(tensors(cpu, shape=data.draw(st.sampled_from([shape, (3,)]))))
    check(
        "kl_divergence",
        lambda: information.kl_divergence(p, q),
        lambda: _torch_kl(p, q),
        raises=(TypeError, ValueError),
        names=("p", "q"),
        compare=lambda got, expected: torch.testing.assert_close(got, expected, equal_nan=True, check_dtype=False),
    )
