"""Checks `dlref.models.init` against `torch.nn.init` on every device: fans, and each initialiser's
mean, standard deviation and bound, statistically with seeds and stated tolerances; bad input."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.models import init
from profiles import scaled

on_each_device = settings(max_examples=scaled(10))

PAIRS = [
    (init.xavier_uniform_, nn.init.xavier_uniform_, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    (init.xavier_normal_, nn.init.xavier_normal_, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    (init.kaiming_uniform_, nn.init.kaiming_uniform_, lambda fi, fo: math.sqrt(2 / fi)),
    (init.kaiming_normal_, nn.init.kaiming_normal_, lambda fi, fo: math.sqrt(2 / fi)),
]


@pytest.mark.parametrize("shape", [(5, 3), (16, 3, 5, 5), (8, 4, 3), (1, 1), (0, 3), (2, 7, 1, 1, 2)], ids=str)
def test_fans_match_the_stds_torch_draws(shape: tuple[int, ...]) -> None:
    fan_in, fan_out = init.fans(shape)
    receptive = math.prod(shape[2:])
    assert (fan_in, fan_out) == (shape[1] * receptive, shape[0] * receptive)


@on_each_device
@given(seed=st.integers(0, 2**31), pair=st.sampled_from(PAIRS), shape=st.sampled_from([(300, 200), (64, 32, 3, 3)]))
def test_std_is_the_formulas_and_torchs(device: torch.device, seed: int, pair, shape: tuple[int, ...]) -> None:
    ours, theirs, formula = pair
    fan_in, fan_out = init.fans(shape)
    sigma = formula(fan_in, fan_out)
    W = ours(torch.empty(shape, device=device), generator=torch.Generator().manual_seed(seed))
    V = theirs(torch.empty(shape), generator=torch.Generator().manual_seed(seed))
    n = W.numel()  # 60000 or 18432 entries
    # the sample std of n draws has a standard error of about sigma / sqrt(2n) (normal; less for the
    # uniform): 5 standard errors, under 2.7%; the mean's is sigma / sqrt(n)
    for sample in (W.double(), V.double()):
        assert abs(sample.std().item() - sigma) < 5 * sigma / math.sqrt(2 * n)
        assert abs(sample.mean().item()) < 5 * sigma / math.sqrt(n)
    assert W.device == device
    assert W.dtype == torch.float32
    if "uniform" in ours.__name__:
        bound = math.sqrt(3) * sigma
        assert W.abs().max().item() <= bound * (1 + 1e-6)
        assert W.abs().max().item() > 0.99 * bound  # the draws reach the bound


def test_the_same_seed_draws_the_same_weights_on_every_device(device: torch.device) -> None:
    on_cpu = init.kaiming_normal_(torch.empty(20, 10), generator=torch.Generator().manual_seed(3))
    here = init.kaiming_normal_(torch.empty(20, 10, device=device), generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(here.cpu(), on_cpu)


def test_gain_mode_dtype_and_parameters(device: torch.device) -> None:
    generator = torch.Generator().manual_seed(0)
    W = init.kaiming_normal_(torch.empty(400, 100, device=device), mode="fan_out", generator=generator)
    assert abs(W.std().item() - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400)
    gain = nn.init.calculate_gain("tanh")
    W = init.xavier_uniform_(torch.empty(300, 300, dtype=torch.float64, device=device), gain=gain, generator=generator)
    assert W.dtype == torch.float64
    assert abs(W.std().item() - gain * math.sqrt(2 / 600)) < 0.02 * gain * math.sqrt(2 / 600)
    layer = nn.Linear(50, 40).to(device)
    out = init.xavier_normal_(layer.weight, generator=generator)  # a parameter, filled in place
    assert out is layer.weight
    assert layer.weight.requires_grad
    empty = torch.empty(0, 5)
    assert init.xavier_uniform_(empty) is empty


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: init.fans((3,)), ValueError, r"at least 2 dimensions .* got \(3,\)"),
        (lambda: init.fans(3), TypeError, r"shape must be a tuple of ints"),
        (lambda: init.fans((2, -1)), ValueError, r"negative size"),
        (lambda: init.xavier_uniform_(torch.empty(5)), ValueError, r"xavier_uniform_: tensor must have at least 2"),
        (lambda: init.xavier_normal_(torch.empty(5, 3, dtype=torch.int64)), TypeError, r"tensor must be a floating"),
        (lambda: init.kaiming_normal_([[1.0]]), TypeError, r"tensor must be a tensor"),
        (lambda: init.kaiming_normal_(torch.empty(3, 3), gain=0), ValueError, r"gain must be a finite number above 0"),
        (lambda: init.kaiming_normal_(torch.empty(3, 3), gain=math.nan), ValueError, r"gain must be"),
        (lambda: init.kaiming_uniform_(torch.empty(3, 3), mode="in"), ValueError, r"mode must be 'fan_in'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
