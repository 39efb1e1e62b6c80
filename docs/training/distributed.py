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
# which floating-point sums are taken. This page checks exactly that, with the same
# [`fit`](../api/index.md#dlref.train.loop.fit) loop as every other page.
#
# ## The code on each rank
#
# Three changes to a single-process script: wrap the model in `DistributedDataParallel`, give the
# `DataLoader` a `DistributedSampler` (each rank gets every $R$-th example of one shared
# permutation), and call `sampler.set_epoch(epoch)` each epoch so the permutation changes
# (`fit` does that when the loader's sampler has `set_epoch`).

# %%
import inspect

import torch

from dlref.train import distributed

source = inspect.getsource(distributed.train_rank)
signature, _docstring, body = source.split('"""')
print(signature.rstrip() + body)

# %% [markdown]
# ## Starting it with torchrun
#
# `torchrun` starts one process per rank and sets `RANK`, `WORLD_SIZE`, `MASTER_ADDR` and
# `MASTER_PORT` for `init_process_group`. On a CPU machine the backend is `gloo`; on a machine with
# GPUs it is `nccl`, one GPU per rank (`--nproc-per-node` = the number of GPUs):
#
# ```bash
# torchrun --standalone --nproc-per-node=2 -m dlref.train.distributed
# ```
#
# which prints rank 0's loss per epoch and whether every rank ended with the same parameters.
#
# ## The check
#
# Here (and in `tests/train/test_distributed.py`) two CPU processes are started with
# `torch.multiprocessing` (forked on Linux, spawned elsewhere) and the `gloo` backend, each trains
# an MLP on its half of every batch of the digits (32 examples per rank), and their final
# parameters are compared with each other and with one process trained on the combined batches of
# 64.

# %%
ranks = distributed.run_ddp(world_size=2, epochs=1, batch_size=32)
single = distributed.run_single(world_size=2, epochs=1, batch_size=32)
for name, tensor in single.items():
    rank_gap = (ranks[0][name] - ranks[1][name]).abs().max().item()
    single_gap = (ranks[0][name] - tensor).abs().max().item()
    print(f"{name:9s} rank 0 vs rank 1: {rank_gap:.1e}   DDP vs one process: {single_gap:.1e}")

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
