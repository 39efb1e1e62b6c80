"""Checks `dlref.tensors.broadcasting` against torch, on every available device.

Hypothesis draws sets of shapes that broadcast (a target shape, then each shape a suffix of it with
some sizes replaced by 1) and sets that do not (one size changed to a value that is neither 1 nor
the target's). For the first, the reference must give torch's shape, values and strides; for the
second, the same exception type as torch, with a message that names the dimension and the sizes.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.broadcasting import broadcast_shapes, broadcast_strides, broadcast_to
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))


def used_strides(t: torch.Tensor) -> tuple[int, ...]:
    """The strides that address memory: those of axes longer than 1 (an index along the others is 0)."""
    if t.numel() == 0:
        return ()
    return tuple(stride for size, stride in zip(t.shape, t.stride(), strict=True) if size > 1)


@st.composite
def compatible_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """Draw a target shape and 1 to 4 shapes that broadcast to it (suffixes, some sizes made 1)."""
    target = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    shapes = []
    for _ in range(draw(st.integers(1, 4))):
        suffix = target[draw(st.integers(0, len(target))) :]
        shapes.append(tuple(1 if draw(st.booleans()) else size for size in suffix))
    return target, shapes


@st.composite
def incompatible_shapes(draw: st.DrawFn) -> tuple[list[tuple[int, ...]], int, int]:
    """Draw 2 to 4 shapes that do not broadcast: in one shape, one size is neither 1 nor the other's.

    Returns the shapes, the axis (from the right, -1 last) and the index of the spoilt shape.
    """
    target = list(draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)))
    axis = draw(st.integers(-len(target), -1))
    target[axis] = draw(st.sampled_from([0, 2, 3, 4]))  # not 1, so that it can clash
    shapes = [[1 if draw(st.booleans()) else s for s in target] for _ in range(draw(st.integers(2, 4)))]
    spoilt, witness = draw(st.permutations(range(len(shapes))))[:2]
    shapes[witness][axis] = target[axis]
    shapes[spoilt][axis] = draw(st.integers(0, 6).filter(lambda size: size not in (1, target[axis])))
    return [tuple(shape) for shape in shapes], axis, spoilt


@given(case=compatible_shapes())
@settings(max_examples=scaled(40))
def test_broadcast_shapes_equals_torch(case: tuple[tuple[int, ...], list[tuple[int, ...]]]) -> None:
    """Shapes that broadcast: torch's result, which is the target shape or one with 1s in it."""
    _, shapes = case
    ours = broadcast_shapes(*shapes)
    assert ours == torch.broadcast_shapes(*shapes)
    assert isinstance(ours, torch.Size)


@given(case=incompatible_shapes())
@settings(max_examples=scaled(40))
def test_broadcast_shapes_refuses_like_torch(case: tuple[list[tuple[int, ...]], int, int]) -> None:
    """Shapes that do not broadcast: RuntimeError from both, ours naming the dimension and sizes."""
    shapes, _, _ = case
    with pytest.raises(RuntimeError, match="Attempting to broadcast a dimension of length") as torch_error:
        torch.broadcast_shapes(*shapes)
    with pytest.raises(RuntimeError, match=r"cannot be broadcast: at dimension -\d the sizes are \d and \d") as error:
        broadcast_shapes(*shapes)
    # torch names the dimension it failed at (from the right) and the argument; so do we.
    torch_dim = str(torch_error.value).split(" at ")[1].split("!")[0]
    assert f"at dimension {torch_dim} " in str(error.value)
    torch_arg = str(torch_error.value).split("argument at index ")[1].split(" ")[0]
    assert f"(argument {torch_arg})" in str(error.value)


@on_each_device
@given(case=compatible_shapes(), seed=st.integers(0, 2**16))
def test_broadcast_to_equals_torch(
    case: tuple[tuple[int, ...], list[tuple[int, ...]]], seed: int, device: torch.device
) -> None:
    """Each shape broadcast to the target: torch's values, shape and strides, and a view of x."""
    target, shapes = case
    generator = torch.Generator().manual_seed(seed)
    for shape in shapes:
        x = torch.randn(shape, generator=generator).to(device)
        ours = broadcast_to(x, target)
        expected = torch.broadcast_to(x, target)
        assert ours.shape == expected.shape == target
        assert used_strides(ours) == used_strides(expected)
        assert torch.equal(ours, expected)
        assert ours.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()  # a view: nothing copied


def test_broadcast_to_a_strided_view_with_offset(device: torch.device) -> None:
    """A slice with an offset and a step broadcasts to torch's view, on the same storage."""
    base = torch.arange(24.0, device=device).reshape(2, 1, 12)
    x = base[:, :, 3::4]  # shape (2, 1, 3), strides (12, 12, 4), storage offset 3
    ours, expected = broadcast_to(x, (5, 2, 4, 3)), torch.broadcast_to(x, (5, 2, 4, 3))
    assert (
        (ours.stride(), ours.storage_offset()) == (expected.stride(), expected.storage_offset()) == ((0, 12, 0, 4), 3)
    )
    assert torch.equal(ours, expected)
    base[1, 0, 7] = -1.0  # x[1, 0, 1]: the view sees the write
    assert torch.equal(ours[:, 1, :, 1], torch.full((5, 4), -1.0, device=device))


def test_broadcast_to_minus_one_keeps_the_size(device: torch.device) -> None:
    """-1 keeps the tensor's own size, as torch.broadcast_to (expand) does."""
    x = torch.ones(1, 3, device=device)
    assert broadcast_to(x, (2, 4, -1)).shape == torch.broadcast_to(x, (2, 4, -1)).shape == (2, 4, 3)
    assert broadcast_to(x, (-1, -1)).shape == (1, 3)


def test_broadcast_strides_are_zero_on_repeated_axes() -> None:
    """New axes and expanded size-1 axes get stride 0; a size-1 axis kept at 1 keeps its stride."""
    x = torch.zeros(3, 1)
    assert broadcast_strides(x, (2, 3, 5)) == (0, 1, 0)
    assert broadcast_strides(x, (3, 1)) == x.stride()


@pytest.mark.parametrize(
    ("shape", "target", "message"),
    [
        ((3,), (2, 4), r"at dimension 1 the size is 3, and it is neither 1 nor 4"),
        ((2, 3), (3,), r"the target has 1 dimensions, fewer than the tensor's 2"),
        ((3,), (-1, 3), r"-1 is not allowed at dimension 0, a new leading dimension"),
        # below -1 is refused before the sizes are compared: on a kept axis of size 1 and on a new one
        ((1,), (-2,), r"^cannot broadcast shape \(1,\) to \(-2,\): negative size -2$"),
        ((3,), (-5, 3), r"^cannot broadcast shape \(3,\) to \(-5, 3\): negative size -5$"),
    ],
)
def test_broadcast_to_refuses_like_torch(
    shape: tuple[int, ...], target: tuple[int, ...], message: str, device: torch.device
) -> None:
    """Wrong size, too few target axes, -1 on a new axis, a size below -1: RuntimeError from both."""
    x = torch.ones(shape, device=device)
    with pytest.raises(RuntimeError):
        torch.broadcast_to(x, target)
    with pytest.raises(RuntimeError, match=message):
        broadcast_to(x, target)


def test_bad_arguments_are_type_and_value_errors() -> None:
    """Non-int sizes are TypeErrors, negative sizes a ValueError, as in torch."""
    with pytest.raises(ValueError, match="negative"):
        torch.broadcast_shapes((-1,), (3,))
    with pytest.raises(ValueError, match=r"^broadcast_shapes: shape 0 \(-1,\) has a negative size$"):
        broadcast_shapes((-1,), (3,))
    with pytest.raises(TypeError, match=r"^shape 1 must contain only ints, got 2\.0 \(float\) in \(2\.0, 3\)$"):
        broadcast_shapes((3,), (2.0, 3))
    with pytest.raises(TypeError, match="must be tuple of ints, not float"):
        torch.broadcast_to(torch.ones(2), 2.0)
    with pytest.raises(TypeError, match=r"^shape must be an int or a sequence of ints, got 2\.0 \(float\)$"):
        broadcast_to(torch.ones(2), 2.0)
    with pytest.raises(TypeError, match=r"^broadcast_to: x must be a tensor, got list$"):
        broadcast_to([1, 2], (2, 2))
    with pytest.raises(TypeError, match=r"^broadcast_strides: x must be a tensor, got list$"):
        broadcast_strides([1, 2], (2, 2))
    assert broadcast_shapes(3, (2, 1)) == torch.broadcast_shapes(3, (2, 1)) == (2, 3)
    assert broadcast_shapes() == torch.broadcast_shapes() == ()
