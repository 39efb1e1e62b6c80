r"""The same [`fit`][dlref.train.loop.fit] loop on several processes, with `DistributedDataParallel`.

Each process (a *rank*) holds a full copy of the model and trains on its own shard of every batch,
chosen by a `DistributedSampler`. During ``loss.backward()``, DDP averages the gradients over the
ranks (an all-reduce), so every rank takes the same optimiser step and the copies stay identical.
With $R$ ranks and $b$ examples per rank, a step is the step one process would take on the combined
batch of $R b$ examples, since the mean of the ranks' mean gradients is the mean gradient over the
combined batch (equal shards). [`run_ddp`][dlref.train.distributed.run_ddp] and
[`run_single`][dlref.train.distributed.run_single] train the same MLP on the digits both ways, so that
``tests/train/test_distributed.py`` and the walkthrough can compare them.

Started by ``torchrun`` (which sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``)::

    torchrun --standalone --nproc-per-node=2 -m dlref.train.distributed

Each rank uses the backend for its device: ``gloo`` on the CPU, ``nccl`` on CUDA (one GPU per rank).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from dlref.data.datasets import digits
from dlref.models.mlp import mlp_sequential
from dlref.train.loop import History, fit
from dlref.train.optim import SGD

__all__ = ["main", "run_ddp", "run_single", "train_rank"]

SEED = 0


def _setup(seed: int) -> tuple[TensorDataset, nn.Module]:
    """The digits' training split, and an MLP initialised from ``seed`` (the same on every rank)."""
    data = digits("cpu")
    torch.manual_seed(seed)
    return TensorDataset(data.X_train, data.y_train), mlp_sequential(64, 32, 10)


# --8<-- [start:train_rank]
def train_rank(
    rank: int, world_size: int, *, epochs: int = 2, batch_size: int = 32, lr: float = 0.1, seed: int = SEED
) -> tuple[nn.Module, History]:
    """Train on this rank's shards with DDP; the process group must be initialised already.

    Args:
        rank: this process's rank, ``0 .. world_size - 1``.
        world_size: the number of processes.
        epochs: passes over the data.
        batch_size: examples per rank per step (the combined batch is ``world_size * batch_size``).
        lr: SGD's learning rate.
        seed: seeds the model's initial weights and the sampler's shuffling.

    Returns:
        The trained model (unwrapped from DDP) and this rank's history (losses of its own shards).
    """
    dataset, model = _setup(seed)
    if torch.cuda.is_available() and dist.get_backend() == "nccl":
        device = torch.device("cuda", rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    model = model.to(device)
    ddp_model = DistributedDataParallel(model)  # broadcasts rank 0's parameters to every rank
    # Each rank sees every world_size-th example of one permutation, drawn from (seed, epoch);
    # fit calls sampler.set_epoch(epoch), so the order changes each epoch, the same on every rank.
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    optimizer = SGD(ddp_model.parameters(), lr=lr)  # plain SGD, as torch.optim.SGD without momentum
    show_bar = None if rank == 0 else False  # one bar (rank 0), when run in a terminal
    history = fit(ddp_model, nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs, progress=show_bar)
    return model, history


# --8<-- [end:train_rank]


def _worker(rank: int, world_size: int, init_file: str, out_dir: str, epochs: int, batch_size: int) -> None:
    torch.set_num_threads(1)  # the ranks share the machine's cores
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        model, history = train_rank(rank, world_size, epochs=epochs, batch_size=batch_size)
        torch.save({"model": model.state_dict(), "loss": history.loss}, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def run_ddp(world_size: int = 2, *, epochs: int = 2, batch_size: int = 32) -> list[dict[str, torch.Tensor]]:
    """Start ``world_size`` CPU processes (gloo), train with DDP, and return each rank's final ``state_dict``.

    The processes meet through a file, so no network port is needed. On Linux they are forked from
    this one, as `DataLoader` workers are, so they inherit its imported modules (torch, and the
    ``torch._dynamo`` that `DistributedDataParallel` imports, seconds each); elsewhere they are
    spawned.
    """
    import sys

    import torch._dynamo
    import torch.multiprocessing as mp

    start_method = "fork" if sys.platform == "linux" else "spawn"
    with tempfile.TemporaryDirectory() as out_dir:
        init_file = str(Path(out_dir) / "rendezvous")
        args = (world_size, init_file, out_dir, epochs, batch_size)
        mp.start_processes(_worker, args=args, nprocs=world_size, join=True, start_method=start_method)
        results = [torch.load(Path(out_dir) / f"rank{r}.pt", weights_only=True) for r in range(world_size)]
    return [result["model"] for result in results]


# --8<-- [start:run_single]
def run_single(world_size: int = 2, *, epochs: int = 2, batch_size: int = 32) -> dict[str, torch.Tensor]:
    """Train the same model in this one process on the combined batches; return its ``state_dict``.

    A `DistributedSampler` with one replica draws the same permutation as the ranks' samplers, and
    each combined batch of ``world_size * batch_size`` consecutive indices of it is exactly the union
    of the ranks' batches at that step.
    """
    dataset, model = _setup(SEED)
    sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=SEED)
    loader = DataLoader(dataset, batch_size=world_size * batch_size, sampler=sampler)
    fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), loader, epochs=epochs)
    return model.state_dict()


# --8<-- [end:run_single]


def main() -> None:
    """Entry point for ``torchrun``: train on this rank, then check every rank ended with the same weights."""
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    rank, world_size = dist.get_rank(), dist.get_world_size()
    try:
        model, history = train_rank(rank, world_size)
        flat = torch.cat([p.detach().flatten() for p in model.parameters()])
        gathered = [torch.empty_like(flat) for _ in range(world_size)]
        dist.all_gather(gathered, flat)
        if rank == 0:
            same = all(torch.equal(g, gathered[0]) for g in gathered)
            print(f"{world_size} ranks ({backend}); rank 0 loss per epoch {[round(v, 4) for v in history.loss]}")
            print(f"every rank ends with the same parameters: {same}")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
