"""Checks `dlref.models.init` against `torch.nn.init` on every device: fans, and each initialiser's
mean, standard deviation, bound or normal tail, statistically with seeds and stated tolerances; float64
weights bit for bit torch's draws from the same generator; bad input, with each function's name."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.models import init
from profiles import scaled

on_each_device = settings(max_examples=scaled(10))

Initialiser = Callable[..., torch.Tensor]
Pair = tuple[Initialiser, Initialiser, Callable[[int, int], float]]

PAIRS: list[Pair] = [
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


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair[0].__name__)
@on_each_device
@given(seed=st.integers(0, 2**31), shape=st.sampled_from([(300, 200), (64, 32, 3, 3)]))
def test_std_is_the_formulas_and_torchs(device: torch.device, pair: Pair, seed: int, shape: tuple[int, ...]) -> None:
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
    bound = math.sqrt(3) * sigma
    beyond = (W.abs() > bound).double().mean().item()
    if "uniform" in ours.__name__:
        assert W.abs().max().item() <= bound * (1 + 1e-6)
        assert W.abs().max().item() > 0.99 * bound  # the draws reach the bound
    else:
        # a normal puts 2 (1 - Phi(sqrt 3)) = 8.33% of its draws beyond sqrt(3) sigma, where the uniform
        # of the same std stops; the fraction's standard error is under 0.21% for n = 18432
        assert abs(beyond - math.erfc(math.sqrt(3 / 2))) < 0.015


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair[0].__name__)
@settings(max_examples=scaled(10))
@given(
    seed=st.integers(0, 2**31),
    shape=st.lists(st.integers(1, 6), min_size=2, max_size=4).map(tuple),
    slope=st.floats(0, 3),
    mode=st.sampled_from(["fan_in", "fan_out"]),
)
@example(seed=0, shape=(1, 1), slope=0.0, mode="fan_in")  # one entry
@example(seed=1, shape=(5, 1), slope=0.0, mode="fan_in")  # a fan of 1
@example(seed=2, shape=(1, 5, 1), slope=0.0, mode="fan_out")
def test_float64_weights_are_torchs_draws_bit_for_bit(
    pair: Pair, seed: int, shape: tuple[int, ...], slope: float, mode: str
) -> None:
    # torch fills a float64 weight with uniform_ / normal_ in float64, from the same generator and with
    # the same std: the same numbers as our float64 draw. The global generator is put in another state,
    # so that only a draw from ``generator`` matches. Torch's kaiming takes a leaky ReLU's slope and
    # uses calculate_gain's sqrt(2 / (1 + slope^2)) (sqrt 2 at 0, our default); ours take that gain.
    ours, theirs, _ = pair
    gain = nn.init.calculate_gain("leaky_relu", slope)
    kaiming = "kaiming" in ours.__name__
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 1)
        W = torch.full(shape, math.nan, dtype=torch.float64)
        W = ours(W, gain=gain, generator=generator, **({"mode": mode} if kaiming else {}))
    V = torch.empty(shape, dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    V = theirs(V, generator=generator, **({"a": slope, "mode": mode} if kaiming else {"gain": gain}))
    assert torch.equal(W, V)


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair[0].__name__)
def test_the_generator_decides_the_draw_not_the_global_one(pair: Pair) -> None:
    ours = pair[0]
    draws = []
    for global_seed, seed in [(0, 5), (1, 5), (0, 6)]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(global_seed)
            draws.append(ours(torch.empty(20, 10), generator=torch.Generator().manual_seed(seed)))
    assert torch.equal(draws[0], draws[1])
    assert not torch.equal(draws[0], draws[2])


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
        (
            lambda: init.fans((3,)),
            ValueError,
            r"at least 2 dimensions .* got \(3,\); a bias or other 1-D parameter has no fan-in and fan-out",
        ),
        (lambda: init.fans(3), TypeError, r"shape must be a tuple of ints"),
        (lambda: init.fans((2.0, 3)), TypeError, r"shape must be a tuple of ints.* got \(2\.0, 3\)"),
        (lambda: init.fans((True, 3)), TypeError, r"shape must be a tuple of ints.* got \(True, 3\)"),
        (lambda: init.fans((2, -1)), ValueError, r"negative size"),
        (lambda: init.xavier_uniform_(torch.empty(5)), ValueError, r"xavier_uniform_: tensor must have at least 2"),
        (lambda: init.xavier_normal_(torch.empty(5, 3, dtype=torch.int64)), TypeError, r"tensor must be a floating"),
        (lambda: init.kaiming_normal_([[1.0]]), TypeError, r"tensor must be a tensor"),
        (
            lambda: init.kaiming_normal_(torch.empty(3, 3), gain=0),
            ValueError,
            r"gain must be a finite number above 0, got 0 \(torch\.nn\.init\.calculate_gain\('relu'\) gives ReLU's\)",
        ),
        (lambda: init.kaiming_normal_(torch.empty(3, 3), gain=True), ValueError, r"gain must be .* got True"),
        (lambda: init.kaiming_normal_(torch.empty(3, 3), gain="2"), ValueError, r"gain must be .* got '2'"),
        (lambda: init.kaiming_normal_(torch.empty(3, 3), gain=math.nan), ValueError, r"gain must be"),
        (lambda: init.kaiming_uniform_(torch.empty(3, 3), mode="in"), ValueError, r"mode must be 'fan_in'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("ours", [pair[0] for pair in PAIRS], ids=lambda ours: ours.__name__)
def test_each_initialisers_errors_start_with_its_name_and_name_the_bad_value(ours: Initialiser) -> None:
    name = ours.__name__
    with pytest.raises(TypeError, match=rf"^{name}: tensor must be a tensor \(a layer's weight\), got list$"):
        ours([[1.0]])
    with pytest.raises(TypeError, match=rf"^{name}: tensor must be a floating-point tensor, got torch\.int64$"):
        ours(torch.zeros(5, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match=rf"^{name}: tensor must have at least 2 dimensions .* got \(5,\)"):
        ours(torch.empty(5))
    with pytest.raises(ValueError, match=rf"^{name}: gain must be a finite number above 0, got -1\.0"):
        ours(torch.empty(3, 3), gain=-1.0)
    if "kaiming" in name:
        with pytest.raises(ValueError, match=rf"^{name}: mode must be 'fan_in' .* or 'fan_out' .*, got 'in'$"):
            ours(torch.empty(3, 3), mode="in")
