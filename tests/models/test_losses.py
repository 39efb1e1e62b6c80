"""Checks `dlref.models.losses` against torch.nn.functional on every device, the naive forms' overflow, bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlref.models import losses
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))


def draw_logits(seed: int, n: int, k: int, scale: float, device: torch.device) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(n, k, generator=generator)).to(device)


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(1, 8), k=st.integers(1, 6), scale=st.sampled_from([1.0, 30.0, 1e3]))
@example(seed=195, n=4, k=4, scale=1e3)  # z_j - logsumexp(z) cancelled to 0 where torch gives -1.85e-5
def test_softmax_family_matches_torch_even_for_huge_logits(
    device: torch.device, seed: int, n: int, k: int, scale: float
) -> None:
    Z = draw_logits(seed, n, k, scale, device)
    torch.testing.assert_close(losses.softmax(Z), torch.softmax(Z, dim=-1))
    torch.testing.assert_close(losses.logsumexp(Z), torch.logsumexp(Z, dim=-1))
    torch.testing.assert_close(losses.log_softmax(Z), torch.log_softmax(Z, dim=-1))
    y = torch.randint(0, k, (n,), generator=torch.Generator().manual_seed(seed)).to(device)
    torch.testing.assert_close(losses.cross_entropy(Z, y), F.cross_entropy(Z, y))


@on_each_device
@given(seed=st.integers(0, 2**31), n=st.integers(1, 8), scale=st.sampled_from([1.0, 30.0, 1e3]))
def test_binary_losses_match_torch(device: torch.device, seed: int, n: int, scale: float) -> None:
    z = draw_logits(seed, n, 1, scale, device)
    y = torch.randint(0, 2, (n, 1), generator=torch.Generator().manual_seed(seed)).float().to(device)
    torch.testing.assert_close(losses.sigmoid(z), torch.sigmoid(z))
    torch.testing.assert_close(losses.binary_cross_entropy_with_logits(z, y), F.binary_cross_entropy_with_logits(z, y))
    torch.testing.assert_close(losses.squared_loss(z, y), F.mse_loss(z, y) / 2)


def test_the_naive_forms_agree_on_small_logits_and_overflow_on_large(device: torch.device) -> None:
    Z = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], device=device)
    y = torch.tensor([2, 0], device=device)
    torch.testing.assert_close(losses.softmax_naive(Z), losses.softmax(Z))
    torch.testing.assert_close(losses.cross_entropy_naive(Z, y), losses.cross_entropy(Z, y))
    big = Z + 1000
    assert losses.softmax_naive(big).isnan().all()
    assert not losses.cross_entropy_naive(big, y).isfinite()
    torch.testing.assert_close(losses.cross_entropy(big, y), losses.cross_entropy(Z, y))  # shift-invariant
    z, t = torch.tensor([[40.0]], device=device), torch.tensor([[0.0]], device=device)
    # sigma(40) is 1 in float32: log(1 - 1) = -inf, clamped at -100 as nn.BCELoss does
    torch.testing.assert_close(losses.binary_cross_entropy_naive(z, t), torch.tensor(100.0, device=device))
    torch.testing.assert_close(losses.binary_cross_entropy_naive(z, t), F.binary_cross_entropy(torch.sigmoid(z), t))
    torch.testing.assert_close(losses.binary_cross_entropy_with_logits(z, t), torch.tensor(40.0, device=device))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_the_naive_binary_loss_is_torchs_bce_of_the_sigmoid_clamped_at_100(dtype: torch.dtype) -> None:
    """As ``F.binary_cross_entropy(torch.sigmoid(z), y)``: each log clamped at -100 (sigma(-200) is 0 and
    sigma(40) is 1 in float32), and in 16 bits p rounded to the dtype, 1 - p and the log in float32."""
    z = torch.tensor([[-200.0], [40.0], [-4.0], [-8.0], [3.0], [-0.5]], dtype=dtype)
    y = torch.tensor([[1.0], [0.0], [0.0], [0.0], [1.0], [0.0]], dtype=dtype)
    expected = F.binary_cross_entropy(torch.sigmoid(z), y, reduction="none")
    if dtype is torch.float32:
        torch.testing.assert_close(expected[:2], torch.tensor([[100.0], [100.0]]))
    for i in range(len(z)):  # one example at a time: in a mean, the 0.4% of a 16-bit 1 - p at z = -4 would blur
        torch.testing.assert_close(losses.binary_cross_entropy_naive(z[i : i + 1], y[i : i + 1]), expected[i, 0])


def test_gradients_stay_finite_on_huge_logits(device: torch.device) -> None:
    Z = torch.tensor([[1e4, 0.0, -1e4]], device=device, requires_grad=True)
    losses.cross_entropy(Z, torch.tensor([1], device=device)).backward()
    assert Z.grad is not None
    assert Z.grad.isfinite().all()
    torch.testing.assert_close(Z.grad, torch.tensor([[1.0, -1.0, 0.0]], device=device))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: losses.squared_loss(torch.ones(3, 1), torch.ones(3)),
            r"^squared_loss: y_hat has shape \(3, 1\) but y has shape \(3,\); they must match \(broadcasting would "
            r"pair every prediction with every target\)$",
        ),
        (
            lambda: losses.binary_cross_entropy_with_logits(torch.ones(3), torch.ones(3, 1)),
            r"^binary_cross_entropy_with_logits: logits has shape \(3,\) but y",
        ),
        (
            lambda: losses.cross_entropy(torch.ones(3), torch.zeros(3, dtype=torch.int64)),
            r"^cross_entropy: logits must be 2-D .*\(3,\)",
        ),
        (  # the shape y needs is (examples,), whatever the number of classes
            lambda: losses.cross_entropy(torch.ones(3, 4), torch.zeros(3)),
            r"^cross_entropy: y must be int64 class indices of shape \(3,\), got torch.float32 of shape \(3,\)$",
        ),
        (lambda: losses.cross_entropy(torch.ones(3, 4), torch.zeros(3, 4, dtype=torch.int64)), r"shape \(3, 4\)"),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3), [0, 1]),
            r"^cross_entropy: y must be int64 class indices of shape \(2,\), got list$",
        ),
        # meta stands in for a second device on a CPU-only machine
        (
            lambda: losses.squared_loss(torch.ones(3), torch.ones(3, device="meta")),
            r"^squared_loss: y_hat is on cpu but y is on meta; move y with y\.to\(y_hat\.device\)$",
        ),
        (
            lambda: losses.binary_cross_entropy_with_logits(torch.ones(3), torch.ones(3, device="meta")),
            r"^binary_cross_entropy_with_logits: logits is on cpu but y is on meta; "
            r"move y with y\.to\(logits\.device\)$",
        ),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3), torch.zeros(2, dtype=torch.int64, device="meta")),
            r"^cross_entropy: logits is on cpu but y is on meta; move y with y\.to\(logits\.device\)$",
        ),
    ],
)
def test_bad_input(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


INF = float("inf")


def test_infinite_logits_give_torchs_answers(device: torch.device) -> None:
    """A row of -inf: logsumexp -inf; a +inf: inf (the shift is 0 there); softmax and log_softmax shift by
    the maximum regardless, so inf - inf gives NaN where torch's do."""
    Z = torch.tensor([[-INF, -INF], [INF, 1.0], [INF, -INF], [-INF, 1.0]], device=device)
    torch.testing.assert_close(losses.logsumexp(Z), torch.logsumexp(Z, dim=-1))
    torch.testing.assert_close(losses.softmax(Z), torch.softmax(Z, dim=-1), equal_nan=True)
    torch.testing.assert_close(losses.log_softmax(Z), torch.log_softmax(Z, dim=-1), equal_nan=True)
    empty = torch.empty(2, 0, device=device)
    torch.testing.assert_close(losses.logsumexp(empty), torch.logsumexp(empty, dim=-1))
    assert losses.softmax(empty).shape == (2, 0)


@pytest.mark.parametrize("shape", [(0,), (2, 0), (2, 3, 0)])
@pytest.mark.parametrize("default", [torch.float32, torch.float64])
def test_an_empty_last_dimension_gives_torchs_shape_dtype_and_device(
    shape: tuple[int, ...], default: torch.dtype
) -> None:
    """No maximum to shift by: the zero shift has the logits' batch shape, dtype and device, at every rank and
    whatever the default dtype (float32 logits stay float32 under a float64 default)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        empty = torch.empty(shape, dtype=torch.float32)
        torch.testing.assert_close(losses.logsumexp(empty), torch.logsumexp(empty, dim=-1))
        torch.testing.assert_close(losses.softmax(empty), torch.softmax(empty, dim=-1))
        torch.testing.assert_close(losses.log_softmax(empty), torch.log_softmax(empty, dim=-1))
    finally:
        torch.set_default_dtype(previous)
    on_meta = torch.empty(shape, device="meta")  # a second device on any machine
    for result in (losses.logsumexp(on_meta), losses.softmax(on_meta), losses.log_softmax(on_meta)):
        assert result.device == on_meta.device


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: losses.softmax(torch.tensor([[1, 2]])), TypeError, r"^softmax: logits .*torch\.int64; use logits"),
        (lambda: losses.log_softmax(torch.tensor([[True]])), TypeError, r"^log_softmax: logits .* torch\.bool"),
        (
            lambda: losses.cross_entropy(torch.tensor([[1, 2]]), torch.tensor([0])),
            TypeError,
            r"^cross_entropy: logits .*int64",
        ),
        (
            lambda: losses.squared_loss(torch.tensor([1]), torch.tensor([1.0])),
            TypeError,
            r"^squared_loss: y_hat .*int64; use y_hat",
        ),
        (
            lambda: losses.binary_cross_entropy_with_logits(torch.zeros(2), torch.tensor([0, 1])),
            TypeError,
            r"^binary_cross_entropy_with_logits: y must be a floating-point tensor, got torch\.int64; use y\.float\(\)",
        ),
        (
            lambda: losses.binary_cross_entropy_with_logits(torch.zeros(2), torch.tensor([0.0, 2.0])),
            ValueError,
            r"y must hold probabilities in \[0, 1\] .*got 2\.0; map labels such as -1/1 or 1/2 to 0/1 first$",
        ),
        (
            lambda: losses.binary_cross_entropy_naive(torch.zeros(2), torch.tensor([-1.0, 1.0])),
            ValueError,
            r"^binary_cross_entropy_naive: y must hold probabilities .*got -1\.0",
        ),
        (
            lambda: losses.binary_cross_entropy_with_logits(torch.zeros(1), torch.tensor([float("nan")])),
            ValueError,
            r"got nan",
        ),
        (
            lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 5])),
            ValueError,
            r"^cross_entropy: y holds the class index 5, but logits has 3 columns \(classes 0 to 2\); number the "
            r"classes from 0, or give logits one column per class$",
        ),
        (
            lambda: losses.cross_entropy(torch.zeros(2, 3), torch.tensor([0, -100])),
            ValueError,
            r"class index -100, .*one column per class \(dlref's cross-entropy has no ignore_index\)$",
        ),
        (
            lambda: losses.cross_entropy(torch.zeros(2, 0), torch.tensor([0, 0])),
            ValueError,
            r"^cross_entropy: y holds the class index 0, but logits has 0 columns; number the classes",
        ),
        (
            lambda: losses.cross_entropy_naive(torch.zeros(2, 3), torch.tensor([-1, 0])),
            ValueError,
            r"^cross_entropy_naive: y holds the class index -1",
        ),
        (
            lambda: losses.softmax_naive(torch.tensor([[1, 2]])),
            TypeError,
            r"^softmax_naive: logits must be a floating-point tensor, got torch\.int64; use logits\.float\(\)$",
        ),
        (lambda: losses.softmax([[1.0, 2.0]]), TypeError, r"^softmax: logits must be a tensor, got list$"),
        (lambda: losses.sigmoid(1.0), TypeError, r"^sigmoid: z must be a tensor, got float$"),
        (lambda: losses.logsumexp([[1.0, 2.0]]), TypeError, r"^logsumexp: logits must be a tensor, got list$"),
        (lambda: losses.sigmoid(torch.tensor([1j])), TypeError, r"^sigmoid: z must be real"),
        (lambda: losses.logsumexp(torch.tensor([1j])), TypeError, r"^logsumexp: logits must be real"),
    ],
)
def test_bad_dtypes_and_values_name_the_argument(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("loss", "logits", "y"),
    [
        (losses.binary_cross_entropy_with_logits, [-1.0, -3.0, -4.0], [0.0, 0.0, 0.0]),
        (losses.cross_entropy, [[0.0, 2.0], [0.0, -4.0]], [1, 0]),
    ],
)
def test_float16_losses_are_within_a_unit_in_the_last_place_of_the_exact_loss(loss, logits, y) -> None:
    """Where torch's float16 kernels are 5-6 units in the last place off (0.1273 for 0.1267; 0.0729
    for 0.0725), these stay within one of the float64 loss rounded to float16."""
    z = torch.tensor(logits, dtype=torch.float16)
    target = torch.tensor(y, dtype=torch.float16 if loss is losses.binary_cross_entropy_with_logits else torch.int64)
    exact = loss(z.double(), target.double() if target.is_floating_point() else target).half()
    ulp = torch.finfo(torch.float16).eps * 2.0 ** torch.floor(torch.log2(exact.float().abs()))
    assert loss(z, target).dtype == torch.float16
    assert (loss(z, target).float() - exact.float()).abs() <= ulp
