"""Messy input to `dlref.autograd.engine`: torch.autograd's values and gradients, or the documented error.

Values made from tensors of every dtype and shape (empty ones included) holding NaN and
infinities, from numbers, ragged lists and strings; every operation, then ``backward``, compared
with the same computation on tensors that require grad. See ``tests/messy.py``.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.autograd.engine import Value, unbroadcast
from messy import check, same, shapes, tensors
from profiles import scaled

# torch's warning when the drawn operands make it create a complex32 (ComplexHalf) tensor
pytestmark = pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental:UserWarning")

messy = settings(max_examples=scaled(40))
operations = settings(max_examples=scaled(80))  # spread over the operations

data_like = st.integers(-2, 2) | st.floats(allow_nan=True) | st.sampled_from(["a", None, 1j, [[1.0], [2.0, 3.0]]])


@messy
@given(data=st.data())
def test_value(device: torch.device, data: st.DataObject) -> None:
    raw = data.draw(tensors(device) | data_like | st.lists(st.floats(-3, 3), max_size=3))

    def reference() -> torch.Tensor:
        t = raw if isinstance(raw, torch.Tensor) else torch.tensor(raw, dtype=torch.get_default_dtype())
        return t.detach().requires_grad_().detach()  # refuses what cannot require a gradient

    check("Value", lambda: Value(raw).data, reference, raises=(TypeError,), names=("data", "dtype"))


UNARY = {
    "exp": (lambda v: v.exp(), torch.exp),
    "log": (lambda v: v.log(), torch.log),
    "relu": (lambda v: v.relu(), torch.relu),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid),
    "tanh": (lambda v: v.tanh(), torch.tanh),
    "neg": (lambda v: -v, torch.neg),
    "square": (lambda v: v**2, lambda t: t**2),
    "sum": (lambda v: v.sum(dim=-1), lambda t: t.sum(dim=-1)),
    "mean": (lambda v: v.mean(dim=0), lambda t: t.mean(dim=0)),
    "reshape": (lambda v: v.reshape(-1), lambda t: t.reshape(-1)),
}
BINARY = {
    "add": (lambda a, b: a + b, torch.add),
    "sub": (lambda a, b: a - b, torch.sub),
    "mul": (lambda a, b: a * b, torch.mul),
    "div": (lambda a, b: a / b, torch.div),
    "matmul": (lambda a, b: a @ b, torch.matmul),
}


def _ours(op, *xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The output of ``op`` on Values of ``xs`` and the gradient of its sum with respect to each."""
    values = [Value(x) for x in xs]
    out = op(*values)
    out.sum().backward()
    return (out.data, *(v.grad for v in values))


def _torch(op, *xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    leaves = [x.detach().clone().requires_grad_() for x in xs]
    out = op(*leaves)
    out.sum().backward()
    return (out.detach(), *(leaf.grad for leaf in leaves))


def _same_all(got: tuple, expected: tuple) -> None:
    for g, e in zip(got, expected, strict=True):
        same(g, e)


@operations
@given(data=st.data(), name=st.sampled_from(sorted(UNARY)))
def test_unary_operations(device: torch.device, data: st.DataObject, name: str) -> None:
    x = data.draw(tensors(device, shape=shapes(max_dims=2, max_side=3)))
    ours, theirs = UNARY[name]
    check(
        f"Value.{name}",
        lambda: _ours(ours, x),
        lambda: _torch(theirs, x),
        raises=(TypeError, ValueError, IndexError),
        names=("data", "dim", "shape"),
        compare=_same_all,
    )


@operations
@given(data=st.data(), name=st.sampled_from(sorted(BINARY)))
def test_binary_operations(device: torch.device, data: st.DataObject, name: str) -> None:
    a = data.draw(tensors(device, shape=shapes(max_dims=2, max_side=2)))
    same_dtype = tensors(device, dtypes=(a.dtype,), shape=shapes(max_dims=2, max_side=2))
    b = data.draw(same_dtype | same_dtype | tensors(device, shape=shapes(max_dims=2, max_side=2)))
    ours, theirs = BINARY[name]
    check(
        f"Value.{name}",
        lambda: _ours(ours, a, b),
        lambda: _torch(theirs, a, b),
        raises=(TypeError, ValueError),
        names=("data", "operands", "shapes", "sizes"),
        compare=_same_all,
    )


@messy
@given(data=st.data(), shape=shapes(max_dims=3, max_side=3) | st.just((-1,)) | st.just("3"))
def test_unbroadcast(device: torch.device, data: st.DataObject, shape: object) -> None:
    grad = data.draw(tensors(device, shape=shapes(max_dims=3, max_side=3)))
    check(
        "unbroadcast",
        lambda: unbroadcast(grad, shape),
        lambda: grad.sum_to_size(shape),
        raises=(TypeError, ValueError),
        names=("shape", "grad"),
    )
