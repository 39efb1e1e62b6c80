r"""The small data sets that scikit-learn ships inside its package, as standardised tensors.

Nothing is downloaded: the data are files inside the scikit-learn wheel (``sklearn/datasets/data``),
the ones its ``load_digits``, ``load_breast_cancer`` and ``load_diabetes`` read. dlref reads the same
files with NumPy, without importing scikit-learn (whose import takes seconds and would be paid by every
page and test that loads data); ``tests/data/test_datasets.py`` checks that the arrays are those
scikit-learn's loaders return. Each loader here

1. splits the examples into a training and a test part with a seeded permutation (the same split on
   every machine and device);
2. standardises each feature, $x' = (x - \mu) / \sigma$, with $\mu$ and $\sigma$ computed on the
   **training split only** (statistics of the test split would leak into training otherwise), and a
   $\sigma$ of 0 (a pixel that is blank in every training image) replaced by 1;
3. returns float32 features and targets of the dtype and shape the matching loss expects, on the
   requested device.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dlref.device import resolve_device

__all__ = ["Split", "breast_cancer", "bundled_file", "diabetes", "digits", "split_and_standardise"]


@dataclass(frozen=True)
class Split:
    """A train/test split of one data set, standardised with the training split's statistics.

    Attributes:
        X_train: training features, float32, shape ``(n_train, d)``.
        y_train: training targets (see each loader for dtype and shape).
        X_test: test features, standardised with the training mean and std.
        y_test: test targets.
        mean: the per-feature mean of the raw training features, shape ``(d,)``.
        std: the per-feature standard deviation of the raw training features (0 replaced by 1).
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor


# --8<-- [start:split_and_standardise]
def split_and_standardise(X: torch.Tensor, y: torch.Tensor, *, test_fraction: float = 0.25, seed: int = 0) -> Split:
    r"""Split ``(X, y)`` with a seeded permutation, then standardise with the training statistics.

    $$
    \mu_j = \frac{1}{n_\text{train}} \sum_{i \in \text{train}} X_{ij}, \qquad
    \sigma_j = \sqrt{\frac{1}{n_\text{train}} \sum_{i \in \text{train}} (X_{ij} - \mu_j)^2}, \qquad
    X'_{ij} = \frac{X_{ij} - \mu_j}{\sigma_j}
    $$

    for every example $i$ of both splits ($\sigma_j = 0$ is replaced by 1). The permutation comes
    from a CPU `torch.Generator` seeded with ``seed``, so the split is the same on every device.

    Args:
        X: features, floating point, shape ``(n, d)``.
        y: targets, first dimension ``n``.
        test_fraction: the share of examples held out, strictly between 0 and 1.
        seed: the seed of the permutation.

    Returns:
        A [`Split`][dlref.data.datasets.Split] on ``X``'s device.

    Raises:
        TypeError: ``X`` or ``y`` is not a tensor, ``X`` is not floating point (convert it with
            ``X.float()``), ``test_fraction`` is not a real number or ``seed`` not an int.
        ValueError: ``X`` is not 2-D, ``y``'s length differs from ``X``'s, ``X`` and ``y`` are on
            different devices, ``test_fraction`` is NaN or leaves one of the splits empty, or
            ``X`` holds a NaN or an infinite value. The message names its row and column: one
            missing value would make its column's mean and standard deviation NaN, and so every
            value of that column, in both splits. Missing values are a choice to make before
            (fill them, or drop their rows), and `frame_to_tensors` makes it and reports it.

    Examples:
        >>> X = torch.tensor([[10.0, 5.0], [1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
        >>> s = split_and_standardise(X, torch.arange(4), test_fraction=0.25)
        >>> s.y_train, s.y_test
        (tensor([1, 3, 2]), tensor([0]))
        >>> s.mean, s.std
        (tensor([2., 5.]), tensor([0.8165, 1.0000]))
        >>> s.X_train
        tensor([[-1.2247,  0.0000],
                [ 1.2247,  0.0000],
                [ 0.0000,  0.0000]])
        >>> s.X_test
        tensor([[9.7980, 0.0000]])
    """
    for name, t in (("X", X), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"split_and_standardise: {name} must be a tensor, got {type(t).__name__}")
    if not X.is_floating_point():
        raise TypeError(f"split_and_standardise: X must be floating point, got dtype {X.dtype}: convert it, X.float()")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise TypeError(f"split_and_standardise: test_fraction must be a number in (0, 1), got {test_fraction!r}")
    if math.isnan(test_fraction):
        raise ValueError("split_and_standardise: test_fraction is nan; give the share held out, e.g. 0.25")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"split_and_standardise: seed must be an int, got {seed!r}")
    if X.dim() != 2:
        raise ValueError(f"split_and_standardise: X must be 2-D (examples, features), got shape {tuple(X.shape)}")
    if len(y) != len(X):
        raise ValueError(
            f"split_and_standardise: X and y must have the same length, got X {tuple(X.shape)} and y {tuple(y.shape)}"
        )
    if y.device != X.device:
        raise ValueError(f"split_and_standardise: X is on {X.device} and y on {y.device}: move one, y.to(X.device)")
    _check_finite(X)
    n = len(X)
    n_test = round(n * min(max(test_fraction, 0), 1))  # an infinite fraction is reported as out of range
    if not 0 < n_test < n:
        raise ValueError(
            f"split_and_standardise: test_fraction={test_fraction} of {n} examples leaves {n_test} for testing"
            f" and {n - n_test} for training; both must be at least 1"
        )
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(X.device)
    train, test = order[n_test:], order[:n_test]
    mean = X[train].mean(0)
    std = X[train].std(0, correction=0)
    std = torch.where(std == 0, torch.ones_like(std), std)
    return Split((X[train] - mean) / std, y[train], (X[test] - mean) / std, y[test], mean, std)


# --8<-- [end:split_and_standardise]


def _check_finite(X: torch.Tensor) -> None:
    """Refuse NaN and infinite features, naming the first one's row and column."""
    bad = ~X.isfinite()
    if not bad.any():
        return
    row, column = (int(i) for i in bad.nonzero()[0])
    columns = bad.any(0).nonzero().flatten().tolist()
    count = int(bad.sum())
    where = f"all in column {columns[0]}" if len(columns) == 1 else f"in columns {columns[:10]}"
    values = "1 value that is not finite" if count == 1 else f"{count} values that are not finite"
    raise ValueError(
        f"split_and_standardise: X holds {X[row, column].item()} at row {row}, column {column} ({values}, {where}): "
        "it would make the mean and std of its column NaN; fill or drop the missing values first "
        "(dlref.data.preprocessing.frame_to_tensors fills them and reports it)"
    )


def bundled_file(name: str) -> Path:
    """The path of one of the data files inside the installed scikit-learn, found without importing it.

    Raises:
        FileNotFoundError: scikit-learn is not installed, or has no such file.

    Examples:
        >>> bundled_file("digits.csv.gz").name
        'digits.csv.gz'
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"bundled_file: {name} comes with scikit-learn, which is not installed: pip install scikit-learn"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"bundled_file: scikit-learn at {path.parents[2]} has no bundled data file {name}")
    return path


def _device(device: torch.device | str | None) -> torch.device:
    """``None``: the CPU; else a device this machine has (`resolve_device` refuses ``meta``, ``cpu:1``)."""
    return torch.device("cpu") if device is None else resolve_device(device)


def _split(X: np.ndarray, y: torch.Tensor, device: torch.device, test_fraction: float, seed: int) -> Split:
    X_t = torch.as_tensor(X, dtype=torch.float32).to(device)
    return split_and_standardise(X_t, y.to(device), test_fraction=test_fraction, seed=seed)


def digits(device: torch.device | str | None = None, *, test_fraction: float = 0.25, seed: int = 0) -> Split:
    """8×8 images of handwritten digits, 10 classes: 1797 examples, 64 pixel features (0 to 16).

    Targets are class indices, int64, shape ``(n,)``: what `nn.CrossEntropyLoss` takes.

    Args:
        device: where to put the tensors; the CPU when ``None``.
        test_fraction: the share of examples held out for testing, strictly between 0 and 1.
        seed: the seed of the split's permutation.

    Raises:
        DeviceError: ``device`` is not one this machine has (``meta``, ``cpu:1``, a missing CUDA
            device), from [`resolve_device`][dlref.device.resolve_device].
        ValueError: ``test_fraction`` is NaN or leaves a split empty.
        TypeError: ``test_fraction`` is not a number, or ``seed`` not an int.

    Examples:
        >>> data = digits()
        >>> data.X_train.shape, data.y_train.shape, data.y_train.dtype, data.X_test.shape
        (torch.Size([1348, 64]), torch.Size([1348]), torch.int64, torch.Size([449, 64]))
        >>> data.y_train.bincount()
        tensor([130, 143, 122, 138, 140, 133, 141, 135, 125, 141])
        >>> digits(device="meta")
        Traceback (most recent call last):
          ...
        dlref.device.DeviceError: 'meta' is a meta device; dlref runs on cpu or cuda[:N]
    """
    device = _device(device)
    table = np.loadtxt(bundled_file("digits.csv.gz"), delimiter=",")  # 64 pixels, then the label
    y = torch.as_tensor(table[:, -1], dtype=torch.int64)
    return _split(table[:, :-1], y, device, test_fraction, seed)


def breast_cancer(device: torch.device | str | None = None, *, test_fraction: float = 0.25, seed: int = 0) -> Split:
    """Wisconsin breast cancer, binary (1 = benign, 0 = malignant): 569 examples, 30 features.

    Targets are float32 zeros and ones of shape ``(n, 1)``, the shape of the output of
    ``nn.Linear(30, 1)`` and the dtype `nn.BCEWithLogitsLoss` takes.

    Args:
        device: where to put the tensors; the CPU when ``None``.
        test_fraction: the share of examples held out for testing, strictly between 0 and 1.
        seed: the seed of the split's permutation.

    Raises:
        DeviceError: ``device`` is not one this machine has (``meta``, ``cpu:1``, a missing CUDA
            device), from [`resolve_device`][dlref.device.resolve_device].
        ValueError: ``test_fraction`` is NaN or leaves a split empty.
        TypeError: ``test_fraction`` is not a number, or ``seed`` not an int.

    Examples:
        >>> data = breast_cancer()
        >>> data.X_train.shape, data.y_train.shape, data.y_train.dtype
        (torch.Size([427, 30]), torch.Size([427, 1]), torch.float32)
    """
    device = _device(device)
    table = np.loadtxt(bundled_file("breast_cancer.csv"), delimiter=",", skiprows=1)  # 30 features, label
    y = torch.as_tensor(table[:, -1], dtype=torch.float32).reshape(-1, 1)
    return _split(table[:, :-1], y, device, test_fraction, seed)


def diabetes(device: torch.device | str | None = None, *, test_fraction: float = 0.25, seed: int = 0) -> Split:
    """Diabetes progression one year after baseline, regression: 442 examples, 10 features.

    Targets are float32 of shape ``(n, 1)``, in their original units (25 to 346), not standardised.

    Args:
        device: where to put the tensors; the CPU when ``None``.
        test_fraction: the share of examples held out for testing, strictly between 0 and 1.
        seed: the seed of the split's permutation.

    Raises:
        DeviceError: ``device`` is not one this machine has (``meta``, ``cpu:1``, a missing CUDA
            device), from [`resolve_device`][dlref.device.resolve_device].
        ValueError: ``test_fraction`` is NaN or leaves a split empty.
        TypeError: ``test_fraction`` is not a number, or ``seed`` not an int.

    Examples:
        >>> data = diabetes()
        >>> data.X_train.shape, data.y_train.shape, data.y_train.dtype
        (torch.Size([332, 10]), torch.Size([332, 1]), torch.float32)
    """
    device = _device(device)
    X = np.loadtxt(bundled_file("diabetes_data_raw.csv.gz"))  # unscaled: standardised below instead
    y = torch.as_tensor(np.loadtxt(bundled_file("diabetes_target.csv.gz")), dtype=torch.float32).reshape(-1, 1)
    return _split(X, y, device, test_fraction, seed)
