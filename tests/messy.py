"""Messy input for the bad-input property tests, and the one verdict each of their calls gets.

The strategies draw what real data brings: tensors of any shape (empty ones included), of every
dtype, on the test's device, holding NaN, infinities, huge and tiny values. `check` runs dlref's
function and its reference (torch's, where torch has one) on the same input and accepts only:

- **right**: dlref returns torch's result (same shape, dtype and device; the values equal, NaN
  where torch has NaN); or
- **clear error**: dlref raises one of the error types its docstring documents, with the name of
  the offending argument in the message.

Anything else is **wrong** and fails the test: a result torch does not give, a result where torch
refuses, an undocumented error type, or a message that names no argument. `OUTCOMES` counts the
verdicts per function, for reports (run the tests in one process and read it).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from hypothesis import strategies as st

OUTCOMES: Counter[tuple[str, str]] = Counter()
"""``(function, outcome)`` -> calls, for outcome ``right``, ``clear error``, ``refused`` (a clear
error where torch answers) or ``wrong``."""

SAMPLES: dict[tuple[str, str], list[str]] = {}
"""``(function, outcome)`` -> the first few errors of that outcome, for reports."""

DTYPES = (
    torch.bool,
    torch.uint8,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.complex64,
)
FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)

# Values that break naive code: signed zeros, NaN, infinities, values whose squares overflow or
# underflow float32 (1e30, 1e-30), and one that overflows float32 itself (1e300 becomes inf).
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, 3.0, math.nan, math.inf, -math.inf, 1e30, -1e30, 1e-30, 1e300)


def shapes(max_dims: int = 3, max_side: int = 3, min_dims: int = 0) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes with ``min_dims`` to ``max_dims`` axes of 0 to ``max_side`` entries: empty tensors
    included, but mostly axes of 1 or more."""
    side = st.integers(1, max_side) | st.integers(0, max_side)
    return st.lists(side, min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def tensors(
    draw: st.DrawFn,
    device: torch.device,
    dtypes: Sequence[torch.dtype] = DTYPES,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
) -> torch.Tensor:
    """A tensor of one of ``dtypes`` on ``device``; floating ones hold the `SPECIAL` values too."""
    floats = [dtype for dtype in dtypes if dtype.is_floating_point]
    # half the time a float dtype, as most calls are: the others test the dtype checks
    dtype = draw(st.sampled_from(floats) if floats and draw(st.booleans()) else st.sampled_from(list(dtypes)))
    if shape is None:
        shape = shapes()
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    n = math.prod(shape)
    if dtype == torch.bool:
        values: list = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        wide = torch.tensor(values, dtype=torch.bool)
    elif dtype.is_floating_point or dtype.is_complex:
        entries = st.floats(-10, 10) | st.floats(-10, 10) | st.sampled_from(SPECIAL)  # a third special
        values = draw(st.lists(entries, min_size=n, max_size=n))
        wide = torch.tensor(values, dtype=torch.float64)
    else:
        values = draw(st.lists(st.integers(0 if dtype == torch.uint8 else -9, 9), min_size=n, max_size=n))
        wide = torch.tensor(values, dtype=torch.int64)
    return wide.reshape(shape).to(dtype).to(device)


# torch computes float16 and bfloat16 operations in float32 and rounds once; dlref's formulas round
# at each step in the tensor's dtype (1 - p, 1 - t^2, a / b^2 lose digits there): they agree to a
# few units in the last place, not to torch.testing's one.
HALF_TOLERANCE = {torch.float16: (4e-3, 1e-5), torch.bfloat16: (3.2e-2, 1e-5)}


def rounded_once(
    function: Callable[..., torch.Tensor],
    dtypes: tuple[torch.dtype, ...] = (torch.float16, torch.bfloat16),
    via: torch.dtype = torch.float32,
) -> Callable[..., torch.Tensor]:
    """torch's ``function`` of a first operand of one of ``dtypes`` (and of further operands of its
    dtype, or integers) computed in ``via`` and rounded once to that dtype: a reference where torch's
    own kernel for the narrower dtype is several units in the last place off (log_softmax of float16
    ``[0.75, -2]`` on the CPU: -0.0616 where the rounded answer is -0.0620; the mean binary
    cross-entropy of float16 logits ``[-1, -3, -4]`` with targets 0: 0.1273 for 0.1267), or
    overflows. Other operands go to ``function`` as they are, so that it refuses what torch refuses."""

    def reference(z: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        if z.dtype in dtypes and all(r.dtype == z.dtype or not r.is_floating_point() for r in rest):
            return function(z.to(via), *(r.to(via) if r.dtype == z.dtype else r for r in rest)).to(z.dtype)
        return function(z, *rest)

    return reference


def same(got: Any, expected: Any, *, rtol: float | None = None, atol: float | None = None) -> None:
    """Equal results: tensors of the same shape, dtype and device with equal values (NaN matching
    NaN, within torch.testing's tolerance for the dtype, `HALF_TOLERANCE` for half precision, or
    ``rtol`` and ``atol``); anything else by ``==``."""
    if isinstance(expected, torch.Tensor) and rtol is None and expected.dtype in HALF_TOLERANCE:
        rtol, atol = HALF_TOLERANCE[expected.dtype]
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"expected a tensor, got {got!r}"
        assert (got.shape, got.dtype, got.device) == (expected.shape, expected.dtype, expected.device), (
            f"got {tuple(got.shape)} {got.dtype} on {got.device},"
            f" torch {tuple(expected.shape)} {expected.dtype} on {expected.device}"
        )
        torch.testing.assert_close(got, expected, equal_nan=True, rtol=rtol, atol=atol)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float), f"got {got!r}, torch nan"
        assert math.isnan(got), f"got {got!r}, torch nan"
    else:
        assert got == expected, f"got {got!r}, torch {expected!r}"


def to_the_precision_of(*inputs: torch.Tensor) -> Callable[[Any, Any], None]:
    """`same`, to the precision of the least precise floating input: a float16 operand in a float32
    result rounds where torch's kernel may not (or the other way round)."""
    for dtype in (torch.bfloat16, torch.float16):
        if any(x.dtype == dtype for x in inputs):
            rtol, atol = HALF_TOLERANCE[dtype]
            return lambda got, expected: same(got, expected, rtol=rtol, atol=atol)
    return same


def check(
    function: str,
    ours: Callable[[], Any],
    reference: Callable[[], Any],
    *,
    raises: tuple[type[BaseException], ...],
    names: Sequence[str],
    compare: Callable[[Any, Any], None] = same,
) -> str:
    """Call dlref's ``ours`` and its ``reference`` (torch's counterpart) and return the verdict.

    ``raises`` are the error types ``function``'s docstring documents, ``names`` the argument
    names of which its message must contain one. Counts the verdict in `OUTCOMES` and fails (an
    ``AssertionError`` saying what happened) when it is wrong.
    """
    try:
        expected, torch_error = reference(), None
    except Exception as error:  # torch refuses this input
        expected, torch_error = None, error
    try:
        got = ours()
    except raises as error:
        message = str(error)
        if not any(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message) for name in names):
            return _wrong(function, f"{type(error).__name__}({message!r}) names none of {list(names)}")
        outcome = "clear error" if torch_error is not None else "refused"
        SAMPLES.setdefault((function, outcome), [])
        if len(SAMPLES[function, outcome]) < 3:
            SAMPLES[function, outcome].append(f"{type(error).__name__}: {message} [torch: {torch_error or expected!r}]")
        return _count(function, outcome)
    except Exception as error:
        return _wrong(function, f"undocumented {type(error).__name__}: {error}")
    if torch_error is not None:
        return _wrong(function, f"returned {got!r} where torch raises {type(torch_error).__name__}: {torch_error}")
    try:
        compare(got, expected)
    except AssertionError as error:
        return _wrong(function, f"a result other than torch's: {error}")
    return _count(function, "right")


def _count(function: str, outcome: str) -> str:
    OUTCOMES[function, outcome] += 1
    return outcome


def _wrong(function: str, what: str) -> str:
    _count(function, "wrong")
    raise AssertionError(f"{function}: {what}")
