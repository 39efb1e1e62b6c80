# ---
# jupyter:
#   translated_from: c6d8905697b8f510
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
# # 权重衰减 <a id="weight-decay"></a>
#
# **权重衰减**（weight decay，即 $L_2$ 正则化）把权重的平方范数加到损失上，让模型为较大的权重付出代价：
#
# $$
# L_\lambda(\mathbf{w}, b) = \frac{1}{n} \sum_{i=1}^{n} \frac12 \left(\mathbf{w}^\top \mathbf{x}_i + b - y_i\right)^2
# + \frac{\lambda}{2} \|\mathbf{w}\|_2^2 .
# $$
#
# 惩罚项的梯度是 $\lambda \mathbf{w}$，所以学习率为 $\eta$ 的一步梯度下降是
#
# $$
# \mathbf{w} \leftarrow \mathbf{w} - \eta \left(\nabla L(\mathbf{w}) + \lambda \mathbf{w}\right)
#            = (1 - \eta\lambda)\,\mathbf{w} - \eta \nabla L(\mathbf{w}) :
# $$
#
# 每一步之前，权重先按因子 $1 - \eta\lambda$ 缩小（“衰减”）。偏置通常不加入惩罚项：它只平移输出，
# 并不会让模型更灵活。
#
# 本页先把惩罚项写进损失（从零开始实现），再让 `torch.optim.SGD` 来施加它（`weight_decay=`），
# 验证两种更新一致，并展示它对一个过拟合的模型有什么作用：和 d2l 一样，用 20 个样本训练一个有 200 个输入的线性模型。
#
# ## 数据 <a id="the-data"></a>
#
# $y = 0.05 + \sum_{j=1}^{200} 0.01\, x_j + \epsilon$，其中 $x_j \sim \mathcal{N}(0, 1)$，噪声
# $\epsilon \sim \mathcal{N}(0, 0.01^2)$。有 200 个权重而只有 20 个训练样本，线性模型可以把训练集
# （连同噪声）拟合得分毫不差。另有 100 个样本用于验证（选择 $\lambda$），100 个用于测试，测试集只在最后用一次。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

n_train, n_val, n_test, num_inputs = 20, 100, 100, 200
w_true, b_true = torch.full((num_inputs, 1), 0.01), 0.05
X = torch.randn(n_train + n_val + n_test, num_inputs)
y = X @ w_true + b_true + 0.01 * torch.randn(len(X), 1)
X_train, X_val, X_test = X.to(device).split([n_train, n_val, n_test])
y_train, y_val, y_test = y.to(device).split([n_train, n_val, n_test])

# %% [markdown]
# ## 从零开始 <a id="from-scratch"></a>
#
# 惩罚项只有一行，加到均方损失上；更新步骤是 d2l 的 `sgd`（这里作用于平均损失，所以不再除以批量大小）。
# 只有 $\mathbf{w}$ 受到惩罚。


# %%
def l2_penalty(w):
    return (w**2).sum() / 2


def squared_loss(y_hat, y):
    return ((y_hat - y) ** 2 / 2).mean()


def sgd(params, lr):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()


def train_scratch(lambd, num_epochs=100, lr=0.003, batch_size=5):
    torch.manual_seed(1)
    w = torch.randn(num_inputs, 1).to(device).requires_grad_()
    b = torch.zeros(1, device=device, requires_grad=True)
    train_losses, val_losses = [], []
    for _epoch in range(num_epochs):
        for batch in torch.randperm(n_train).split(batch_size):  # d2l's data_iter: shuffled minibatches
            X_batch, y_batch = X_train[batch], y_train[batch]
            loss = squared_loss(X_batch @ w + b, y_batch) + lambd * l2_penalty(w)
            loss.backward()
            sgd([w, b], lr)
        with torch.no_grad():
            train_losses.append(squared_loss(X_train @ w + b, y_train).item())
            val_losses.append(squared_loss(X_val @ w + b, y_val).item())
    return w.detach(), train_losses, val_losses


# %% [markdown]
# 没有惩罚项时，模型几乎精确地拟合了 20 个训练样本，在验证集上却相差甚远；取 $\lambda = 3$ 时，
# 训练损失更高，验证损失却低了几个数量级。（报告的损失只是数据项，不含惩罚项。）

# %%
scratch = {lambd: train_scratch(lambd) for lambd in (0, 3)}
for lambd, (w, train_losses, val_losses) in scratch.items():
    print(f"lambda = {lambd}: train {train_losses[-1]:.2e}, validation {val_losses[-1]:.2e}, |w| = {w.norm():.3f}")
assert scratch[0][1][-1] < 1e-4 < scratch[0][2][-1] / 1e5  # over-fitting: train ~0, validation huge
assert scratch[3][2][-1] < scratch[0][2][-1] / 100
assert scratch[3][0].norm() < scratch[0][0].norm() / 10

# %% [markdown]
# ## 简洁实现 <a id="concise"></a>
#
# `torch.optim.SGD(..., weight_decay=λ)` 给它所更新的每个参数 $\mathbf{p}$ 的梯度加上 $\lambda\,\mathbf{p}$，
# 于是损失中不再需要写出惩罚项。用参数组（parameter groups）可以让权重衰减、偏置不衰减
# （对整个优化器设置 `weight_decay=` 也会让偏置衰减）。


# %%
def make_net():
    torch.manual_seed(1)
    net = nn.Linear(num_inputs, 1)
    nn.init.normal_(net.weight)  # as the scratch model: w ~ N(0, 1), b = 0
    nn.init.zeros_(net.bias)
    return net.to(device)


def train_concise(lambd, num_epochs=100, lr=0.003, batch_size=5):
    net = make_net()
    optimizer = torch.optim.SGD(
        [{"params": net.weight, "weight_decay": lambd}, {"params": net.bias}],  # no decay on the bias
        lr=lr,
    )
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True
    )
    loss_fn = nn.MSELoss()  # the mean of (y_hat - y)^2, without d2l's 1/2
    train_losses, val_losses = [], []
    for _epoch in range(num_epochs):
        for X_batch, y_batch in loader:
            loss = loss_fn(net(X_batch), y_batch) / 2  # halved: the same gradient as squared_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            train_losses.append(loss_fn(net(X_train), y_train).item() / 2)
            val_losses.append(loss_fn(net(X_val), y_val).item() / 2)
    return net, train_losses, val_losses


# %% [markdown]
# ### 两种更新一致 <a id="the-two-updates-agree"></a>
#
# 从相同的权重出发、在同一个批量上走一步：损失中的惩罚项和优化器中的 `weight_decay=`，
# 得到的权重（在 float32 舍入误差内）都与先按 $1 - \eta\lambda$ 缩小、再走普通的一步
# $(1 - \eta\lambda)\,\mathbf{w} - \eta\,\nabla L(\mathbf{w})$ 的结果相同；偏置不衰减。

# %%
lr, lambd = 0.003, 3.0
X_batch, y_batch = X_train[:5], y_train[:5]
init = make_net().weight.detach().T.clone()  # the starting weights, (200, 1)

w = init.clone().requires_grad_()  # from scratch: the penalty in the loss
b = torch.zeros(1, device=device, requires_grad=True)
data_loss = squared_loss(X_batch @ w + b, y_batch)
grad_L = torch.autograd.grad(data_loss, w, retain_graph=True)[0]  # the data term's gradient alone
(data_loss + lambd * l2_penalty(w)).backward()
sgd([w, b], lr)

net = make_net()  # concise: weight_decay in the optimiser
optimizer = torch.optim.SGD([{"params": net.weight, "weight_decay": lambd}, {"params": net.bias}], lr=lr)
(nn.MSELoss()(net(X_batch), y_batch) / 2).backward()
optimizer.step()

shrunk = (1 - lr * lambd) * init - lr * grad_L
assert torch.allclose(net.weight.detach().T, w, atol=1e-6)
assert torch.allclose(shrunk, w, atol=1e-6)
assert torch.allclose(net.bias.detach(), b)
assert (w - (init - lr * grad_L)).abs().max() > 1e-3  # and the decay did move w

# %% [markdown]
# ## 训练误差和验证误差 <a id="training-and-validation-error"></a>
#
# 每个迭代周期的损失，取对数坐标。没有衰减时（左图），训练损失趋向 0，而验证损失停留在起点附近：
# 模型学到的是 20 个样本的噪声。取 $\lambda = 3$ 时（右图），训练损失停在较高处，验证损失随之下降。

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, lambd in zip(axes, (0, 3), strict=True):
    _, train_losses, val_losses = scratch[lambd]
    ax.semilogy(range(1, 101), train_losses, label="training")
    ax.semilogy(range(1, 101), val_losses, "--", label="validation")
    ax.set(title=f"λ = {lambd}", xlabel="epoch", ylabel="squared loss")
    assert train_losses[-1] < train_losses[0] / 100
axes[0].legend()
fig.tight_layout()
assert scratch[0][2][-1] > scratch[0][2][0] / 10  # without decay, validation barely improves
assert scratch[3][2][-1] < scratch[3][2][0] / 100  # with it, it falls more than a hundredfold

# %% [markdown]
# ## 选择 λ <a id="choosing-λ"></a>
#
# $\lambda$ 在验证集上选择，训练用简洁实现的循环（它达到的损失与从零实现的循环相当：只是批量的顺序不同）。
# 用 20 个样本去确定 200 个权重，数据无法确定 $\mathbf{w}$，惩罚项所能做的最好的事就是把它向 0 收缩：
# 验证损失随 $\lambda$ 增大而下降，一直降到大约相当于用训练集均值作预测的损失 $\approx 0.01$
# （$\mathbf{w}^{*\top}\mathbf{x}$ 方差的一半，$\tfrac12 \cdot 200 \cdot 0.01^2$）。测试集只为所选的模型用一次。

# %%
lambdas = [0, 0.3, 1, 3, 10, 30]
sweep = {lambd: train_concise(lambd) for lambd in lambdas}
final_val = [sweep[lambd][2][-1] for lambd in lambdas]
best = lambdas[min(range(len(lambdas)), key=final_val.__getitem__)]

net = sweep[best][0]
with torch.no_grad():
    test_loss = nn.MSELoss()(net(X_test), y_test).item() / 2
    mean_baseline = nn.MSELoss()(torch.full_like(y_test, y_train.mean().item()), y_test).item() / 2
print("validation loss for lambda = 0, 0.3, ..., 30:", [f"{v:.3g}" for v in final_val])
print(f"chosen lambda = {best}: test loss {test_loss:.4f} (predicting the training mean: {mean_baseline:.4f})")
assert final_val == sorted(final_val, reverse=True)  # more decay, lower validation loss
for lambd in (0, 3):  # the concise loop reaches the scratch loop's losses
    assert abs(sweep[lambd][2][-1] / scratch[lambd][2][-1] - 1) < 0.5
assert best == 30
assert test_loss < 1.5 * mean_baseline
assert test_loss < sweep[0][2][-1] / 1000

# %% [markdown]
# ## 常见错误 <a id="pitfalls"></a>
#
# - **对整个 `net.parameters()` 设置 `weight_decay=` 也会衰减偏置。** 这通常无害，但已不是上面写出的惩罚项；
#   应像这里一样使用参数组。
# - **Adam 的 `weight_decay` 是 L2 惩罚，而不是衰减。** `torch.optim.Adam(weight_decay=λ)` 把
#   $\lambda \mathbf{w}$ 加到梯度上，随后 Adam 按参数逐个重新缩放梯度，于是梯度大的参数几乎不衰减；
#   `torch.optim.AdamW` 则直接缩小权重（练习 1 验证了两者）。
# - **λ 的取值取决于损失的归约方式。** 若损失是求和（d2l 从零实现的 `sgd` 会除以批量大小），
#   同样的惩罚项所占的分量只有原来的 $1/n$。在两种方式之间转换时要相应缩放 λ。
#
# ## 练习 <a id="exercises"></a>
#
# 1. 从相同的权重出发走一步，验证：`torch.optim.Adam(..., weight_decay=λ)` 等于在损失加上
#    $\tfrac{\lambda}{2}\|\mathbf{w}\|^2$ 后用 Adam；`torch.optim.AdamW(...,
#    weight_decay=λ)` 等于先把 $\mathbf{w}$ 按 $1 - \eta\lambda$ 缩小，再走普通的一步 Adam；
#    并且两者不同。

# %% [markdown]
# **解答**


# %% tags=["solution"]
def adam_step(optimizer_class, weight_decay=0.0, penalty=0.0, shrink=0.0, lr=0.1):
    torch.manual_seed(0)
    w, x, target = torch.randn(5, 1, requires_grad=True), torch.randn(8, 5), torch.randn(8, 1)
    optimizer = optimizer_class([w], lr=lr, weight_decay=weight_decay)
    (((x @ w - target) ** 2).mean() + penalty * l2_penalty(w)).backward()
    with torch.no_grad():
        w *= 1 - lr * shrink
    optimizer.step()
    return w.detach().flatten()


adam, adamw = adam_step(torch.optim.Adam, weight_decay=0.5), adam_step(torch.optim.AdamW, weight_decay=0.5)
print(f"Adam: {adam}\nAdamW: {adamw}")
assert torch.allclose(adam, adam_step(torch.optim.Adam, penalty=0.5))
assert torch.allclose(adamw, adam_step(torch.optim.Adam, shrink=0.5))
assert not torch.allclose(adam, adamw, atol=1e-3)

# %% [markdown]
# 2. 岭回归（ridge regression）有闭式解：对中心化的数据，$\mathbf{w}_\lambda$ 是方程
#    $(\mathbf{X}^\top\mathbf{X}/n + \lambda \mathbf{I})\,\mathbf{w} = \mathbf{X}^\top\mathbf{y}/n$ 的解。
#    对扫描中的每个 λ 计算它，说明 $\|\mathbf{w}_\lambda\|$ 随 λ 增大而缩小，并且当 λ → 0 时，
#    模型精确拟合 20 个训练样本。把 λ → 0 时它的范数与不带衰减、用 SGD 训练的模型的范数相比较：
#    为什么两者相差如此之大？

# %% [markdown]
# **解答**

# %% tags=["solution"]
Xc, yc = (X_train - X_train.mean(dim=0)).double(), (y_train - y_train.mean()).double()
eye = torch.eye(num_inputs, dtype=torch.float64, device=device)
ridge = [torch.linalg.solve(Xc.T @ Xc / n_train + lambd * eye, Xc.T @ yc / n_train) for lambd in [1e-6, *lambdas[1:]]]
norms = [w_ridge.norm().item() for w_ridge in ridge]
exact = ((Xc @ ridge[0] - yc) ** 2 / 2).mean().item()
print("|w| for lambda = 1e-6, 0.3, ..., 30:", [f"{v:.3g}" for v in norms], f"; training loss at 1e-6: {exact:.1e}")
assert norms == sorted(norms, reverse=True)
assert exact < 1e-10  # 200 weights, 20 equations: an exact fit
# Each gradient is a combination of the 20 training inputs, so gradient steps never change the part
# of w orthogonal to them: SGD keeps that part of its N(0, 1) start, the closed form (the fit of
# least norm as lambda -> 0) has none of it. Weight decay shrinks it by 1 - lr * lambda each step.
print(f"closed form, lambda -> 0: |w| = {norms[0]:.3f}; SGD without decay: |w| = {scratch[0][0].norm():.3f}")
assert norms[0] < scratch[0][0].norm().item() / 100

# %% [markdown]
# ## 另请参阅 <a id="see-also"></a>
#
# - [暂退法](dropout.md)：d2l 这一章中的另一种正则化方法。
# - [线性回归](../training/linear-regression.py)：本页在其模型和训练循环上加入惩罚项。
# - [范数](../linalg/norms.md)：惩罚项中的 $L_2$ 范数。
# - PyTorch 的 [`torch.optim.SGD`](https://pytorch.org/docs/stable/generated/torch.optim.SGD.html)
#   （`weight_decay`、参数组）和
#   [`torch.optim.AdamW`](https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html)。
