r"""Checkpoints: save and restore the ``state_dict`` of a model and its optimiser, and the random state.

A checkpoint holds tensors and plain containers only (``state_dict``\s, the epoch, the generators'
states), and is loaded with ``torch.load(..., weights_only=True)``, which unpickles tensors, numbers,
strings and containers and refuses anything else. Loading a pickled *model* (``torch.save(model)``)
needs ``weights_only=False``, and unpickling runs whatever code the file names: never do it with a
file from someone you do not trust.

Resuming restores everything the rest of training depends on: the parameters, the optimiser's state
(momentum buffers, Adam's moments and step counts) and the random generators that shuffle the
batches, so that training resumed from a checkpoint on the CPU is bit-identical to training that
never stopped (``tests/train/test_checkpoint.py`` checks it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

__all__ = ["load_checkpoint", "save_checkpoint"]


class _Stateful(Protocol):
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state_dict: dict[str, Any]) -> object: ...


# --8<-- [start:checkpoint]
def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: _Stateful,
    *,
    epoch: int,
    generator: torch.Generator | None = None,
) -> None:
    """Write the model's and the optimiser's ``state_dict``, the epoch and the random state to ``path``.

    Args:
        path: the file to write (conventionally ``*.pt``).
        model: the model.
        optimizer: its optimiser (a `torch.optim` optimiser or [`SGD`][dlref.train.optim.SGD]).
        epoch: the number of epochs completed.
        generator: a generator that shuffles the batches, when not torch's global one.

    Examples:
        >>> import tempfile, os
        >>> model = nn.Linear(2, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = os.path.join(folder.name, "checkpoint.pt")
        >>> save_checkpoint(path, model, optimizer, epoch=3)
        >>> sorted(torch.load(path, weights_only=True))
        ['epoch', 'generator', 'model', 'optimizer', 'rng_cpu', 'rng_cuda']
        >>> folder.cleanup()
    """
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "rng_cpu": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "generator": generator.get_state() if generator is not None else None,
    }
    torch.save(state, path)


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: _Stateful | None = None,
    *,
    generator: torch.Generator | None = None,
    restore_rng: bool = True,
) -> int:
    """Restore what [`save_checkpoint`][dlref.train.checkpoint.save_checkpoint] wrote; return the epoch.

    The file is read with ``weights_only=True`` onto the CPU; ``load_state_dict`` then copies each
    tensor onto the device where the model's (and optimiser's) tensors already are, so a checkpoint
    written on a GPU loads on a CPU-only machine and the other way round.

    Args:
        path: the checkpoint file.
        model: a model of the same architecture; its parameters are overwritten in place.
        optimizer: its optimiser, built over ``model``'s parameters; left alone when ``None``.
        generator: the batch-shuffling generator passed to ``save_checkpoint``, if any.
        restore_rng: restore torch's global generators (CPU and CUDA) as they were at saving.

    Returns:
        The epoch stored in the checkpoint.

    Raises:
        RuntimeError: from ``load_state_dict``, naming missing, unexpected or mis-shaped keys, when
            ``model`` is not the architecture that was saved.

    Examples:
        >>> import tempfile, os
        >>> _ = torch.manual_seed(0)
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = os.path.join(folder.name, "checkpoint.pt")
        >>> save_checkpoint(path, nn.Linear(2, 1), torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1), epoch=3)
        >>> other = nn.Linear(2, 1)
        >>> load_checkpoint(path, other)
        3
        >>> other.weight
        Parameter containing:
        tensor([[-0.0053,  0.3793]], requires_grad=True)
        >>> folder.cleanup()
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    if restore_rng:
        torch.set_rng_state(state["rng_cpu"])
        if torch.cuda.is_available() and state["rng_cuda"]:
            torch.cuda.set_rng_state_all(state["rng_cuda"])
    if generator is not None:
        if state["generator"] is None:
            raise ValueError(f"load_checkpoint: {path} holds no generator state (none was given to save_checkpoint)")
        generator.set_state(state["generator"])
    return int(state["epoch"])


# --8<-- [end:checkpoint]
