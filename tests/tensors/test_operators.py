"""Checks `dlref.tensors.operators` against torch, on every available device.

`floor_divide` and `remainder` must equal torch's ``//`` and ``%`` bit for bit (dtype, values, the
sign of a zero, where the NaNs are) for random broadcastable operands of every real dtype, with
infinities, zeros and NaNs among the floats; `where` must equal `torch.where`, infinities included.
"""

from __future__ import annotations

import math
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.operators import floor_divide, remainder, where
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))

INTS = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 0.1, 1.0, -3.0]


def assert_identical(ours: torch.Tensor, expected: torch.Tensor) -> None:
    """The same dtype, device and shape; equal values, NaNs in the same places, zeros of the same sign."""
    assert (ours.dtype, ours.device, ours.shape) == (expected.dtype, expected.device, expected.shape)
    nan = expected.isnan() if expected.is_floating_point() else torch.zeros_like(expected, dtype=torch.bool)
    assert torch.equal(ours.isnan() if ours.is_floating_point() else nan, nan)
    assert torch.equal(ours[~nan], expected[~nan])
    if expected.is_floating_point():
        assert torch.equal(ours[~nan].signbit(), expected[~nan].signbit())


shapes = st.sampled_from([((3,), (3,)), ((2, 1), (3,)), ((), (2, 2)), ((4,), ()), ((2, 3), (1, 3))])


@st.composite
def operand_pairs(draw: st.DrawFn, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw two tensors of broadcastable shapes and random real dtypes (no zero integer divisor)."""
    shape_a, shape_b = draw(shapes)

    def tensor(shape: tuple[int, ...], divisor: bool) -> torch.Tensor:
        dtype = draw(st.sampled_from(INTS + FLOATS))
        n = math.prod(shape)
        if dtype.is_floating_point:
            values = draw(st.lists(st.floats(-100, 100) | st.sampled_from(SPECIAL), min_size=n, max_size=n))
        else:
            low = 0 if dtype == torch.uint8 else -100  # away from INT_MIN // -1, which traps in C
            values = draw(
                st.lists(st.integers(low, 100).filter(lambda v: v != 0 or not divisor), min_size=n, max_size=n)
            )
        return torch.tensor(values, dtype=torch.float64).to(dtype).reshape(shape).to(device)

    a, b = tensor(shape_a, False), tensor(shape_b, True)
    if not (a.is_floating_point() or b.is_floating_point()) and bool((b == 0).any()):
        b = torch.where(b == 0, torch.ones_like(b), b)  # e.g. 256 → 0 in uint8
    return a, b


@on_each_device
@given(data=st.data())
def test_floor_divide_and_remainder_equal_torch(data: st.DataObject, device: torch.device) -> None:
    """Random dtypes, broadcast shapes, infinities, NaNs and signed zeros: torch's results exactly."""
    a, b = data.draw(operand_pairs(device))
    assert_identical(floor_divide(a, b), torch.floor_divide(a, b))
    assert_identical(remainder(a, b), torch.remainder(a, b))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize(
    "divisor",
    [torch.tensor(0.1, dtype=torch.float16), torch.tensor(0.1, dtype=torch.float64), 0.1, 0.3, -0.7],
    ids=["float16 0-dim", "float64 0-dim", "0.1", "0.3", "-0.7"],
)
def test_half_precision_divided_by_a_scalar_as_torch_does(device: torch.device, dtype: torch.dtype, divisor) -> None:
    # Found by the test above: torch divides these in float32 by the scalar's own value, so
    # bfloat16 1 // float16 0.1 is 10 (0.1 rounded to bfloat16 first would give 9).
    x = (torch.arange(-40, 41, dtype=torch.float32) / 4).to(device=device, dtype=dtype)
    assert_identical(floor_divide(x, divisor), torch.floor_divide(x, divisor))
    assert_identical(remainder(x, divisor), torch.remainder(x, divisor))


def test_half_precision_divided_by_a_scalar_warns_nothing() -> None:
    """A 0-dim tensor divisor is used as it is (torch.tensor(tensor) would warn about copy-constructing)."""
    x = (torch.arange(-8, 9, dtype=torch.float32) / 4).to(torch.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_identical(floor_divide(x, torch.tensor(0.1, dtype=torch.float16)), x // torch.tensor(0.1).half())


@pytest.mark.parametrize(
    ("dtype", "a", "b"),
    [
        (torch.float16, [300.75, 361.0, 105.625], [-0.171875, -0.046875, 0.046875]),
        (torch.bfloat16, [400.0, 143.0, -189.0], [1.421875, -0.3125, 1.5625]),
    ],
)
def test_half_precision_divided_by_a_tensor_stays_in_half_precision(
    dtype: torch.dtype, a: list[float], b: list[float]
) -> None:
    """Only a scalar divisor is divided in float32: by a 1-D tensor, torch's CPU kernel rounds each step to dtype.

    The values were found by comparing the two ways over random pairs: here float32 gives another quotient.
    Checked at two lengths, 3 and 96, since torch's kernel takes another path for long tensors (vectorised).
    """
    for copies in (1, 32):
        x, y = torch.tensor(a, dtype=dtype).repeat(copies), torch.tensor(b, dtype=dtype).repeat(copies)
        in_float32 = torch.floor_divide(x.float(), y.float()).to(dtype)
        expected = torch.floor_divide(x, y)
        assert not torch.equal(in_float32, expected)
        assert_identical(floor_divide(x, y), expected)


@pytest.mark.parametrize(
    ("dtype", "a", "b"),
    [
        (torch.bfloat16, -6.548161810916602e-33, -5.266214691683848e-35),
        (torch.float32, -1167559.625, -0.1399330049753189),
    ],
)
def test_a_half_way_rounded_quotient_rounds_down_as_torch_does(dtype: torch.dtype, a: float, b: float) -> None:
    """(a - fmod(a, b)) / b rounds to a whole number and a half here; torch's kernel rounds up only above .5.

    The pairs were found by a search over random pairs of each dtype for a quotient ending in exactly .5
    (torch gives the same at lengths 1 and 64, the kernel's scalar and vectorised paths).
    """
    for length in (1, 64):
        x, y = torch.full((length,), a, dtype=dtype), torch.full((length,), b, dtype=dtype)
        quotient = (x - torch.fmod(x, y)) / y
        assert bool((quotient - quotient.floor() == 0.5).all())
        assert_identical(floor_divide(x, y), torch.floor_divide(x, y))
        assert_identical(remainder(x, y), torch.remainder(x, y))


def test_large_int64_by_a_python_int_is_exact() -> None:
    """int64 dividends past float32's exact range (two past float64's), by a Python int: Python's // and % exactly."""
    x = torch.tensor([2**53 + 1, -(2**40) - 1, 2**62 + 3])
    assert floor_divide(x, 3).tolist() == (x // 3).tolist() == [v // 3 for v in x.tolist()]
    assert remainder(x, -7).tolist() == (x % -7).tolist() == [v % -7 for v in x.tolist()]


@on_each_device
@given(a=st.integers(-50, 50), b=st.integers(-9, 9).filter(bool), number=st.sampled_from([7, -7, 2.5, -0.5]))
def test_python_numbers_follow_python(a: int, b: int, number: float, device: torch.device) -> None:
    """Tensor with a Python number: torch's result, and Python's own // and % for ints."""
    x = torch.tensor([a], device=device)
    assert_identical(floor_divide(x, b), x // b)
    assert_identical(remainder(x, b), x % b)
    assert floor_divide(x, b).item() == a // b
    assert remainder(x, b).item() == a % b
    assert_identical(floor_divide(number, x.double() + 0.5), number // (x.double() + 0.5))


def test_float_floor_division_uses_the_exact_remainder() -> None:
    """1.0 // 0.1 is 9, not floor(1.0 / 0.1) = 10: 0.1 is stored as a little more than 1/10."""
    x = torch.tensor([1.0], dtype=torch.float64)
    assert torch.floor(x / 0.1).item() == 10
    assert floor_divide(x, 0.1).item() == (x // 0.1).item() == 1.0 // 0.1 == 9


def test_integer_division_by_zero_raises_like_torch_on_cpu() -> None:
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([5]) // torch.tensor([0])
    with pytest.raises(ZeroDivisionError, match=r"1 zero divisor"):
        floor_divide(torch.tensor([5, 6]), torch.tensor([0, 1]))
    with pytest.raises(ZeroDivisionError, match=r"^integer division by zero \(2 zero divisor\(s\) in b\)$"):
        floor_divide(torch.tensor([5, 6, 7]), torch.tensor([0, 3, 0]))  # counts the zeros, not the others
    with pytest.raises(ZeroDivisionError):
        remainder(torch.tensor([5]), 0)


@pytest.mark.parametrize("function", [floor_divide, remainder])
def test_bad_operands(function: object) -> None:
    message = (
        rf"^{function.__name__}: needs real integer or floating-point operands, got dtype torch\.bool for a and b; "
        r"convert them with \.long\(\) or \.float\(\)$"
    )
    with pytest.raises(TypeError, match=message):
        function(torch.tensor([True]), torch.tensor([True]))
    with pytest.raises(TypeError, match=rf"^{function.__name__}: needs real .* got dtype torch\.complex64"):
        function(torch.ones(2), 1j)
    with pytest.raises(
        TypeError, match=rf"^{function.__name__}: at least one operand must be a tensor, got int and int$"
    ):
        function(7, 2)
    with pytest.raises(ValueError, match=rf"^{function.__name__}: shapes \(2,\) and \(3,\) do not broadcast"):
        function(torch.ones(2), torch.ones(3))
    # two devices: a meta tensor (every machine has one) is refused before anything is computed
    for a, b, devices in (
        (torch.ones(2), torch.ones(2, device="meta"), "cpu and meta"),
        (torch.ones(2, device="meta"), torch.ones(2), "meta and cpu"),
    ):
        with pytest.raises(
            ValueError, match=rf"^{function.__name__}: operands a and b are on different devices, {devices}$"
        ):
            function(a, b)


@on_each_device
@given(
    shapes=st.sampled_from([((3,), (3,), (3,)), ((2, 1), (1, 3), (3,)), ((), (2,), ()), ((2, 2), (), (2, 1))]),
    dtypes=st.tuples(
        st.sampled_from([torch.int8, torch.int64, torch.float32, torch.float64]),
        st.sampled_from([torch.int32, torch.float16, torch.float32]),
    ),
    data=st.data(),
)
def test_where_equals_torch(shapes: tuple, dtypes: tuple, data: st.DataObject, device: torch.device) -> None:
    """Random masks, broadcast shapes and dtypes, infinities among the values: torch.where exactly."""
    generator = torch.Generator().manual_seed(data.draw(st.integers(0, 2**16)))
    condition = (torch.rand(shapes[0], generator=generator) < 0.5).to(device)
    x = (torch.randn(shapes[1], generator=generator) * 50).to(dtypes[0]).to(device)
    y = torch.full(shapes[2], math.inf).to(dtypes[1]) if dtypes[1].is_floating_point else torch.ones(shapes[2])
    y = y.to(dtypes[1]).to(device)
    assert_identical(where(condition, x, y), torch.where(condition, x, y))
    scalar = data.draw(st.sampled_from([0, 2.5, True]))
    assert_identical(where(condition, x, scalar), torch.where(condition, x, scalar))


def test_where_is_not_arithmetic_with_infinities() -> None:
    """c * x + (1 - c) * y is nan where the unselected value is inf; where is not."""
    c = torch.tensor([True, False])
    x, y = torch.tensor([1.0, math.inf]), torch.tensor([math.inf, 2.0])
    assert torch.isnan(c * x + (~c) * y).all()
    assert where(c, x, y).tolist() == [1.0, 2.0]


def test_where_bad_input_names_it() -> None:
    with pytest.raises(TypeError, match=r"^where: condition must be a bool tensor, got dtype torch\.float32$"):
        where(torch.ones(2), 1, 0)
    with pytest.raises(TypeError):  # torch refuses a list condition too
        torch.where([True, False], 1, 0)
    with pytest.raises(TypeError, match=r"^where: condition must be a bool tensor, got list$"):  # its type, not a dtype
        where([True, False], 1, 0)
    with pytest.raises(TypeError, match=r"^where: x must be a tensor or a Python number, got str$"):
        where(torch.ones(2, dtype=torch.bool), "1", 0)
    with pytest.raises(TypeError, match=r"^where: y must be a tensor or a Python number, got NoneType$"):
        where(torch.ones(2, dtype=torch.bool), 1, None)
    with pytest.raises(ValueError, match=r"^where: shapes do not broadcast: condition \(3,\), x \(2,\), y \(\)$"):
        where(torch.ones(3, dtype=torch.bool), torch.ones(2), 0.0)
