"""Checks `dlref.linalg.products` against torch, on every available device.

Float results must lie within a bound on the rounding error of a sum of products, a few units in the
last place of $\\sum_k |a_{ik} b_{kj}|$ (torch's kernels add in float32, in their own order; the
reference adds in float64 and rounds once). Integer results must be equal; torch multiplies integer
matrices on the CPU only, so for integers the expected result is computed there.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.linalg import products
from dlref.linalg.products import dot, matmul, mm, mv
from outcomes import judge
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))

DTYPES = [torch.float32, torch.float64, torch.int32, torch.int64]
sizes = st.integers(0, 5)
seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from(DTYPES)


def random_tensor(shape: tuple[int, ...], dtype: torch.dtype, seed: int, device: torch.device) -> torch.Tensor:
    """Draw a tensor on the CPU from ``seed`` and move it to ``device``."""
    generator = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return (torch.randn(shape, generator=generator) * 10).to(dtype).to(device)
    return torch.randint(-100, 100, shape, generator=generator).to(dtype).to(device)


def torch_result(function, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """torch's product on the inputs' device; for integer inputs, on the CPU (CUDA has no such kernels)."""
    if a.dtype.is_floating_point:
        return function(a, b)
    return function(a.cpu(), b.cpu()).to(a.device)


def assert_product_close(ours: torch.Tensor, expected: torch.Tensor, magnitude: torch.Tensor, terms: int) -> None:
    """Same dtype, device and shape; equal integers; floats within (terms + 2) ulps of ``magnitude``."""
    assert ours.dtype == expected.dtype
    assert ours.device == expected.device
    assert ours.shape == expected.shape
    if not expected.dtype.is_floating_point:
        assert torch.equal(ours, expected)
        return
    bound = (terms + 2) * torch.finfo(expected.dtype).eps * magnitude + torch.finfo(expected.dtype).tiny
    assert ((ours.double() - expected.double()).abs() <= bound).all(), (ours, expected)


@on_each_device
@given(n=sizes, dtype=dtypes, seed=seeds)
def test_dot_equals_torch(n: int, dtype: torch.dtype, seed: int, device: torch.device) -> None:
    """Vectors of length 0 to 5, float or int: torch.dot's result."""
    x = random_tensor((n,), dtype, seed, device)
    y = random_tensor((n,), dtype, seed + 1, device)
    magnitude = torch.dot(x.double().abs(), y.double().abs())
    assert_product_close(dot(x, y), torch_result(torch.dot, x, y), magnitude, n)


@on_each_device
@given(m=sizes, n=sizes, dtype=dtypes, seed=seeds)
def test_mv_equals_torch(m: int, n: int, dtype: torch.dtype, seed: int, device: torch.device) -> None:
    """(m, n) times (n,): torch.mv's result."""
    A = random_tensor((m, n), dtype, seed, device)
    x = random_tensor((n,), dtype, seed + 1, device)
    magnitude = torch.mv(A.double().abs(), x.double().abs())
    assert_product_close(mv(A, x), torch_result(torch.mv, A, x), magnitude, n)


@on_each_device
@given(m=sizes, n=sizes, p=sizes, dtype=dtypes, seed=seeds)
def test_mm_equals_torch(m: int, n: int, p: int, dtype: torch.dtype, seed: int, device: torch.device) -> None:
    """(m, n) times (n, p): torch.mm's result."""
    A = random_tensor((m, n), dtype, seed, device)
    B = random_tensor((n, p), dtype, seed + 1, device)
    magnitude = torch.mm(A.double().abs(), B.double().abs())
    assert_product_close(mm(A, B), torch_result(torch.mm, A, B), magnitude, n)


@st.composite
def matmul_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Draw shapes that torch.matmul accepts: vectors, matrices, and batches that broadcast."""
    m, n, p = draw(sizes), draw(sizes), draw(sizes)
    batch = draw(st.lists(st.integers(1, 3), max_size=3))

    def operand_batch() -> tuple[int, ...]:
        kept = batch[draw(st.integers(0, len(batch))) :]  # drop some leading axes
        return tuple(1 if draw(st.booleans()) else size for size in kept)  # and squash some to 1

    a = (n,) if draw(st.booleans()) else (*operand_batch(), m, n)
    b = (n,) if draw(st.booleans()) else (*operand_batch(), n, p)
    return a, b


@on_each_device
@given(shapes=matmul_shapes(), dtype=dtypes, seed=seeds)
def test_matmul_equals_torch(shapes: tuple, dtype: torch.dtype, seed: int, device: torch.device) -> None:
    """Vectors, matrices, broadcast batches: torch.matmul's shape and values."""
    a_shape, b_shape = shapes
    A = random_tensor(a_shape, dtype, seed, device)
    B = random_tensor(b_shape, dtype, seed + 1, device)
    magnitude = torch.matmul(A.double().abs(), B.double().abs())
    assert_product_close(matmul(A, B), torch_result(torch.matmul, A, B), magnitude, a_shape[-1])


def test_matmul_of_vectors_and_matrices_is_dot_mv_mm(device: torch.device) -> None:
    """matmul reduces to dot, mv and mm, as @ does."""
    A = random_tensor((3, 4), torch.int64, 0, device)
    B = random_tensor((4, 2), torch.int64, 1, device)
    x = random_tensor((4,), torch.int64, 2, device)
    assert torch.equal(matmul(x, x), dot(x, x))
    assert torch.equal(matmul(A, x), mv(A, x))
    assert torch.equal(matmul(A, B), mm(A, B))
    assert torch.equal(matmul(x, B), mv(B.T, x))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((4,), (4,)),
        ((3, 4), (4,)),
        ((2, 3, 4), (4,)),
        ((4,), (4, 2)),
        ((4,), (2, 4, 5)),
        ((1, 4), (4,)),
        ((4,), (4, 1)),
    ],
)
def test_matmul_drops_the_axes_it_added_for_vectors(a: tuple, b: tuple, device: torch.device) -> None:
    """A 1-D operand is a row (A) or a column (B) whose added axis is removed from the result, also under a
    batch and beside other length-1 axes: torch.matmul's shape and values (int64, exact)."""
    A = random_tensor(a, torch.int64, 0, device)
    B = random_tensor(b, torch.int64, 1, device)
    expected = torch_result(torch.matmul, A, B)
    ours = matmul(A, B)
    assert ours.shape == expected.shape
    assert torch.equal(ours, expected)


def test_transpose_of_a_product_reverses_the_order(device: torch.device) -> None:
    """(AB)^T = B^T A^T, exactly for integers."""
    A = random_tensor((3, 4), torch.int64, 0, device)
    B = random_tensor((4, 2), torch.int64, 1, device)
    assert torch.equal(mm(A, B).T, mm(B.T, A.T))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("function", [dot, mv, mm, matmul])
def test_16_bit_products_are_formed_and_summed_wide_like_torch(
    function, dtype: torch.dtype, device: torch.device, monkeypatch: pytest.MonkeyPatch
) -> None:
    """x = (a, 1), y = (a, -c) with a = 1 + 2^-7 and c = 1 + 2^-6, the 16-bit rounding of a^2 = 1 + 2^-6 + 2^-14
    (float16 keeps 10 bits after the point, bfloat16 7): x . y is exactly 2^-14, which torch gives too (its
    16-bit products are formed and added in float32). Products rounded to 16 bits would cancel to 0, and so
    would a partial sum rounded to 16 bits between blocks (mm and matmul with blocks of one product)."""
    a, c = 1 + 2**-7, 1 + 2**-6
    assert torch.tensor(a * a, dtype=dtype).item() == c
    x = torch.tensor([a, 1.0], dtype=dtype, device=device)
    y = torch.tensor([a, -c], dtype=dtype, device=device)
    operands = {dot: (x, y), mv: (x[None], y), mm: (x[None], y[:, None]), matmul: (x[None], y[:, None])}[function]
    expected = getattr(torch, function.__name__)(*operands)
    assert expected.flatten().tolist() == [2**-14]
    ours = function(*operands)
    assert (ours.dtype, ours.shape, ours.device) == (expected.dtype, expected.shape, expected.device)
    assert torch.equal(ours, expected)
    monkeypatch.setattr(products, "BLOCK_ELEMENTS", 1)
    assert torch.equal(function(*operands), expected)


# blocks: bounded memory ---------------------------------------------------------------------------


@pytest.fixture
def largest_block(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the number of entries of every product tensor that ``mm`` and ``matmul`` sum."""
    seen: list[int] = []
    summed = products.sum

    def recording(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        seen.append(x.numel())
        return summed(x, *args, **kwargs)

    monkeypatch.setattr(products, "sum", recording)
    return seen


@on_each_device
@given(shapes=matmul_shapes(), block=st.integers(1, 12), dtype=dtypes, seed=seeds)
def test_small_blocks_give_torchs_product(
    shapes: tuple, block: int, dtype: torch.dtype, seed: int, device: torch.device, largest_block: list[int]
) -> None:
    """With blocks of 1 to 12 products, every shape spans several blocks: still torch.matmul's result."""
    a_shape, b_shape = shapes
    A = random_tensor(a_shape, dtype, seed, device)
    B = random_tensor(b_shape, dtype, seed + 1, device)
    expected = torch_result(torch.matmul, A, B)
    magnitude = torch.matmul(A.double().abs(), B.double().abs())
    largest_block.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(products, "BLOCK_ELEMENTS", block)
        ours = matmul(A, B)
    assert_product_close(ours, expected, magnitude, a_shape[-1])
    batch = torch.broadcast_shapes(a_shape[:-2], b_shape[:-2]).numel()
    assert max(largest_block, default=0) <= max(block, batch)


def test_a_product_that_fits_a_block_is_formed_at_once(
    largest_block: list[int], monkeypatch: pytest.MonkeyPatch, device: torch.device
) -> None:
    """Blocks are as large as BLOCK_ELEMENTS allows: (2, 3) @ (3, 4) has 24 products, one block of 24, and a
    batch of two such products one block of 48 when BLOCK_ELEMENTS is 24 or 48."""
    A = random_tensor((2, 3), torch.int64, 0, device)
    B = random_tensor((3, 4), torch.int64, 1, device)
    monkeypatch.setattr(products, "BLOCK_ELEMENTS", 24)
    assert torch.equal(mm(A, B), torch_result(torch.mm, A, B))
    assert largest_block == [24]
    largest_block.clear()
    monkeypatch.setattr(products, "BLOCK_ELEMENTS", 48)
    A2 = torch.stack([A, -A])
    assert torch.equal(matmul(A2, B), torch_result(torch.matmul, A2, B))
    assert largest_block == [48]


def test_a_product_larger_than_a_block_is_formed_in_blocks(largest_block: list[int], device: torch.device) -> None:
    """(300, 200) @ (200, 70): 4.2 million products, formed at most BLOCK_ELEMENTS (2^20) at a time."""
    A = random_tensor((300, 200), torch.float64, 0, device)
    B = random_tensor((200, 70), torch.float64, 1, device)
    ours = mm(A, B)
    assert len(largest_block) > 4
    assert max(largest_block) <= products.BLOCK_ELEMENTS
    assert_product_close(ours, torch.mm(A, B), torch.mm(A.abs(), B.abs()), 200)
    C = random_tensor((3, 100, 50), torch.float32, 2, device)
    D = random_tensor((50, 300), torch.float32, 3, device)
    largest_block.clear()
    assert_product_close(matmul(C, D), torch.matmul(C, D), torch.matmul(C.double().abs(), D.double().abs()), 50)
    assert max(largest_block) <= products.BLOCK_ELEMENTS < 3 * 100 * 50 * 300


# errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "torch_function", "a", "b", "message"),
    [
        (dot, torch.dot, (3,), (4,), r"^dot: lengths differ: x is \(3,\) and y is \(4,\): 3 != 4$"),
        (mv, torch.mv, (2, 3), (4,), r"^mv: inner dimensions differ: A is \(2, 3\) and x is \(4,\): 3 != 4$"),
        (mm, torch.mm, (2, 3), (4, 5), r"^mm: inner dimensions differ: A is \(2, 3\) and B is \(4, 5\): 3 != 4$"),
        (mm, torch.mm, (2, 3), (2, 3), r"^mm: inner dimensions differ: A is \(2, 3\) and B is \(2, 3\): 3 != 2$"),
        (
            matmul,
            torch.matmul,
            (7, 2, 3),
            (4, 5),
            r"^matmul: inner dimensions differ: A is \(7, 2, 3\) and B is \(4, 5\): 3 != 4$",
        ),
        (matmul, torch.matmul, (3,), (4,), r"^matmul: inner dimensions differ: A is \(3,\) and B is \(4,\): 3 != 4$"),
        (
            matmul,
            torch.matmul,
            (2, 3, 4),
            (3, 4, 5),
            r"^matmul: batch shapes \(2,\) and \(3,\) do not broadcast: A is \(2, 3, 4\) and B is \(3, 4, 5\)$",
        ),
        (matmul, torch.matmul, (), (3,), r"^matmul: both arguments need at least 1 dimension, got A of shape \(\)"),
        (dot, torch.dot, (3, 1), (3,), r"^dot: x must be a vector \(1-D\), got shape \(3, 1\)$"),
        (dot, torch.dot, (3,), (3, 1), r"^dot: y must be a vector \(1-D\), got shape \(3, 1\)$"),
        (mv, torch.mv, (3,), (3,), r"^mv: A must be a matrix \(2-D\), got shape \(3,\)$"),
        (mv, torch.mv, (2, 3), (3, 1), r"^mv: x must be a vector \(1-D\), got shape \(3, 1\)$"),
        (mm, torch.mm, (3,), (3, 2), r"^mm: A must be a matrix \(2-D\), got shape \(3,\)$"),
        (mm, torch.mm, (2, 3), (3,), r"^mm: B must be a matrix \(2-D\), got shape \(3,\)$"),
    ],
)
def test_shape_errors_name_both_shapes(function, torch_function, a, b, message: str, device: torch.device) -> None:
    """Shapes that do not multiply: torch refuses them; the reference says which and why."""
    A, B = torch.ones(a, device=device), torch.ones(b, device=device)
    with pytest.raises(RuntimeError):
        torch_function(A, B)
    with pytest.raises(ValueError, match=message):
        function(A, B)


# Each product with operands of shapes it accepts, and its parameters' names (which its errors use).
OPERANDS = [
    (dot, ((3,), (3,)), ("x", "y")),
    (mv, ((2, 3), (3,)), ("A", "x")),
    (mm, ((2, 3), (3, 2)), ("A", "B")),
    (matmul, ((2, 3), (3, 2)), ("A", "B")),
]


@pytest.mark.parametrize(("function", "shapes", "names"), OPERANDS)
def test_mixed_dtypes_are_refused_like_torch(
    function, shapes: tuple, names: tuple[str, str], device: torch.device
) -> None:
    """float32 with float64: refused by torch and by the reference, naming the function, both operands
    (by the names of its parameters) and both dtypes."""
    A = torch.ones(shapes[0], device=device)
    B = torch.ones(shapes[1], dtype=torch.float64, device=device)
    with pytest.raises(RuntimeError):
        getattr(torch, function.__name__)(A, B)
    first, second = names
    message = (
        rf"^{function.__name__}: {first} is torch\.float32 and {second} is torch\.float64; "
        rf"convert one, e\.g\. {second}\.to\({first}\.dtype\)$"
    )
    with pytest.raises(TypeError, match=message):
        function(A, B)


@pytest.mark.parametrize(("function", "shapes", "names"), OPERANDS)
def test_operands_on_different_devices_are_refused(function, shapes: tuple, names: tuple[str, str]) -> None:
    """A CPU tensor with a tensor on the meta device (a second device that every machine has; torch refuses a
    CPU with a CUDA operand, though its meta kernels of mm and matmul do not check): the reference refuses
    them, naming both operands and their devices."""
    A = torch.ones(shapes[0])
    B = torch.ones(shapes[1], device="meta")
    first, second = names
    with pytest.raises(ValueError, match=rf"^{function.__name__}: {first} is on cpu and {second} is on meta; move one"):
        function(A, B)


def test_boolean_products_are_refused_like_torch() -> None:
    """torch has no boolean dot or mm; the reference refuses them with a hint."""
    x = torch.tensor([True, False])
    with pytest.raises(NotImplementedError):
        torch.dot(x, x)
    with pytest.raises(TypeError, match=r"^dot: x and y are boolean tensors, which have no product"):
        dot(x, x)


# generated bad input: torch's answer or a clear error ---------------------------------------------

ANY_DTYPE = [torch.float32, torch.float64, torch.int64, torch.bool, torch.complex64]


@st.composite
def operands(draw: st.DrawFn, device: torch.device, like: torch.Tensor | None = None) -> torch.Tensor:
    """0 to 3 dimensions of 0 to 3 entries, any dtype, perhaps holding NaN or inf. Given ``like``, half the
    time a shape that fits after it (its last length first) and its dtype, so that half the pairs multiply."""
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    dtype = draw(st.sampled_from(ANY_DTYPE))
    if like is not None and like.dim() and draw(st.booleans()):
        shape = (like.shape[-1], *shape[:1])
        dtype = like.dtype if draw(st.integers(0, 3)) else dtype
    t = random_tensor(shape, torch.float64, draw(seeds), torch.device("cpu"))
    if t.numel() and draw(st.integers(0, 2)) == 0:
        t.view(-1)[draw(st.integers(0, t.numel() - 1))] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    if not (dtype.is_floating_point or dtype.is_complex):
        t = t.nan_to_num(0, 0, 0).round()
    return t.to(dtype).to(device)


@settings(max_examples=scaled(40))
@given(data=st.data(), function=st.sampled_from([dot, mv, mm, matmul]))
def test_any_operands_give_torchs_answer_or_a_clear_error(data: st.DataObject, function, device: torch.device) -> None:
    """Whatever torch computes (on the CPU for integers), the reference computes too; what torch refuses,
    the reference refuses with a TypeError or ValueError naming the operand(s)."""
    A = data.draw(operands(device))
    B = data.draw(operands(device, like=A))
    names = {dot: ["x", "y"], mv: ["A", "x"], mm: ["A", "B"], matmul: ["A", "B"]}[function]
    reference = getattr(torch, function.__name__)
    try:
        on_cpu = not A.dtype.is_floating_point and not A.dtype.is_complex
        expected = reference(A.cpu(), B.cpu()).to(device) if on_cpu else reference(A, B)
    except (RuntimeError, NotImplementedError, IndexError):
        expected = None
    if A.dtype == torch.bool:
        expected = None  # torch has no boolean products; it answers only for empty ones, before looking
    if A.dtype != B.dtype:
        expected = None  # torch refuses mixed dtypes, but its batched matmul answers for an empty batch

    def right(ours: torch.Tensor) -> bool:
        assert (ours.dtype, ours.shape, ours.device) == (expected.dtype, expected.shape, expected.device)
        if expected.is_floating_point() or expected.is_complex():
            tolerance = {"rtol": 1e-4, "atol": 1e-4} if expected.dtype in (torch.float32, torch.complex64) else {}
            torch.testing.assert_close(ours, expected, equal_nan=True, **tolerance)
            return True
        return torch.equal(ours, expected)

    named = [f"{name}{then}" for name in names for then in (" is", " must", " of shape", " and ")]
    judge(function.__name__, lambda: function(A, B), named, None if expected is None else right)
