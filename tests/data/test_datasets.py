"""Checks `dlref.data.datasets`: deterministic splits, standardisation fitted on the training split only."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.data import datasets
from profiles import scaled

on_each_device = settings(max_examples=scaled(25))


@on_each_device
@given(n=st.integers(2, 40), d=st.integers(1, 4), fraction=st.floats(0.05, 0.95), seed=st.integers(0, 2**31))
def test_split_is_a_partition_standardised_with_train_statistics(
    device: torch.device, n: int, d: int, fraction: float, seed: int
) -> None:
    if not 0 < round(n * fraction) < n:
        return  # an empty split is refused: see test_bad_input
    X = torch.randn(n, d, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)).to(device)
    X[:, 0] = 3.0  # a constant feature: std 0, replaced by 1
    y = torch.arange(n, device=device)
    s = datasets.split_and_standardise(X, y, test_fraction=fraction, seed=seed)
    assert sorted(torch.cat([s.y_train, s.y_test]).tolist()) == list(range(n))
    assert len(s.y_test) == round(n * fraction)
    raw_train = X[s.y_train]
    torch.testing.assert_close(s.mean, raw_train.mean(0))
    assert s.std[0] == 1
    torch.testing.assert_close(s.X_train, (raw_train - s.mean) / s.std)
    torch.testing.assert_close(s.X_test, (X[s.y_test] - s.mean) / s.std)  # train statistics, not test
    again = datasets.split_and_standardise(X, y, test_fraction=fraction, seed=seed)
    assert torch.equal(again.y_test, s.y_test)


def test_standardised_training_columns_have_mean_0_and_population_std_1(device: torch.device) -> None:
    """The training statistics are the mean and the population standard deviation (divide by n,
    not n - 1) of the training rows: each standardised training column has mean 0 and std 1."""
    X = torch.tensor([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0], [8.0, 60.0], [0.0, 0.0]], dtype=torch.float64)
    s = datasets.split_and_standardise(X.to(device), torch.arange(5, device=device), test_fraction=0.2, seed=1)
    train = X[s.y_train.cpu()]
    torch.testing.assert_close(s.mean.cpu(), train.sum(0) / 4)
    torch.testing.assert_close(s.std.cpu(), ((train - train.sum(0) / 4) ** 2).sum(0).div(4).sqrt())
    torch.testing.assert_close(s.X_train.mean(0).cpu(), torch.zeros(2, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(s.X_train.pow(2).mean(0).cpu(), torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize(
    ("loader", "n", "d", "y_dtype", "y_tail"),
    [
        (datasets.digits, 1797, 64, torch.int64, ()),
        (datasets.breast_cancer, 569, 30, torch.float32, (1,)),
        (datasets.diabetes, 442, 10, torch.float32, (1,)),
    ],
)
def test_bundled_data_sets(device: torch.device, loader, n: int, d: int, y_dtype: torch.dtype, y_tail) -> None:
    data = loader(device)
    assert len(data.X_train) + len(data.X_test) == n
    assert data.X_train.shape[1:] == (d,)
    assert data.X_train.dtype == torch.float32
    assert data.y_train.dtype == y_dtype
    assert data.y_train.shape[1:] == y_tail
    assert data.X_train.device == data.y_test.device == device
    torch.testing.assert_close(data.X_train.mean(0), torch.zeros(d, device=device), atol=1e-4, rtol=0)
    other = loader(device, seed=1)
    assert not torch.equal(other.y_train, data.y_train)


@pytest.mark.parametrize(
    ("X", "y", "fraction", "match"),
    [
        (torch.ones(4), torch.ones(4), 0.25, r"X must be 2-D .* got shape \(4,\)"),
        (torch.ones(4, 2), torch.ones(3), 0.25, r"got X \(4, 2\) and y \(3,\)"),
        (torch.ones(4, 2), torch.ones(4), 0.05, "leaves 0 for testing and 4 for training"),
    ],
)
def test_bad_input(X: torch.Tensor, y: torch.Tensor, fraction: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        datasets.split_and_standardise(X, y, test_fraction=fraction)


def test_the_files_read_are_the_arrays_scikit_learn_loads() -> None:
    import numpy as np
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits  # slow import: once, here

    for loader, ours in [(load_digits, datasets.digits), (load_breast_cancer, datasets.breast_cancer)]:
        bunch, data = loader(), ours(test_fraction=0.5)
        X = torch.cat([data.X_train, data.X_test]) * data.std + data.mean
        order = torch.cat([*_split_order(len(bunch.target), 0.5)])
        np.testing.assert_allclose(X.numpy(), bunch.data[order.numpy()], rtol=1e-5, atol=1e-4)
        assert torch.cat([data.y_train, data.y_test]).flatten().tolist() == bunch.target[order.numpy()].tolist()
    bunch, data = load_diabetes(scaled=False), datasets.diabetes(test_fraction=0.5)
    order = torch.cat([*_split_order(len(bunch.target), 0.5)])
    X = torch.cat([data.X_train, data.X_test]) * data.std + data.mean
    np.testing.assert_allclose(X.numpy(), bunch.data[order.numpy()], rtol=1e-5, atol=1e-3)
    assert torch.cat([data.y_train, data.y_test]).flatten().tolist() == bunch.target[order.numpy()].tolist()


def _split_order(n: int, fraction: float, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The (train, test) indices split_and_standardise uses, recovered by splitting the indices."""
    s = datasets.split_and_standardise(torch.zeros(n, 1), torch.arange(n), test_fraction=fraction, seed=seed)
    return s.y_train, s.y_test


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_feature_is_named_by_row_and_column(device: torch.device, bad: float) -> None:
    """One NaN would make its column's mean and std NaN, so every value of that column: refused, placed."""
    X = torch.arange(12.0, device=device).reshape(6, 2)
    X[4, 1] = bad
    X[5, 1] = bad
    with pytest.raises(ValueError, match="split_and_standardise: X holds") as error:
        datasets.split_and_standardise(X, torch.arange(6, device=device))
    message = str(error.value)
    assert f"X holds {bad} at row 4, column 1 (2 values that are not finite, all in column 1)" in message
    assert "fill or drop the missing values first" in message


@pytest.mark.parametrize(
    ("cells", "placed"),
    [
        ([(4, 1)], "at row 4, column 1 (1 value that is not finite, all in column 1)"),
        ([(4, 1), (2, 0)], "at row 2, column 0 (2 values that are not finite, in columns [0, 1])"),
        (
            [(1, column) for column in range(12)],
            "at row 1, column 0 (12 values that are not finite, in columns [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])",
        ),
    ],
)
def test_the_non_finite_features_are_counted_and_their_columns_listed(
    cells: list[tuple[int, int]], placed: str
) -> None:
    X = torch.arange(72.0).reshape(6, 12)
    for row, column in cells:
        X[row, column] = float("nan")
    message = (
        f"split_and_standardise: X holds nan {placed}: it would make the mean and std of its column NaN; fill or "
        "drop the missing values first (dlref.data.preprocessing.frame_to_tensors fills them and reports it)"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        datasets.split_and_standardise(X, torch.arange(6))


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "error", "match"),
    [
        (
            torch.ones(4, 2, dtype=torch.int64),
            torch.ones(4),
            {},
            TypeError,
            r"X must be floating point, got dtype torch.int64: convert it, X.float",
        ),
        ([[1.0]], torch.ones(1), {}, TypeError, "X must be a tensor, got list"),
        (torch.ones(4, 2), [1, 2, 3, 4], {}, TypeError, "y must be a tensor, got list"),
        (
            torch.ones(4, 2),
            torch.ones(4),
            {"test_fraction": float("nan")},
            ValueError,
            "test_fraction is nan; give the share",
        ),
        (
            torch.ones(4, 2),
            torch.ones(4),
            {"test_fraction": float("inf")},
            ValueError,
            "test_fraction=inf of 4 examples leaves 4",
        ),
        (
            torch.ones(4, 2),
            torch.ones(4),
            {"test_fraction": "0.25"},
            TypeError,
            r"test_fraction must be a number in \(0, 1\), got '0.25'",
        ),
        (torch.ones(4, 2), torch.ones(4), {"seed": 1.5}, TypeError, "seed must be an int, got 1.5"),
        (torch.ones(0, 2), torch.ones(0), {}, ValueError, "test_fraction=0.25 of 0 examples leaves 0 for testing"),
    ],
)
def test_mistyped_arguments_are_named(X, y, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=f"^split_and_standardise: {match}"):
        datasets.split_and_standardise(X, y, **kwargs)


def test_X_and_y_on_different_devices_are_refused() -> None:
    """``meta`` stands in for a second device: the check compares devices before any value is read."""
    with pytest.raises(
        ValueError, match=r"^split_and_standardise: X is on cpu and y on meta: move one, y.to\(X.device\)"
    ):
        datasets.split_and_standardise(torch.ones(4, 2), torch.ones(4, device="meta"))


def test_the_defaults_hold_out_a_quarter_with_seed_0() -> None:
    X, y = torch.randn(20, 3, generator=torch.Generator().manual_seed(0)), torch.arange(20)
    default = datasets.split_and_standardise(X, y)
    explicit = datasets.split_and_standardise(X, y, test_fraction=0.25, seed=0)
    assert len(default.y_test) == 5
    assert torch.equal(default.y_test, explicit.y_test)
    assert torch.equal(default.X_train, explicit.X_train)


def test_a_missing_scikit_learn_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    with pytest.raises(
        FileNotFoundError,
        match=r"^bundled_file: digits\.csv\.gz comes with scikit-learn, which is not installed: "
        r"pip install scikit-learn$",
    ):
        datasets.bundled_file("digits.csv.gz")


def test_a_missing_file_names_the_scikit_learn_it_looked_in() -> None:
    sklearn_dir = Path(next(iter(importlib.util.find_spec("sklearn").submodule_search_locations)))
    assert (sklearn_dir / "datasets" / "data" / "digits.csv.gz").is_file()
    expected = f"bundled_file: scikit-learn at {sklearn_dir} has no bundled data file no-such.csv"
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(expected)}$"):
        datasets.bundled_file("no-such.csv")


@pytest.mark.parametrize("loader", [datasets.digits, datasets.breast_cancer, datasets.diabetes])
def test_no_device_means_the_cpu_even_where_cuda_is_available(loader, monkeypatch: pytest.MonkeyPatch) -> None:
    """``device=None`` is the CPU, not `resolve_device`'s choice (which would be CUDA where torch sees it)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    data = loader()
    assert data.X_train.device == data.y_test.device == torch.device("cpu")


@pytest.mark.parametrize(
    ("loader", "n"), [(datasets.digits, 1797), (datasets.breast_cancer, 569), (datasets.diabetes, 442)]
)
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"device": "meta"}, RuntimeError, "^'meta' is a meta device; dlref runs on cpu or cuda"),
        ({"device": "cpu:1"}, RuntimeError, "^'cpu:1' names CPU 1, but torch has one CPU device"),
        ({"test_fraction": float("nan")}, ValueError, "^split_and_standardise: test_fraction is nan"),
        (
            {"test_fraction": 1.0},
            ValueError,
            "^split_and_standardise: test_fraction=1.0 of {n} examples leaves {n} for testing and 0",
        ),
    ],
)
def test_loader_arguments_are_checked(loader, n: int, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match.format(n=n)):
        loader(**kwargs)
