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

    Everything is checked before anything is changed: the file, the model's parameter names and
    shapes, the optimiser's kind, parameter groups and state shapes, the generator's state. A
    refused checkpoint leaves ``model``, ``optimizer``, ``generator`` and the random state exactly as
    they were (``torch.nn.Module.load_state_dict`` alone copies the parameters that fit before it
    reports those that do not).

    Args:
        path: the checkpoint file.
        model: a model of the same architecture; its parameters are overwritten in place.
        optimizer: its optimiser, built over ``model``'s parameters; left alone when ``None``.
        generator: the batch-shuffling generator passed to ``save_checkpoint``, if any.
        restore_rng: restore torch's global generators (CPU and CUDA) as they were at saving.

    Returns:
        The epoch stored in the checkpoint.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: naming ``path``: the file is empty, is not a file ``torch.save`` wrote, holds
            pickled objects (``weights_only`` refuses them), holds a plain ``state_dict`` rather
            than a checkpoint (the message says how to load one), lacks a checkpoint's entries, holds
            the state of another kind of optimiser (SGD's state for Adam) or of other parameter
            groups, or holds no generator state when ``generator`` is given.
        RuntimeError: ``model`` is not the architecture that was saved: the message names the
            missing, unexpected and mis-shaped keys (as ``load_state_dict`` does).

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
        >>> try:
        ...     load_checkpoint(path, nn.Linear(3, 1))
        ... except RuntimeError as error:
        ...     print(str(error).split(": ", 2)[2])
        size mismatch for weight: (1, 2) in the checkpoint, (1, 3) in the model
        >>> folder.cleanup()
    """
    state = _read(Path(path))
    _check_model(path, state["model"], model)
    if optimizer is not None:
        _check_optimizer(path, state["optimizer"], optimizer)
    if generator is not None and state["generator"] is None:
        raise ValueError(f"load_checkpoint: {path} holds no generator state (none was given to save_checkpoint)")
    # Checked: now change things. The optimiser first: its load_state_dict checks before it assigns.
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    model.load_state_dict(state["model"])
    if restore_rng:
        torch.set_rng_state(state["rng_cpu"])
        if torch.cuda.is_available() and state["rng_cuda"]:
            torch.cuda.set_rng_state_all(state["rng_cuda"])
    if generator is not None:
        generator.set_state(state["generator"])
    return int(state["epoch"])


# --8<-- [end:checkpoint]

_ENTRIES = ("model", "optimizer", "epoch", "rng_cpu", "rng_cuda", "generator")


def _read(path: Path) -> dict[str, Any]:
    """The checkpoint's dictionary, or an error naming ``path`` and what the file holds instead."""
    if not path.is_file():
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"load_checkpoint: {path} is empty (0 bytes): the save did not finish; save it again")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch's reader raises RuntimeError, UnpicklingError, EOFError, ...
        kind = type(error).__name__
        raise ValueError(f"load_checkpoint: cannot read {path} as a checkpoint: {kind}: {error}") from None
    if isinstance(state, dict) and state and all(isinstance(v, torch.Tensor) for v in state.values()):
        names = ", ".join(repr(k) for k in list(state)[:3]) + (", ..." if len(state) > 3 else "")
        raise ValueError(
            f"load_checkpoint: {path} holds a plain state_dict ({len(state)} tensors: {names}), not a checkpoint "
            "of save_checkpoint: load it with model.load_state_dict(torch.load(path, weights_only=True))"
        )
    if isinstance(state, dict) and {"state", "param_groups"} <= state.keys():
        raise ValueError(
            f"load_checkpoint: {path} holds an optimiser's state_dict, not a checkpoint of save_checkpoint: "
            "load it with optimizer.load_state_dict(torch.load(path, weights_only=True))"
        )
    missing = [key for key in _ENTRIES if not isinstance(state, dict) or key not in state]
    if missing:
        held = f"a dict with keys {sorted(map(str, state))}" if isinstance(state, dict) else type(state).__name__
        raise ValueError(
            f"load_checkpoint: {path} holds {held}, not a checkpoint of save_checkpoint (it lacks {missing})"
        )
    return state


def _shape(value: object) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def _check_model(path: str | Path, saved: dict[str, Any], model: nn.Module) -> None:
    """Raise before loading if ``saved`` does not have ``model``'s keys and shapes."""
    current = model.state_dict()
    problems = [f"missing key {key!r}" for key in current if key not in saved]
    problems += [f"unexpected key {key!r}" for key in saved if key not in current]
    problems += [
        f"size mismatch for {key}: {_shape(saved[key])} in the checkpoint, {_shape(value)} in the model"
        for key, value in current.items()
        if key in saved and _shape(saved[key]) != _shape(value)
    ]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise RuntimeError(
            f"load_checkpoint: the model in {path} is not {type(model).__name__}'s architecture: {shown}"
        )


def _check_optimizer(path: str | Path, saved: object, optimizer: _Stateful) -> None:
    """Raise before loading if ``saved`` is not a state of ``optimizer``'s kind, groups and shapes."""
    kind = type(optimizer).__name__
    current = optimizer.state_dict()
    if not isinstance(saved, dict):
        raise ValueError(f"load_checkpoint: the optimiser state in {path} is a {type(saved).__name__}, not a dict")
    if "param_groups" not in current:  # not a torch.optim optimiser: the same entries, then its own check
        if set(saved) != set(current):
            raise ValueError(
                f"load_checkpoint: the optimiser state in {path} has entries {sorted(map(str, saved))}, but {kind}'s "
                f"has {sorted(map(str, current))}: build the optimiser that was saved, or pass optimizer=None"
            )
        return
    groups, saved_groups = current["param_groups"], saved.get("param_groups")
    if not isinstance(saved_groups, list) or "state" not in saved:
        raise ValueError(
            f"load_checkpoint: the optimiser state in {path} has entries {sorted(map(str, saved))}, not a "
            f"torch.optim state ('state', 'param_groups') like {kind}'s: build the optimiser that was saved"
        )
    settings = set(groups[0]) - {"params"} if groups else set()
    saved_settings = set(saved_groups[0]) - {"params"} if saved_groups else set()
    if settings != saved_settings:
        ours, theirs = sorted(settings - saved_settings), sorted(saved_settings - settings)
        raise ValueError(
            f"load_checkpoint: the optimiser state in {path} is another kind of optimiser's: it has settings "
            f"{theirs} that {kind} lacks, and lacks {kind}'s {ours}; build the optimiser that was saved, "
            "or pass optimizer=None to load the model only"
        )
    sizes = [len(g["params"]) for g in groups]
    saved_sizes = [len(g["params"]) for g in saved_groups]
    if sizes != saved_sizes:
        raise ValueError(
            f"load_checkpoint: the optimiser state in {path} has parameter groups of sizes {saved_sizes}, "
            f"but {kind} has {sizes}: build it over the same parameters, in the same groups"
        )
    params = [p for g in optimizer.param_groups for p in g["params"]]
    ids = [i for g in saved_groups for i in g["params"]]
    for param, i in zip(params, ids, strict=True):
        for name, value in saved["state"].get(i, {}).items():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != param.shape:
                raise ValueError(
                    f"load_checkpoint: the optimiser state in {path} has {name} of shape {tuple(value.shape)} for "
                    f"a parameter of shape {tuple(param.shape)}: it was saved for other parameters"
                )
