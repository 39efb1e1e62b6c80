# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Scaling past one process: DistributedDataParallel
#
# Data parallelism runs $R$ copies of the model, one per process (a **rank**), each on its own
# shard of every batch. After the backward pass the ranks average their gradients (an
# **all-reduce**), so all of them take the same step and their copies stay identical. With equal
# shards of $b$ examples, the averaged gradient is the gradient of the mean loss over the combined
# batch of $R b$ examples:
#
# $$
# \frac{1}{R} \sum_{r=1}^{R} \nabla \Big( \frac{1}{b} \sum_{i \in \mathcal{B}_r} \ell_i \Big)
# = \nabla \Big( \frac{1}{R b} \sum_{i \in \mathcal{B}_1 \cup \dots \cup \mathcal{B}_R} \ell_i \Big).
# $$
#
# So $R$ ranks with batch $b$ must end where one process with batch $R b$ ends, up to the order in
# which floating-point sums are taken. This page checks exactly that, on the CPU, with two ranks.
#
# ## The code on each rank
#
# Three changes to a single-process loop: wrap the model in `DistributedDataParallel`, give the
# `DataLoader` a `DistributedSampler` (each rank gets every $R$-th example of one shared
# permutation), and call `sampler.set_epoch(epoch)` each epoch so the permutation changes. The rest
# is the usual `zero_grad`, `backward` (during which DDP all-reduces the gradients), `step`.

# %%
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from sklearn.datasets import load_digits
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

digits = load_digits()
n = 1792  # of the 1797 images: 28 combined batches of 64, each split evenly between 2 ranks
dataset = TensorDataset(torch.tensor(digits.data[:n] / 16, dtype=torch.float32), torch.tensor(digits.target[:n]))


def make_model(seed=0):
    torch.manual_seed(seed)  # the same initial weights in every process
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def train(model, loader, sampler, num_epochs, lr=0.1):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(num_epochs):
        sampler.set_epoch(epoch)  # a new permutation each epoch, the same on every rank
        for X, y in loader:
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def train_rank(rank, world_size, init_file, out_dir, num_epochs=1, batch_size=32):
    torch.set_num_threads(1)  # the ranks share the machine's cores
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        model = make_model()
        ddp_model = DistributedDataParallel(model)  # also broadcasts rank 0's parameters to every rank
        sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=0)
        loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
        train(ddp_model, loader, sampler, num_epochs)
        torch.save(model.state_dict(), Path(out_dir) / f"rank{rank}.pt")
        dist.barrier()  # every rank is done with its collectives before any tears down
        del ddp_model  # DDP holds the process group: let it go while the group is still up
    finally:
        dist.destroy_process_group()


# %% [markdown]
# ## Starting the ranks
#
# Here the two ranks are processes started with `torch.multiprocessing`, which meet through a
# file (`init_method="file://..."`, no network port needed) and use the `gloo` backend, which
# runs on the CPU. They are **forked** from this process, so they find `train_rank` and the data
# already in memory. (Windows cannot fork. Spawned processes, its only way and the default on
# macOS, import the code afresh and cannot find a function defined in a notebook: there, put the
# code in a `.py` file and start it with `torchrun`, below.) `DistributedDataParallel` imports
# `torch._dynamo` when it first builds a model; importing it once here, before the fork, saves
# each rank from importing it again.
#
# A script is usually started with `torchrun`, which starts one process per rank and sets
# `RANK`, `WORLD_SIZE`, `MASTER_ADDR` and `MASTER_PORT`, so the script calls
# `dist.init_process_group(backend)` with no other argument. On a machine with GPUs the backend
# is `nccl`, one GPU per rank (`--nproc-per-node` = the number of GPUs, and the model and each
# batch moved to `torch.device("cuda", rank)`):
#
# ```bash
# torchrun --standalone --nproc-per-node=2 train_ddp.py
# ```

# %%
import torch._dynamo  # imported once, before the ranks are forked (see above)

world_size = 2
with tempfile.TemporaryDirectory() as out_dir:
    mp.start_processes(
        train_rank,
        args=(world_size, str(Path(out_dir) / "rendezvous"), out_dir),
        nprocs=world_size,
        start_method="fork",
    )
    ranks = [torch.load(Path(out_dir) / f"rank{r}.pt", weights_only=True) for r in range(world_size)]

# %% [markdown]
# ## The check
#
# One process trains the same model on the combined batches: a `DistributedSampler` with one
# replica draws the same permutation as the ranks' samplers, and each batch of
# $2 \times 32$ consecutive indices of it is exactly the union of the two ranks' batches at that
# step. (That is why the data above are cut to a multiple of 64 examples: with an odd count,
# `DistributedSampler` pads one rank's shard with a repeated example, and the last batches would
# differ.)

# %%
single_model = make_model()
sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=0)
train(single_model, DataLoader(dataset, batch_size=world_size * 32, sampler=sampler), sampler, num_epochs=1)
single = single_model.state_dict()
for name, tensor in single.items():
    rank_gap = (ranks[0][name] - ranks[1][name]).abs().max().item()
    single_gap = (ranks[0][name] - tensor).abs().max().item()
    print(f"{name:9s} rank 0 vs rank 1: {rank_gap:.1e}   DDP vs one process below 1e-7: {single_gap < 1e-7}")

# %% [markdown]
# ## The result
#
# The two ranks hold bit-identical parameters, and they agree with the single process to float32
# rounding (the all-reduce adds the two ranks' gradients in another order than one process would).

# %%
for name, tensor in single.items():
    assert torch.equal(ranks[0][name], ranks[1][name]), name
    assert torch.allclose(ranks[0][name], tensor, rtol=1e-5, atol=1e-6), name
print("2 ranks (gloo) == 1 process on the combined batch, within rtol 1e-5")

# %% [markdown]
# ## Exercises
#
# **1.** Predict the indices each of two ranks gets from `DistributedSampler` with
# `shuffle=False`, for a data set of 10 examples and for one of 11. Check.


# %% tags=["solution"]
# Rank r takes every second index starting at r. With 11 examples the shards would be unequal, so
# the sampler repeats the first index to make 12: example 0 is seen twice each epoch, once per rank.
def shards(size):
    data = TensorDataset(torch.arange(size))
    return [list(DistributedSampler(data, num_replicas=2, rank=r, shuffle=False)) for r in range(2)]


assert shards(10) == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
assert shards(11) == [[0, 2, 4, 6, 8, 10], [1, 3, 5, 7, 9, 0]]
shards(11)

# %% [markdown]
# **2.** Without starting any process, check the identity at the top of the page: average the
# gradients of the mean loss on two equal halves of a batch, and compare with the gradient of the
# mean loss on the whole batch. Then split the batch unequally (10 and 54): does the average still
# match?


# %% tags=["solution"]
# With equal halves the average of the two means is the mean of all 64 losses. With 10 and 54, the
# average gives each of the 10 examples 1/20 of the weight and each of the 54 only 1/108, so it is
# the gradient of a weighted mean, not of the batch's mean.
def grads(model, X, y):
    model.zero_grad()
    nn.functional.cross_entropy(model(X), y).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters()])


model = make_model()
X_all, y_all = dataset[:64]
whole = grads(model, X_all, y_all)
equal = (grads(model, X_all[:32], y_all[:32]) + grads(model, X_all[32:], y_all[32:])) / 2
unequal = (grads(model, X_all[:10], y_all[:10]) + grads(model, X_all[10:], y_all[10:])) / 2
assert torch.allclose(equal, whole, atol=1e-6)
assert not torch.allclose(unequal, whole, atol=1e-6)
print(f"largest difference from the whole batch's gradient: equal halves {(equal - whole).abs().max():.1e},")
print(f"10 and 54 {(unequal - whole).abs().max():.1e}")
