"""Checks `dlref.tensors.memory` against NumPy and against mutation, on every available device.

Hypothesis draws two arbitrary strided views of one buffer (`as_strided` with random shapes, strides,
offsets, and sometimes a reinterpreting dtype). On the CPU, `numpy.shares_memory` and
`numpy.may_share_memory` of the same memory are the oracle; on other devices the same views are
built over a CPU buffer for NumPy, since the answer depends only on the geometry. A second property
uses ordinary slices and checks by mutation: zero the buffer, write through one view, look through
the other.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlref.tensors.memory import byte_span, element_addresses, may_share_memory, shares_memory
from profiles import scaled

on_each_device = settings(max_examples=scaled(50))

BUFFER = 48  # float32 elements in the shared buffer


@st.composite
def strided_view(draw: st.DrawFn) -> tuple[torch.dtype, tuple[int, ...], tuple[int, ...], int]:
    """Draw (dtype, shape, strides, offset) of a view that fits in BUFFER float32 elements."""
    dtype = draw(st.sampled_from([torch.float32, torch.float32, torch.int16, torch.float64]))
    capacity = BUFFER * 4 // torch.empty((), dtype=dtype).element_size()
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    strides = tuple(draw(st.integers(0, 6)) for _ in shape)
    extent = 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True) if n > 0)
    offset = draw(st.integers(0, max(capacity - extent, 0)))
    if extent + offset > capacity:  # too large for the buffer: make it a single element
        shape, strides, offset = (), (), draw(st.integers(0, capacity - 1))
    return dtype, shape, strides, offset


def build(buffer: torch.Tensor, spec: tuple[torch.dtype, tuple[int, ...], tuple[int, ...], int]) -> torch.Tensor:
    """The view ``spec`` of the float32 ``buffer``, reinterpreted as ``spec``'s dtype first."""
    dtype, shape, strides, offset = spec
    return buffer.view(dtype).as_strided(shape, strides, offset)


@on_each_device
@given(first=strided_view(), second=strided_view())
# Interleaved views, whose spans overlap without a common byte, are rare draws: always try some.
@example(first=(torch.float32, (3,), (2,), 0), second=(torch.float32, (3,), (2,), 1))
@example(first=(torch.float64, (2,), (2,), 0), second=(torch.float32, (2,), (4,), 2))
@example(first=(torch.int16, (2,), (4,), 0), second=(torch.float32, (2,), (2,), 1))
# Adjacent views, whose spans touch (one's stop is the other's start) without overlapping, in both orders.
@example(first=(torch.float32, (3,), (1,), 0), second=(torch.float32, (3,), (1,), 3))
@example(first=(torch.float32, (3,), (1,), 3), second=(torch.float32, (3,), (1,), 0))
def test_shares_memory_equals_numpy(first: tuple, second: tuple, device: torch.device) -> None:
    """Any two strided views of one buffer: numpy.shares_memory's and may_share_memory's answers."""
    buffer = torch.zeros(BUFFER, device=device)
    a, b = build(buffer, first), build(buffer, second)
    cpu = torch.zeros(BUFFER)
    a_np, b_np = build(cpu, first).numpy(), build(cpu, second).numpy()
    assert shares_memory(a, b) == np.shares_memory(a_np, b_np)
    assert shares_memory(b, a) == shares_memory(a, b)
    assert may_share_memory(a, b) == np.may_share_memory(a_np, b_np)


@st.composite
def basic_slice(draw: st.DrawFn) -> tuple[slice, slice, bool]:
    """Draw a 2-D slice (start, stop, step per axis) of a (4, 6) tensor, and whether to transpose it."""

    def one(n: int) -> slice:
        start = draw(st.integers(0, n))
        return slice(start, draw(st.integers(start, n)), draw(st.integers(1, 3)))

    return one(4), one(6), draw(st.booleans())


@on_each_device
@given(first=basic_slice(), second=basic_slice())
def test_shares_memory_agrees_with_mutation(first: tuple, second: tuple, device: torch.device) -> None:
    """Slices of one tensor: they share memory exactly when writing through one shows through the other."""
    base = torch.zeros(4, 6, device=device)
    a, b = (base[rows, cols].T if flip else base[rows, cols] for rows, cols, flip in (first, second))
    a.fill_(1.0)
    assert shares_memory(a, b) == bool((b != 0).any())


def test_storage_pointers_are_not_the_answer() -> None:
    """Same storage without a common byte, and a common byte in two storages (two from_numpy views)."""
    x = torch.arange(6.0)
    assert x[:3].untyped_storage().data_ptr() == x[3:].untyped_storage().data_ptr()
    assert not shares_memory(x[:3], x[3:])
    array = np.arange(6.0)
    left, right = torch.from_numpy(array[:4]), torch.from_numpy(array[3:])
    assert left.untyped_storage().data_ptr() != right.untyped_storage().data_ptr()
    assert shares_memory(left, right)
    assert np.shares_memory(array[:4], array[3:])
    right[0] = -1.0  # the shared element, array[3]
    assert left[3].item() == -1.0


def test_views_share_and_copies_do_not(device: torch.device) -> None:
    """Views (slice, view, transpose, expand, split) share memory; clone, fancy indexing, cat do not."""
    x = torch.arange(12.0, device=device).reshape(3, 4)
    for view in (x[1], x[:, 1:3], x.view(4, 3), x.T, x[:1].expand(5, 4), torch.split(x, 2)[1]):
        assert shares_memory(x, view)
    for copy in (x.clone(), x[[0, 2]], x.T.contiguous(), torch.cat([x, x]), x + 0):
        assert not shares_memory(x, copy)


def test_reinterpreted_bytes_share(device: torch.device) -> None:
    """A float32 element and the int16 halves of its bytes share; a neighbouring element does not."""
    x = torch.zeros(4, device=device)
    halves = x.view(torch.int16)  # 8 int16s: elements 2 and 3 are the bytes of x[1]
    assert shares_memory(x[1], halves[2:4])
    assert shares_memory(x[1], halves[3])
    assert not shares_memory(x[1], halves[4:])


def test_spans_and_addresses() -> None:
    """byte_span is the first to one-past-the-last byte; element_addresses lists flatten()'s order."""
    x = torch.zeros(4, 6, dtype=torch.float64)
    start, stop = byte_span(x[1:3, 1::2])
    assert (start - x.data_ptr(), stop - x.data_ptr()) == (8 * 7, 8 * (6 * 2 + 5 + 1))
    assert byte_span(x[2:2])[0] == byte_span(x[2:2])[1]
    flat = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    view = flat.T[1:, ::2]
    expected = (view.flatten().long() * 8 + flat.data_ptr()).tolist()
    assert element_addresses(view).tolist() == expected


def test_empty_tensors_and_other_devices_share_nothing(device: torch.device) -> None:
    """An empty view shares nothing; neither do tensors on two devices."""
    x = torch.zeros(5, device=device)
    assert not shares_memory(x, x[2:2])
    assert not may_share_memory(x[2:2], x)
    if device.type != "cpu":
        assert not shares_memory(x, torch.zeros(5))


@pytest.mark.parametrize(
    ("a", "b", "error", "message"),
    [
        ([1.0], torch.zeros(1), TypeError, "a must be a tensor, got list"),
        (torch.zeros(1), np.zeros(1), TypeError, "b must be a tensor, got ndarray"),
        (torch.zeros(2).to_sparse(), torch.zeros(2), ValueError, r"a has layout torch\.sparse_coo"),
        (torch.zeros(2), torch.zeros(2, device="meta"), ValueError, "b is on the meta device"),
    ],
)
def test_bad_arguments_name_the_argument(a: object, b: object, error: type, message: str) -> None:
    """Not a tensor, a sparse tensor, a meta tensor: refused, naming a or b."""
    for function in (shares_memory, may_share_memory):
        with pytest.raises(error, match=message):
            function(a, b)
