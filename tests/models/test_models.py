"""Checks the from-scratch models in `dlref.models` against their torch.nn counterparts on every device."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.models.linear import LinearRegressionScratch, SoftmaxRegressionScratch, linreg
from dlref.models.mlp import MLP, MLPScratch, collapse_linear, mlp_sequential, relu
from profiles import scaled

on_each_device = settings(max_examples=scaled(25))


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
    with pytest.raises(
        ValueError,
        match=r"^linreg: X must have shape \(n, 3\) \(one row per example, 3 features\), got shape \(4, 2\)$",
    ):
        LinearRegressionScratch(3)(torch.ones(4, 2))
    with pytest.raises(TypeError, match=r"^linreg: X must be a tensor, got list$"):
        linreg([[1.0]], torch.ones(1, 1), torch.zeros(1))
    with pytest.raises(ValueError, match=r"^linreg: X is on cpu but the weights are on meta; move X with X\.to\("):
        linreg(torch.ones(2, 1), torch.ones(1, 1, device="meta"), torch.zeros(1, device="meta"))  # no GPU needed
    with pytest.raises(ValueError, match="first has 4 outputs but second has 5 inputs"):
        collapse_linear(nn.Linear(2, 4), nn.Linear(5, 1))
    with pytest.raises(TypeError, match=r"first is torch\.float32 but second is torch\.float64; convert one with "):
        collapse_linear(nn.Linear(2, 4), nn.Linear(4, 1).double())
    with pytest.raises(ValueError, match=r"^collapse_linear: first is on cpu but second on meta; move one with "):
        collapse_linear(nn.Linear(2, 4), nn.Linear(4, 1, device="meta"))  # two devices, even without a GPU
    with pytest.raises(TypeError, match=r"second must be an nn\.Linear, got ReLU"):
        collapse_linear(nn.Linear(2, 4), nn.ReLU())


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: LinearRegressionScratch(0),
            ValueError,
            r"^LinearRegressionScratch: num_inputs must be at least 1 \(the number of features, X\.shape\[1\]\), "
            r"got 0$",
        ),
        (
            lambda: LinearRegressionScratch(2, sigma=-0.01),
            ValueError,
            r"^LinearRegressionScratch: sigma is the standard deviation .* got -0\.01",
        ),
        (
            lambda: LinearRegressionScratch(2, sigma=float("nan")),
            ValueError,
            r"^LinearRegressionScratch: sigma .* got nan",
        ),
        (
            lambda: LinearRegressionScratch(2.0),
            TypeError,
            r"num_inputs must be an int \(the number of features, X\.shape\[1\]\), got 2\.0",
        ),
        (lambda: SoftmaxRegressionScratch(2, 0), ValueError, r"^SoftmaxRegressionScratch: num_outputs .* got 0$"),
        (lambda: MLP(2, -1, 3), ValueError, r"^MLP: num_hiddens must be at least 1 \(the width .* got -1$"),
        (lambda: MLPScratch(2, 3, 0), ValueError, r"^MLPScratch: num_outputs"),
        (lambda: MLPScratch(2, 3, 1, sigma=-1.0), ValueError, r"^MLPScratch: sigma"),
        (lambda: SoftmaxRegressionScratch(2, 3, sigma=float("inf")), ValueError, r"^SoftmaxRegressionScratch: sigma"),
        (lambda: mlp_sequential(True, 3, 1), TypeError, r"^mlp_sequential: num_inputs must be an int"),
        (lambda: relu(torch.tensor([True])), TypeError, r"^relu: X must be a real number tensor, got torch\.bool"),
        (lambda: relu([1.0, -1.0]), TypeError, r"^relu: X must be a tensor, got list$"),
        (
            lambda: linreg(torch.ones(2, 1, dtype=torch.int64), torch.ones(1, 1), torch.zeros(1)),
            TypeError,
            r"^linreg: X is torch\.int64 but the weights are torch\.float32; convert X with X\.to\(torch\.float32\) "
            r"\(or the model with \.to\(dtype\)\)$",
        ),
    ],
)
def test_bad_sizes_and_sigmas_are_refused_before_any_weight_is_drawn(make, error: type, match: str) -> None:
    torch.manual_seed(0)
    state = torch.get_rng_state()
    with pytest.raises(error, match=match):
        make()
    assert torch.equal(torch.get_rng_state(), state)


FEATURES = r"the number of features, X\.shape\[1\]"
MLP_SIZES = [
    ((0, 3, 2), "num_inputs", FEATURES),
    ((2, 0, 2), "num_hiddens", "the width of the hidden layer"),
    ((2, 3, 0), "num_outputs", "the number of outputs or classes"),
]


@pytest.mark.parametrize(
    ("make", "sizes", "name", "meaning"),
    [
        (LinearRegressionScratch, (0,), "num_inputs", FEATURES),
        (SoftmaxRegressionScratch, (0, 3), "num_inputs", FEATURES),
        (SoftmaxRegressionScratch, (2, 0), "num_outputs", "the number of classes"),
        *((make, *case) for make in (MLPScratch, MLP, mlp_sequential) for case in MLP_SIZES),
    ],
)
def test_each_model_names_the_size_it_refuses_and_what_it_means(
    make: Callable[..., nn.Module], sizes: tuple[int, ...], name: str, meaning: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{make.__name__}: {name} must be at least 1 \({meaning}\), got 0$"):
        make(*sizes)


@pytest.mark.parametrize(
    ("make", "weights"),
    [
        (lambda: LinearRegressionScratch(3), {"w": (3, 1)}),
        (lambda: SoftmaxRegressionScratch(3, 4), {"W": (3, 4)}),
        (lambda: MLPScratch(3, 5, 2), {"W1": (3, 5), "W2": (5, 2)}),
    ],
    ids=["LinearRegressionScratch", "SoftmaxRegressionScratch", "MLPScratch"],
)
def test_scratch_weights_start_as_0_01_times_normal_draws_and_biases_at_0(
    make: Callable[[], nn.Module], weights: dict[str, tuple]
) -> None:
    """sigma defaults to 0.01 (d2l's): each weight is 0.01 * torch.randn of its shape, drawn in order."""
    torch.manual_seed(0)
    model = make()
    torch.manual_seed(0)
    for name, shape in weights.items():
        assert torch.equal(getattr(model, name), 0.01 * torch.randn(shape)), name
    biases = {name: p for name, p in model.named_parameters() if name not in weights}
    assert biases
    assert all(torch.equal(p, torch.zeros_like(p)) for p in biases.values())


def test_a_sigma_of_0_is_allowed_and_starts_every_weight_at_0() -> None:
    model = MLPScratch(3, 4, 2, sigma=0.0)
    assert all(torch.equal(p, torch.zeros_like(p)) for p in model.parameters())
    assert torch.equal(LinearRegressionScratch(3, sigma=0).w, torch.zeros(3, 1))


def test_collapse_linear_of_layers_without_bias() -> None:
    torch.manual_seed(0)
    first, second = nn.Linear(3, 4, bias=False), nn.Linear(4, 2)
    x = torch.randn(5, 3)
    torch.testing.assert_close(collapse_linear(first, second)(x), second(first(x)), atol=1e-6, rtol=1e-5)
    first, second = nn.Linear(3, 4), nn.Linear(4, 2, bias=False)
    torch.testing.assert_close(collapse_linear(first, second)(x), second(first(x)), atol=1e-6, rtol=1e-5)


def test_collapse_linear_keeps_float64(device: torch.device) -> None:
    """float64 layers collapse into a float64 layer, equal to the two layers to float64 precision."""
    torch.manual_seed(0)
    first = nn.Linear(3, 4, dtype=torch.float64, device=device)
    second = nn.Linear(4, 2, dtype=torch.float64, device=device)
    one = collapse_linear(first, second)
    assert one.weight.dtype == one.bias.dtype == torch.float64
    x = torch.randn(5, 3, dtype=torch.float64).to(device)
    torch.testing.assert_close(one(x), second(first(x)), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_collapse_linear_makes_its_layer_where_the_layers_are(dtype: torch.dtype) -> None:
    """On the layers' device and in their dtype; torch's meta device stands for a second device without a GPU."""
    one = collapse_linear(nn.Linear(3, 4, device="meta", dtype=dtype), nn.Linear(4, 2, device="meta", dtype=dtype))
    assert one.weight.device.type == one.bias.device.type == "meta"
    assert one.weight.dtype == one.bias.dtype == dtype
    assert (one.in_features, one.out_features) == (3, 2)


def test_relu_gradient_at_0_is_0_as_in_torch(device: torch.device) -> None:
    """At the kink torch takes the derivative of relu as 0; the reference's gradient is torch's."""
    x = torch.tensor([-1.0, 0.0, 1.0], device=device, requires_grad=True)
    relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_collapse_linear_names_the_layer_that_is_not_linear() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"^collapse_linear: first must be an nn\.Linear, got str$"):
        collapse_linear("x", layer)
    with pytest.raises(TypeError, match=r"^collapse_linear: second must be an nn\.Linear, got NoneType$"):
        collapse_linear(layer, None)
