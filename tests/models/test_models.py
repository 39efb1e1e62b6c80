"""Checks the from-scratch models in `dlref.models` against their torch.nn counterparts on every device."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.models.linear import LinearRegressionScratch, SoftmaxRegressionScratch, linreg
from dlref.models.mlp import MLP, MLPScratch, collapse_linear, mlp_sequential, relu

on_each_device = settings(max_examples=25)


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(1, 6), d=st.integers(1, 5), k=st.integers(1, 4))
def test_scratch_models_compute_what_nn_linear_computes(
    device: torch.device, seed: int, n: int, d: int, k: int
) -> None:
    torch.manual_seed(seed)
    X = torch.randn(n, d).to(device)
    layer = nn.Linear(d, k).to(device)
    scratch = SoftmaxRegressionScratch(d, k).to(device)
    with torch.no_grad():
        scratch.W.copy_(layer.weight.T)  # nn.Linear stores the weight transposed: x A^T + c
        scratch.b.copy_(layer.bias)
    torch.testing.assert_close(scratch(X), layer(X))
    torch.testing.assert_close(linreg(X, layer.weight.T, layer.bias), layer(X))


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(1, 6), d=st.integers(1, 5), h=st.integers(1, 6), k=st.integers(1, 4))
def test_the_three_mlps_agree(device: torch.device, seed: int, n: int, d: int, h: int, k: int) -> None:
    torch.manual_seed(seed)
    X = torch.randn(n, d).to(device)
    sequential = mlp_sequential(d, h, k).to(device)
    subclass = MLP(d, h, k).to(device)
    scratch = MLPScratch(d, h, k).to(device)
    subclass.load_state_dict({"hidden.weight": sequential[0].weight, "hidden.bias": sequential[0].bias,
                              "output.weight": sequential[2].weight, "output.bias": sequential[2].bias})  # fmt: skip
    with torch.no_grad():
        scratch.W1.copy_(sequential[0].weight.T)
        scratch.b1.copy_(sequential[0].bias)
        scratch.W2.copy_(sequential[2].weight.T)
        scratch.b2.copy_(sequential[2].bias)
    torch.testing.assert_close(subclass(X), sequential(X))
    torch.testing.assert_close(scratch(X), sequential(X))
    torch.testing.assert_close(relu(X), torch.relu(X))
    first, second = nn.Linear(d, h).to(device), nn.Linear(h, k).to(device)
    torch.testing.assert_close(collapse_linear(first, second)(X), second(first(X)), atol=1e-5, rtol=1e-4)


def test_scratch_parameters_live_where_the_module_is_moved(device: torch.device) -> None:
    model = LinearRegressionScratch(3).to(device)
    assert {p.device for p in model.parameters()} == {device}
    assert sorted(model.state_dict()) == ["b", "w"]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\) .* got shape \(4, 2\)"):
        LinearRegressionScratch(3)(torch.ones(4, 2))
    with pytest.raises(ValueError, match="first has 4 outputs but second has 5 inputs"):
        collapse_linear(nn.Linear(2, 4), nn.Linear(5, 1))
