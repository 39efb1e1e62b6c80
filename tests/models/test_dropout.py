"""Checks `dlref.models.dropout` against `nn.Dropout` on every device: the expectation it keeps,
the fraction it drops, the scale of what it keeps, train versus eval mode, and bad input."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.models.dropout import Dropout, dropout
from profiles import scaled

on_each_device = settings(max_examples=scaled(20))


@on_each_device
@given(seed=st.integers(0, 2**31), p=st.sampled_from([0.1, 0.25, 0.5, 0.8]))
def test_drops_a_fraction_p_and_keeps_the_expectation(device: torch.device, seed: int, p: float) -> None:
    n = 100_000
    X = torch.full((n,), 3.0, device=device)
    Y = dropout(X, p, generator=torch.Generator().manual_seed(seed))
    dropped = (Y == 0).double().mean().item()
    # the dropped fraction is a mean of n Bernoulli(p) draws: standard error sqrt(p(1-p)/n), 5 of them allowed
    assert abs(dropped - p) < 5 * math.sqrt(p * (1 - p) / n)
    # each output is 3/(1-p) with probability 1-p: mean 3, standard deviation 3 sqrt(p/(1-p))
    assert abs(Y.double().mean().item() - 3.0) < 5 * 3 * math.sqrt(p / (1 - p) / n)
    torch.testing.assert_close(Y[Y != 0], torch.full_like(Y[Y != 0], 3.0 / (1 - p)))
    # torch keeps the same values, in the same proportion
    Z = F.dropout(X, p)
    torch.testing.assert_close(Z[Z != 0], torch.full_like(Z[Z != 0], 3.0 / (1 - p)))
    assert abs((Z == 0).double().mean().item() - dropped) < 10 * math.sqrt(p * (1 - p) / n)


@on_each_device
@given(seed=st.integers(0, 2**31), dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32, torch.float64]))
def test_kept_entries_equal_torchs_scaled_input(device: torch.device, seed: int, dtype: torch.dtype) -> None:
    X = torch.randn(64, 8, generator=torch.Generator().manual_seed(seed)).to(device, dtype)
    Y = dropout(X, 0.3, generator=torch.Generator().manual_seed(seed))
    assert (Y.shape, Y.dtype, Y.device) == (X.shape, X.dtype, X.device)
    kept = Y != 0
    torch.testing.assert_close(Y[kept], X[kept] / 0.7)
    expected = torch.tensor(1 / 0.7, dtype=dtype, device=device)
    torch.testing.assert_close(F.dropout(torch.ones_like(X), 0.3).amax(), expected)


def test_the_same_seed_drops_the_same_entries_on_every_device(device: torch.device) -> None:
    X = torch.ones(1000)
    on_cpu = dropout(X, 0.5, generator=torch.Generator().manual_seed(7))
    here = dropout(X.to(device), 0.5, generator=torch.Generator().manual_seed(7))
    torch.testing.assert_close(here.cpu(), on_cpu)


def test_train_and_eval_mode(device: torch.device) -> None:
    torch.manual_seed(0)
    layers = [Dropout(0.5), nn.Dropout(0.5)]
    X = torch.ones(2000, device=device)
    for layer in layers:
        assert (layer(X) == 0).any()  # a module starts in training mode
        layer.eval()
        assert layer(X) is X or torch.equal(layer(X), X)
    model = nn.Sequential(nn.Linear(4, 4), Dropout(0.5)).to(device)
    model.eval()
    assert not model[1].training
    assert dropout(X, 0.5, training=False) is X
    assert torch.equal(dropout(X, 0.0), X)
    assert torch.equal(dropout(X, 1.0), torch.zeros_like(X))
    assert torch.equal(dropout(X, 1.0), F.dropout(X, 1.0))


def test_the_layer_drops_half_by_default_as_torchs() -> None:
    layer = Dropout()
    assert layer.p == nn.Dropout().p == 0.5
    assert repr(layer) == "Dropout(p=0.5)"


def test_gradients_flow_through_the_kept_entries_only(device: torch.device) -> None:
    X = torch.ones(100, device=device, requires_grad=True)
    Y = dropout(X, 0.5, generator=torch.Generator().manual_seed(0))
    Y.sum().backward()
    assert X.grad is not None
    torch.testing.assert_close(X.grad, (Y != 0).float() * 2)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: dropout(torch.ones(3), 1.5),
            ValueError,
            r"^dropout: p is the probability of zeroing an entry and must be in \[0, 1\], got 1\.5$",
        ),
        (lambda: dropout(torch.ones(3), math.nan), ValueError, r"got nan"),
        (lambda: dropout(torch.ones(3), -0.1), ValueError, r"got -0\.1"),
        (lambda: dropout(torch.ones(3), "0.5"), TypeError, r"^dropout: p must be a number, .* got '0\.5'$"),
        (lambda: dropout(torch.ones(3), True), TypeError, r"p must be a number"),
        (lambda: dropout(torch.arange(3), 0.5), TypeError, r"X must be a floating-point tensor, got torch.int64"),
        (lambda: dropout([1.0, 2.0], 0.5), TypeError, r"X must be a tensor, got list"),
        (lambda: Dropout(2), ValueError, r"Dropout: p is the probability"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@settings(max_examples=scaled(40))
@given(p=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2, 2))
def test_every_p_is_torchs_answer_or_a_clear_error(p: float) -> None:
    X = torch.ones(50)
    try:
        expected = F.dropout(X, p)
    except (ValueError, RuntimeError):  # torch's RuntimeError for NaN, ValueError otherwise
        with pytest.raises(ValueError, match=r"\bp\b"):
            dropout(X, p)
        return
    got = dropout(X, p)
    assert set(got.unique().tolist()) <= set(expected.unique().tolist()) | {0.0}
