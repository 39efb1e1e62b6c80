"""Checks `dlref.data.batching`: every example exactly once per pass, new orders, on every device."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.data.batching import Batches, ListShuffleBatches
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))


@on_each_device
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), shuffle=st.booleans(), drop_last=st.booleans())
def test_one_pass_covers_every_example_once(
    device: torch.device, n: int, batch_size: int, shuffle: bool, drop_last: bool
) -> None:
    X = torch.arange(2 * n, device=device).reshape(n, 2)
    y = torch.arange(n, device=device)
    batches = Batches(X, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    seen = list(batches)
    assert len(seen) == len(batches)
    for Xb, yb in seen:
        assert Xb.device == yb.device == device
        assert len(Xb) == len(yb) <= batch_size
        torch.testing.assert_close(Xb, torch.stack([2 * yb, 2 * yb + 1], dim=1))  # rows stay paired
    labels = torch.cat([yb for _, yb in seen]).cpu() if seen else torch.empty(0, dtype=torch.int64)
    if drop_last:
        assert all(len(yb) == batch_size for _, yb in seen)
        assert len(labels) == n - n % batch_size
        assert len(set(labels.tolist())) == len(labels)  # no example twice
    else:
        assert sorted(labels.tolist()) == list(range(n))
    if not shuffle:
        assert labels.tolist() == list(range(len(labels)))


def test_each_pass_draws_a_new_order_from_the_generator(device: torch.device) -> None:
    y = torch.arange(100, device=device)
    generator = torch.Generator(device=device).manual_seed(0)
    batches = Batches(y, batch_size=100, generator=generator)
    first, second = (next(iter(batches))[0].tolist() for _ in range(2))
    assert first != second
    generator.manual_seed(0)
    assert next(iter(batches))[0].tolist() == first  # reproducible from the seed


def test_the_list_shuffle_baseline_gives_the_same_kind_of_batches(device: torch.device) -> None:
    random.seed(0)
    X = torch.arange(20.0, device=device).reshape(10, 2)
    y = torch.arange(10, device=device)
    seen = list(ListShuffleBatches(X, y, batch_size=3))
    assert [len(yb) for _, yb in seen] == [3, 3, 3, 1]
    assert sorted(torch.cat([yb for _, yb in seen]).tolist()) == list(range(10))
    assert all(Xb.device == device for Xb, _ in seen)
    alone = [yb for (yb,) in ListShuffleBatches(y, batch_size=3)]  # one tensor alone: its own indices' device
    assert sorted(torch.cat(alone).tolist()) == list(range(10))
    assert all(yb.device == device for yb in alone)


@pytest.mark.parametrize(
    ("tensors", "batch_size", "match"),
    [
        ((), 2, "at least one tensor"),
        ((torch.ones(3),), 0, "batch_size must be a positive int, got 0"),
        ((torch.ones(3), torch.ones(4, 2)), 2, r"tensor 0 has shape \(3,\), tensor 1 has shape \(4, 2\)"),
        ((torch.tensor(1.0),), 2, "first .example. dimension"),
        # two devices without a GPU: torch's meta device holds shapes only
        ((torch.ones(3), torch.ones(3, device="meta")), 2, r"tensors must be on one device, got \['cpu', 'meta'\]$"),
    ],
)
@pytest.mark.parametrize("kind", [Batches, ListShuffleBatches])
def test_bad_input_is_refused_by_name(
    kind: type, tensors: tuple[torch.Tensor, ...], batch_size: int, match: str
) -> None:
    with pytest.raises(ValueError, match=f"^{kind.__name__}: .*{match}"):
        kind(*tensors, batch_size=batch_size)
