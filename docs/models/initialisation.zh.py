# ---
# jupyter:
#   translated_from: af8cd8dbfc53232e
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
# # 数值稳定性和参数初始化 <a id="numerical-stability-and-initialisation"></a>
#
# 深度网络的梯度是每层一个雅可比矩阵的乘积。对于 $L$ 层 $\mathbf{h}^{(l)} = f_l(\mathbf{h}^{(l-1)})$
# 和输出 $\mathbf{o} = \mathbf{h}^{(L)}$，
#
# $$
# \frac{\partial \mathbf{o}}{\partial \mathbf{W}^{(l)}}
# = \underbrace{\frac{\partial \mathbf{h}^{(L)}}{\partial \mathbf{h}^{(L-1)}} \cdots
#   \frac{\partial \mathbf{h}^{(l+1)}}{\partial \mathbf{h}^{(l)}}}_{L - l \text{ matrices}}
#   \frac{\partial \mathbf{h}^{(l)}}{\partial \mathbf{W}^{(l)}} ,
# $$
#
# 而许多矩阵的乘积往往会缩小到 0（**梯度消失**，vanishing gradients）或无界地增长（**梯度爆炸**，
# exploding gradients），除非每个因子都保持流经它的量的大小。解决办法在于**参数初始化**
# （parameter initialisation）：选择初始权重的方差，使每一层都保持其激活值的方差（前向）和梯度的方差（反向）。
# 这就得到了 **Xavier** 初始化和 **Kaiming** 初始化，下面从方差公式推导出它们，并与 `torch.nn.init` 相互核对。

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## 梯度消失 <a id="vanishing-gradients"></a>
#
# sigmoid 的导数 $\sigma'(x) = \sigma(x)(1 - \sigma(x))$ 最大为 $\tfrac14$（在 0 处），
# 一旦 $|x|$ 超过几个单位就几乎为 0。用自动微分计算它：

# %%
x = torch.linspace(-8, 8, 161, requires_grad=True)
torch.sigmoid(x).sum().backward()
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(x.detach(), torch.sigmoid(x.detach()), label="sigmoid")
ax.plot(x.detach(), x.grad, "--", label="its derivative")
ax.legend()
print(f"largest derivative {x.grad.max():.4f} (at x = 0); at x = 8: {x.grad[-1]:.2e}")
assert x.grad.max() == 0.25 == x.grad[80]
assert x.grad[-1] < 4e-4

# %% [markdown]
# 每个 sigmoid 层都把反向流经它的梯度乘以这样一个因子（还要乘以权重）。`through_stack` 让一个批量
# 通过 20 个宽度为 256、没有偏置的层，并逐层返回该层输出的标准差和该层权重梯度的范数。
# 通过 sigmoid（用 Xavier 初始化，见下文）时，第一层的梯度比最后一层的小 10 个数量级以上：
# 前面几层几乎学不到东西。

# %%
depth, width = 20, 256
X = torch.randn(512, width).to(device)


def through_stack(init, activation, depth=depth):
    """Each layer's output std, and the norm of each layer's weight gradient for the loss o.mean()."""
    torch.manual_seed(1)
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    h, stds = X, []
    for layer in layers:
        init(layer.weight)
        h = activation(layer.to(device)(h))
        stds.append(h.std().item())
    h.mean().backward()
    return stds, [layer.weight.grad.double().norm().item() for layer in layers]  # float64: no overflow


_, sigmoid_grads = through_stack(nn.init.xavier_normal_, torch.sigmoid)
fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(range(1, depth + 1), sigmoid_grads, "o-")
ax.set(xlabel="layer", ylabel="‖∂o/∂W‖ (sigmoid stack)")
fig.tight_layout()
print(f"first layer {sigmoid_grads[0]:.2e}, last layer {sigmoid_grads[-1]:.2e}")
assert sigmoid_grads[0] < 1e-10 * sigmoid_grads[-1]
assert sigmoid_grads == sorted(sigmoid_grads)  # smaller at every layer back

# %% [markdown]
# 这就是 ReLU（对每个正输入导数都是 1）在隐藏层中取代 sigmoid 的原因。
#
# ## 梯度爆炸 <a id="exploding-gradients"></a>
#
# 相反的情形：100 个元素服从标准正态分布的随机 $4 \times 4$ 矩阵的乘积（和 d2l 展示的一样），
# 其元素在 $10^{25}$ 左右。梯度这么大，任何学习率都无济于事。

# %%
torch.manual_seed(0)
M = torch.randn(4, 4)
for _ in range(100):
    M = M @ torch.randn(4, 4)
print(f"largest entry after 100 products: {M.abs().max():.2e}")
assert M.abs().max() > 1e20

# %% [markdown]
# ## 保持方差：公式 <a id="keeping-the-variance-the-formula"></a>
#
# 取一个线性层 $o_i = \sum_{j=1}^{n_\text{in}} w_{ij} x_j$，其权重独立抽取，均值为 0、方差为 $\sigma^2$，
# 且与均值为 0、方差为 $\gamma^2$ 的输入相互独立。于是 $\mathbb{E}[o_i] = 0$，并且
#
# $$
# \operatorname{Var}[o_i] = \sum_{j=1}^{n_\text{in}} \mathbb{E}[w_{ij}^2]\, \mathbb{E}[x_j^2]
# = n_\text{in}\, \sigma^2 \gamma^2 .
# $$
#
# 反向传播把梯度乘以 $\mathbf{W}^\top$，即对 $n_\text{out}$ 个输出求和：梯度的方差被缩放
# $n_\text{out} \sigma^2$ 倍。要让两者都保持不变：
#
# - 除非这一层的权重是方阵，$n_\text{in} \sigma^2 = 1$ 和 $n_\text{out} \sigma^2 = 1$ 不可能同时成立；
#   **Xavier** 初始化（Glorot 和 Bengio，2010）取两者的平均，
#   $\sigma^2 = \dfrac{2}{n_\text{in} + n_\text{out}}$。它假设激活函数在 0 附近接近恒等函数，例如 tanh。
# - ReLU 把其（对称分布的）输入的一半置零，所以 $\mathbb{E}[\mathrm{ReLU}(o)^2] = \tfrac12
#   \operatorname{Var}[o]$：每个 ReLU 层都把二阶矩减半。**Kaiming** 初始化（He 等，2015）
#   把方差加倍来补偿，$\sigma^2 = \dfrac{2}{n_\text{in}}$。
#
# 均匀分布 $U(-a, a)$ 的方差是 $a^2 / 3$，所以取 $a = \sqrt{3}\,\sigma$ 就得到同样的方差：
# Xavier 初始化的 $a = \sqrt{6 / (n_\text{in} + n_\text{out})}$。
#
# 用采样验证这个公式：一个有 400 个输入的层，权重的标准差为 0.1，输入的标准差为 2：
# $\operatorname{Var}[o] = 400 \cdot 0.01 \cdot 4 = 16$。由 20 000 个输出得到的估计，
# 相对标准误差约为 $\sqrt{2 / 20\,000} = 1\%$；本页允许 5% 的误差。

# %%
torch.manual_seed(0)
o = (0.1 * torch.randn(200, 400)).to(device) @ (2.0 * torch.randn(400, 100)).to(device)  # 20 000 outputs
relu_ratio = torch.relu(o).pow(2).mean() / o.var()
print(f"Var[o] = {o.var():.2f} (formula: 16); E[ReLU(o)^2] / Var[o] = {relu_ratio:.3f} (1/2)")
assert abs(o.var().item() / 16 - 1) < 0.05
assert abs(relu_ratio.item() - 0.5) < 0.05

# %% [markdown]
# ## 通过深层堆叠 <a id="through-a-deep-stack"></a>
#
# `torch.nn.init` 提供了这些初始化函数：`xavier_normal_`、`xavier_uniform_`、`kaiming_normal_`、
# `kaiming_uniform_`（各自原地填充一个张量），以及给出某个激活函数所需因子的 `calculate_gain(nonlinearity)`。
# 左图是宽度为 256 的 20 层堆叠中每一层激活值的标准差，共五种选择：
#
# - $\mathcal{N}(0, 1)$ 配 ReLU：每一层把尺度乘以 $\sqrt{256 / 2} \approx 11$；
# - $\mathcal{N}(0, 0.01^2)$ 配 ReLU：乘以 $0.01 \sqrt{128} \approx 0.11$；
# - Xavier 配 ReLU：乘以 $\sqrt{1/2}$，因为 ReLU 把二阶矩减半；
# - Xavier 配 tanh，以及 Kaiming 配 ReLU：保持稳定。
#
# 右图是几个 ReLU 堆叠的反向传播：每一层权重梯度的范数。ReLU 是正齐次的
# （对 $c > 0$ 有 $\mathrm{ReLU}(cx) = c\,\mathrm{ReLU}(x)$），所以把这个无偏置堆叠的每个权重都乘以 $c$，
# 每一层的梯度都会乘以同一个 $c^{L-1}$：各层之间的比例保持不变（曲线相互平行），但整个梯度在
# $\mathcal{N}(0, 1)$ 下爆炸，在 $\mathcal{N}(0, 0.01^2)$ 下消失，两个方向上都相差二十个数量级。
# 用 Kaiming 初始化时，它保持在 1 的量级。


# %%
choices = {  # name: (initialiser, activation, the range the std at layer 20 falls in)
    "N(0, 1), ReLU": (lambda w: nn.init.normal_(w, std=1.0), torch.relu, (1e18, math.inf)),
    "N(0, 0.01²), ReLU": (lambda w: nn.init.normal_(w, std=0.01), torch.relu, (0, 1e-16)),
    "Xavier, ReLU": (nn.init.xavier_normal_, torch.relu, (1e-4, 1e-2)),
    "Xavier, tanh": (nn.init.xavier_normal_, torch.tanh, (0.05, 1)),
    "Kaiming, ReLU": (nn.init.kaiming_normal_, torch.relu, (0.5, 2)),
}
relu, stds, grads = ["N(0, 1), ReLU", "N(0, 0.01²), ReLU", "Kaiming, ReLU"], {}, {}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, (init, activation, (low, high)) in choices.items():
    stds[name], grads[name] = through_stack(init, activation)
    print(f"{name:18} std at layer 1: {stds[name][0]:.3g}, at layer {depth}: {stds[name][-1]:.3g}")
    assert low < stds[name][-1] < high
    axes[0].semilogy(range(1, depth + 1), stds[name], "o-", ms=3, label=name)
    if name in relu:
        axes[1].semilogy(range(1, depth + 1), grads[name], "o-", ms=3, label=name)
axes[0].set(xlabel="layer", ylabel="std of the activations")
axes[1].set(xlabel="layer", ylabel="‖∂o/∂W‖")
axes[0].legend(fontsize=8)
fig.tight_layout()
assert min(grads["N(0, 1), ReLU"]) > 1e15
assert max(grads["N(0, 0.01²), ReLU"]) < 1e-15
assert all(1e-3 < g < 10 for g in grads["Kaiming, ReLU"])
ratios = [grads[name][0] / grads[name][-1] for name in relu]
assert max(ratios) / min(ratios) < 1.001  # the same proportions at every scale

# %% [markdown]
# ## 从零开始 <a id="from-scratch"></a>
#
# [`dlref.models.init`](../api/models.md#dlref.models.init) 根据上面的方差写出这四个初始化函数：
# `fans(shape)` 从权重的形状读出 $n_\text{in}$ 和 $n_\text{out}$（`nn.Linear` 的形状是
# `(out_features, in_features)`；卷积的形状是 `(out_channels, in_channels, *kernel)`，每个输出对
# `in_channels` 乘以卷积核大小个数求和），每个初始化函数按其公式给出的标准差抽取均值为零的值，
# 服从正态分布或 $a = \sqrt{3}\,\sigma$ 的均匀分布。API 页面给出了源代码。它们可以一对一地替换
# `torch.nn.init` 中的函数：用 dlref 的 Kaiming 初始化，深层 ReLU 堆叠同样保持尺度不变。
#
# 它们不可能抽到与 torch 相同的数，所以用统计方法检验。对一个 $512 \times 256$ 的权重（131 072 个元素），
# 用固定的种子分别由 dlref 和 `torch.nn.init` 抽取：样本标准差与公式给出的 $\sigma$ 相差必须在 1% 以内
# （样本标准差的标准误差约为 $\sigma / \sqrt{2n}$，即它的 0.2%），均值与 0 相差在 $5\sigma/\sqrt{n}$ 以内，
# 而均匀分布的抽样必须落在 $\pm a$ 之内，且最大绝对值超过 $0.99\,a$。

# %%
from dlref.models import init as dlref_init

shape = (512, 256)
fan_in, fan_out = dlref_init.fans(shape)
n, xavier, kaiming = 512 * 256, math.sqrt(2 / (fan_in + fan_out)), math.sqrt(2 / fan_in)
for name, sigma in [("xavier_uniform_", xavier), ("xavier_normal_", xavier), ("kaiming_uniform_", kaiming),
                    ("kaiming_normal_", kaiming)]:  # fmt: skip
    ours = getattr(dlref_init, name)(torch.empty(shape, device=device), generator=torch.Generator().manual_seed(0))
    theirs = getattr(nn.init, name)(torch.empty(shape), generator=torch.Generator().manual_seed(0))
    print(f"{name:17} sigma {sigma:.5f}: dlref {ours.std():.5f}, torch {theirs.std():.5f}")
    for W in (ours, theirs):
        assert abs(W.std().item() / sigma - 1) < 0.01
        assert abs(W.mean().item()) < 5 * sigma / math.sqrt(n)
        if "uniform" in name:
            assert 0.99 * math.sqrt(3) * sigma < W.abs().max().item() <= (1 + 1e-6) * math.sqrt(3) * sigma
assert dlref_init.fans((16, 3, 5, 5)) == (75, 400)  # a Conv2d(3, 16, kernel_size=5) weight
ours, _ = through_stack(dlref_init.kaiming_normal_, torch.relu)  # in the deep ReLU stack
assert 0.5 < ours[-1] < 2, ours

# %% [markdown]
# ## 常见错误 <a id="pitfalls"></a>
#
# **`nn.Linear` 的默认初始化不是针对 ReLU 的 Kaiming 初始化。** `nn.Linear` 用
# `kaiming_uniform_(w, a=math.sqrt(5))` 初始化权重，方差为 $1 / (3 n_\text{in})$，是 ReLU 所需的六分之一。
# 浅层网络照样能训练；但在 20 层的 ReLU 堆叠中，激活值每层缩小约 $1/\sqrt{6}$：

# %%
default, _ = through_stack(lambda w: None, torch.relu)  # keep nn.Linear's own initialisation
print(f"std at layer 1: {default[0]:.3g}, at layer {depth}: {default[-1]:.3g}")
assert default[-1] < 1e-6

# %% [markdown]
# **一维张量没有扇入和扇出。** 偏置无法用 Xavier 或 Kaiming 初始化；直接用 `nn.init.zeros_` 初始化它：

# %%
try:
    nn.init.xavier_normal_(torch.empty(5))
except ValueError as error:
    message = f"ValueError: {error}"
print(message)
assert "fewer than 2 dimensions" in message

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# 1. **对称性。** 把一个两层多层感知机的每个权重都初始化为同一个常数。说明这样隐藏单元得到的梯度完全相同，
#    因此无论走多少步梯度下降都无法让它们变得不同：网络的表现就像只有一个隐藏单元。

# %% [markdown]
# **解答**

# %% tags=["solution"]
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
for parameter in mlp.parameters():
    nn.init.constant_(parameter, 0.1)
optimizer = torch.optim.SGD(mlp.parameters(), lr=0.1)
inputs, targets = torch.randn(32, 4), torch.randn(32, 1)
for _step in range(20):
    optimizer.zero_grad()
    nn.functional.mse_loss(mlp(inputs), targets).backward()
    optimizer.step()
W1 = mlp[0].weight.detach()
print("hidden units' weights after 20 steps (one row per unit):\n", W1[:3])
assert torch.allclose(W1, W1[0].expand_as(W1))  # every row still equal
assert not torch.allclose(W1, torch.full_like(W1, 0.1))  # though they did change

# %% [markdown]
# 2. **卷积。** 用一个种子和明确给出的容差，从统计上检验：对 `nn.Conv2d(16, 32, kernel_size=3)`
#    的权重使用 `nn.init.kaiming_normal_`，其标准差为 $\sqrt{2 / (16 \cdot 3 \cdot 3)}$，
#    而 `mode="fan_out"` 给出 $\sqrt{2 / (32 \cdot 3 \cdot 3)}$。

# %% [markdown]
# **解答**

# %% tags=["solution"]
conv = nn.Conv2d(16, 32, kernel_size=3)
for mode, fan in (("fan_in", 16 * 9), ("fan_out", 32 * 9)):
    w = nn.init.kaiming_normal_(torch.empty_like(conv.weight), mode=mode, generator=torch.Generator().manual_seed(0))
    expected = math.sqrt(2 / fan)
    # 4608 draws: the sample std's standard error is expected / sqrt(2 * 4608), about 1%; allow 5%
    print(f"{mode}: std {w.std():.4f}, formula {expected:.4f}")
    assert abs(w.std().item() / expected - 1) < 0.05

# %% [markdown]
# ## 另请参阅 <a id="see-also"></a>
#
# - API 参考：[`dlref.models.init`](../api/models.md#dlref.models.init)。
# - [多层感知机](../training/mlp.py)：这些函数所初始化的各层所在的网络。
# - [暂退法](../generalisation/dropout.md)和[权重衰减](../generalisation/weight-decay.py)。
# - PyTorch 的 [`torch.nn.init`](https://pytorch.org/docs/stable/nn.init.html)。
