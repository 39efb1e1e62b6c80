"""Checks `dlref.tensors.joining` against torch, on every available device.

Each property draws a shape, a dim (negative ones included) and a dtype per input, builds the
inputs on the device, and requires the reference's result to equal torch's exactly: same values,
dtype, device and shape. Bad inputs must raise an error that names the tensor, the dimension and
the sizes involved.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.joining import cat, hstack, result_dtype, stack, vstack
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))

DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int32, torch.int64, torch.float16, torch.float32, torch.float64]


def make(shape: tuple[int, ...], dtype: torch.dtype, device: torch.device, seed: int) -> torch.Tensor:
    """A tensor of small random values of ``shape`` and ``dtype``, drawn on the CPU, moved to ``device``."""
    generator = torch.Generator().manual_seed(seed)
    values = torch.randint(-50, 50, shape, generator=generator) if shape else torch.tensor(7)
    return (values > 0 if dtype == torch.bool else values.to(dtype)).to(device)


def assert_identical(ours: torch.Tensor, expected: torch.Tensor) -> None:
    """Same dtype, device, shape and values."""
    assert ours.dtype == expected.dtype
    assert ours.device == expected.device
    assert ours.shape == expected.shape
    assert torch.equal(ours, expected)


@st.composite
def cat_inputs(draw: st.DrawFn) -> tuple[list[tuple[tuple[int, ...], torch.dtype]], int]:
    """Draw 1 to 4 (shape, dtype) pairs that agree except along a drawn dim, and that dim (maybe negative)."""
    base = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    dim = draw(st.integers(0, len(base) - 1))
    specs = []
    for _ in range(draw(st.integers(1, 4))):
        shape = list(base)
        shape[dim] = draw(st.integers(0, 4))
        specs.append((tuple(shape), draw(st.sampled_from(DTYPES))))
    return specs, dim - len(base) if draw(st.booleans()) else dim


@on_each_device
@given(inputs=cat_inputs(), seed=st.integers(0, 2**16))
def test_cat_equals_torch(
    inputs: tuple[list[tuple[tuple[int, ...], torch.dtype]], int], seed: int, device: torch.device
) -> None:
    """Random shapes, mixed dtypes, any dim: exactly torch.cat (values, promoted dtype, device)."""
    specs, dim = inputs
    tensors = [make(shape, dtype, device, seed + k) for k, (shape, dtype) in enumerate(specs)]
    assert_identical(cat(tensors, dim=dim), torch.cat(tensors, dim=dim))


@on_each_device
@given(
    shape=st.lists(st.integers(0, 4), max_size=3).map(tuple),
    count=st.integers(1, 4),
    dtypes=st.lists(st.sampled_from(DTYPES), min_size=4, max_size=4),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_stack_equals_torch(
    shape: tuple[int, ...],
    count: int,
    dtypes: list[torch.dtype],
    data: st.DataObject,
    seed: int,
    device: torch.device,
) -> None:
    """Random shape (0-D included), 1 to 4 tensors, mixed dtypes, any of the ndim + 1 dims: torch.stack."""
    dim = data.draw(st.integers(-(len(shape) + 1), len(shape)), label="dim")
    tensors = [make(shape, dtypes[k], device, seed + k) for k in range(count)]
    ours = stack(tensors, dim=dim)
    assert_identical(ours, torch.stack(tensors, dim=dim))
    for j, t in enumerate(tensors):  # the defining property: slice j of the new axis is input j
        assert torch.equal(ours.select(dim, j), t.to(ours.dtype))


def test_stack_and_cat_default_to_the_first_axis(device: torch.device) -> None:
    """Without dim, stack inserts the new axis first and cat joins along axis 0, as torch's defaults."""
    tensors = [make((2, 3), torch.int64, device, 0), make((2, 3), torch.int64, device, 1)]
    assert_identical(stack(tensors), torch.stack(tensors))
    assert stack(tensors).shape == (2, 2, 3)
    assert_identical(cat(tensors), torch.cat(tensors))
    assert cat(tensors).shape == (4, 3)


def test_results_are_on_the_inputs_device_meta_without_a_gpu() -> None:
    """The result is allocated on the inputs' device: meta tensors (every machine has them) give a meta result.

    torch's own cat and stack are not called on meta tensors: their first meta operation loads the meta
    kernels, which takes seconds (test_different_devices_are_refused says the same).
    """
    ones = torch.ones(2, 3, device="meta")
    empty = torch.tensor([], device="meta")
    for result, shape in (
        (cat([ones, ones]), (4, 3)),
        (stack([ones, ones]), (2, 2, 3)),
        (cat([empty, empty]), (0,)),  # only legacy empty tensors: the early return
    ):
        assert (result.device.type, result.shape, result.dtype) == ("meta", shape, torch.float32)


def test_cat_of_legacy_empty_tensors_still_refuses_a_non_int_dim() -> None:
    """Only 1-D empty tensors (which skip the range check): a str, float or bool dim is still a TypeError."""
    tensors = [torch.tensor([]), torch.tensor([])]
    for dim, shown in (("0", r"'0' \(str\)"), (0.0, r"0\.0 \(float\)"), (True, r"True \(bool\)")):
        with pytest.raises(TypeError):
            torch.cat(tensors, dim=dim)
        with pytest.raises(TypeError, match=rf"^cat: dim must be an int, got {shown}$"):
            cat(tensors, dim=dim)


def test_cat_and_split_are_inverses(device: torch.device) -> None:
    """cat(split(x)) and cat(chunk(x)) give x back, for the reference cat too."""
    x = make((5, 6), torch.float32, device, 0)
    for dim in (0, 1, -1):
        assert torch.equal(cat(torch.split(x, 2, dim=dim), dim=dim), x)
        assert torch.equal(cat(torch.chunk(x, 3, dim=dim), dim=dim), x)
        assert torch.equal(cat(torch.split(x, [1, 4], dim=0), dim=0), x)


def test_cat_result_is_a_copy(device: torch.device) -> None:
    """The result owns new memory: writing to it leaves the inputs alone."""
    a = torch.zeros(2, device=device)
    out = cat([a])
    out += 1
    assert torch.equal(a, torch.zeros(2, device=device))


def test_cat_skips_legacy_empty_tensors_like_torch(device: torch.device) -> None:
    """A 1-D empty tensor is skipped in any position, but its dtype is promoted with the rest."""
    x = make((2, 3), torch.int64, device, 1)
    empty = torch.tensor([], device=device)
    for tensors in ([empty, x], [x, empty, x]):
        for dim in (0, 1, -1):
            assert_identical(cat(tensors, dim=dim), torch.cat(tensors, dim=dim))
    assert_identical(cat([empty, empty]), torch.cat([empty, empty]))


def test_hstack_and_vstack_equal_torch(device: torch.device) -> None:
    """1-D, 2-D and 0-D inputs: exactly torch.hstack and torch.vstack."""
    for tensors in (
        [make((2,), torch.int64, device, 0), make((3,), torch.float32, device, 1)],
        [make((2, 1), torch.int64, device, 0), make((2, 3), torch.int64, device, 1)],
        [make((), torch.int64, device, 0), make((2,), torch.int64, device, 1)],
    ):
        assert_identical(hstack(tensors), torch.hstack(tensors))
    for tensors in (
        [make((3,), torch.int64, device, 0), make((3,), torch.int64, device, 1)],
        [make((3,), torch.int64, device, 0), make((2, 3), torch.float64, device, 1)],
    ):
        assert_identical(vstack(tensors), torch.vstack(tensors))


def test_result_dtype_is_torch_promotion() -> None:
    """The promoted dtype of every pair equals torch.cat's."""
    for a in DTYPES:
        for b in DTYPES:
            tensors = [torch.zeros(1, dtype=a), torch.zeros(1, dtype=b)]
            assert result_dtype(tensors) == torch.cat(tensors).dtype


# bad input ---------------------------------------------------------------------------------------


def test_cat_names_tensor_dimension_and_sizes(device: torch.device) -> None:
    """A mismatch outside dim: torch refuses; the reference names tensor 2, dimension 0, 2 vs 4."""
    tensors = [torch.ones(2, 3, device=device), torch.ones(2, 1, device=device), torch.ones(4, 3, device=device)]
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 1"):
        torch.cat(tensors, dim=1)
    message = (
        r"^cat: tensors must match in every dimension except dim=1, but tensor 0 has shape \(2, 3\) and tensor 2 "
        r"has shape \(4, 3\) \(dimension 0: 2 vs 4\)$"
    )
    with pytest.raises(ValueError, match=message):
        cat(tensors, dim=-1)


def test_cat_refuses_different_numbers_of_dimensions(device: torch.device) -> None:
    """(2, 3) with (2, 3, 1): both refuse; the reference names both tensors and shapes."""
    tensors = [torch.ones(2, 3, device=device), torch.ones(2, 3, 1, device=device)]
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        torch.cat(tensors)
    message = (
        r"^cat: tensors must have the same number of dimensions, but tensor 0 has 2 \(2, 3\) "
        r"and tensor 1 has 3 \(2, 3, 1\)$"
    )
    with pytest.raises(ValueError, match=message):
        cat(tensors)


@pytest.mark.parametrize("function", [cat, stack, hstack, vstack])
def test_empty_list_is_refused(function: object) -> None:
    """No tensors at all: torch refuses, and so does the reference, as a ValueError."""
    with pytest.raises((RuntimeError, ValueError), match="non-empty"):
        getattr(torch, function.__name__)([])
    with pytest.raises(ValueError, match=rf"^{function.__name__}: expected a non-empty list of tensors$"):
        function([])


def test_result_dtype_refuses_no_tensors_naming_itself() -> None:
    """result_dtype checks its list as cat does, and its errors start with its own name."""
    with pytest.raises(ValueError, match=r"^result_dtype: expected a non-empty list of tensors$"):
        result_dtype([])
    with pytest.raises(TypeError, match=r"^result_dtype: expected a list or tuple of tensors, got Tensor$"):
        result_dtype(torch.ones(2))


@pytest.mark.parametrize("function", [cat, stack])
def test_different_devices_are_refused(function: object) -> None:
    """A CPU tensor with a meta tensor (a second device every machine has), or a CUDA one: refused."""
    # torch refuses the meta pair too, but its first meta operation takes ~4 s (it loads the meta
    # kernels), so torch's refusal is checked with a CUDA tensor, where there is one.
    message = (
        rf"^{function.__name__}: all tensors must be on one device, but tensor 0 is on cpu and tensor 1 is on meta$"
    )
    with pytest.raises(ValueError, match=message):
        function([torch.ones(2), torch.ones(2, device="meta")])
    if torch.cuda.is_available():
        tensors = [torch.ones(2), torch.ones(2, device="cuda")]
        with pytest.raises(RuntimeError, match="device"):
            getattr(torch, function.__name__)(tensors)
        with pytest.raises(ValueError, match=r"tensor 0 is on cpu and tensor 1 is on cuda:0"):
            function(tensors)


@pytest.mark.parametrize(
    ("function", "dim", "bound"), [(cat, 2, "-2 to 1"), (cat, -3, "-2 to 1"), (stack, 3, "-3 to 2")]
)
def test_dim_out_of_range_is_an_index_error(function: object, dim: int, bound: str, device: torch.device) -> None:
    """dim outside the axes (for stack: the ndim + 1 places): IndexError, as in torch, naming the range."""
    tensors = [torch.ones(2, 3, device=device)] * 2
    with pytest.raises(IndexError, match="Dimension out of range"):
        getattr(torch, function.__name__)(tensors, dim=dim)
    with pytest.raises(IndexError, match=rf"^{function.__name__}: dim={dim} is out of range .* \(expected {bound}\)$"):
        function(tensors, dim=dim)


def test_stack_shape_mismatch_names_tensor_dimension_and_sizes(device: torch.device) -> None:
    """stack needs equal shapes, even along the axis cat would join: tensor 1, dimension 1, 3 vs 4."""
    tensors = [torch.ones(2, 3, device=device), torch.ones(2, 4, device=device)]
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size"):
        torch.stack(tensors)
    message = (
        r"^stack: all tensors must have the same shape, but tensor 0 has shape \(2, 3\) and tensor 1 has shape "
        r"\(2, 4\) \(dimension 1: 3 vs 4\)$"
    )
    with pytest.raises(ValueError, match=message):
        stack(tensors)
    with pytest.raises(ValueError, match=r"\(2 vs 1 dimensions\)"):
        stack([torch.ones(2, 3, device=device), torch.ones(6, device=device)])


def test_cat_refuses_zero_dimensional_tensors(device: torch.device) -> None:
    """A scalar has no axis to join along: both refuse, naming its position."""
    tensors = [torch.ones(2, device=device), torch.tensor(1.0, device=device)]
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\)"):
        torch.cat(tensors)
    with pytest.raises(ValueError, match=r"^cat: tensor 1 is 0-dimensional"):
        cat(tensors)


@pytest.mark.parametrize(
    ("tensors", "dim", "message"),
    [
        (torch.ones(2), 0, "expected a list or tuple of tensors, got Tensor"),
        (None, 0, "expected a list or tuple of tensors, got NoneType$"),
        ({0: torch.ones(2)}, 0, "expected a list or tuple of tensors, got dict$"),  # iterable, but no sequence
        ([torch.ones(2), [1.0, 2.0]], 0, "tensor 1 is not a tensor but a list"),
        ([torch.ones(2)], 0.0, r"dim must be an int, got 0\.0 \(float\)$"),
    ],
)
def test_type_errors_name_the_argument(tensors: object, dim: object, message: str) -> None:
    """A tensor, None or a dict instead of a list, a list inside the list, a float dim: TypeError, as in torch."""
    for function in (cat, stack):
        with pytest.raises(TypeError):
            getattr(torch, function.__name__)(tensors, dim=dim)
        with pytest.raises(TypeError, match=rf"^{function.__name__}: {message}"):
            function(tensors, dim=dim)
