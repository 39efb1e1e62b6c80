# ---
# jupyter:
#   translated_from: 8c2912521cc837e5
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
# # 超越单个进程：分布式数据并行 <a id="scaling-past-one-process-distributeddataparallel"></a>
#
# 数据并行（data parallelism）运行模型的 $R$ 份副本，每个进程（一个 **rank**）一份，各自处理每个批量中属于自己的分片；
# PyTorch 用**分布式数据并行**（`DistributedDataParallel`，DDP）实现它。反向传播之后，各个 rank
# 对梯度取平均（一次**全归约**，all-reduce），于是它们都走同样的一步，各自的副本始终保持一致。
# 当每个分片都有 $b$ 个样本时，平均后的梯度就是合并后的 $R b$ 个样本的批量上平均损失的梯度：
#
# $$
# \frac{1}{R} \sum_{r=1}^{R} \nabla \Big( \frac{1}{b} \sum_{i \in \mathcal{B}_r} \ell_i \Big)
# = \nabla \Big( \frac{1}{R b} \sum_{i \in \mathcal{B}_1 \cup \dots \cup \mathcal{B}_R} \ell_i \Big).
# $$
#
# 所以批量大小为 $b$ 的 $R$ 个 rank，最终必须与批量大小为 $R b$ 的单个进程得到相同的结果，
# 只差浮点数求和顺序带来的误差。本页就在 CPU 上用两个 rank 验证这一点。
#
# ## 每个 rank 上的代码 <a id="the-code-on-each-rank"></a>
#
# 相对于单进程的训练循环只有三处改动：把模型包装进 `DistributedDataParallel`；给 `DataLoader` 一个
# `DistributedSampler`（每个 rank 从同一个共享的排列中每 $R$ 个样本取一个）；每个迭代周期调用
# `sampler.set_epoch(epoch)`，让排列随之改变。其余的就是通常的 `zero_grad`、`backward`
# （DDP 在此期间对梯度做全归约）和 `step`。

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
# ## 启动各个 rank <a id="starting-the-ranks"></a>
#
# 这里的两个 rank 是用 `torch.multiprocessing` 启动的进程，它们通过一个文件会合
# （`init_method="file://..."`，不需要网络端口），并使用在 CPU 上运行的 `gloo` 后端。它们是从当前进程
# **fork** 出来的，所以 `train_rank` 和数据已经在内存中了。（Windows 不能 fork。用 spawn 方式启动的进程
# ——这是 Windows 唯一的方式，也是 macOS 的默认方式——会重新导入代码，找不到在笔记本中定义的函数：
# 在那里，应把代码放进 `.py` 文件，并用下面介绍的 `torchrun` 启动。）`DistributedDataParallel`
# 在第一次构建模型时会导入 `torch._dynamo`；在 fork 之前先在这里导入一次，就免得每个 rank 再导入一遍。
#
# 脚本通常用 `torchrun` 启动，它为每个 rank 启动一个进程，并设置 `RANK`、`WORLD_SIZE`、`MASTER_ADDR`
# 和 `MASTER_PORT`，所以脚本调用 `dist.init_process_group(backend)` 时不需要其他参数。在有 GPU 的机器上，
# 后端是 `nccl`，每个 rank 一块 GPU（`--nproc-per-node` 等于 GPU 的数量，模型和每个批量都移到
# `torch.device("cuda", rank)` 上）：
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
# ## 检验 <a id="the-check"></a>
#
# 由单个进程在合并后的批量上训练同一个模型：只有一个副本的 `DistributedSampler` 抽取的排列与各 rank
# 的采样器相同，而这个排列中每 $2 \times 32$ 个相邻的索引组成的批量，恰好是两个 rank 在这一步的批量的并集。
# （这就是上面把数据截成 64 的整数倍个样本的原因：样本数为奇数时，`DistributedSampler` 会用一个重复的样本
# 填充某个 rank 的分片，最后几个批量就会不同。）

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
# ## 结果 <a id="the-result"></a>
#
# 两个 rank 持有逐位相同的参数，并且在 float32 舍入误差内与单个进程一致
# （全归约把两个 rank 的梯度相加的顺序与单个进程不同）。

# %%
for name, tensor in single.items():
    assert torch.equal(ranks[0][name], ranks[1][name]), name
    assert torch.allclose(ranks[0][name], tensor, rtol=1e-5, atol=1e-6), name
print("2 ranks (gloo) == 1 process on the combined batch, within rtol 1e-5")

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 对一个有 10 个样本的数据集，以及一个有 11 个样本的数据集，预测两个 rank 各自从
# `shuffle=False` 的 `DistributedSampler` 得到哪些索引。然后验证。


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
# **2.** 不启动任何进程，验证本页开头的恒等式：在一个批量相等的两半上分别求平均损失的梯度并取平均，
# 与整个批量上平均损失的梯度比较。再把批量不均等地分开（10 和 54）：平均值还相符吗？


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
