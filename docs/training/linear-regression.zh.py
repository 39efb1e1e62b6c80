# ---
# jupyter:
#   translated_from: 08ab38f7b847750f
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
# # 线性回归：从零开始实现与简洁实现 <a id="linear-regression-from-scratch-and-concise"></a>
#
# 用一个已知的线性模型生成数据，再在这些数据上把线性回归（linear regression）模型训练两遍：
# 先**从零开始**实现（参数就是张量，平方损失函数、小批量数据迭代器和小批量随机梯度下降都亲手写出），
# 再用 `nn.Linear`、`nn.MSELoss`、`torch.optim.SGD` 和 `DataLoader` **简洁地**实现。
# 两个训练循环都写在页面上，都能把真实参数 $w = (2, -3.4)$、$b = 4.2$ 恢复到误差 0.01 以内。
# 同一个问题有解析解，[最小二乘法的三种解法](../walkthroughs/least-squares.py)用三种方法求出了它；
# 这里则用训练一切更大模型的方式来求解：选定学习率（learning rate），沿损失函数的梯度一步步更新参数。
#
# 对由样本 $(\mathbf{x}_i, y_i)$ 组成的小批量 $\mathcal{B}$，模型、损失和参数更新为：
#
# $$
# \hat y_i = \mathbf{x}_i^\top \mathbf{w} + b, \qquad
# \ell_i(\mathbf{w}, b) = \tfrac12 (\hat y_i - y_i)^2,
# \qquad
# (\mathbf{w}, b) \leftarrow (\mathbf{w}, b) - \frac{\eta}{|\mathcal{B}|} \sum_{i \in \mathcal{B}}
# \nabla_{\mathbf{w}, b}\, \ell_i .
# $$
#
# ## 数据 <a id="the-data"></a>
#
# 生成 1400 个样本，$\mathbf{x} \sim \mathcal{N}(0, I)$，
# $y = \mathbf{x}^\top \mathbf{w} + b + \epsilon$，$\epsilon \sim \mathcal{N}(0, 0.01^2)$，并划分为
# 1000 个训练样本、200 个**验证**样本（用来观察训练、做出选择）和 200
# 个**测试**样本（只在最后看一次）。数据用固定的种子在 CPU 上抽取，然后才移到设备上，所以在 GPU
# 上运行看到的也是同样的数。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
w_true, b_true = torch.tensor([2.0, -3.4]), 4.2
X = torch.randn(1400, 2)
y = (X @ w_true + b_true + 0.01 * torch.randn(1400)).reshape(-1, 1)
X, y = X.to(device), y.to(device)
X_train, y_train = X[:1000], y[:1000]
X_val, y_val = X[1000:1200], y[1000:1200]
X_test, y_test = X[1200:], y[1200:]
X_train[0], y_train[0]

# %% [markdown]
# ## 从零开始实现 <a id="from-scratch"></a>
#
# ### 小批量 <a id="minibatches"></a>
#
# 每个迭代周期（epoch）按新的随机顺序把每个训练样本访问一遍，每次取 `batch_size` 个。d2l 的
# `data_iter` 是一个生成器：它打乱索引，每次切出一段，产出一个小批量；这里用 `torch.randperm` 打乱，
# 这样 `torch.manual_seed` 也固定了访问顺序。


# %%
def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = torch.randperm(num_examples).to(features.device)
    for i in range(0, num_examples, batch_size):
        batch_indices = indices[i : i + batch_size]
        yield features[batch_indices], labels[batch_indices]


X_batch, y_batch = next(data_iter(10, X_train, y_train))
y_batch.T

# %% [markdown]
# ### 模型、损失函数和优化器（小批量随机梯度下降） <a id="model-loss-and-optimiser"></a>
#
# 参数是需要梯度的张量：$\mathbf{w} \sim \mathcal{N}(0, 0.01^2)$，$b = 0$。
# 损失函数对**每个样本返回一个值**（和 d2l 的一样）；`sgd` 在 `torch.no_grad()`
# 下原地更新每个参数（这次更新不能被自动微分记录下来），然后把参数的梯度清零，否则 `backward`
# 会在上面继续累加。

# %%
w = (0.01 * torch.randn(2, 1)).to(device).requires_grad_()
b = torch.zeros(1, device=device, requires_grad=True)


def linreg(X, w, b):
    return X @ w + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


# %% [markdown]
# ### `sgd` 为什么要除以 `batch_size`？ <a id="why-does-sgd-divide-by-batch_size"></a>
#
# `loss.sum().backward()` 把各个样本的梯度加在一起，所以这个和随小批量的增大而增大。除以 `batch_size`
# 就得到**平均**损失的梯度，它的大小与批量大小无关。用求和的损失和 `lr / batch_size` 走的一步，
# 就是用平均损失和 `lr` 走的一步：


# %%
def one_step(reduce, lr):
    params = [w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()]
    reduce(squared_loss(linreg(X_batch, *params), y_batch)).backward()
    return torch.cat([(p - lr * p.grad).flatten() for p in params])


summed, mean = one_step(torch.sum, lr=0.03 / len(X_batch)), one_step(torch.mean, lr=0.03)
assert torch.allclose(summed, mean)
summed, mean

# %% [markdown]
# `nn.MSELoss` 和 dlref 的 [`squared_loss`](../api/models.md#dlref.models.losses.squared_loss)
# 自己就会取平均（这里导入 dlref 的参考实现，正是为了展示这一点），所以用它们时，优化器按原样的 `lr`
# 更新：如果再除一次，每一步都会被多缩小 `batch_size` 倍。

# %%
from dlref.models.losses import squared_loss as dlref_squared_loss

y_hat = linreg(X_batch, w, b).detach()
assert torch.allclose(dlref_squared_loss(y_hat, y_batch), squared_loss(y_hat, y_batch).mean())

# %% [markdown]
# ### 训练循环与学习率 <a id="the-loop"></a>
#
# 每个迭代周期：对每个小批量计算损失、反向传播，再按学习率 `lr` 更新一步；
# 然后在不跟踪梯度的情况下计算验证集上的损失。单是噪声就给期望损失设了一个下限：
# $\tfrac12 \cdot 0.01^2 = 5 \times 10^{-5}$。

# %%
lr, num_epochs, batch_size = 0.03, 5, 10
val_scratch = []
for epoch in range(num_epochs):
    for X_batch, y_batch in data_iter(batch_size, X_train, y_train):
        loss = squared_loss(linreg(X_batch, w, b), y_batch)
        loss.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        val_loss = squared_loss(linreg(X_val, w, b), y_val).mean().item()
    val_scratch.append(val_loss)
    print(f"epoch {epoch + 1}, validation loss {val_loss:.2e}")
w_scratch, b_scratch = w.detach().flatten().cpu(), b.item()
print(f"w = [{w_scratch[0]:.4f}, {w_scratch[1]:.4f}], b = {b_scratch:.4f}")

# %% [markdown]
# ## 简洁实现 <a id="concise"></a>
#
# 同一个模型就是一个 `nn.Linear(2, 1)`（这里放在 `nn.Sequential` 里，
# 后面的页面会把它扩展成更深的网络），它的权重按与从零开始实现相同的方式抽取。`TensorDataset` +
# `DataLoader` 取代了 `data_iter`；`torch.optim.SGD` 取代了 `sgd`，并在每次 `backward` 之前调用
# `zero_grad`。`nn.MSELoss` 是 $(\hat y - y)^2$ 的平均值，**不带** $\tfrac12$：它的梯度大一倍，
# 所以要走同样的步子，学习率只需一半。

# %%
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 1))
nn.init.normal_(net[0].weight, std=0.01)
net = net.to(device)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.015)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=10, shuffle=True)

val_concise = []
for epoch in range(num_epochs):
    for X_batch, y_batch in loader:
        loss = loss_fn(net(X_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val_loss = loss_fn(net(X_val), y_val).item() / 2  # halved: on the scale of squared_loss
    val_concise.append(val_loss)
    print(f"epoch {epoch + 1}, validation loss {val_loss:.2e}")
w_concise, b_concise = net[0].weight.detach().flatten().cpu(), net[0].bias.item()
print(f"w = [{w_concise[0]:.4f}, {w_concise[1]:.4f}], b = {b_concise:.4f}")

# %% [markdown]
# ## 验证曲线 <a id="the-validation-curve"></a>
#
# 每个迭代周期的验证损失，纵轴为对数刻度（简洁实现的损失除以 2，以便与平方损失处于同一尺度），
# 并与噪声下限对照。第一个迭代周期结束时损失远高于下限；最后一个结束时已在下限的 1.5 倍以内，下面的
# `assert` 检查了这两点。

# %% alt="每个迭代周期的验证损失（对数刻度）：从零开始实现和简洁实现的曲线相近，都降到了噪声下限"
floor = 0.5 * 0.01**2
epochs = range(1, num_epochs + 1)
fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(epochs, val_scratch, "o-", label="from scratch (squared_loss)")
ax.semilogy(epochs, val_concise, "s--", label="concise (MSELoss / 2)")
ax.axhline(floor, color="gray", lw=0.8, label="noise floor")
ax.set(xlabel="epoch", ylabel="validation loss", xticks=list(epochs))
ax.legend()
fig.tight_layout()
for curve in (val_scratch, val_concise):
    assert curve[0] > 10 * floor, curve
    assert curve[-1] < 1.5 * floor, curve

# %% [markdown]
# ## 结果 <a id="the-result"></a>
#
# 两种实现都把生成数据所用的参数恢复到了误差 0.01 以内。
#
# 直到现在才用到测试集，每个模型只用一次：上面的每个选择（学习率、迭代周期数）都是看着验证损失做出的。
# 一个被用来做过选择的测试集，衡量的是这些选择与它有多契合，而不是模型在新数据上表现如何。

# %%
with torch.no_grad():
    test_scratch = squared_loss(linreg(X_test, w, b), y_test).mean().item()
    test_concise = loss_fn(net(X_test), y_test).item() / 2
for w_hat, b_hat in [(w_scratch, b_scratch), (w_concise, b_concise)]:
    assert (w_hat - w_true).abs().max() < 0.01, w_hat
    assert abs(b_hat - b_true) < 0.01, b_hat
for test_loss in (test_scratch, test_concise):
    assert test_loss < 1.5 * floor, test_loss
print(f"test loss: from scratch {test_scratch:.2e}, concise {test_concise:.2e} (noise floor {floor:.0e})")

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 分别用学习率 0.001、0.015 和 1.5 重新训练简洁实现的模型，各训练五个迭代周期，
# 并把它们的验证损失与噪声下限比较。学习率过小和过大时各出了什么问题？


# %% tags=["solution"]
# Too small: after five epochs the loss is still far above the floor. Too large: each step
# overshoots the minimum by more than it started from (for these standardised inputs, SGD on
# MSELoss diverges above a learning rate of about 1), and the loss grows until it overflows to nan.
def train_concise(lr, init=None):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 1))
    if init is None:
        nn.init.normal_(net[0].weight, std=0.01)
    else:
        init(net[0].weight)
    net = net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=10, shuffle=True)
    for _epoch in range(num_epochs):
        for X_batch, y_batch in loader:
            loss = loss_fn(net(X_batch), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return net, loss_fn(net(X_val), y_val).item() / 2


val_by_lr = {lr: train_concise(lr)[1] for lr in (0.001, 0.015, 1.5)}
assert val_by_lr[0.001] > 100 * floor, val_by_lr
assert val_by_lr[0.015] < 1.5 * floor, val_by_lr
assert not val_by_lr[1.5] < 1.0, val_by_lr  # huge, or inf/nan once it overflows
print({lr: f"{loss:.1e}" for lr, loss in val_by_lr.items()})

# %% [markdown]
# **2.** 把权重初始化为零，而不是随机抽取。模型还能训练吗？（在有隐藏层的网络中，
# 零权重会让每个隐藏单元都一模一样；为什么在这里不成问题？）

# %% tags=["solution"]
# There is only one output unit and no hidden layer, so there is no symmetry to break: the
# gradient of each weight is different from the start, and the loss is convex in (w, b).
net_zero, val_zero = train_concise(0.015, init=nn.init.zeros_)
w_zero = net_zero[0].weight.detach().flatten().cpu()
assert (w_zero - w_true).abs().max() < 0.01, w_zero
assert val_zero < 1.5 * floor, val_zero
print(f"from zero: w = [{w_zero[0]:.4f}, {w_zero[1]:.4f}], validation loss {val_zero:.1e}")

# %% [markdown]
# **3.** 线性回归有解析解。用 `torch.linalg.lstsq` 在训练集上求解最小二乘问题（为 $b$ 添加一列 1），
# 并与随机梯度下降找到的参数比较。

# %% tags=["solution"]
design = torch.cat([X_train, torch.ones(len(X_train), 1, device=device)], dim=1).cpu()
theta = torch.linalg.lstsq(design, y_train.cpu()).solution.flatten()
assert (theta[:2] - w_concise).abs().max() < 0.01, (theta, w_concise)
assert abs(theta[2].item() - b_concise) < 0.01, (theta, b_concise)
print(f"closed form: w = [{theta[0]:.4f}, {theta[1]:.4f}], b = {theta[2]:.4f}")
