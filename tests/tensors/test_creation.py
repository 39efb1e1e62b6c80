"""Checks `dlref.tensors.creation` against torch, on every available device.

Each comparison allocates the reference's result and torch's on the same device, and requires the
same dtype and device, the same length, and values that are equal (integers, booleans, endpoints)
or within a few units in the last place of the largest bound (floats: torch's kernels round in
another order, in float32 on CUDA, and with fused multiply-adds).
"""

from __future__ import annotations

import copy
import math
import re

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlref.tensors.creation import arange, eye, linspace, nested_shape
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))

FLOAT_DTYPES = [torch.float32, torch.float64]
NAN, INF = math.nan, math.inf


def float_tolerance(dtype: torch.dtype, *bounds: float) -> float:
    """Return four units in the last place of the largest bound, in ``dtype``: a tolerance."""
    finfo = torch.finfo(dtype)
    return 4 * finfo.eps * max(abs(bound) for bound in bounds) + finfo.tiny


def assert_same_kind(ours: torch.Tensor, expected: torch.Tensor) -> None:
    """Assert the same dtype, the same device and the same shape."""
    assert ours.dtype == expected.dtype
    assert ours.device == expected.device
    assert ours.shape == expected.shape


@st.composite
def integer_ranges(draw: st.DrawFn) -> tuple[int, int, int]:
    """Draw int ``start, end, step``, ``step`` pointing towards ``end``, at most 3000 values."""
    start = draw(st.integers(-(10**12), 10**12))
    span = draw(st.integers(-3000, 3000))
    size = draw(st.integers(1, 50))
    return start, start + span, -size if span < 0 else size


@st.composite
def float_ranges(draw: st.DrawFn) -> tuple[float, float, float]:
    """Draw ``start, end, step`` (a float step) pointing towards ``end``, at most ~3000 values."""
    start = draw(st.integers(-(10**4), 10**4) | st.floats(-1e4, 1e4))
    span = draw(st.floats(-1e4, 1e4))
    size = draw(st.floats(max(abs(span) / 3000, 1e-3), 1e3))
    return start, start + span, -size if span < 0 else size


bounds = st.integers(-(10**4), 10**4) | st.floats(-1e4, 1e4)
numbers = st.integers(-9, 9) | st.floats(-9, 9) | st.booleans()


def nest(draw: st.DrawFn, shape: list[int], *, tuples: bool) -> object:
    """Build nested lists (with ``tuples``, some tuples) of drawn numbers, of the given shape."""
    if not shape:
        return draw(numbers)
    items = [nest(draw, shape[1:], tuples=tuples) for _ in range(shape[0])]
    return tuple(items) if tuples and draw(st.booleans()) else items


@st.composite
def rectangular_data(draw: st.DrawFn) -> object:
    """Draw a number, or nested lists and tuples of up to 4 dimensions, some of length 0."""
    shape = draw(st.lists(st.integers(0, 3), max_size=4))
    return nest(draw, shape, tuples=True)


@st.composite
def ragged_data(draw: st.DrawFn) -> list[object]:
    """Draw nested lists, none empty, in which one list below the top has an item too many or few.

    The top list has at least 2 items, so the changed list has a sibling whose length differs.
    """
    shape = [draw(st.integers(2, 3)), *draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))]
    data = nest(draw, shape, tuples=False)
    target = data
    for _ in range(draw(st.integers(1, len(shape) - 1))):
        target = target[draw(st.integers(0, len(target) - 1))]
    if len(target) >= 2 and draw(st.booleans()):
        target.pop()
    else:
        target.append(copy.deepcopy(target[0]))
    return data


# arange ------------------------------------------------------------------------------------------


@on_each_device
@given(limits=integer_ranges())
def test_arange_integers_equal_torch(limits: tuple[int, int, int], device: torch.device) -> None:
    """Int bounds and step: the same int64 values as torch.arange."""
    ours = arange(*limits, device=device)
    expected = torch.arange(*limits, device=device)
    assert_same_kind(ours, expected)
    assert torch.equal(ours, expected)


@on_each_device
@given(limits=float_ranges(), dtype=st.sampled_from([None, *FLOAT_DTYPES]))
def test_arange_floats_close_to_torch(
    limits: tuple[float, float, float], dtype: torch.dtype | None, device: torch.device
) -> None:
    """A float step: the same length and dtype as torch.arange, values within a few ulps."""
    ours = arange(*limits, dtype=dtype, device=device)
    expected = torch.arange(*limits, dtype=dtype, device=device)
    assert_same_kind(ours, expected)
    atol = float_tolerance(expected.dtype, limits[0], limits[1])
    torch.testing.assert_close(ours, expected, rtol=0, atol=atol)


def test_arange_float_step_pitfall_gives_four_values(device: torch.device) -> None:
    """(1.3 - 1) / 0.1 rounds above 3, so both give 4 values, ending at 1.3."""
    assert (1.3 - 1) / 0.1 > 3
    ours = arange(1, 1.3, 0.1, device=device)
    expected = torch.arange(1, 1.3, 0.1, device=device)
    assert_same_kind(ours, expected)
    assert len(ours) == 4
    torch.testing.assert_close(ours, expected)
    assert ours[-1].item() == pytest.approx(1.3)


def test_arange_one_argument_starts_at_zero(device: torch.device) -> None:
    """arange(end) is arange(0, end, 1), as in torch."""
    assert torch.equal(arange(7, device=device), torch.arange(7, device=device))
    assert torch.equal(arange(7, device=device), arange(0, 7, 1, device=device))


def test_arange_integer_dtype_accepts_whole_floats(device: torch.device) -> None:
    """Whole-number floats with an integer dtype give torch's values."""
    for dtype in (torch.int64, torch.int32, torch.int16):
        ours = arange(-4.0, 10.0, 3.0, dtype=dtype, device=device)
        expected = torch.arange(-4.0, 10.0, 3.0, dtype=dtype, device=device)
        assert_same_kind(ours, expected)
        assert torch.equal(ours, expected)


def test_arange_integer_dtype_refuses_fractions_torch_truncates(device: torch.device) -> None:
    """A fraction with an integer dtype is refused, where torch truncates it."""
    # torch gives [0, 3, 6, 9] in int64 and [0, 3, 6] in int32 here; the reference refuses.
    assert len(torch.arange(0.5, 10.7, 3.9, dtype=torch.int64, device=device)) == 4
    assert len(torch.arange(0.5, 10.7, 3.9, dtype=torch.int32, device=device)) == 3
    with pytest.raises(ValueError, match=r"dtype=torch\.int64 needs whole-number .* start=0\.5"):
        arange(0.5, 10.7, 3.9, dtype=torch.int64, device=device)


@pytest.mark.parametrize(
    ("args", "fraction"),
    [((0.5, 10, 3), "start=0.5"), ((0, 10.5, 3), "end=10.5"), ((0, 10, 2.5), "step=2.5")],
)
def test_arange_integer_dtype_names_the_fractional_argument(
    args: tuple[float, float, float], fraction: str, device: torch.device
) -> None:
    """Whichever of start, end and step is a fraction, the message names it with its value."""
    with pytest.raises(ValueError, match=rf"^dtype=torch\.int32 needs whole-number bounds and step, got {fraction}$"):
        arange(*args, dtype=torch.int32, device=device)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # float bounds: n from the division of doubles, 1e60
        (
            (0.0, 1e30, 1e-30),
            "arange: 0.0 to 1e+30 in steps of step=1e-30 is 1e+60 elements, more than a tensor can hold"
            " (2**63 - 1); use a larger step",
        ),
        # int bounds: n exactly 2**63, one more than the largest size
        (
            (0, 2**63),
            "arange: 0 to 9223372036854775808 in steps of step=1 is 9.22e+18 elements, more than a tensor can hold"
            " (2**63 - 1); use a larger step",
        ),
    ],
)
def test_arange_of_more_than_2_63_minus_1_elements_names_the_range(args: tuple[float, ...], message: str) -> None:
    """More elements than a size can count: torch fails (a RuntimeError); ours is a ValueError naming the range."""
    with pytest.raises(RuntimeError):
        torch.arange(*args)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        arange(*args)


def test_arange_of_2_63_minus_1_elements_passes_the_size_check() -> None:
    """2**63 - 1 elements is within the bound: it fails when allocated, as torch's does, not as too many."""
    with pytest.raises(RuntimeError):
        torch.arange(0, 2**63 - 1)
    with pytest.raises(RuntimeError):  # the allocation's size in bytes overflows; not the ValueError above
        arange(0, 2**63 - 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 5, 0), "step must be nonzero"),
        ((0.0, 1.0, NAN), "step must be nonzero"),
        ((5, 0, 1), "upper bound and lower bound inconsistent with step sign"),
        ((0, 5, -1), "upper bound and lower bound inconsistent with step sign"),
        ((0, NAN), "unsupported range: 0 -> nan"),
        ((0, INF), "unsupported range: 0 -> inf"),
        ((-INF, 0), "unsupported range: -inf -> 0"),
    ],
)
def test_arange_errors_match_torch(args: tuple[float, ...], message: str, device: torch.device) -> None:
    """Zero step, wrong sign, infinite or NaN bound: torch's message, as a ValueError."""
    with pytest.raises((RuntimeError, ValueError), match=f"^{re.escape(message)}"):
        torch.arange(*args, device=device)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        arange(*args, device=device)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((True,), r"^end must be an int or a float, got True \(bool\)$"),  # arange(end): the one argument is the end
        ((0, 5, "1"), r"^step must be an int or a float, got '1' \(str\)$"),
        ((0, 1j), r"^end must be an int or a float, got 1j \(complex\)$"),
        ((None, 5), r"^start must be an int or a float, got None \(NoneType\)$"),
    ],
)
def test_arange_refuses_non_real_arguments(args: tuple[object, ...], message: str) -> None:
    """A bool, a string, a complex number or None is a TypeError naming the argument."""
    with pytest.raises(TypeError, match=message):
        arange(*args)


def test_arange_refuses_bool_dtype_like_torch(device: torch.device) -> None:
    """dtype=torch.bool is refused, by torch and by the reference."""
    with pytest.raises(NotImplementedError):
        torch.arange(5, dtype=torch.bool, device=device)
    with pytest.raises(
        TypeError, match=r"^arange needs a real floating-point or integer dtype, got dtype=torch\.bool$"
    ):
        arange(5, dtype=torch.bool, device=device)


# linspace ----------------------------------------------------------------------------------------


@on_each_device
@given(
    start=bounds,
    end=bounds,
    steps=st.integers(0, 200),
    dtype=st.sampled_from([None, *FLOAT_DTYPES]),
)
def test_linspace_close_to_torch(
    start: float, end: float, steps: int, dtype: torch.dtype | None, device: torch.device
) -> None:
    """Random bounds and 0 to 200 steps: the same dtype and length, values within a few ulps."""
    ours = linspace(start, end, steps, dtype=dtype, device=device)
    expected = torch.linspace(start, end, steps, dtype=dtype, device=device)
    assert_same_kind(ours, expected)
    torch.testing.assert_close(ours, expected, rtol=0, atol=float_tolerance(ours.dtype, start, end))


@on_each_device
@given(start=bounds, end=bounds, steps=st.integers(2, 200), dtype=st.sampled_from(FLOAT_DTYPES))
def test_linspace_endpoints_are_exact(
    start: float, end: float, steps: int, dtype: torch.dtype, device: torch.device
) -> None:
    """With 2 or more steps, the first value is start and the last is end, exactly."""
    ends = torch.tensor([start, end], dtype=dtype, device=device)
    ours = linspace(start, end, steps, dtype=dtype, device=device)
    expected = torch.linspace(start, end, steps, dtype=dtype, device=device)
    assert torch.equal(ours[[0, -1]], ends)
    assert torch.equal(expected[[0, -1]], ends)


@on_each_device
@given(start=bounds, end=bounds, steps=st.integers(2, 200))
@example(start=0.1, end=1, steps=7)  # a split one later (i <= steps // 2) gives 0.5499999999999999 at i = 3
@example(start=1, end=0.1, steps=11)  # and here 0.55 at i = 5 where the definition gives 0.5499999999999999
def test_linspace_counts_up_the_first_half_and_down_the_second(
    start: float, end: float, steps: int, device: torch.device
) -> None:
    """In float64, exactly the definition: x_i = start + i δ for i < steps // 2 and
    end − (steps − 1 − i) δ from there on (in Python floats, each operation rounded as torch's).
    torch's own float64 values differ from these by an ulp here and there, so the comparison with
    torch above needs a tolerance, which would hide a split in the wrong place."""
    delta = (end - start) / (steps - 1)
    expected = [start + i * delta if i < steps // 2 else end - (steps - 1 - i) * delta for i in range(steps)]
    assert linspace(start, end, steps, dtype=torch.float64, device=device).tolist() == expected


def test_linspace_integer_dtype_truncates_like_torch(device: torch.device) -> None:
    """linspace(0, 10, 4) in int64 is [0, 3, 6, 10], as in torch."""
    ours = linspace(0, 10, 4, dtype=torch.int64, device=device)
    expected = torch.linspace(0, 10, 4, dtype=torch.int64, device=device)
    assert_same_kind(ours, expected)
    assert ours.tolist() == expected.tolist() == [0, 3, 6, 10]
    assert linspace(-0.5, -10.7, 4, dtype=torch.int64).tolist() == [0, -3, -6, -10]


@on_each_device
@given(
    start=st.floats(-1e3, 1e3),
    end=st.floats(-1e3, 1e3),
    steps=st.integers(0, 200),
    dtype=st.sampled_from([torch.int64, torch.int32]),
)
def test_linspace_integer_dtype_matches_torch(
    start: float, end: float, steps: int, dtype: torch.dtype, device: torch.device
) -> None:
    """Integer dtypes: torch's values, up to 1 where the exact value is whole."""
    ours = linspace(start, end, steps, dtype=dtype, device=device)
    expected = torch.linspace(start, end, steps, dtype=dtype, device=device)
    assert_same_kind(ours, expected)
    # Where the exact value is a whole number, truncation turns a last-bit difference (torch uses
    # a fused multiply-add on the CPU, float32 on CUDA) into a difference of 1; elsewhere, equal.
    exact = linspace(math.trunc(start), math.trunc(end), steps, dtype=torch.float64, device=device)
    whole = (exact - exact.round()).abs() < 1e-3
    assert torch.equal(ours[~whole], expected[~whole])
    assert ((ours - expected)[whole].abs() <= 1).all()


def test_linspace_one_step_is_start_and_zero_steps_is_empty(device: torch.device) -> None:
    """One step gives [start], zero steps an empty tensor."""
    for steps in (0, 1):
        ours = linspace(2.5, 7.0, steps, device=device)
        expected = torch.linspace(2.5, 7.0, steps, device=device)
        assert_same_kind(ours, expected)
        assert torch.equal(ours, expected)
    assert linspace(2.5, 7.0, 1).tolist() == [2.5]
    # 0.1 is not a float32: in float64, one step is exactly the double 0.1, with no float32 rounding on the way
    ours, expected = linspace(0.1, 7.0, 1, dtype=torch.float64), torch.linspace(0.1, 7.0, 1, dtype=torch.float64)
    assert ours.dtype == torch.float64
    assert ours.item() == expected.item() == 0.1


def test_linspace_one_step_is_on_the_requested_device_meta_without_a_gpu() -> None:
    """One step is allocated on ``device``: a meta device (every machine has one) shows it without a GPU.

    Only one step: more steps reach cumsum, whose first meta call loads torch's meta kernels (seconds).
    """
    ours = linspace(2.5, 7.0, 1, dtype=torch.float64, device="meta")
    assert (ours.device.type, ours.shape, ours.dtype) == ("meta", (1,), torch.float64)


@pytest.mark.parametrize(
    ("start", "end", "steps", "dtype", "bad"),
    [
        (INF, 1, 3, torch.int64, "start=inf"),
        (0, NAN, 2, torch.int32, "end=nan"),
        (NAN, 1, 1, torch.int64, "start=nan"),
    ],
)
def test_linspace_integer_dtype_refuses_a_non_finite_value_it_needs(
    start: float, end: float, steps: int, dtype: torch.dtype, bad: str
) -> None:
    """An integer dtype and an infinite or NaN start or end the result needs: refused naming it (torch: overflow)."""
    with pytest.raises(RuntimeError, match="overflow"):
        torch.linspace(start, end, steps, dtype=dtype)
    name = bad.split("=")[0]
    with pytest.raises(
        ValueError, match=rf"^linspace: {name} must be finite for the integer dtype {dtype}, got {bad}$"
    ):
        linspace(start, end, steps, dtype=dtype)


@pytest.mark.parametrize(("start", "end", "steps"), [(3, INF, 1), (3.7, NAN, 1), (INF, NAN, 0)])
def test_linspace_integer_dtype_ignores_a_non_finite_value_it_does_not_need(
    start: float, end: float, steps: int, device: torch.device
) -> None:
    """One step needs only start, zero steps nothing: a non-finite end (or start) there is no error, as in torch."""
    ours = linspace(start, end, steps, dtype=torch.int64, device=device)
    expected = torch.linspace(start, end, steps, dtype=torch.int64, device=device)
    assert_same_kind(ours, expected)
    assert torch.equal(ours, expected)


def test_linspace_negative_steps_error_matches_torch(device: torch.device) -> None:
    """Negative steps: torch's message, with the value."""
    message = "number of steps must be non-negative"
    with pytest.raises(RuntimeError, match=rf"^{message}"):
        torch.linspace(0, 1, -1, device=device)
    with pytest.raises(ValueError, match=rf"^{message}, got -1$"):
        linspace(0, 1, -1, device=device)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (True, 1, r"^start must be an int or a float, got True \(bool\)$"),
        (0, "1", r"^end must be an int or a float, got '1' \(str\)$"),
    ],
)
def test_linspace_refuses_non_real_bounds(start: object, end: object, message: str) -> None:
    """A bool or a string bound is a TypeError naming the argument."""
    with pytest.raises(TypeError, match=message):
        linspace(start, end, 3)


@pytest.mark.parametrize("dtype", [torch.bool, torch.complex64])
def test_linspace_refuses_bool_and_complex_dtypes(dtype: torch.dtype) -> None:
    """The documented refusal: a TypeError that names linspace and the dtype."""
    with pytest.raises(TypeError, match=rf"^linspace needs a real floating-point or integer dtype, got dtype={dtype}$"):
        linspace(0, 1, 3, dtype=dtype)


@pytest.mark.parametrize("steps", [2.0, True, "3"])
def test_linspace_non_int_steps_is_type_error_like_torch(steps: object) -> None:
    """A float, bool or string steps is a TypeError, as in torch."""
    with pytest.raises(TypeError):
        torch.linspace(0, 1, steps)
    with pytest.raises(
        TypeError, match=rf"^steps must be an int, got {re.escape(repr(steps))} \({type(steps).__name__}\)$"
    ):
        linspace(0, 1, steps)


# eye ---------------------------------------------------------------------------------------------


@on_each_device
@given(
    n=st.integers(0, 20),
    m=st.integers(0, 20),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool]),
)
def test_eye_equals_torch(n: int, m: int, dtype: torch.dtype, device: torch.device) -> None:
    """Any n, m in 0..20 and dtype: exactly torch.eye."""
    ours = eye(n, m, dtype=dtype, device=device)
    expected = torch.eye(n, m, dtype=dtype, device=device)
    assert_same_kind(ours, expected)
    assert torch.equal(ours, expected)


def test_eye_is_square_without_m(device: torch.device) -> None:
    """eye(n) is n by n."""
    for n in (0, 1, 5):
        ours = eye(n, device=device)
        expected = torch.eye(n, device=device)
        assert_same_kind(ours, expected)
        assert torch.equal(ours, expected)


@pytest.mark.parametrize(
    ("n", "m", "message"),
    [
        (-1, 3, "n must be greater or equal to 0, got -1"),
        (2, -3, "m must be greater or equal to 0, got -3"),
        (-2, -3, "n must be greater or equal to 0, got -2"),
    ],
)
def test_eye_errors_match_torch(n: int, m: int, message: str, device: torch.device) -> None:
    """A negative n or m: torch's message, as a ValueError."""
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        torch.eye(n, m, device=device)
    with pytest.raises(ValueError, match=f"^{message}$"):
        eye(n, m, device=device)


@pytest.mark.parametrize("n", [2.0, True])
def test_eye_non_int_is_type_error_like_torch(n: object) -> None:
    """A float or bool n is a TypeError, as in torch."""
    with pytest.raises(TypeError):
        torch.eye(n)
    with pytest.raises(TypeError, match=f"^n must be an int, got {n!r}"):
        eye(n)


# nested_shape ------------------------------------------------------------------------------------


@on_each_device
@given(data=rectangular_data())
def test_nested_shape_equals_torch_tensor_shape(data: object, device: torch.device) -> None:
    """Rectangular nested lists and tuples: the shape of torch.tensor(data)."""
    assert nested_shape(data) == tuple(torch.tensor(data, device=device).shape)


@on_each_device
@given(data=ragged_data())
def test_nested_shape_ragged_message_equals_torch(data: list[object], device: torch.device) -> None:
    """One list too long or too short: exactly torch.tensor's ValueError message."""
    with pytest.raises(ValueError, match=r"^expected sequence of length") as torch_error:
        torch.tensor(data, device=device)
    with pytest.raises(ValueError, match=f"^{re.escape(str(torch_error.value))}$"):
        nested_shape(data)


@pytest.mark.parametrize(
    "data",
    [
        [[1, 2, 3], [4, 5]],
        [[1, 2], [4, 5, 6]],
        [[[1, 2], [3, 4]], [[1, 2], [3]]],
        [[1], []],
        ([1.0, 2.0], (3.0,)),
    ],
)
def test_nested_shape_ragged_examples_match_torch(data: object, device: torch.device) -> None:
    """Hand-picked ragged inputs: exactly torch.tensor's ValueError message."""
    with pytest.raises(ValueError, match=r"^expected sequence of length") as torch_error:
        torch.tensor(data, device=device)
    with pytest.raises(ValueError, match=f"^{re.escape(str(torch_error.value))}$"):
        nested_shape(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([[1, 2], 3], r"^expected sequence of length 2 at dim 1 \(got the number 3\)$"),
        ([1, [2, 3]], r"^expected a number at dim 1 \(got the sequence \[2, 3\]\)$"),
        ([[[1], [2]], [3, [4]]], r"^expected sequence of length 1 at dim 2 \(got the number 3\)$"),
    ],
)
def test_nested_shape_number_beside_list_names_the_dim(data: object, message: str, device: torch.device) -> None:
    """A number where a list belongs, or the reverse: a ValueError naming the dim."""
    with pytest.raises(TypeError):  # torch refuses these too, as a TypeError without the dim
        torch.tensor(data, device=device)
    with pytest.raises(ValueError, match=message):
        nested_shape(data)


@pytest.mark.parametrize(
    ("data", "bad"),
    [(["ab"], r"'ab' \(str\)"), ([[1, 2], "ab"], r"'ab' \(str\)"), ([1, None], r"None \(NoneType\)")],
)
def test_nested_shape_refuses_non_numbers(data: object, bad: str) -> None:
    """A string or None is a TypeError naming the dim, the item and its type; torch refuses these too."""
    with pytest.raises((TypeError, ValueError, RuntimeError)):  # torch's type varies with the item
        torch.tensor(data)
    with pytest.raises(TypeError, match=rf"^expected a number, list or tuple at dim 1, got {bad}$"):
        nested_shape(data)


def test_nested_shape_refuses_ragged_empty_lists_torch_accepts() -> None:
    """[[], [1]] is ragged: refused, where torch.tensor gives shape (2, 0)."""
    # torch skips the length check when the inferred shape has no elements.
    assert torch.tensor([[], [1]]).shape == (2, 0)
    with pytest.raises(ValueError, match=r"^expected sequence of length 0 at dim 1 \(got 1\)$"):
        nested_shape([[], [1]])


# dtype inference ---------------------------------------------------------------------------------

ARANGE_ARGS = [(5,), (5.0,), (0, 5, 2), (0, 5, 0.5), (1.0, 5), (0, 5.0)]


@pytest.mark.parametrize("default", FLOAT_DTYPES)
@pytest.mark.parametrize("args", ARANGE_ARGS)
def test_arange_dtype_inference_matches_torch(
    args: tuple[float, ...], default: torch.dtype, device: torch.device
) -> None:
    """int64 for all-int arguments, else the default dtype, as torch.arange."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        ours = arange(*args, device=device)
        expected = torch.arange(*args, device=device)
    finally:
        torch.set_default_dtype(previous)
    assert_same_kind(ours, expected)
    assert ours.dtype == (torch.int64 if all(isinstance(a, int) for a in args) else default)


@pytest.mark.parametrize("default", FLOAT_DTYPES)
def test_linspace_and_eye_follow_the_default_dtype(default: torch.dtype, device: torch.device) -> None:
    """Both linspace and eye use the default dtype, as torch does."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        pairs = [
            (linspace(0, 1, 3, device=device), torch.linspace(0, 1, 3, device=device)),
            (eye(2, device=device), torch.eye(2, device=device)),
        ]
    finally:
        torch.set_default_dtype(previous)
    for ours, expected in pairs:
        assert ours.dtype == expected.dtype == default
