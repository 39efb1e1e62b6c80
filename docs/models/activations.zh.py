# ---
# jupyter:
#   translated_from: 191acc51a91aaa33
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
# # 激活函数 <a id="activation-functions"></a>
#
# 隐藏层计算 $\mathbf{H} = \phi(\mathbf{X}\mathbf{W} + \mathbf{b})$，其中**激活函数**（activation function）
# $\phi$ 作用于每个元素。没有它，多个层复合起来仍是一个仿射变换，加深网络毫无用处。常见的选择有：
#
# $$
# \begin{aligned}
# \mathrm{ReLU}(x) &= \max(x, 0), & \mathrm{ReLU}'(x) &= [x > 0], \\
# \sigma(x) &= \frac{1}{1 + e^{-x}}, & \sigma'(x) &= \sigma(x)\,(1 - \sigma(x)), \\
# \tanh(x) &= \frac{1 - e^{-2x}}{1 + e^{-2x}}, & \tanh'(x) &= 1 - \tanh^2(x), \\
# \mathrm{GELU}(x) &= x\,\Phi(x), & \mathrm{GELU}'(x) &= \Phi(x) + x\,\varphi(x),
# \end{aligned}
# $$
#
# 其中 $\Phi$ 和 $\varphi$ 是标准正态分布的分布函数和密度函数。GELU 用于 BERT 和 GPT，是一种平滑的 ReLU：
# 它用标准正态随机变量小于 $x$ 的概率给 $x$ 加权。本页用自动微分计算每个函数及其导数，画出它们，
# 验证这些公式，并展示没有激活函数的网络学不会什么。下面的一切都在构建网站时运行，
# 一旦结果改变，其中的 `assert` 就会让构建失败。
#
# ## 函数及其导数（由自动微分求得） <a id="the-functions-and-their-derivatives-from-autograd"></a>
#
# 每个激活函数都是 `torch` 的函数（`torch.relu`、`torch.sigmoid`、`torch.tanh`）或
# `torch.nn.functional` 的函数（`F.gelu`），也都有供 `nn.Sequential` 使用的模块（`nn.ReLU()`、`nn.Sigmoid()`、
# `nn.Tanh()`、`nn.GELU()`）。由于它们都按元素运算，一次反向传播就能得到每一点处的导数：
# $\sum_i \phi(x_i)$ 关于 $x_i$ 的梯度就是 $\phi'(x_i)$。

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

activations = {"ReLU": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "GELU": F.gelu}
x = (torch.arange(-600, 601, dtype=torch.float64) / 100).to(device).requires_grad_()  # -6 to 6, 0 exactly
values, derivatives = {}, {}
for name, phi in activations.items():
    y = phi(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    values[name], derivatives[name] = y.detach(), grad
print(nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 1)))

# %%
fig, axes = plt.subplots(2, 4, figsize=(10, 4.5), sharex=True)
grid = x.detach().cpu()
for col, name in enumerate(activations):
    axes[0, col].plot(grid, values[name].cpu())
    axes[0, col].set_title(name)
    axes[1, col].plot(grid, derivatives[name].cpu(), color="C1")
    axes[1, col].set_xlabel("$x$")
    for ax in axes[:, col]:
        ax.axhline(0, color="black", linewidth=0.5)
        ax.axvline(0, color="black", linewidth=0.5)
axes[0, 0].set_ylabel(r"$\phi(x)$")
axes[1, 0].set_ylabel(r"$\phi'(x)$ (autograd)")
fig.tight_layout()

# %% [markdown]
# 图中显示的内容，在网格上逐一验证：
#
# - ReLU 的导数为 0 或 1。在拐点 $x = 0$ 处，自动微分返回 0。
# - sigmoid 的导数最大为 $\tfrac14$，在 $x = 0$ 处取得；tanh 的导数最大为 1。两者在 $|x|$ 很大时都趋于零
#   （单元**饱和**，saturates），而许多小于 $\tfrac14$ 的因子相乘，会让深层 sigmoid 堆叠中的梯度迅速变小。
# - $\tanh(x) = 2\sigma(2x) - 1$：tanh 是拉伸到 $(-1, 1)$、以 0 为中心的 sigmoid。
# - GELU 的导数是平滑的，当 $x$ 小于约 $-0.75$ 时略为负值，在 $x = -\sqrt 2$ 处最小，
#   此处 $\mathrm{GELU}''(x) = \varphi(x)(2 - x^2)$ 为 0。

# %%
xs = x.detach()
assert set(derivatives["ReLU"].unique().tolist()) == {0.0, 1.0}
assert derivatives["ReLU"][xs == 0].item() == 0.0
assert derivatives["sigmoid"].max().item() == 0.25
assert xs[derivatives["sigmoid"].argmax()].item() == 0.0
assert derivatives["tanh"].max().item() == 1.0
assert torch.allclose(values["tanh"], 2 * torch.sigmoid(2 * xs) - 1)
lowest = derivatives["GELU"].argmin()
print(f"GELU' is lowest at x = {xs[lowest].item():.2f}: {derivatives['GELU'][lowest].item():.4f}")
assert abs(xs[lowest].item() + math.sqrt(2)) < 0.01

# %% [markdown]
# 上面的闭式表达式正是自动微分算出的结果：

# %%
s, t = values["sigmoid"], values["tanh"]
Phi = 0.5 * (1 + torch.erf(xs / math.sqrt(2)))
phi = torch.exp(-(xs**2) / 2) / math.sqrt(2 * math.pi)
assert torch.allclose(derivatives["sigmoid"], s * (1 - s))
assert torch.allclose(derivatives["tanh"], 1 - t**2)
assert torch.allclose(derivatives["GELU"], Phi + xs * phi)
assert torch.allclose(values["GELU"], xs * Phi)

# %% [markdown]
# ## 没有激活函数，网络就是线性的 <a id="without-activations-a-network-is-linear"></a>
#
# `nn.Linear` 计算 $\mathbf{x}\mathbf{A}^\top + \mathbf{c}$。三个这样的层串联起来计算的是
# $\mathbf{x}(\mathbf{A}_3\mathbf{A}_2\mathbf{A}_1)^\top + \mathbf{c}'$：相当于一个 `nn.Linear`，
# 它的权重是这些权重的乘积，偏置是第一层的偏置经过后面各层传递后的结果。

# %%
deep = nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1)).to(device)
A1, A2, A3 = (layer.weight for layer in deep)
c1, c2, c3 = (layer.bias for layer in deep)
one = nn.Linear(2, 1).to(device)
with torch.no_grad():  # copying into parameters is not part of any computation to differentiate
    one.weight.copy_(A3 @ A2 @ A1)
    one.bias.copy_(A3 @ (A2 @ c1 + c2) + c3)
inputs = torch.randn(5, 2).to(device)
assert torch.allclose(deep(inputs), one(inputs), atol=1e-6)
print("largest difference:", (deep(inputs) - one(inputs)).abs().max().item())

# %% [markdown]
# 所以线性网络学不会异或（XOR）：它的四个点无法用一条直线分开，最好的仿射拟合（最小二乘）处处预测 0.5，
# 均方误差为 0.25。在同样的层之间加入 ReLU，网络就能拟合它。两者用同样的方法训练，即全批量的 Adam：

# %%
X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], device=device)
y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], device=device)


def fit(net, steps=2000):
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    for _step in range(steps):
        loss = F.mse_loss(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


torch.manual_seed(0)
linear_loss = fit(nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 1)).to(device))
torch.manual_seed(0)
relu_loss = fit(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)).to(device))
print(f"mean squared error on XOR: linear {linear_loss:.4f}, with ReLU {relu_loss:.6f}")
assert abs(linear_loss - 0.25) < 1e-3
assert relu_loss < 1e-4

# %% [markdown]
# ## 从零开始 <a id="from-scratch"></a>
#
# [`dlref.models.activations`](../api/models.md#dlref.models.activations) 按定义写出 tanh 和 GELU，
# 并以闭式写出四个导数（ReLU 和 sigmoid 是
# [`dlref.models.mlp.relu`](../api/models.md#dlref.models.mlp.relu) 和
# [`dlref.models.losses.sigmoid`](../api/models.md#dlref.models.losses.sigmoid)）。其中的 tanh 由
# $e^{-2|x|}$ 计算，不会上溢；每个函数都与 `torch.nn.functional` 以及自动微分的结果一致：

# %%
from dlref.models import activations as dlref_activations
from dlref.models.losses import sigmoid as dlref_sigmoid
from dlref.models.mlp import relu as dlref_relu

assert torch.allclose(dlref_relu(xs), F.relu(xs))
assert torch.allclose(dlref_sigmoid(xs), torch.sigmoid(xs))
assert torch.allclose(dlref_activations.tanh(xs), torch.tanh(xs))
assert torch.allclose(dlref_activations.gelu(xs), F.gelu(xs))
assert torch.allclose(dlref_activations.gelu(xs, approximate="tanh"), F.gelu(xs, approximate="tanh"))
for name, ours in [
    ("ReLU", dlref_activations.relu_derivative),
    ("sigmoid", dlref_activations.sigmoid_derivative),
    ("tanh", dlref_activations.tanh_derivative),
    ("GELU", dlref_activations.gelu_derivative),
]:
    assert torch.allclose(ours(xs), derivatives[name]), name
print(dlref_activations.tanh(torch.tensor([-1000.0, 0.5, 1000.0])))

# %% [markdown]
# ## 常见错误 <a id="pitfalls"></a>
#
# **饱和的 sigmoid 不传递梯度。** 自动微分根据保存的输出，按 $\sigma(x)(1 - \sigma(x))$ 计算 $\sigma'(x)$，
# 而在 float32 中，从 $x \approx 17$ 起 $\sigma(x)$ 会被舍入为恰好 1：那里的梯度是 0，而不是一个很小的数。
# 输入落在那里的单元就停止学习；对每个样本输入都为负的 ReLU（“死亡”的 ReLU）也是如此。

# %%
z = torch.tensor([0.0, 10.0, 20.0, -3.0], requires_grad=True)
torch.sigmoid(z[:3]).sum().backward()
print("sigmoid'(0, 10, 20):", z.grad[:3].tolist(), " sigmoid(20) == 1:", torch.sigmoid(z[2]).item() == 1.0)
assert z.grad[2] == 0
assert 0 < z.grad[1] < 1e-4
z.grad = None
torch.relu(z[3]).backward()
print("ReLU'(-3):", z.grad[3].item())

# %% [markdown]
# **原地修改激活函数的输出会破坏反向传播。** sigmoid 的反向传播要用到它的输出 $\sigma(x)$；
# 原地修改这个张量，自动微分在 `backward` 时就会拒绝：

# %%
z = torch.tensor([0.5, -1.0], requires_grad=True)
out = torch.sigmoid(z)
out.add_(1)  # shifts the saved output in place
try:
    out.sum().backward()
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %% [markdown]
# **GELU 没有整数版本的内核。** `torch.relu` 和 `torch.tanh` 接受整数（tanh 返回浮点数）；
# `F.gelu` 则拒绝整数：

# %%
print(torch.relu(torch.tensor([-1, 2])), torch.tanh(torch.tensor([-1, 2])))
try:
    F.gelu(torch.tensor([-1, 2]))
except NotImplementedError as error:
    print(f"NotImplementedError: {error}")

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# 1. softplus 函数 $\log(1 + e^x)$（`F.softplus`）是一种平滑的 ReLU。用自动微分说明它的导数就是 sigmoid。
# 2. Leaky ReLU 是 $\max(x, 0) + \alpha \min(x, 0)$。用 torch 写出它，与
#    `F.leaky_relu(x, negative_slope=0.1)` 比较，并用自动微分检查它的导数。
# 3. 用数值说明：10 个 sigmoid 导数的乘积至多为 $4^{-10}$，而 10 个正输入处的 ReLU 导数相乘等于 1：
#    对十层嵌套的 sigmoid 在 0 处求梯度。

# %% [markdown]
# **解答**

# %% tags=["solution"]
(grad,) = torch.autograd.grad(F.softplus(x).sum(), x)
assert torch.allclose(grad, torch.sigmoid(xs))
print("softplus' = sigmoid on", len(xs), "points")

# %% [markdown]
# **解答**

# %% tags=["solution"]
alpha = 0.1


def leaky_relu(v):
    return torch.clamp(v, min=0) + alpha * torch.clamp(v, max=0)


assert torch.allclose(leaky_relu(xs), F.leaky_relu(xs, negative_slope=alpha))
(grad,) = torch.autograd.grad(F.leaky_relu(x, negative_slope=alpha).sum(), x)
assert torch.allclose(grad, torch.where(xs > 0, 1.0, alpha).double())
print(leaky_relu(torch.tensor([-2.0, 3.0])))

# %% [markdown]
# **解答**

# %% tags=["solution"]
v = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
h = v
for _layer in range(10):
    h = torch.sigmoid(h)
(grad,) = torch.autograd.grad(h, v)
print(f"gradient through 10 sigmoids: {grad.item():.3e}, bound 4^-10 = {4.0**-10:.3e}")
assert 0 < grad.item() <= 4.0**-10
w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
h = w
for _layer in range(10):
    h = torch.relu(h)
(grad,) = torch.autograd.grad(h, w)
assert grad.item() == 1.0

# %% [markdown]
# ## 另请参阅 <a id="see-also"></a>
#
# - [多层感知机](../training/mlp.py)：在手写数字上训练的多层感知机。
# - [梯度和链式法则](../calculus/gradients.md)：自动微分在拐点处返回什么。
# - [泛化](../generalisation/generalisation.py)：表达能力更强的模型何时反而更差。
# - API 参考：[`dlref.models.activations`](../api/models.md#dlref.models.activations)。
