# ---
# jupyter:
#   translated_from: c19d3b0ce342e125
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
# # 检查点、随机种子和设备 <a id="checkpoints-seeds-and-devices"></a>
#
# 每个训练脚本除了训练循环本身，还需要检查点（checkpoint）、随机种子（random seed）和设备（device）
# 这三样东西：
#
# 1. **检查点**：保存模型*和*优化器的 `state_dict`，安全地加载它们，并从中断的地方准确地恢复训练；
# 2. **随机种子**：让两次运行得到相同的数；
# 3. **设备**：选择张量存放在哪里，并把模型和数据移到那里。
#
# 贯穿本页的例子是一个小型 MLP，在 scikit-learn 自带的手写数字数据集上用 Adam 训练。

# %%
import pickle
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
digits = load_digits()
X_train = torch.tensor(digits.data / 16, dtype=torch.float32).to(device)  # pixels 0..16 scaled to 0..1
y_train = torch.tensor(digits.target).to(device)
scratch = tempfile.TemporaryDirectory()  # removed, with the files saved in it, at the end of the page
workdir = Path(scratch.name)


def seed_everything(seed):
    """Seed every generator a training run draws from: Python's, NumPy's and torch's (CPU and GPUs)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_run(seed):
    """A fresh model, optimiser and data loader; the loader shuffles with its own seeded generator."""
    seed_everything(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True, generator=generator
    )
    return model, optimizer, generator, loader


def train(model, optimizer, loader, num_epochs):
    """The usual loop; returns the mean training loss of each epoch."""
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _epoch in range(num_epochs):
        model.train()
        total = torch.zeros((), device=device)  # summed on the device: no host sync per step
        for X, y in loader:
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(y)
        losses.append(total.item() / len(loader.dataset))
    return losses


# %% [markdown]
# ## 检查点里有什么 <a id="what-a-checkpoint-holds"></a>
#
# 模型的 `state_dict` 把每个参数和缓冲区（buffer）的名字映射到一个张量。优化器的 `state_dict`
# 保存它的超参数和每个参数的状态：对 Adam 而言，就是一阶矩和二阶矩的滑动平均以及步数；没有它们，
# 恢复后的训练就会从全零的矩重新开始，走出不同的步子。检查点是一个字典，包含这两者、迭代周期数，
# 以及负责打乱小批量的生成器的状态，用 `torch.save` 写入文件：

# %%
model, optimizer, generator, loader = make_run(0)
train(model, optimizer, loader, num_epochs=1)
print({name: tuple(t.shape) for name, t in model.state_dict().items()})
print(sorted(optimizer.state_dict()["state"][0]))
torch.save(
    {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 1,
        "generator": generator.get_state(),
    },
    workdir / "epoch1.pt",
)
sorted(torch.load(workdir / "epoch1.pt", weights_only=True))

# %% [markdown]
# ## 为什么要用 `weights_only=True` <a id="why-weights_onlytrue"></a>
#
# `torch.save(model)` 用 pickle 序列化整个模型对象，而反序列化（unpickling）
# 可以运行文件中指定的任意代码：加载别人用 pickle 保存的模型，就等于运行别人的程序。`state_dict`
# 只包含张量、数、字符串和容器，而 `torch.load(..., weights_only=True)`（自 torch 2.6 起为默认设置）
# 拒绝加载其他任何东西。本页检查了它确实会拒绝：如果 `torch.load` 接受了这个文件，`else`
# 分支就会让本页失败。

# %%
torch.save(model, workdir / "pickled-model.pt")
try:
    torch.load(workdir / "pickled-model.pt", weights_only=True)
except pickle.UnpicklingError as error:
    print(f"{type(error).__name__}: {str(error).split('.')[0]}")
else:
    raise AssertionError("torch.load(weights_only=True) loaded a pickled nn.Module")

# %% [markdown]
# ## 恢复训练是精确的 <a id="resuming-is-exact"></a>
#
# 一次连续训练 4 个迭代周期；另外，先训练 2 个迭代周期，保存，
# 再加载到一个*全新*的模型和优化器中（它们用另一个种子初始化，以表明没有任何东西从别处漏进来），
# 然后再训练 2 个迭代周期。加载就是 `model.load_state_dict(...)`、`optimizer.load_state_dict(...)` 和
# `generator.set_state(...)`；无论文件是在哪里保存的，`map_location` 都会把张量放到本页所用的设备上。
# 在 CPU 上，两种方式的损失和最终参数逐位相同。（在 GPU 上，某些核函数做加法的顺序会变化，
# 所以除非设置了 `torch.use_deterministic_algorithms(True)`，只能期望它们在舍入误差范围内一致。）

# %%
model_a, optimizer_a, _, loader_a = make_run(0)
straight = train(model_a, optimizer_a, loader_a, num_epochs=4)

model_b, optimizer_b, generator_b, loader_b = make_run(0)
first_half = train(model_b, optimizer_b, loader_b, num_epochs=2)
checkpoint = {
    "model": model_b.state_dict(),
    "optimizer": optimizer_b.state_dict(),
    "epoch": 2,
    "generator": generator_b.get_state(),
}
torch.save(checkpoint, workdir / "epoch2.pt")

model_c, optimizer_c, generator_c, loader_c = make_run(123)
checkpoint = torch.load(workdir / "epoch2.pt", map_location=device, weights_only=True)
model_c.load_state_dict(checkpoint["model"])
optimizer_c.load_state_dict(checkpoint["optimizer"])
generator_c.set_state(checkpoint["generator"].cpu())  # a CPU generator takes a CPU state
second_half = train(model_c, optimizer_c, loader_c, num_epochs=2)

resumed = first_half + second_half
print("straight:", [f"{v:.6f}" for v in straight])
print("resumed: ", [f"{v:.6f}" for v in resumed], f"(resumed after epoch {checkpoint['epoch']})")
same = all(torch.equal(p, q) for p, q in zip(model_a.parameters(), model_c.parameters(), strict=True))
print("parameters bit-identical:", same)

# %% [markdown]
# ## 设置随机种子 <a id="seeding"></a>
#
# 上面的 `seed_everything` 为 Python 的 `random`、NumPy 的全局生成器和 torch
# 的生成器设置种子（`torch.manual_seed` 为 CPU 的生成器和每个 GPU 的生成器都设置种子）。
# 用同一个种子的两次运行给出相同的损失；换一个种子，损失就不同。


# %%
def run(seed):
    model, optimizer, _generator, loader = make_run(seed)
    return train(model, optimizer, loader, num_epochs=2)


run1, run2, run3 = run(7), run(7), run(8)
print("seed 7:", run1, "\nseed 7:", run2, "\nseed 8:", run3)

# %% [markdown]
# ## 选择设备 <a id="choosing-a-device"></a>
#
# 当 torch 能看到 GPU 时，`device = "cuda" if torch.cuda.is_available() else "cpu"` 就选用它。
# 模型只需用 `model.to(device)` 移动一次；数据要么从一开始就放在那里（如本页），要么在循环中用
# `X.to(device)` 一批一批地移过去。`torch.load(..., map_location=device)`
# 把检查点中的张量放到本机的设备上，因此在 GPU 上保存的文件也能在笔记本电脑上加载。
# 应当在每种设备上都相同的随机数，要用 CPU 生成器抽取（上面数据加载器的 `generator` 就是 CPU
# 生成器），然后再移过去。

# %%
# the same text on every device, so this page's stored outputs hold on a GPU too
print("model on this page's device:", next(model_c.parameters()).device.type == device)
print("data on this page's device:", X_train.device.type == device)

# %% [markdown]
# ## 结果 <a id="the-result"></a>

# %%
if device == "cpu":  # bit for bit
    assert resumed == straight, (resumed, straight)
    assert same, "resumed parameters differ from the straight run"
    assert run1 == run2, (run1, run2)
else:  # to rounding: GPU kernels may add in another order
    assert torch.allclose(torch.tensor(resumed), torch.tensor(straight), rtol=1e-5)
    assert torch.allclose(torch.tensor(run1), torch.tensor(run2), rtol=1e-5)
assert run1 != run3
print("resume exact, seeded runs identical")
scratch.cleanup()  # the checkpoints written above

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 除了模型自己的参数，Adam 还为这个模型保存了多少个数？先手工计算，再在
# `optimizer_c.state_dict()` 中统计。

# %% tags=["solution"]
# Adam keeps two running moments (exp_avg, exp_avg_sq) of each parameter's shape, and one step
# count per parameter tensor: 2 x 2410 numbers plus 4 counts.
num_params = sum(p.numel() for p in model_c.parameters())
state = optimizer_c.state_dict()["state"]
moments = sum(s["exp_avg"].numel() + s["exp_avg_sq"].numel() for s in state.values())
assert num_params == 64 * 32 + 32 + 32 * 10 + 10 == 2410
assert moments == 2 * num_params, moments
assert len(state) == 4, len(state)
print(f"parameters {num_params}, Adam's moments {moments}, step counts {len(state)}")

# %% [markdown]
# **2.** 从第 2 个迭代周期的检查点恢复训练，但只把模型的 `state_dict` 加载到一个新模型中，
# 并使用一个*全新*的 Adam。第 3 和第 4 个迭代周期的损失与连续训练时的相同吗？

# %% tags=["solution"]
# No: the fresh Adam starts with zero moments and step count 0, so its first steps (with bias
# correction) are not the steps the straight run took.
model_d, optimizer_d, generator_d, loader_d = make_run(123)
model_d.load_state_dict(checkpoint["model"])
generator_d.set_state(checkpoint["generator"].cpu())
cold = train(model_d, optimizer_d, loader_d, num_epochs=2)
assert all(abs(a - b) > 1e-6 for a, b in zip(cold, straight[2:], strict=True)), (cold, straight[2:])
print("straight epochs 3-4:", [f"{v:.6f}" for v in straight[2:]])
print("cold Adam:          ", [f"{v:.6f}" for v in cold])
