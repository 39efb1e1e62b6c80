"""Checks `dlref.tensors.attributes` against torch, on every available device.

`result_type` must give `torch.result_type`'s dtype, and the dtype of the real sum, for random pairs
of dimensioned tensors, zero-dimensional tensors and Python numbers over every dtype with promotion
rules; `contiguous_strides` must give the strides of a freshly allocated tensor.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.attributes import category, contiguous_strides, promote_types, result_type
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))

DTYPES = [
    torch.bool,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.complex64,
    torch.complex128,
]
NUMBERS = st.sampled_from([True, False, 0, 3, -200, 2.5, -0.0, 1j, 2 - 1j])


@st.composite
def operands(draw: st.DrawFn, device: torch.device) -> torch.Tensor | bool | int | float | complex:
    """Draw a 1-D or 0-D tensor of any dtype on ``device``, or a Python number."""
    if draw(st.integers(0, 3)) == 0:
        return draw(NUMBERS)
    shape = draw(st.sampled_from([(), (2,)]))
    return torch.ones(shape, dtype=draw(st.sampled_from(DTYPES)), device=device)


def describe(x: object) -> str:
    return f"{x.dtype} {tuple(x.shape)}" if isinstance(x, torch.Tensor) else repr(x)


def test_promote_types_equals_torch_for_every_pair() -> None:
    """All 144 ordered pairs of dtypes: torch.promote_types's answer."""
    for a, b in itertools.product(DTYPES, DTYPES):
        assert promote_types(a, b) == torch.promote_types(a, b), (a, b)


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")  # float16 + 1j is complex32
@pytest.mark.parametrize("default", [torch.float32, torch.float64])
@on_each_device
@given(data=st.data())
def test_result_type_equals_torch(data: st.DataObject, default: torch.dtype, device: torch.device) -> None:
    """Random tensors, zero-dim tensors and numbers: torch.result_type's dtype and the sum's dtype."""
    a = data.draw(operands(device), label="a")
    b = data.draw(operands(device), label="b")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        expected = torch.result_type(a, b)
        ours = result_type(a, b)
        if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
            total = a + b if isinstance(a, torch.Tensor) else b + a
            assert total.dtype == expected, (describe(a), describe(b))
    finally:
        torch.set_default_dtype(previous)
    assert ours == expected, (describe(a), describe(b))


def test_result_type_priority_classes() -> None:
    """A lower class widens the result only with a higher category: the documented examples."""
    i8 = torch.tensor([1], dtype=torch.int8)
    f16 = torch.tensor([1.0], dtype=torch.float16)
    f64_scalar = torch.tensor(1.0, dtype=torch.float64)
    assert result_type(i8, 1000) == torch.int8  # same category: the number does not widen it
    assert result_type(i8, 1.5) == torch.float32  # higher category: the default float
    assert result_type(i8, f64_scalar) == torch.float64  # higher category: the zero-dim's own dtype
    assert result_type(f16, f64_scalar) == torch.float16  # same category: the dimensioned wins
    assert result_type(f64_scalar, 1j) == torch.complex128  # float precision kept in the complex type
    bf16 = torch.tensor([1.0], dtype=torch.bfloat16)
    assert result_type(bf16, 1j) == torch.result_type(bf16, 1j) == torch.complex64  # bfloat16 has no complex type
    assert result_type(torch.tensor(True), 1) == torch.int64


def test_category_order() -> None:
    assert [category(d) for d in (torch.bool, torch.int16, torch.bfloat16, torch.complex128)] == [0, 1, 2, 3]


def test_result_type_bad_operands_name_them() -> None:
    with pytest.raises(TypeError, match=r"operand 1 must be a tensor or a Python number, got '2' \(str\)"):
        result_type(torch.ones(2), "2")
    with pytest.raises(TypeError, match=r"^result_type needs at least one operand$"):
        result_type()
    with pytest.raises(TypeError, match=r"no promotion rule for torch\.uint16"):
        result_type(torch.ones(2, dtype=torch.uint16), torch.ones(2))
    with pytest.raises(RuntimeError, match="Promotion for uint16"):  # torch refuses it too
        torch.promote_types(torch.uint16, torch.int8)


def test_promote_types_bad_dtypes_name_the_argument() -> None:
    """A dtype without a rule, or no dtype at all: a TypeError naming the argument (a or b) and what it got."""
    message = (
        r"^b: no promotion rule for torch\.uint16: only bool, uint8, int8\.\.int64, float16, bfloat16, float32, "
        r"float64 and complex32\.\.complex128 take part in promotion$"
    )
    with pytest.raises(TypeError, match=message):
        promote_types(torch.int8, torch.uint16)
    with pytest.raises(TypeError):  # torch refuses a string too
        torch.promote_types("float32", torch.float32)
    with pytest.raises(TypeError, match=r"^a must be a torch\.dtype, got 'float32' \(str\)$"):
        promote_types("float32", torch.float32)


@on_each_device
@given(shape=st.lists(st.integers(0, 4), max_size=5))
def test_contiguous_strides_equal_torch(shape: list[int], device: torch.device) -> None:
    """Any shape, length-0 axes included: the strides of torch.empty(shape)."""
    x = torch.empty(shape, device=device)
    assert contiguous_strides(shape) == x.stride()
    assert contiguous_strides(x.shape) == x.contiguous().stride()


def test_contiguous_strides_bad_shapes_name_the_axis() -> None:
    with pytest.raises(ValueError, match=r"got shape \(2, -1\) \(axis 1 is -1\)"):
        contiguous_strides((2, -1))
    with pytest.raises(TypeError, match=r"axis 0 is float"):
        contiguous_strides((2.0, 3))
