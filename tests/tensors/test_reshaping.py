"""Checks `dlref.tensors.reshaping` against torch, on every available device.

`infer_shape` must give the shape of ``reshape`` for good requests and torch's exception type and
message, word for word, for bad ones; `view_strides` must give the strides of ``view`` where it
succeeds and ``None`` exactly where it raises, for tensors made non-contiguous by permutes and steps.
"""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.reshaping import infer_shape, view_strides
from profiles import scaled

on_each_device = settings(max_examples=scaled(50))


@on_each_device
@given(
    numel=st.sampled_from([0, 1, 6, 12, 24]),
    shape=st.lists(st.sampled_from([-1, -1, -2, 0, 1, 2, 3, 4, 6]), max_size=4),
)
def test_infer_shape_equals_torch_or_raises_its_error(numel: int, shape: list[int], device: torch.device) -> None:
    """Random requests, good and bad: reshape's shape, or its RuntimeError with the same message."""
    x = torch.zeros(numel, device=device)
    try:
        expected = tuple(x.reshape(shape).shape)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=f"^{re.escape(str(error))}$"):
            infer_shape(shape, numel)
    else:
        assert infer_shape(shape, numel) == expected


@pytest.mark.parametrize(
    ("shape", "numel", "message"),
    [
        ((-1, -1), 6, "only one dimension can be inferred"),
        ((-2, 3), 6, "invalid shape dimension -2 at index 0 of shape [-2, 3]"),
        ((4, -1), 6, "shape '[4, -1]' is invalid for input of size 6"),
        ((5,), 6, "shape '[5]' is invalid for input of size 6"),
        ((0, -1), 0, "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified"),
        ((0, -1), 6, "shape '[0, -1]' is invalid for input of size 6"),  # a size 0 is ambiguous only with 0 elements
    ],
)
def test_infer_shape_each_error_of_torch(shape: tuple[int, ...], numel: int, message: str) -> None:
    with pytest.raises(RuntimeError, match=re.escape(message)):
        torch.zeros(numel).reshape(shape)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        infer_shape(shape, numel)


@pytest.mark.parametrize(("shape", "numel"), [((2, -1), 6), ((-1,), 0), ((-1, 4, 1), 12), ((3, 2), 6)])
def test_infer_shape_gives_int_sizes(shape: tuple[int, ...], numel: int) -> None:
    """Sizes are ints, as torch.Size holds: 6 / 2 = 3.0 would compare equal to 3 but is no size."""
    inferred = infer_shape(shape, numel)
    assert inferred == tuple(torch.zeros(numel).reshape(shape).shape)
    assert all(type(size) is int for size in inferred)


def test_infer_shape_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"shape must hold ints, got \(2\.0, 3\) \(float at index 0\)"):
        infer_shape((2.0, 3), 6)
    with pytest.raises(ValueError, match="numel must be an int at least 0, got -1"):
        infer_shape((2, 3), -1)


@st.composite
def strided_tensors(draw: st.DrawFn, device: torch.device) -> torch.Tensor:
    """Draw a tensor of 0 to 4 dims, sometimes permuted, stepped (``[..., ::2]``) or empty."""
    shape = draw(st.lists(st.sampled_from([1, 1, 2, 3, 4]), max_size=4))
    if shape and draw(st.integers(0, 5)) == 0:
        shape[draw(st.integers(0, len(shape) - 1))] = 0
    x = (
        torch.arange(math.prod(shape) * 2, device=device).reshape(*shape[:-1], shape[-1] * 2)
        if shape
        else torch.tensor(7)
    )
    x = x[..., ::2] if shape and draw(st.booleans()) else x[..., : shape[-1]] if shape else x
    if x.dim() > 1:
        x = x.permute(draw(st.permutations(range(x.dim()))))
    return x


def factorizations(numel: int) -> st.SearchStrategy[list[int]]:
    """Shapes of 0 to 4 dims with ``numel`` elements (ones sprinkled in)."""

    @st.composite
    def draw_shape(draw: st.DrawFn) -> list[int]:
        rank = draw(st.integers(0 if numel == 1 else 1, 4))
        if numel == 0:
            shape = [draw(st.sampled_from([1, 2, 3])) for _ in range(rank)]
            shape[draw(st.integers(0, rank - 1))] = 0
            return shape
        shape, rest = [1] * rank, numel
        for p in (2, 3):
            while rest % p == 0:
                rest //= p
                shape[draw(st.integers(0, rank - 1))] *= p
        return shape

    return draw_shape()


@on_each_device
@given(data=st.data())
def test_view_strides_equal_torch(data: st.DataObject, device: torch.device) -> None:
    """Permuted, stepped and empty tensors: view's strides where it works, None where it raises."""
    x = data.draw(strided_tensors(device), label="x")
    new_shape = data.draw(factorizations(x.numel()), label="new_shape")
    ours = view_strides(x.shape, x.stride(), new_shape)
    try:
        expected: tuple[int, ...] | str = x.view(new_shape).stride()
    except RuntimeError as error:
        expected = str(error)
    if isinstance(expected, str):
        assert "view size is not compatible with input tensor's size and stride" in expected
        assert ours is None, (tuple(x.shape), x.stride(), new_shape)
    else:
        assert ours == expected, (tuple(x.shape), x.stride(), new_shape)


@pytest.mark.parametrize(
    ("shape", "stride", "new_shape"),
    [
        ((2, 1, 2), (2, 1, 1), (4,)),  # the size-1 axis's stride (1) is not 2 * 1: still one chunk
        ((2, 1, 2), (2, 4, 1), (1, 4)),
        ((2, 1, 2), (2, 4, 1), (4, 1, 1)),
        ((1, 3), (7, 1), (3, 1)),
        ((3, 1), (1, 5), (1, 3)),
    ],
)
def test_view_strides_ignore_the_stride_of_a_size_1_axis(
    shape: tuple[int, ...], stride: tuple[int, ...], new_shape: tuple[int, ...], device: torch.device
) -> None:
    """An axis of size 1 is never stepped along, so its stride does not split a chunk: these views
    exist, with torch's strides."""
    x = torch.zeros(64, device=device).as_strided(shape, stride)
    assert view_strides(shape, stride, new_shape) == x.view(new_shape).stride()


def test_view_strides_of_a_transpose() -> None:
    """A transposed matrix is one chunk per axis: it views as (3, 1, 2) but not as (6,)."""
    t = torch.arange(6).reshape(2, 3).t()
    assert view_strides(t.shape, t.stride(), (6,)) is None
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(6)
    assert view_strides(t.shape, t.stride(), (3, 1, 2)) == t.view(3, 1, 2).stride()


def test_view_strides_bad_arguments_name_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"new_shape \(4,\) does not hold the 6 elements of shape \(2, 3\)"):
        view_strides((2, 3), (3, 1), (4,))
    with pytest.raises(ValueError, match=r"stride \(1,\) has 1 entries for shape \(2, 3\) of 2 dims"):
        view_strides((2, 3), (1,), (6,))
    with pytest.raises(TypeError, match="new_shape must hold ints"):
        view_strides((2, 3), (3, 1), (6.0,))


@pytest.mark.parametrize(
    ("shape", "stride", "new_shape", "error", "message"),
    [
        ((2, 3.0), (3, 1), (6,), TypeError, "shape must hold ints, got (2, 3.0) (float at index 1)"),
        ((2, 3), (3, 1.0), (6,), TypeError, "stride must hold ints, got (3, 1.0) (float at index 1)"),
        (
            (2, 3),
            (3, 1),
            (-1,),
            ValueError,
            "new_shape (-1,) has a -1; resolve it first with infer_shape(new_shape, 6)",
        ),
        ((2, 3), (3, 1), (3, -1), ValueError, "new_shape (3, -1) has a -1; resolve it first with infer_shape("),
    ],
)
def test_view_strides_names_the_argument_that_is_wrong(
    shape: tuple, stride: tuple, new_shape: tuple, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        view_strides(shape, stride, new_shape)
