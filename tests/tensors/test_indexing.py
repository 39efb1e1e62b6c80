"""Checks `dlref.tensors.indexing` against torch, on every available device.

`gather` and `index_select` must equal torch's for random shapes, dims (negative ones too), index
shapes and dtypes, and refuse bad dims, index shapes, index dtypes and out-of-range indices with
messages that name the shapes and the dim.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.indexing import gather, index_select
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))

DTYPES = [torch.float32, torch.float64, torch.int64, torch.int8, torch.bool, torch.float16]


@st.composite
def inputs(draw: st.DrawFn, device: torch.device) -> tuple[torch.Tensor, int, torch.Generator]:
    """Draw a tensor of 1 to 4 dims (sizes 1 to 4) and dtype, and a dim, negative or not."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    x = (torch.randn(shape, generator=generator) * 10).to(draw(st.sampled_from(DTYPES))).to(device)
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return x, dim, generator


@on_each_device
@given(data=st.data())
def test_gather_equals_torch(data: st.DataObject, device: torch.device) -> None:
    """Index no larger than input outside dim, any length along dim: torch.gather exactly."""
    x, dim, generator = data.draw(inputs(device))
    index_shape = [data.draw(st.integers(0, size)) for size in x.shape]
    index_shape[dim] = data.draw(st.integers(0, 5))
    index_dtype = data.draw(st.sampled_from([torch.int64, torch.int32]))
    index = torch.randint(0, x.shape[dim], index_shape, generator=generator).to(index_dtype).to(device)
    ours, expected = gather(x, dim, index), torch.gather(x, dim, index)
    assert (ours.dtype, ours.device, ours.shape) == (expected.dtype, expected.device, expected.shape)
    assert torch.equal(ours, expected)


@on_each_device
@given(data=st.data())
def test_index_select_equals_torch(data: st.DataObject, device: torch.device) -> None:
    """A 1-D index of 0 to 6 positions, repeats allowed: torch.index_select exactly, and a copy."""
    x, dim, generator = data.draw(inputs(device))
    n = data.draw(st.integers(0, 6))
    index = torch.randint(0, x.shape[dim], (n,), generator=generator).to(device)
    ours, expected = index_select(x, dim, index), torch.index_select(x, dim, index)
    assert (ours.dtype, ours.device, ours.shape) == (expected.dtype, expected.device, expected.shape)
    assert torch.equal(ours, expected)
    if ours.numel():
        assert ours.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()


def test_scalar_inputs_like_torch(device: torch.device) -> None:
    """A 0-D input is one element along dim 0, for both functions; gather with a 0-D index into a vector, too."""
    s = torch.tensor(5.0, device=device)
    for index in (torch.tensor(0), torch.tensor([0]), torch.tensor([0, 0])):
        index = index.to(device)
        assert torch.equal(gather(s, 0, index), torch.gather(s, 0, index))
    for index in (torch.tensor(0), torch.tensor([0])):
        index = index.to(device)
        assert torch.equal(index_select(s, 0, index), torch.index_select(s, 0, index))
    v = torch.tensor([1.0, 2.0, 3.0], device=device)
    for index in (torch.tensor(2), torch.tensor(0, dtype=torch.int32)):  # a 0-D index into a vector
        index = index.to(device)
        ours, expected = gather(v, 0, index), torch.gather(v, 0, index)
        assert ours.shape == expected.shape == ()
        assert torch.equal(ours, expected)
    with pytest.raises(
        IndexError, match=r"^index_select: a scalar input takes exactly one index, got index of shape \(2,\)$"
    ):
        index_select(s, 0, torch.tensor([0, 0], device=device))


x34 = torch.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("function", [gather, index_select])
def test_out_of_range_indices_name_index_dim_and_size(function: object, device: torch.device) -> None:
    """Too large or negative: an IndexError naming the index, the dim, its size and the shape."""
    index = torch.tensor([[0, 4]] if function is gather else [0, 4], device=device)
    with pytest.raises(
        IndexError,
        match=rf"^{function.__name__}: index 4 is out of bounds for dimension 1 with size 4 \(input shape \(3, 4\)\)$",
    ):
        function(x34.to(device), 1, index)
    with pytest.raises(
        IndexError, match=rf"^{function.__name__}: index -1 is out of bounds for dimension 0 with size 3"
    ):
        function(x34.to(device), 0, index - 1)  # [-1, 3] or [[-1, 3]]


@pytest.mark.parametrize("function", [gather, index_select])
def test_out_of_range_indices_of_a_scalar_name_index_dim_and_size(function: object, device: torch.device) -> None:
    """A 0-D input has one element along dim 0 (and a 0-D index into a vector the vector's length): an index
    past it is refused as torch refuses it, with the function's name, the index, the size and the shape."""
    s = torch.tensor(5.0, device=device)
    index = torch.tensor([1], device=device)
    with pytest.raises((RuntimeError, IndexError), match=r"out of (bounds|range)"):
        getattr(torch, function.__name__)(s, 0, index)
    message = rf"^{function.__name__}: index 1 is out of bounds for dimension 0 with size 1 \(input shape \(\)\)$"
    with pytest.raises(IndexError, match=message):
        function(s, 0, index)
    if function is gather:
        with pytest.raises(IndexError, match=r"^gather: index 5 is out of bounds for dimension 0 with size 3 \("):
            gather(torch.ones(3, device=device), 0, torch.tensor(5, device=device))


@pytest.mark.parametrize("function", [gather, index_select])
def test_bad_dims_and_dtypes(function: object) -> None:
    with pytest.raises(
        IndexError, match=rf"^{function.__name__}: dim 2 is out of range for input of shape \(3, 4\) .*\[-2, 1\]"
    ):
        function(x34, 2, torch.tensor([[0]]))
    with pytest.raises(
        TypeError, match=rf"^{function.__name__}: index must be int64 or int32, got dtype torch\.float32$"
    ):
        function(x34, 0, torch.tensor([[0.0]]))
    with pytest.raises(TypeError, match=rf"^{function.__name__}: dim must be an int, got 0\.0 \(float\)$"):
        function(x34, 0.0, torch.tensor([[0]]))
    with pytest.raises(TypeError):  # torch refuses a list index too
        getattr(torch, function.__name__)(x34, 0, [[0]])
    with pytest.raises(TypeError, match=rf"^{function.__name__}: index must be a tensor, got list$"):
        function(x34, 0, [[0]])


def test_gather_index_shape_errors_name_both_shapes() -> None:
    with pytest.raises(RuntimeError):  # torch: "Index tensor must have the same number of dimensions"
        torch.gather(x34, 0, torch.tensor([0, 1]))
    with pytest.raises(
        ValueError,
        match=r"^gather: index must have as many dims as input, got index of shape \(2,\) for input of shape \(3, 4\)$",
    ):
        gather(x34, 0, torch.tensor([0, 1]))
    with pytest.raises(RuntimeError):  # a vector input takes a 0-D or 1-D index, not a 2-D one
        torch.gather(torch.ones(3), 0, torch.zeros(2, 2, dtype=torch.int64))
    with pytest.raises(
        ValueError,
        match=r"^gather: index must have as many dims as input, got index of shape \(2, 2\) for input of shape \(3,\)$",
    ):
        gather(torch.ones(3), 0, torch.zeros(2, 2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="Size does not match at dimension 1"):
        torch.gather(x34, 0, torch.zeros(1, 5, dtype=torch.int64))
    with pytest.raises(
        ValueError, match=r"^gather: index of shape \(1, 5\) is larger than input of shape \(3, 4\) in dimension 1 "
    ):
        gather(x34, 0, torch.zeros(1, 5, dtype=torch.int64))


def test_index_select_needs_a_vector() -> None:
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        torch.index_select(x34, 0, torch.tensor([[0]]))
    with pytest.raises(IndexError, match=r"^index_select: index must be 1-D, got index of shape \(1, 1\)$"):
        index_select(x34, 0, torch.tensor([[0]]))
