r"""One training loop for every walkthrough: [`fit`][dlref.train.loop.fit], plus evaluation helpers.

The loop is the one in every textbook, written out so it can be read in one screen:

```text
for each epoch:
    for each batch (X, y):
        y_hat = model(X); loss = loss_fn(y_hat, y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
```

What it adds is bookkeeping that does not slow a GPU down. Reading a value from the GPU
(``loss.item()``, ``float(loss)``, ``print(loss)``, an ``if`` on a tensor) makes the host wait until
the GPU has finished everything queued so far, so a loop that does it in every step runs the GPU in
lock-step with Python. Here the per-batch sums stay on the device as tensors, and the host reads
them **once per epoch**, together, with a single ``.tolist()``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import nn

__all__ = ["Evaluation", "History", "Optimizer", "accuracy", "evaluate", "fit"]

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""A loss: ``loss_fn(y_hat, y)`` returns the mean over the batch, a scalar tensor."""
Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""A metric: ``metric(y_hat, y)`` returns the mean over the batch, a scalar tensor (no ``.item()``)."""
Batch = tuple[torch.Tensor, torch.Tensor]


class Optimizer(Protocol):
    """What `fit` needs of an optimiser: `torch.optim` optimisers and `dlref.train.optim.SGD` have it."""

    def zero_grad(self, set_to_none: bool = True) -> None: ...
    def step(self) -> object: ...


@dataclass
class History:
    """What `fit` measured, one entry per epoch.

    Attributes:
        loss: the training loss, averaged over the epoch's examples (as the parameters moved).
        metric: the metric on the training batches, same averaging; empty without a ``metric``.
        val_loss: the loss on ``val`` after the epoch; empty without ``val``.
        val_metric: the metric on ``val`` after the epoch; empty without ``val`` or ``metric``.
    """

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Evaluation:
    """The mean loss and, when asked for, the mean metric over every example of a data set."""

    loss: float
    metric: float | None


# --8<-- [start:accuracy]
def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""The fraction of examples classified correctly, as a 0-d tensor on the logits' device.

    * multi-class: ``logits`` of shape ``(n, classes)``, ``y`` integer class indices in
      ``[0, classes)`` of shape ``(n,)``; the prediction is $\arg\max_k z_{ik}$;
    * binary: ``logits`` of shape ``(n, 1)``, ``y`` of zeros and ones of the same shape; the
      prediction is 1 where $z_i > 0$, that is where $\sigma(z_i) > 0.5$.

    The result is computed without reading anything from the device (no host synchronisation, so
    [`fit`][dlref.train.loop.fit] can call it on every batch of a GPU run). Shapes and dtypes are
    checked at once; values cannot be without a read, so a label out of range (not 0 or 1 for
    binary, not a class index for multi-class) or a NaN logit makes the result NaN, never a number
    that looks like an accuracy: ``fit`` and ``evaluate`` raise on a NaN metric.

    Raises:
        ValueError: the shapes fit neither case (the message names both), the batch is empty
            ($0/0$ examples right), or ``y`` is on another device.
        TypeError: ``logits`` is not floating point, or multi-class ``y`` is not an integer tensor.

    Examples:
        >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), torch.tensor([0, 1, 1]))
        tensor(0.6667)
        >>> accuracy(torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [1.0]]))
        tensor(0.5000)
        >>> accuracy(torch.tensor([[2.0, 1.0]]), torch.tensor([[0]]))
        Traceback (most recent call last):
          ...
        ValueError: accuracy: logits (1, 2) and y (1, 1) fit neither (n, C) with y (n,) nor (n, 1) with y (n, 1)
        >>> accuracy(torch.tensor([[2.0], [-1.0]]), torch.tensor([[2.0], [1.0]]))  # a binary label of 2
        tensor(nan)
    """
    if not isinstance(logits, torch.Tensor) or not logits.is_floating_point():
        kind = getattr(logits, "dtype", type(logits).__name__)
        raise TypeError(f"accuracy: logits must be a floating-point tensor, got {kind}")
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"accuracy: y must be a tensor, got {type(y).__name__}")
    if logits.dim() == 2 and logits.shape[1] == 1 and y.shape == logits.shape:
        binary = True
    elif logits.dim() == 2 and y.shape == logits.shape[:1]:
        binary = False
    else:
        raise ValueError(
            f"accuracy: logits {tuple(logits.shape)} and y {tuple(y.shape)} fit neither (n, C) with y (n,)"
            " nor (n, 1) with y (n, 1)"
        )
    if len(y) == 0:
        shape = tuple(logits.shape)
        raise ValueError(f"accuracy: the batch is empty (logits {shape}): there is no accuracy of 0 examples")
    if y.device != logits.device:
        raise ValueError(f"accuracy: logits are on {logits.device} and y on {y.device}: move y, y.to(logits.device)")
    if binary:
        bad_label = (y != 0) & (y != 1)
    elif y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"accuracy: multi-class labels y must be integer class indices, got {y.dtype}: use y.long()")
    else:
        bad_label = (y < 0) | (y >= logits.shape[1])
    invalid = bad_label.any() | logits.isnan().any()  # stays on the device
    predicted = (logits > 0).to(y.dtype) if binary else logits.argmax(dim=1)
    right = (predicted == y).to(logits.dtype).mean()
    return torch.where(invalid, torch.full_like(right, math.nan), right)


# --8<-- [end:accuracy]


_NAN_METRIC = (
    "a label is out of range (accuracy gives NaN for labels that are not class indices, or not 0 or 1) "
    "or the model's outputs hold NaN"
)


def _model_device(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _evaluate_sums(
    model: nn.Module, loss_fn: Loss, batches: Iterable[Batch], metric: Metric | None, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Sum of losses and of metrics (each weighted by batch size) on the device, and the count."""
    loss_sum = torch.zeros((), device=device)
    metric_sum = torch.zeros((), device=device)
    count = 0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for X, y in batches:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            y_hat = model(X)
            loss_sum += loss_fn(y_hat, y) * len(y)
            if metric is not None:
                metric_sum += metric(y_hat, y) * len(y)
            count += len(y)
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the batches were empty")
    return loss_sum, metric_sum, count


def evaluate(model: nn.Module, loss_fn: Loss, batches: Iterable[Batch], metric: Metric | None = None) -> Evaluation:
    """Mean loss (and metric) of ``model`` over all the examples in ``batches``, in eval mode, without gradients.

    The means are over examples, not batches, so a smaller last batch counts for what it holds.

    Raises:
        ValueError: ``batches`` gave no examples, or the metric is NaN (labels out of range for
            [`accuracy`][dlref.train.loop.accuracy], or NaN outputs).

    Examples:
        >>> from dlref.data.batching import Batches
        >>> model = torch.nn.Linear(1, 2)
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.tensor([[1.0], [-1.0]])), model.bias.zero_()
        >>> X, y = torch.tensor([[1.0], [2.0], [-1.0]]), torch.tensor([0, 0, 0])
        >>> batches = Batches(X, y, batch_size=2, shuffle=False)
        >>> result = evaluate(model, torch.nn.functional.cross_entropy, batches, accuracy)
        >>> round(result.loss, 4), round(result.metric, 4)
        (0.7573, 0.6667)
    """
    device = _model_device(model)
    loss_sum, metric_sum, count = _evaluate_sums(model, loss_fn, batches, metric, device)
    loss, value = (torch.stack([loss_sum, metric_sum]) / count).tolist()
    if metric is not None and math.isnan(value):
        raise ValueError(f"evaluate: the metric is nan: {_NAN_METRIC}")
    return Evaluation(loss, value if metric is not None else None)


def _progress_wanted(progress: bool | None) -> bool:
    """``None`` means: show the bar when a person is watching, that is when stderr is a terminal."""
    if progress is not None:
        return progress
    return sys.stderr is not None and sys.stderr.isatty()


# --8<-- [start:fit]
def fit(
    model: nn.Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    train: Iterable[Batch],
    *,
    epochs: int,
    val: Iterable[Batch] | None = None,
    metric: Metric | None = None,
    progress: bool | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train`` and return what was measured per epoch.

    Args:
        model: the model, already on its device; each batch is moved to that device.
        loss_fn: ``loss_fn(y_hat, y)``, the mean loss over a batch.
        optimizer: anything with ``zero_grad()`` and ``step()`` over ``model``'s parameters.
        train: batches ``(X, y)``, iterated once per epoch (a ``DataLoader`` or
            [`Batches`][dlref.data.batching.Batches], not a one-shot generator). A
            `DistributedSampler` behind a ``DataLoader`` gets ``set_epoch`` each epoch.
        epochs: the number of passes, at least 1.
        val: batches to evaluate on after every epoch (``val_loss``, ``val_metric``).
        metric: ``metric(y_hat, y)``, e.g. [`accuracy`][dlref.train.loop.accuracy].
        progress: show a tqdm bar over the epochs; ``None`` shows it when stderr is a terminal (a
            script or a console), not in a notebook being built into the site.

    Returns:
        A [`History`][dlref.train.loop.History].

    Raises:
        TypeError: ``epochs`` is not an int.
        ValueError: ``epochs`` < 1, ``train`` gave no batches, the training loss is not finite
            at the end of an epoch (NaN or inf in the data, or diverged: lower the learning rate),
            or the metric is NaN (labels out of range for `accuracy`), naming the epoch.

    Examples:
        >>> from dlref.data.batching import Batches
        >>> _ = torch.manual_seed(0)
        >>> X = torch.randn(64, 3)
        >>> y = X @ torch.tensor([[1.0], [-2.0], [0.5]])
        >>> model = torch.nn.Linear(3, 1)
        >>> history = fit(model, torch.nn.functional.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1),
        ...               Batches(X, y, batch_size=16), epochs=20)
        >>> len(history.loss), history.loss[-1] < 1e-4
        (20, True)
        >>> model.weight.detach().round(decimals=2)
        tensor([[ 1.0000, -2.0000,  0.5000]])
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise TypeError(f"fit: epochs must be an int, got epochs={epochs!r}")
    if epochs < 1:
        raise ValueError(f"fit: epochs must be at least 1, got epochs={epochs}")
    from tqdm import tqdm  # the text bar: tqdm.auto would want ipywidgets in a notebook

    device = _model_device(model)
    history = History()
    sampler = getattr(train, "sampler", None)
    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not _progress_wanted(progress))
    for epoch in bar:
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)  # a DistributedSampler reshuffles from (seed, epoch)
        model.train()
        loss_sum = torch.zeros((), device=device)
        metric_sum = torch.zeros((), device=device)
        count = 0
        for X, y in train:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            y_hat = model(X)
            loss = loss_fn(y_hat, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            # Bookkeeping stays on the device: no .item(), no float(), no print of a tensor here.
            loss_sum += loss.detach() * len(y)
            if metric is not None:
                metric_sum += metric(y_hat.detach(), y) * len(y)
            count += len(y)
        if count == 0:
            raise ValueError(f"fit: train gave no batches in epoch {epoch} (a one-shot generator, exhausted?)")
        sums = [loss_sum / count, metric_sum / count]
        if val is not None:
            val_loss_sum, val_metric_sum, val_count = _evaluate_sums(model, loss_fn, val, metric, device)
            sums += [val_loss_sum / val_count, val_metric_sum / val_count]
        values = torch.stack(sums).tolist()  # the one host synchronisation of the epoch
        history.loss.append(values[0])
        if metric is not None:
            history.metric.append(values[1])
        if val is not None:
            history.val_loss.append(values[2])
            if metric is not None:
                history.val_metric.append(values[3])
        if metric is not None and math.isnan(values[1]):
            raise ValueError(f"fit: the metric is nan in epoch {epoch}: {_NAN_METRIC}")
        if not math.isfinite(values[0]):
            raise ValueError(
                f"fit: the training loss is {values[0]} in epoch {epoch}: the data hold NaN or inf "
                "(check X.isfinite().all()), or training diverged (lower the lr)"
            )
        # the epoch's entries of history, by their names there (val_loss, not a metric of 0 without one)
        fields = ("loss", "metric", "val_loss", "val_metric")
        bar.set_postfix({name: f"{getattr(history, name)[-1]:.4g}" for name in fields if getattr(history, name)})
    return history


# --8<-- [end:fit]
