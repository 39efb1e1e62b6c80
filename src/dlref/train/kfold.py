r"""K-fold cross-validation: split the examples into $K$ folds, train $K$ times, validate on each fold once.

With $n$ examples and $K$ folds, fold $i$ holds a contiguous run of $\lfloor n/K \rfloor$ or
$\lceil n/K \rceil$ indices (the first $n \bmod K$ folds get one more), as scikit-learn's
``KFold`` without shuffling; shuffle the examples first if their order means anything. The
cross-validation error is the mean of the $K$ validation errors: every example is used for
validation exactly once and for training $K - 1$ times.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["cross_validate", "kfold_splits"]


def _check_count(name: str, arg: str, value: object, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: {arg} must be an int ({meaning}), got {value!r}")
    return value


# --8<-- [start:kfold]
def kfold_splits(
    num_examples: int, k: int, device: torch.device | str | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    r"""The $K$ pairs ``(train_indices, val_indices)`` of K-fold cross-validation.

    Fold $i$ is ``range(start_i, start_i + size_i)`` with $\text{size}_i = \lfloor n/K \rfloor + [i < n \bmod K]$;
    its training indices are all the others, in order.

    Args:
        num_examples: $n$, the number of examples.
        k: $K$, the number of folds, from 2 to $n$.
        device: where the index tensors are made (default: the CPU).

    Raises:
        TypeError: ``num_examples`` or ``k`` is not an int.
        ValueError: ``k`` is below 2 (one fold leaves nothing to train on) or above ``num_examples``
            (a fold would be empty).

    Examples:
        >>> for train, val in kfold_splits(5, k=2):
        ...     print(train.tolist(), val.tolist())
        [3, 4] [0, 1, 2]
        [0, 1, 2] [3, 4]
    """
    _check_count("kfold_splits", "num_examples", num_examples, "the number of examples")
    _check_count("kfold_splits", "k", k, "the number of folds")
    if k < 2:
        raise ValueError(f"kfold_splits: k must be at least 2 (one fold leaves no training data), got {k}")
    if k > num_examples:
        raise ValueError(f"kfold_splits: k must be at most num_examples={num_examples} (else a fold is empty), got {k}")
    indices = torch.arange(num_examples, device=device)
    fold_of = torch.empty(num_examples, dtype=torch.int64, device=device)
    start = 0
    for i in range(k):
        size = num_examples // k + (1 if i < num_examples % k else 0)
        fold_of[start : start + size] = i
        start += size
    return [(indices[fold_of != i], indices[fold_of == i]) for i in range(k)]


def cross_validate(
    train_and_validate: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], float],
    X: torch.Tensor,
    y: torch.Tensor,
    k: int,
) -> list[float]:
    r"""Call ``train_and_validate(X_train, y_train, X_val, y_val)`` on each of the $K$ splits and
    return the $K$ validation errors it returns; their mean is the cross-validation error.

    ``train_and_validate`` trains a fresh model on the training part and returns its error on the
    validation part. The rows of ``X`` and ``y`` are the examples, split by `kfold_splits`.

    Raises:
        TypeError: ``X`` or ``y`` is not a tensor, or ``k`` not an int.
        ValueError: ``X`` and ``y`` have different numbers of rows or are on different devices, or
            ``k`` is out of range (see `kfold_splits`).

    Examples:
        The mean of the training targets, as a predictor: its error on each fold.

        >>> X, y = torch.zeros(4, 1), torch.tensor([1.0, 2.0, 3.0, 4.0])
        >>> cross_validate(lambda Xt, yt, Xv, yv: ((yv - yt.mean()) ** 2).mean().item(), X, y, k=2)
        [4.25, 4.25]
    """
    for arg, value in (("X", X), ("y", y)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"cross_validate: {arg} must be a tensor, got {type(value).__name__}")
        if value.dim() == 0:
            raise ValueError(f"cross_validate: {arg} must have one row per example, got a 0-d tensor")
    if len(X) != len(y):
        raise ValueError(f"cross_validate: X has {len(X)} rows but y has {len(y)}; they must match")
    if X.device != y.device:
        raise ValueError(f"cross_validate: X is on {X.device} but y is on {y.device}; move y there")
    errors = []
    for train, val in kfold_splits(len(X), k, device=X.device):
        errors.append(train_and_validate(X[train], y[train], X[val], y[val]))
    return errors


# --8<-- [end:kfold]
