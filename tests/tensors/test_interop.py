"""Checks `dlref.tensors.interop.to_numpy` against ``Tensor.numpy(force=True)``, on every available device.

For random shapes, dtypes and layouts (contiguous, transposed, sliced), with and without
``requires_grad``, the array must have torch's values, dtype, shape and strides. Memory sharing is
checked by mutation: with ``copy=None`` on the CPU a write to the array shows in the tensor, with
``copy=True`` (and on any other device) it does not, and ``copy=False`` refuses where a copy is needed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.tensors.interop import NUMPY_DTYPES, to_numpy
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))

DTYPES = [
    torch.bool,
    torch.uint8,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.float32,
    torch.float64,
    torch.complex64,
]


@on_each_device
@given(
    shape=st.lists(st.integers(0, 4), max_size=3).map(tuple),
    dtype=st.sampled_from(DTYPES),
    layout=st.sampled_from(["contiguous", "transposed", "sliced"]),
    grad=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_to_numpy_equals_numpy_force(
    shape: tuple[int, ...], dtype: torch.dtype, layout: str, grad: bool, seed: int, device: torch.device
) -> None:
    """Values, dtype, shape and strides of t.numpy(force=True); shared memory exactly on the CPU."""
    t = (torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * 10).to(dtype).to(device)
    if layout == "transposed":
        t = t.mT if t.dim() >= 2 else t
    elif layout == "sliced" and t.dim() >= 1:
        t = t[..., ::2]
    if grad and (dtype.is_floating_point or dtype.is_complex):
        t.requires_grad_(True)
    ours, expected = to_numpy(t), t.numpy(force=True)
    assert ours.dtype == expected.dtype == NUMPY_DTYPES[dtype]
    assert ours.shape == expected.shape == tuple(t.shape)
    assert ours.strides == expected.strides
    np.testing.assert_array_equal(ours, expected)
    if t.numel():
        assert np.shares_memory(ours, expected) == (device.type == "cpu")
        assert not np.shares_memory(to_numpy(t, copy=True), expected)


def test_copy_none_shares_with_a_cpu_tensor_both_ways() -> None:
    """On the CPU a write to either side shows in the other, requires_grad or not."""
    w = torch.zeros(3, requires_grad=True)
    a = to_numpy(w)
    a[0] = 1.0
    assert w[0].item() == 1.0
    with torch.no_grad():
        w[1] = 2.0
    assert a[1] == 2.0


def test_copy_true_is_independent(device: torch.device) -> None:
    """copy=True: a write to the array leaves the tensor alone."""
    t = torch.zeros(3, device=device)
    to_numpy(t, copy=True)[0] = 1.0
    assert t[0].item() == 0.0


def test_copy_false_refuses_where_a_copy_is_needed(device: torch.device) -> None:
    """copy=False: shares on the CPU; refuses another device, a lazy conjugate or a lazy negation, naming why."""
    t = torch.zeros(3, device=device)
    if device.type == "cpu":
        a = to_numpy(t, copy=False)
        a[2] = 4.0
        assert t[2].item() == 4.0
    else:
        with pytest.raises(ValueError, match=rf"copy=False\): t is on {device}"):
            to_numpy(t, copy=False)
    z = torch.tensor([1 + 2j], device=device).conj()
    with pytest.raises(RuntimeError, match="conjugate bit"):
        z.numpy()
    reason = "t is a lazy conjugate or negation" if device.type == "cpu" else f"t is on {device}"
    message = rf"^to_numpy\(copy=False\): {reason}, and NumPy needs its values in CPU memory: a copy$"
    with pytest.raises(ValueError, match=message):
        to_numpy(z, copy=False)
    np.testing.assert_array_equal(to_numpy(z), np.array([1 - 2j], dtype=np.complex64))
    np.testing.assert_array_equal(to_numpy(z.imag), np.array([-2], dtype=np.float32))  # the negative bit
    with pytest.raises(ValueError, match=message):
        to_numpy(z.imag, copy=False)  # a lazy negation alone (no conjugate bit) needs a copy too


def test_copy_false_names_the_device_of_a_tensor_off_the_cpu() -> None:
    """copy=False off the CPU names the device, not a lazy bit (a meta tensor shows it without a GPU)."""
    t = torch.zeros(3, device="meta")
    with pytest.raises(TypeError, match="meta"):  # torch refuses it too
        t.numpy()
    with pytest.raises(
        ValueError, match=r"^to_numpy\(copy=False\): t is on meta, and NumPy needs its values in CPU memory: a copy$"
    ):
        to_numpy(t, copy=False)


def test_plain_numpy_refuses_what_to_numpy_handles(device: torch.device) -> None:
    """t.numpy() refuses a tensor that requires grad (and one on a GPU); to_numpy does not."""
    t = torch.ones(2, device=device, requires_grad=True)
    with pytest.raises((RuntimeError, TypeError), match=r"requires grad|cpu"):
        t.numpy()
    np.testing.assert_array_equal(to_numpy(t), np.ones(2, dtype=np.float32))


@pytest.mark.parametrize(
    ("t", "kwargs", "error", "message"),
    [
        ([1.0, 2.0], {}, TypeError, "t must be a tensor, got list"),
        (torch.ones(2, dtype=torch.bfloat16), {}, TypeError, r"no dtype for torch\.bfloat16"),
        (torch.ones(2).to_sparse(), {}, ValueError, r"layout torch\.sparse_coo; .*to_dense"),
        (torch.ones(2), {"copy": "yes"}, TypeError, "copy must be None, True or False, got 'yes'"),
    ],
)
def test_bad_arguments(t: object, kwargs: dict[str, object], error: type, message: str) -> None:
    """Not a tensor, a dtype NumPy lacks, a sparse tensor, a bad copy: refused, naming the problem."""
    with pytest.raises(error, match=message):
        to_numpy(t, **kwargs)


def test_bfloat16_is_refused_by_torch_too() -> None:
    """torch's own .numpy() refuses bfloat16, with a message that does not say what to do."""
    with pytest.raises(TypeError, match="unsupported ScalarType BFloat16"):
        torch.ones(2, dtype=torch.bfloat16).numpy()
