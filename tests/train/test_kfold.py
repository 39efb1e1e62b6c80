"""Checks `dlref.train.kfold` against scikit-learn's KFold, its partition properties, and bad input."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold

from dlref.train.kfold import cross_validate, kfold_splits
from outcomes import judge
from profiles import scaled

on_each_device = settings(max_examples=scaled(40))


@on_each_device
@given(data=st.data(), n=st.integers(2, 40))
def test_splits_match_sklearn_and_partition_the_examples(device: torch.device, data: st.DataObject, n: int) -> None:
    k = data.draw(st.integers(2, n))
    splits = kfold_splits(n, k, device=device)
    assert len(splits) == k
    for (train, val), (sk_train, sk_val) in zip(splits, KFold(n_splits=k).split(range(n)), strict=True):
        assert train.device.type == val.device.type == device.type
        assert train.tolist() == sk_train.tolist()
        assert val.tolist() == sk_val.tolist()
        assert sorted(train.tolist() + val.tolist()) == list(range(n))  # train and val partition 0..n-1
    vals = torch.cat([val for _, val in splits]).cpu()
    assert torch.equal(vals, torch.arange(n))  # each example validates exactly once, folds in order
    sizes = [len(val) for _, val in splits]
    assert max(sizes) - min(sizes) <= 1


@on_each_device
@given(n=st.integers(2, 30), seed=st.integers(0, 2**31), data=st.data())
def test_cross_validate_gives_each_fold_its_rows(device: torch.device, n: int, seed: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(2, n))
    X = torch.randn(n, 3, generator=torch.Generator().manual_seed(seed)).to(device)
    y = X.sum(dim=1)
    seen = []

    def train_and_validate(X_train, y_train, X_val, y_val):
        assert len(X_train) + len(X_val) == n
        assert torch.equal(y_val, X_val.sum(dim=1))  # the rows of X and y stay paired
        seen.append(X_val)
        return ((y_val - y_train.mean()) ** 2).mean().item()

    errors = cross_validate(train_and_validate, X, y, k)
    assert len(errors) == k
    assert torch.equal(torch.cat(seen), X)  # the folds, in order, are the data set
    for (train, val), error in zip(kfold_splits(n, k), errors, strict=True):
        expected = ((y[val.to(device)] - y[train.to(device)].mean()) ** 2).mean().item()
        assert error == expected


@settings(max_examples=scaled(60))
@given(
    n=st.integers(-2, 8) | st.sampled_from([2.0, True, "5", None]),
    k=st.integers(-1, 10) | st.sampled_from([3.0, False, None]),
)
def test_bad_counts_get_a_clear_error(n, k) -> None:
    good = isinstance(n, int) and not isinstance(n, bool) and isinstance(k, int) and not isinstance(k, bool)
    good = good and 2 <= k <= n
    judge(
        "kfold_splits",
        lambda: kfold_splits(n, k),
        ("num_examples", "k"),
        (lambda splits: len(splits) == k) if good else None,
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: kfold_splits(5, 1), ValueError, r"k must be at least 2"),
        (lambda: kfold_splits(3, 4), ValueError, r"k must be at most num_examples=3"),
        (
            lambda: kfold_splits(5.0, 2),
            TypeError,
            r"^kfold_splits: num_examples must be an int \(the number of examples\), got 5\.0$",
        ),
        (
            lambda: kfold_splits(5, 2.0),
            TypeError,
            r"^kfold_splits: k must be an int \(the number of folds\), got 2\.0$",
        ),
        (
            lambda: cross_validate(lambda *a: 0.0, torch.zeros(4, 2), torch.zeros(3), 2),
            ValueError,
            r"X has 4 rows but y has 3",
        ),
        (
            lambda: cross_validate(lambda *a: 0.0, [[0.0]] * 4, torch.zeros(4), 2),
            TypeError,
            r"^cross_validate: X must be a tensor, got list$",
        ),
        (
            lambda: cross_validate(lambda *a: 0.0, torch.zeros(4), (0.0,) * 4, 2),
            TypeError,
            r"^cross_validate: y must be a tensor, got tuple$",
        ),
        (
            lambda: cross_validate(lambda *a: 0.0, torch.zeros(4), torch.zeros(4, device="meta"), 2),
            ValueError,
            r"^cross_validate: X is on cpu but y is on meta; move y there$",
        ),
        (
            lambda: cross_validate(lambda *a: 0.0, torch.zeros(4), torch.tensor(0.0), 2),
            ValueError,
            r"y must have one row",
        ),
    ],
)
def test_errors_name_the_argument(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()
