r"""Minibatches: shuffle once per epoch with `torch.randperm` on the data's device, then slice.

[`Batches`][dlref.data.batching.Batches] is what the training walkthroughs feed to
[`fit`][dlref.train.loop.fit]: a re-iterable, like a `DataLoader`, that draws one permutation per
epoch with `torch.randperm` on the device where the data already live, gathers the data once in that
order, and hands out consecutive slices (views, no copies). No Python list is shuffled and no index
tensor is built or copied per batch.

[`ListShuffleBatches`][dlref.data.batching.ListShuffleBatches] is the version in d2l's first
chapters (``data_iter``): shuffle a Python list of indices, then build an index tensor from each
slice of the list and gather with it. It gives batches with the same distribution and is kept as the
baseline that ``scripts/bench_training.py`` measures against; on a GPU every one of its index
tensors is also a host-to-device copy.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import torch

__all__ = ["Batches", "ListShuffleBatches"]


def _check_tensors(name: str, tensors: tuple[torch.Tensor, ...], batch_size: int) -> int:
    """Return the common length of ``tensors``; raise if there are none, lengths or devices differ."""
    if not tensors:
        raise ValueError(f"{name}: give at least one tensor")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"{name}: batch_size must be a positive int, got {batch_size!r}")
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor) or t.dim() == 0:
            raise ValueError(f"{name}: tensor {i} must be a tensor with a first (example) dimension, got {t!r}")
    lengths = [len(t) for t in tensors]
    if len(set(lengths)) > 1:
        shapes = ", ".join(f"tensor {i} has shape {tuple(t.shape)}" for i, t in enumerate(tensors))
        raise ValueError(f"{name}: tensors differ in length (dim 0): {shapes}")
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise ValueError(f"{name}: tensors must be on one device, got {sorted(map(str, devices))}")
    return lengths[0]


# --8<-- [start:Batches]
class Batches:
    r"""Minibatches of tensors that share a first dimension, reshuffled on every pass.

    Each pass (each ``for`` loop over it, that is each epoch) draws one permutation of the $n$
    examples with ``torch.randperm`` on the tensors' device, gathers each tensor once in that order,
    and yields slices of ``batch_size`` examples: $\lceil n / \text{batch\_size} \rceil$ batches,
    the last one smaller unless ``drop_last``. The gather makes one shuffled copy of the data per
    epoch, which is what makes the batches cheap slices; for data too large to hold twice, index each
    batch with its slice of the permutation instead.

    Args:
        *tensors: tensors of equal length in dim 0 (features, targets, ...), all on one device.
        batch_size: examples per batch.
        shuffle: draw a new order every pass; in storage order when ``False`` (for evaluation).
        drop_last: leave out the last, smaller batch.
        generator: the generator for ``torch.randperm``; it must be on the tensors' device. Torch's
            global generator for that device when ``None``.

    Raises:
        ValueError: no tensors, a ``batch_size`` below 1, lengths that differ in dim 0 (the message
            names each shape), or tensors on different devices.

    Examples:
        >>> X, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
        >>> [yb.tolist() for _, yb in Batches(X, y, batch_size=2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
        >>> _ = torch.manual_seed(0)
        >>> [yb.tolist() for _, yb in Batches(X, y, batch_size=2)]
        [[4, 0], [1, 3], [2]]
        >>> len(Batches(X, y, batch_size=2)), len(Batches(X, y, batch_size=2, drop_last=True))
        (3, 2)
        >>> Batches(X, y[:4], batch_size=2)
        Traceback (most recent call last):
          ...
        ValueError: Batches: tensors differ in length (dim 0): tensor 0 has shape (5, 2), tensor 1 has shape (4,)
    """

    def __init__(
        self,
        *tensors: torch.Tensor,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        self.n = _check_tensors("Batches", tensors, batch_size)
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self) -> int:
        """The number of batches in one pass."""
        full, rest = divmod(self.n, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        tensors = self.tensors
        if self.shuffle:
            order = torch.randperm(self.n, device=tensors[0].device, generator=self.generator)
            tensors = tuple(t[order] for t in tensors)  # one gather per tensor per epoch
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, self.n), self.batch_size):
            yield tuple(t[start : start + self.batch_size] for t in tensors)  # views: no copy


# --8<-- [end:Batches]


# --8<-- [start:ListShuffleBatches]
class ListShuffleBatches:
    """The seeds' batch iterator: shuffle a Python list, build an index tensor per batch.

    This is d2l's ``data_iter``, made re-iterable. It is correct and gives batches with the same
    distribution as [`Batches`][dlref.data.batching.Batches]; it is slower because it shuffles
    $n$ Python ints with `random.shuffle` and converts every batch's slice of the list into a new
    tensor (on a GPU, a host-to-device copy per batch) before gathering with it. Kept as the
    baseline for ``scripts/bench_training.py`` and the linear regression walkthrough.

    Args:
        *tensors: tensors of equal length in dim 0, all on one device.
        batch_size: examples per batch.

    Examples:
        >>> random.seed(0)
        >>> X, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
        >>> [yb.tolist() for _, yb in ListShuffleBatches(X, y, batch_size=2)]
        [[2, 1], [0, 4], [3]]
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int) -> None:
        self.n = _check_tensors("ListShuffleBatches", tensors, batch_size)
        self.tensors = tensors
        self.batch_size = batch_size

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        indices = list(range(self.n))
        random.shuffle(indices)  # n Python ints, shuffled by the interpreter
        for start in range(0, self.n, self.batch_size):
            batch_indices = torch.tensor(indices[start : start + self.batch_size], device=self.tensors[0].device)
            yield tuple(t[batch_indices] for t in self.tensors)


# --8<-- [end:ListShuffleBatches]
