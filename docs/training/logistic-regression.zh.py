# ---
# jupyter:
#   translated_from: 4a67a0095dab1253
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
# # 逻辑回归 <a id="logistic-regression"></a>
#
# 逻辑回归（logistic regression）是一个二分类器：先算出一个线性得分（即 **logit**，未规范化的预测）
# $z = \mathbf{w}^\top \mathbf{x} + b$，再用 sigmoid 函数把它变成属于类别 1 的概率，
# 并用二元交叉熵（binary cross-entropy）训练：
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
# \ell = -\frac1n \sum_i \left[ y_i \log \sigma(z_i) + (1 - y_i) \log\left(1 - \sigma(z_i)\right) \right].
# $$
#
# 模型在 $\sigma(z) > 0.5$，也就是 $z > 0$ 的地方预测类别 1：**决策边界**（decision boundary）
# $\mathbf{w}^\top \mathbf{x} + b = 0$ 是一条直线（一般地，是一个超平面）。
# 先用本页生成的二维数据训练，这样可以把决策边界画出来；再在 scikit-learn
# 自带的乳腺癌数据集上分别从零开始实现和简洁实现，测试精度至少达到 0.95。

# %%
import copy

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## 由 logit 计算损失 <a id="compute-the-loss-from-the-logits"></a>
#
# 按上面的写法，损失要经过 $\sigma(z)$，而在 float32 中，$z > 17$ 时 $\sigma(z)$ 恰好等于 1；
# 这时一个信心十足的错误答案的代价是 $-\log(1 - 1) = \infty$。把同一个损失改用 $z$ 来写，即
# $\max(z, 0) - z y + \log(1 + e^{-|z|})$，就永远不会对 0 取对数：`nn.BCEWithLogitsLoss`
# 计算的正是它。（`nn.BCELoss` 接受的是概率，并把对数截断在 −100，这只是把问题藏了起来，
# 而没有消除它。）下面把两种写法都写出来，每个样本一个损失值：


# %%
def bce_naive(z, y):
    p = torch.sigmoid(z)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def bce_with_logits(z, y):
    return z.clamp_min(0) - z * y + torch.log1p(torch.exp(-z.abs()))


z = torch.tensor([[2.0], [20.0], [40.0]])
y = torch.tensor([[1.0], [0.0], [0.0]])
print("sigmoid:", torch.sigmoid(z).flatten())
print("naive:      ", bce_naive(z, y).flatten())
print("from logits:", bce_with_logits(z, y).flatten())
assert bce_naive(z, y)[1:].isinf().all()
assert torch.allclose(bce_with_logits(z, y), nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none"))

# %% [markdown]
# ## 从零开始：二维数据上的决策边界 <a id="from-scratch-a-decision-boundary-in-2-d"></a>
#
# 两团各 200 个点的高斯分布点云，中心分别在 $(-1, -1)$ 和 $(1.5, 1)$。模型的参数是需要梯度的张量，
# 训练循环与 d2l 的相同：`data_iter` 打乱并切分数据，对求和的损失做反向传播，`sgd` 沿梯度走
# `lr / batch_size` 倍的一步（原因见[线性回归](linear-regression.py)）。这个玩具问题是为了画图而设的，
# 所以它报告的是训练精度。


# %%
def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = torch.randperm(num_examples).to(features.device)
    for i in range(0, num_examples, batch_size):
        batch_indices = indices[i : i + batch_size]
        yield features[batch_indices], labels[batch_indices]


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def accuracy(z, y):
    return ((z > 0).float() == y).float().mean().item()


n = 200
X2 = torch.cat([torch.randn(n, 2) + torch.tensor([-1.0, -1.0]), torch.randn(n, 2) + torch.tensor([1.5, 1.0])])
y2 = torch.cat([torch.zeros(n, 1), torch.ones(n, 1)])
X2, y2 = X2.to(device), y2.to(device)
w = (0.01 * torch.randn(2, 1)).to(device).requires_grad_()
b = torch.zeros(1, device=device, requires_grad=True)
for _epoch in range(20):
    for X, y in data_iter(32, X2, y2):
        bce_with_logits(X @ w + b, y).sum().backward()
        sgd([w, b], lr=0.5, batch_size=len(y))
with torch.no_grad():
    train_accuracy = accuracy(X2 @ w + b, y2)
w1, w2 = w.detach().flatten().tolist()
b0 = b.item()
assert train_accuracy >= 0.9, train_accuracy
print(f"w = ({w1:.3f}, {w2:.3f}), b = {b0:.3f}, training accuracy {train_accuracy:.3f}")

# %% alt="平面上两个类别的点，被学到的直线决策边界分开"
fig, ax = plt.subplots(figsize=(4.5, 4))
points = X2.cpu().numpy()
ax.scatter(points[:n, 0], points[:n, 1], s=8, label="class 0")
ax.scatter(points[n:, 0], points[n:, 1], s=8, label="class 1")
grid = torch.linspace(-4, 4, 2)
ax.plot(grid, -(w1 * grid + b0) / w2, color="k", label=r"$w^\top x + b = 0$")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="$x_1$", ylabel="$x_2$", title="decision boundary")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 乳腺癌数据集 <a id="breast-cancer"></a>
#
# 569 个肿瘤样本，每个有 30 个从图像中测得的特征，标签为良性（1）或恶性（0）。用固定的种子打乱后，按
# 60/20/20 划分为训练集、**验证集**（用来做选择）和测试集（用来报告结果，只用一次），
# 每个特征都用训练集的均值和标准差标准化。标签的形状取 `(n, 1)`，与 `nn.Linear(30, 1)`
# 输出的形状相同。

# %%
features, targets = load_breast_cancer(return_X_y=True)
features = torch.tensor(features, dtype=torch.float32)
targets = torch.tensor(targets, dtype=torch.float32).reshape(-1, 1)
order = torch.randperm(len(features))
train_idx, val_idx, test_idx = order[:341], order[341:455], order[455:]
mean, std = features[train_idx].mean(dim=0), features[train_idx].std(dim=0)


def split(idx):
    return ((features[idx] - mean) / std).to(device), targets[idx].to(device)


(X_train, y_train), (X_val, y_val), (X_test, y_test) = split(train_idx), split(val_idx), split(test_idx)
X_train.shape, X_val.shape, X_test.shape

# %% [markdown]
# ### 从零开始实现 <a id="from-scratch"></a>
#
# 与二维时相同的训练循环，只是有 30 个权重；训练 20 个迭代周期，批量大小为 32，
# 每个迭代周期之后计算验证损失。

# %%
w = (0.01 * torch.randn(30, 1)).to(device).requires_grad_()
b = torch.zeros(1, device=device, requires_grad=True)
val_scratch = []
for _epoch in range(20):
    for X, y in data_iter(32, X_train, y_train):
        bce_with_logits(X @ w + b, y).sum().backward()
        sgd([w, b], lr=0.1, batch_size=len(y))
    with torch.no_grad():
        val_scratch.append(bce_with_logits(X_val @ w + b, y_val).mean().item())
print("validation loss after epochs 5, 10, 15, 20:", [round(v, 4) for v in val_scratch[4::5]])

# %% [markdown]
# ### 简洁实现 <a id="concise"></a>
#
# `nn.Linear(30, 1)`、`nn.BCEWithLogitsLoss`（即 `bce_with_logits` 的平均值）、`torch.optim.SGD`
# 和一个 `DataLoader`。这一次，迭代周期数由验证集来选：每个迭代周期之后，如果验证损失是目前最低的，
# 就保存一份模型 `state_dict` 的副本（提前停止，early stopping），最终的模型就是这份副本。

# %%
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(30, 1)).to(device)
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=32, shuffle=True)
val_concise = []
for epoch in range(20):
    for X, y in loader:
        loss = loss_fn(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val_concise.append(loss_fn(net(X_val), y_val).item())
    if val_concise[-1] == min(val_concise):
        best_epoch, best_state = epoch + 1, copy.deepcopy(net.state_dict())
net.load_state_dict(best_state)
print(f"lowest validation loss {min(val_concise):.4f} after epoch {best_epoch}; that model is kept")

# %% [markdown]
# ## 结果 <a id="the-result"></a>
#
# 直到现在才用到测试集，每个最终模型只用一次：
# 测试集回答的问题是“这个模型在从未对它产生过影响的数据上表现如何？”，而对于用它做出的选择，
# 它无法回答这个问题。两个模型对 114 个测试肿瘤的分类正确率都至少为 95%。

# %%
with torch.no_grad():
    test_scratch = accuracy(X_test @ w + b, y_test)
    test_concise = accuracy(net(X_test), y_test)
assert test_scratch >= 0.95, test_scratch
assert test_concise >= 0.95, test_concise
print(f"test accuracy: from scratch {test_scratch:.3f}, concise {test_concise:.3f}")

# %% alt="从零开始实现和简洁实现的模型每个迭代周期的验证损失，并标出了所保留的迭代周期"
fig, ax = plt.subplots(figsize=(5, 3))
epochs = range(1, 21)
ax.plot(epochs, val_scratch, "o-", label="from scratch")
ax.plot(epochs, val_concise, "s--", label="concise")
ax.axvline(best_epoch, color="gray", lw=0.8, label="epoch kept (concise)")
ax.set(xlabel="epoch", ylabel="validation loss", xticks=list(range(0, 21, 5)))
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 手工证明 $\ell(z, y) = \max(z, 0) - z y + \log(1 + e^{-|z|})$ 关于 logit $z$ 的导数是
# $\sigma(z) - y$，并用自动微分验证。在 $z = 0$ 处，自动微分给出的究竟是什么？

# %% tags=["solution"]
# The loss equals -y log s(z) - (1 - y) log(1 - s(z)), and s'(z) = s(z)(1 - s(z)), so
# dl/dz = -y (1 - s(z)) + (1 - y) s(z) = s(z) - y.
z_check = torch.tensor([-3.0, -0.5, 2.0, 30.0], requires_grad=True)
y_check = torch.tensor([1.0, 0.0, 0.0, 1.0])
bce_with_logits(z_check, y_check).sum().backward()
assert torch.allclose(z_check.grad, torch.sigmoid(z_check.detach()) - y_check)
# At z = 0 both max(z, 0) and |z| have a kink. The kinks cancel in the sum, but autograd takes
# one subgradient of each (1 for clamp_min, 0 for abs), which do not: it returns 0 instead of
# s(0) - 1 = -0.5. torch's fused loss differentiates the whole formula and gets it right.
z0 = torch.zeros(1, requires_grad=True)
bce_with_logits(z0, torch.ones(1)).backward()
z1 = torch.zeros(1, requires_grad=True)
nn.functional.binary_cross_entropy_with_logits(z1, torch.ones(1)).backward()
assert z0.grad.item() == 0.0
assert z1.grad.item() == -0.5
print("away from 0:", z_check.grad, "\nat 0: written out", z0.grad, "torch", z1.grad)

# %% [markdown]
# **2.** 在*不*标准化乳腺癌数据特征的情况下训练简洁实现的模型，学习率和迭代周期数不变。
# 验证损失会怎样？为什么？

# %% tags=["solution"]
# The raw features range from about 0.001 to over 4000 (the tumour area): the gradient of a weight
# is proportional to its feature, so a learning rate that suits the standardised features makes
# huge steps on the large ones, and the loss jumps around instead of decreasing.
raw_train, raw_val = features[train_idx].to(device), features[val_idx].to(device)
torch.manual_seed(0)
raw_net = nn.Sequential(nn.Linear(30, 1)).to(device)
raw_optimizer = torch.optim.SGD(raw_net.parameters(), lr=0.1)
raw_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(raw_train, y_train), batch_size=32, shuffle=True
)
for _epoch in range(20):
    for X, y in raw_loader:
        loss = loss_fn(raw_net(X), y)
        raw_optimizer.zero_grad()
        loss.backward()
        raw_optimizer.step()
with torch.no_grad():
    raw_val_loss = loss_fn(raw_net(raw_val), y_val).item()
assert raw_val_loss > 10 * min(val_concise), (raw_val_loss, min(val_concise))
print(f"validation loss: raw features {raw_val_loss:.1f}, standardised {min(val_concise):.3f}")

# %% [markdown]
# **3.** 在二维的例子中，决策边界是直线 $w_1 x_1 + w_2 x_2 + b = 0$。模型给这条线上的点什么概率？
# 用它与 $x_1 = 0$ 的交点来验证。

# %% tags=["solution"]
# On the line the logit is 0, and sigmoid(0) = 1/2: the model cannot tell the classes apart there.
on_line = torch.tensor([0.0, -b0 / w2])
probability = torch.sigmoid(on_line @ torch.tensor([w1, w2]) + b0).item()
assert abs(probability - 0.5) < 1e-6, probability
print(f"probability on the boundary: {probability:.6f}")
