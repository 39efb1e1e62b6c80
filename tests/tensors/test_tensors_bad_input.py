"""Messy input to `dlref.tensors`: torch's result (NumPy's for memory), or the documented error naming the argument.

Tensors of every dtype and shape (empty ones included) holding NaN and infinities, dtypes torch
cannot promote, negative and non-int sizes, indices out of range, numbers where tensors belong and
strings where numbers belong; see ``tests/messy.py`` for the verdicts.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors import attributes, broadcasting, creation, indexing, interop, joining, memory, operators, reshaping
from messy import DTYPES, check, shapes, tensors
from profiles import scaled

# torch's deprecation warning for a uint8 condition in torch.where, which the test draws on purpose
pytestmark = pytest.mark.filterwarnings("ignore:where received a uint8 condition tensor:UserWarning")

messy = settings(max_examples=scaled(30))

ALL_DTYPES = [*DTYPES, torch.int8, torch.complex128, torch.uint16, torch.float8_e4m3fn]
dtypes_and_junk = st.sampled_from(ALL_DTYPES) | st.sampled_from(["float32", float, None])
junk = st.sampled_from(["2", None, 2.5j, [1, 2]])


def _category(dtype: torch.dtype) -> int:
    torch.promote_types(dtype, dtype)  # refuses what is not a dtype
    return 0 if dtype == torch.bool else 3 if dtype.is_complex else 2 if dtype.is_floating_point else 1


@messy
@given(a=dtypes_and_junk, b=dtypes_and_junk)
def test_dtype_functions(a: object, b: object) -> None:
    check("category", lambda: attributes.category(a), lambda: _category(a), raises=(TypeError,), names=("dtype",))
    check(
        "promote_types",
        lambda: attributes.promote_types(a, b),
        lambda: torch.promote_types(a, b),
        raises=(TypeError,),
        names=("a", "b"),
    )


numbers = st.booleans() | st.integers(-3, 3) | st.sampled_from([0.5, math.nan, math.inf, 1 + 2j])


@messy
@given(data=st.data())
def test_result_type(device: torch.device, data: st.DataObject) -> None:
    a, b = (data.draw(tensors(device) | numbers | junk) for _ in range(2))
    check(
        "result_type",
        lambda: attributes.result_type(a, b),
        lambda: torch.result_type(a, b),
        raises=(TypeError,),
        names=("operand",),
    )


sizes = st.integers(-1, 3) | st.integers(0, 3) | st.integers(0, 3) | st.sampled_from([2.0, True, "3"])
shape_lists = st.lists(sizes, max_size=3).map(tuple)


@messy
@given(shape=shape_lists)
def test_contiguous_strides(shape: tuple) -> None:
    check(
        "contiguous_strides",
        lambda: attributes.contiguous_strides(shape),
        lambda: torch.empty(shape).stride(),
        raises=(TypeError, ValueError),
        names=("shape", "sizes"),
    )


@messy
@given(data=st.data(), first=shape_lists | sizes, second=shape_lists | sizes)
def test_broadcasting(device: torch.device, data: st.DataObject, first: object, second: object) -> None:
    check(
        "broadcast_shapes",
        lambda: broadcasting.broadcast_shapes(first, second),
        lambda: torch.broadcast_shapes(first, second),
        raises=(TypeError, ValueError, RuntimeError),
        names=("shape", "shapes", "dimension", "axis", "size"),
    )
    x = data.draw(tensors(device, shape=shapes(max_dims=2, max_side=2)) | junk)
    target = (second,) if type(second) is int else second  # dlref takes an int for a 1-D shape; torch a tuple
    for ours, reference in (
        (broadcasting.broadcast_to, lambda: torch.broadcast_to(x, target)),
        (_used_strides, lambda: _used_strides(torch.broadcast_to(x, target).stride(), x, target)),
    ):
        check(
            "broadcast_strides" if ours is _used_strides else ours.__name__,
            lambda ours=ours: (
                ours(broadcasting.broadcast_strides(x, second), x, second) if ours is _used_strides else ours(x, second)
            ),
            reference,
            raises=(TypeError, RuntimeError, ValueError),
            names=("x", "shape", "dimension", "size"),
        )


def _used_strides(strides, x, shape):
    """The strides of ``x`` broadcast to ``shape`` that address memory: those of axes longer than 1
    (an axis of size 1 has only index 0, so torch and dlref may put any number there, as
    broadcast_strides says)."""
    sizes = broadcasting.broadcast_to(x, shape).shape
    return tuple(stride for stride, size in zip(strides, sizes, strict=True) if size != 1)


# Steps of at least 0.01 in size, so that no range asks for gigabytes; 1e-300 asks for more than
# 2**63 elements, which both refuse.
ends = (
    st.integers(-3, 5)
    | st.floats(0.01, 5)
    | st.floats(-3, -0.01)
    | st.sampled_from([0.0, 1e-300, math.nan, math.inf, True, "1", None])
)
creation_dtypes = st.sampled_from([None, torch.int64, torch.int32, torch.float32, torch.float64, torch.bool])


@messy
@given(start=ends, end=ends, step=ends, steps=sizes, dtype=creation_dtypes | st.just(torch.complex64))
def test_creation(device: torch.device, start: object, end: object, step: object, steps: object, dtype) -> None:
    def torch_arange():
        if dtype is torch.bool:  # torch has no bool arange kernel message worth keeping
            raise TypeError("bool")
        if end is None:  # the one-number form: dlref's arange(end, step=s) is arange(0, end, s), which
            return torch.arange(0, start, step, dtype=dtype, device=device)  # torch spells out
        return torch.arange(start, end, step, dtype=dtype, device=device)

    check(
        "arange",
        lambda: creation.arange(start, end, step, dtype=dtype, device=device),
        torch_arange,
        raises=(TypeError, ValueError),
        names=("start", "end", "step", "dtype"),
    )
    check(
        "linspace",
        lambda: creation.linspace(start, end, steps, dtype=dtype, device=device),
        lambda: torch.linspace(start, end, steps, dtype=dtype, device=device),
        raises=(TypeError, ValueError),
        names=("start", "end", "steps", "dtype"),
    )
    check(
        "eye",
        lambda: creation.eye(steps, start, dtype=dtype, device=device),
        lambda: torch.eye(steps, *([] if start is None else [start]), dtype=dtype, device=device),
        raises=(TypeError, ValueError),
        names=("n", "m", "dtype"),
    )


leaves = st.integers(-2, 2) | st.floats(allow_nan=True) | st.booleans() | st.sampled_from(["a", None, 1j])
nested = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3), max_leaves=8)


@messy
@given(data=nested)
def test_nested_shape(data: object) -> None:
    check(
        "nested_shape",
        lambda: creation.nested_shape(data),
        lambda: tuple(torch.tensor(data).shape),
        raises=(TypeError, ValueError),
        names=("dim", "item", "data"),
    )


def _guarded(function, input: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    """torch's ``function``; for an index out of range, the IndexError torch raises on the CPU (on
    CUDA it would be a device-side assert, which ends the process)."""
    if isinstance(dim, int) and not isinstance(dim, bool) and -max(input.dim(), 1) <= dim < max(input.dim(), 1):
        size = input.shape[dim] if input.dim() else 1
        if index.dtype in (torch.int64, torch.int32) and ((index < 0) | (index >= size)).any():
            raise IndexError("index out of range")
    return function(input, dim, index)


@messy
@given(data=st.data(), dim=st.integers(-3, 2) | st.just(0.0))
def test_indexing(device: torch.device, data: st.DataObject, dim: object) -> None:
    x = data.draw(tensors(device, shape=shapes(max_dims=2, min_dims=1)))
    index_dtypes = (torch.int64, torch.int64, torch.int32, torch.float32, torch.bool)
    index = data.draw(tensors(device, dtypes=index_dtypes, shape=shapes(max_dims=2, max_side=2)))
    index = index.clamp(-1, 3) if index.dtype in (torch.int64, torch.int32) else index
    for ours, theirs in ((indexing.index_select, torch.index_select), (indexing.gather, torch.gather)):
        check(
            ours.__name__,
            lambda ours=ours: ours(x, dim, index),
            lambda theirs=theirs: _guarded(theirs, x, dim, index),
            raises=(TypeError, IndexError, ValueError),
            names=("input", "dim", "index"),
        )


def _same_array(got: object, expected: np.ndarray) -> None:
    assert isinstance(got, np.ndarray), f"expected an array, got {type(got).__name__}"
    assert (got.dtype, got.shape) == (expected.dtype, expected.shape), f"{got.dtype} {got.shape} != {expected.dtype}"
    np.testing.assert_array_equal(got, expected)


@messy
@given(data=st.data(), copy=st.sampled_from([None, True, False, "yes"]))
def test_to_numpy(device: torch.device, data: st.DataObject, copy: object) -> None:
    t = data.draw(tensors(device) | junk)

    def reference() -> np.ndarray:
        if not isinstance(copy, (bool, type(None))):
            raise TypeError("copy")
        if copy is False:
            return t.numpy()  # refuses what would need a copy (a CUDA tensor)
        return t.numpy(force=True)

    check(
        "to_numpy",
        lambda: interop.to_numpy(t, copy=copy),
        reference,
        raises=(TypeError, ValueError),
        names=("t", "copy"),
        compare=_same_array,
    )


@messy
@given(data=st.data(), n=st.integers(0, 3), dim=st.integers(-3, 2) | st.just(None))
def test_joining(device: torch.device, data: st.DataObject, n: int, dim: object) -> None:
    shape = data.draw(shapes(max_dims=2, max_side=2))
    alike = tensors(device, shape=shape)  # the shapes fit, mostly
    listed = data.draw(st.lists(alike | alike | tensors(device) | junk, min_size=n, max_size=n))
    for ours, theirs, names in (
        (joining.cat, torch.cat, ("tensors", "tensor", "dim")),
        (joining.stack, torch.stack, ("tensors", "tensor", "dim")),
    ):
        check(
            ours.__name__,
            lambda ours=ours: ours(listed, dim),
            lambda theirs=theirs: theirs(listed, dim),
            raises=(TypeError, ValueError, IndexError),
            names=names,
        )
    for ours, theirs in ((joining.hstack, torch.hstack), (joining.vstack, torch.vstack)):
        check(
            ours.__name__,
            lambda ours=ours: ours(listed),
            lambda theirs=theirs: theirs(listed),
            raises=(TypeError, ValueError, IndexError),
            names=("tensors", "tensor"),
        )
    check(
        "result_dtype",
        lambda: joining.result_dtype(listed),
        lambda: functools.reduce(torch.promote_types, [t.dtype for t in listed]),
        raises=(TypeError, ValueError),
        names=("tensors", "tensor"),
    )


NUMPY_DTYPES = (torch.bool, torch.uint8, torch.int32, torch.int64, torch.float16, torch.float32, torch.complex64)


@st.composite
def views(draw: st.DrawFn, base: torch.Tensor) -> torch.Tensor:
    """A view of ``base``: sliced with a step, transposed, or ``base`` itself."""
    kind = draw(st.sampled_from(["same", "slice", "transpose", "row"]))
    if kind == "slice" and base.dim():
        start, step = draw(st.integers(0, 2)), draw(st.integers(1, 2))
        return base[start::step]
    if kind == "transpose" and base.dim() >= 2:
        return base.transpose(0, -1)
    if kind == "row" and base.dim() and base.shape[0]:
        return base[draw(st.integers(0, base.shape[0] - 1))]
    return base


@messy
@given(data=st.data())
def test_memory(data: st.DataObject) -> None:
    """On the CPU, against NumPy's byte_bounds, shares_memory and may_share_memory of the same arrays."""
    base = data.draw(tensors(torch.device("cpu"), dtypes=NUMPY_DTYPES, shape=shapes(max_dims=2, max_side=4)))
    other = data.draw(tensors(torch.device("cpu"), dtypes=NUMPY_DTYPES, shape=(2,)))
    a = data.draw(views(base) | junk)
    b = data.draw(views(base) | st.just(other) | junk)

    def bounds() -> tuple[int, int]:
        low, high = np.lib.array_utils.byte_bounds(a.numpy())
        return (low, high) if a.numel() else (a.data_ptr(), a.data_ptr())

    def addresses() -> torch.Tensor:
        array = a.numpy()
        if array.ndim == 0:  # indexing a 0-d array gives a NumPy scalar, not a view
            return torch.tensor([array.ctypes.data])
        every = [array[tuple(slice(i, i + 1) for i in index)].ctypes.data for index in np.ndindex(array.shape)]
        return torch.tensor(every, dtype=torch.int64)  # in the order of a.flatten()

    check("byte_span", lambda: memory.byte_span(a), bounds, raises=(TypeError, ValueError), names=("t",))
    check(
        "element_addresses",
        lambda: memory.element_addresses(a),
        addresses,
        raises=(TypeError, ValueError),
        names=("t",),
    )
    for ours, theirs in (
        (memory.may_share_memory, np.may_share_memory),
        (memory.shares_memory, np.shares_memory),
    ):
        check(
            ours.__name__,
            lambda ours=ours: ours(a, b),
            lambda theirs=theirs: bool(theirs(a.numpy(), b.numpy())),
            raises=(TypeError, ValueError),
            names=("a", "b"),
        )


@messy
@given(data=st.data())
def test_operators(device: torch.device, data: st.DataObject) -> None:
    shape = shapes(max_dims=2, max_side=2)
    a = data.draw(tensors(device, shape=shape) | numbers)
    b = data.draw(tensors(device, shape=shape) | numbers | junk)
    for ours, theirs in ((operators.floor_divide, torch.floor_divide), (operators.remainder, torch.remainder)):
        check(
            ours.__name__,
            lambda ours=ours: ours(a, b),
            lambda theirs=theirs: theirs(a, b),
            raises=(TypeError, ZeroDivisionError, ValueError),
            names=("a", "b", "operand", "divisor"),
        )
    condition = data.draw(tensors(device, dtypes=(torch.bool, torch.bool, torch.uint8, torch.float32), shape=shape))
    check(
        "where",
        lambda: operators.where(condition, a, b),
        lambda: torch.where(condition, a, b),
        raises=(TypeError, ValueError),
        names=("condition", "x", "y"),
    )


@messy
@given(shape=st.lists(st.integers(-2, 3) | st.sampled_from([2.0, "1"]), max_size=3).map(tuple), numel=sizes)
def test_infer_shape(shape: tuple, numel: object) -> None:
    check(
        "infer_shape",
        lambda: reshaping.infer_shape(shape, numel),
        lambda: tuple(torch.empty(numel).view(shape).shape),
        raises=(RuntimeError, TypeError, ValueError),
        names=("shape", "numel", "dimension"),
    )


def _torch_view_strides(shape: tuple, stride: tuple, new_shape: tuple) -> tuple[int, ...] | None:
    """The strides of torch's view of a tensor with ``shape`` and ``stride``; None where torch
    cannot view it without a copy."""
    size = sum((n - 1) * s for n, s in zip(shape, stride, strict=True)) + 1 if all(shape) else 1
    x = torch.empty(max(size, 1)).as_strided(shape, stride)
    try:
        return x.view(new_shape).stride()
    except RuntimeError as error:
        if "view size is not compatible with input tensor's size and stride" in str(error):
            return None
        raise


@messy
@given(data=st.data())
def test_view_strides(data: st.DataObject) -> None:
    shape = data.draw(shapes(max_dims=3, max_side=3))
    stride = data.draw(st.lists(st.integers(0, 6), min_size=len(shape), max_size=len(shape)).map(tuple))
    if data.draw(st.booleans()):
        stride = (*stride, 1)  # a stride too many
    new_shape = data.draw(st.permutations(shape).map(tuple) | shapes(max_dims=3, max_side=3) | st.just((-1,)))
    check(
        "view_strides",
        lambda: reshaping.view_strides(shape, stride, new_shape),
        lambda: _torch_view_strides(shape, stride, new_shape),
        raises=(TypeError, ValueError),
        names=("stride", "shape", "new_shape"),
    )
