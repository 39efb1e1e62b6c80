"""Messy input to `dlref.models`: torch's result, or the documented error naming the argument.

Losses and softmax get logits and targets of every dtype and shape, with NaN, infinities, targets
outside [0, 1] and class indices out of range; the models get sizes and ``sigma`` of every kind.
See ``tests/messy.py`` for the verdicts.

Target values out of range are drawn on the CPU only: on CUDA the losses do not read values (that
would make each training step wait for the GPU; the module's docstring says so).
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.models import losses
from dlref.models.linear import LinearRegressionScratch, LogisticRegressionScratch, SoftmaxRegressionScratch, linreg
from dlref.models.mlp import MLP, MLPScratch, collapse_linear, mlp_sequential, relu
from messy import FLOATS, check, rounded_once, tensors, to_the_precision_of
from profiles import scaled

messy = settings(max_examples=scaled(40))

# torch's own warnings for the input drawn here: mse_loss of mismatched shapes (which it broadcasts,
# and squared_loss refuses), and nn.Linear with 0 inputs (which the models refuse)
pytestmark = [
    pytest.mark.filterwarnings("ignore:Using a target size:UserWarning"),
    pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op:UserWarning"),
]

pairs = st.sampled_from([(2,), (3, 1), (0,), (2, 2), ()])  # shapes of a prediction and its target


@messy
@given(data=st.data(), shape=pairs, other=pairs | st.none())
def test_squared_loss(device: torch.device, data: st.DataObject, shape: tuple, other: tuple | None) -> None:
    y_hat = data.draw(tensors(device, shape=shape))
    y = data.draw(tensors(device, shape=shape if other is None else other))
    check(
        "squared_loss",
        lambda: losses.squared_loss(y_hat, y),
        lambda: F.mse_loss(y_hat, y) / 2,
        raises=(TypeError, ValueError),
        names=("y_hat", "y"),
        compare=to_the_precision_of(y_hat, y),
    )


def binary_targets(device: torch.device) -> st.SearchStrategy[torch.Tensor]:
    """Targets as they come: 0/1 floats mostly, else probabilities, 2s, -1s, NaN, integers, booleans."""
    labels = st.lists(st.sampled_from([0.0, 1.0]), min_size=3, max_size=3).map(torch.tensor)
    odd = st.lists(st.sampled_from([0.0, 0.3, 1.0, 2.0, -1.0, math.nan]), min_size=3, max_size=3).map(torch.tensor)
    return st.one_of(labels, labels, odd, tensors(torch.device("cpu"), shape=(3,))).map(lambda y: y.to(device))


def _bce_through_probabilities(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """torch's nn.BCELoss on sigmoid(logits), which clamps each log at -100. It refuses a NaN
    probability, where the naive loss (like the stable one and torch's with-logits loss) gives NaN."""
    p = torch.sigmoid(logits)
    loss = F.binary_cross_entropy(p.nan_to_num(0.5), y)
    return torch.full_like(loss, math.nan) if p.isnan().any() else loss


@messy
@given(data=st.data())
def test_binary_cross_entropy(device: torch.device, data: st.DataObject) -> None:
    logits = data.draw(tensors(device, shape=(3,)) | tensors(device, dtypes=FLOATS, shape=(3,)))
    y = data.draw(binary_targets(device))
    if logits.dtype.is_floating_point and y.dtype.is_floating_point and data.draw(st.booleans()):
        y = y.to(logits.dtype)  # most targets come in the logits' dtype
    if device.type != "cpu" and y.dtype.is_floating_point:
        y = y.nan_to_num(0.0).clamp(0, 1)
    for ours, reference in (
        (losses.binary_cross_entropy_with_logits, rounded_once(F.binary_cross_entropy_with_logits)),
        (losses.binary_cross_entropy_naive, _bce_through_probabilities),
    ):
        check(
            ours.__name__,
            lambda ours=ours: ours(logits, y),
            lambda reference=reference: reference(logits, y),
            raises=(TypeError, ValueError),
            names=("logits", "y"),
            compare=to_the_precision_of(logits, y),
        )


def _naive_softmax(z: torch.Tensor) -> torch.Tensor:
    torch.softmax(z, dim=-1)  # refuses what torch's softmax refuses
    e = torch.exp(z)
    return e / e.sum(dim=-1, keepdim=True)


@messy
@given(data=st.data())
def test_softmax_family(device: torch.device, data: st.DataObject) -> None:
    z = data.draw(tensors(device))
    for ours, reference in (
        (losses.softmax, rounded_once(lambda z: torch.softmax(z, dim=-1))),
        (losses.log_softmax, rounded_once(lambda z: torch.log_softmax(z, dim=-1))),
        (losses.logsumexp, rounded_once(lambda z: torch.logsumexp(z, dim=-1))),
        (losses.softmax_naive, _naive_softmax),
        (losses.sigmoid, torch.sigmoid),
    ):
        check(
            ours.__name__,
            lambda ours=ours: ours(z),
            lambda reference=reference: reference(z),
            raises=(TypeError,),
            names=("logits", "z"),
        )


def _torch_cross_entropy(logits: torch.Tensor, y: torch.Tensor, naive: bool) -> torch.Tensor:
    """torch's cross-entropy; for an index out of range, the IndexError torch raises on the CPU
    (on CUDA it would be a device-side assert, which ends the process). -100 is torch's default
    ignore_index: torch leaves those examples out."""
    if y.dtype == torch.int64 and logits.dim() == 2 and (((y < 0) & (y != -100)) | (y >= logits.shape[-1])).any():
        raise IndexError("Target is out of bounds.")
    if naive:
        return F.nll_loss(torch.log(_naive_softmax(logits)), y)
    return F.cross_entropy(logits, y)


@messy
@given(data=st.data(), n=st.sampled_from([1, 2, 3, 0]), k=st.sampled_from([1, 2, 3, 0]))
def test_cross_entropy(device: torch.device, data: st.DataObject, n: int, k: int) -> None:
    logits = data.draw(st.one_of(*[tensors(device, dtypes=FLOATS, shape=(n, k))] * 3, tensors(device)))
    good = st.integers(0, max(k - 1, 0))
    index = st.one_of(*[good] * 8, st.integers(-1, k), st.just(-100)) if device.type == "cpu" else good
    indices = st.lists(index, min_size=n, max_size=n).map(lambda v: torch.tensor(v, dtype=torch.int64).to(device))
    y = data.draw(st.one_of(indices, indices, indices, tensors(device, shape=(n,))))
    for ours, reference in (
        (losses.cross_entropy, rounded_once(lambda z, y: _torch_cross_entropy(z, y, naive=False))),
        (losses.cross_entropy_naive, lambda z, y: _torch_cross_entropy(z, y, naive=True)),
    ):
        check(
            ours.__name__,
            lambda ours=ours: ours(logits, y),
            lambda reference=reference: reference(logits, y),
            raises=(TypeError, ValueError),
            names=("logits", "y"),
        )


@messy
@given(data=st.data())
def test_linreg_and_relu(device: torch.device, data: st.DataObject) -> None:
    w = data.draw(tensors(device, dtypes=(torch.float32, torch.float64, torch.int64), shape=(2, 1)))
    shape = st.sampled_from([(3, 2), (3, 2), (0, 2), (2,), (3, 3), (2, 3, 2)])
    X = data.draw(tensors(device, dtypes=(w.dtype,), shape=shape) | tensors(device, shape=shape))
    b = torch.zeros(1, dtype=w.dtype, device=device)
    check(
        "linreg",
        lambda: linreg(X, w, b),
        lambda: X @ w + b if X.dim() == 2 else torch.mm(X, w),
        raises=(TypeError, ValueError),
        names=("X",),
    )
    check("relu", lambda: relu(X), lambda: torch.relu(X), raises=(TypeError,), names=("X",))


# mostly valid, so that the models are built often: a bad size or sigma makes the whole call an error
sizes = st.one_of(*[st.integers(1, 3)] * 6, st.integers(-1, 0), st.sampled_from([2.0, True, "3", None]))
sigmas = st.one_of(*[st.sampled_from([0.01, 0.0, 1.0])] * 4, st.sampled_from([-0.01, math.nan, math.inf, "0.1", None]))


def _parameter_shapes(model: nn.Module) -> list[tuple[int, ...]]:
    return sorted(tuple(p.shape) for p in model.parameters())


def _torch_shapes(*layers: tuple, sigma: object = 0.01) -> list[tuple[int, ...]]:
    """The parameter shapes of the same layers in torch (nn.Linear), and torch's own check of a
    standard deviation (Tensor.normal_ refuses a negative or NaN one)."""
    torch.empty(1).normal_(0, sigma)
    return sorted(tuple(p.shape) for n_in, n_out in layers for p in nn.Linear(n_in, n_out).parameters())


@messy
@given(d=sizes, h=sizes, k=sizes, sigma=sigmas)
def test_model_sizes(d: object, h: object, k: object, sigma: object) -> None:
    def transposed(shapes: list[tuple[int, ...]]) -> list[tuple[int, ...]]:  # nn.Linear stores A, not A^T
        return sorted(s[::-1] for s in shapes)

    cases = [
        (LinearRegressionScratch, lambda: LinearRegressionScratch(d, sigma=sigma), ((d, 1),), True),
        (LogisticRegressionScratch, lambda: LogisticRegressionScratch(d, sigma), ((d, 1),), True),
        (SoftmaxRegressionScratch, lambda: SoftmaxRegressionScratch(d, k, sigma), ((d, k),), True),
        (MLPScratch, lambda: MLPScratch(d, h, k, sigma), ((d, h), (h, k)), True),
        (MLP, lambda: MLP(d, h, k), ((d, h), (h, k)), False),
        (mlp_sequential, lambda: mlp_sequential(d, h, k), ((d, h), (h, k)), False),
    ]
    for owner, make, layers, scratch in cases:
        check(
            owner.__name__,
            lambda make=make, scratch=scratch: (transposed if scratch else sorted)(_parameter_shapes(make())),
            lambda layers=layers, scratch=scratch: _torch_shapes(*layers, sigma=sigma if scratch else 0.01),
            raises=(TypeError, ValueError),
            names=("num_inputs", "num_hiddens", "num_outputs", "sigma"),
        )


@messy
@given(
    a=st.integers(1, 3),
    b=st.integers(1, 3),
    c=st.integers(1, 3),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    bias=st.booleans(),
    second_kind=st.sampled_from(["linear", "linear", "relu"]),
)
def test_collapse_linear(
    device: torch.device, a: int, b: int, c: int, dtype: torch.dtype, bias: bool, second_kind: str
) -> None:
    generator = torch.Generator().manual_seed(a * 100 + b * 10 + c)
    first = nn.Linear(a, b, bias=bias).to(device)
    second = nn.Linear(c, 2, bias=not bias).to(device, dtype) if second_kind == "linear" else nn.ReLU()
    x = torch.randn(4, a, generator=generator).to(device)
    check(
        "collapse_linear",
        lambda: collapse_linear(first, second)(x.to(first.weight.dtype)),
        lambda: second(first(x)),
        raises=(TypeError, ValueError),
        names=("first", "second"),
        compare=lambda got, expected: torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5),
    )
