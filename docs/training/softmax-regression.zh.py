# ---
# jupyter:
#   translated_from: 5d207fe7c53322de
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
# # softmax回归：识别手写数字 <a id="softmax-regression-on-handwritten-digits"></a>
#
# 用 softmax回归（softmax regression）对数字 0–9 的 8×8 图像分类（用的是 scikit-learn 自带的 `digits`
# 数据集：1797 张图像，不需要下载任何东西）：一个线性层，后接 softmax 运算，用交叉熵损失训练：
#
# $$
# \mathbf{o} = \mathbf{W}^\top \mathbf{x} + \mathbf{b}, \qquad
# \hat{y}_j = \mathrm{softmax}(\mathbf{o})_j = \frac{e^{o_j}}{\sum_k e^{o_k}}, \qquad
# \ell = -\log \hat{y}_{y} = \log \sum_k e^{o_k} - o_{y} .
# $$
#
# 应当按最后一种形式计算：它从不构造出概率本身，再配合 **LogSumExp 技巧**（log-sum-exp trick），即
# $\log \sum_k e^{o_k} = m + \log \sum_k e^{o_k - m}$，其中 $m = \max_k o_k$，任何指数运算都不会上溢。
# 先从零开始实现，再用 `nn.Linear`、`nn.CrossEntropyLoss` 和 `torch.optim.SGD` 实现；
# 两个训练循环都写在页面上，测试精度都至少达到 0.93。
#
# ## 数据 <a id="the-data"></a>
#
# 用固定的种子打乱图像，按 60/20/20 划分为**训练集**、**验证集**（用于每一个选择：学习率、何时停止）
# 和**测试集**（只在最后用一次）。每个像素只用训练集的均值和标准差来标准化：
# 取自验证集或测试集的统计量会把它们的信息泄漏到训练中。在所有训练图像中都是空白的像素，标准差为 0，
# 改用 1 代替。

# %%
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

digits = load_digits()
images = torch.tensor(digits.data, dtype=torch.float32)  # (1797, 64), pixel values 0 to 16
labels = torch.tensor(digits.target)  # int64 class indices, what the cross-entropy takes
order = torch.randperm(len(images))
train_idx, val_idx, test_idx = order[:1077], order[1077:1437], order[1437:]
mean, std = images[train_idx].mean(dim=0), images[train_idx].std(dim=0)
std[std == 0] = 1


def split(idx):
    return ((images[idx] - mean) / std).to(device), labels[idx].to(device)


(X_train, y_train), (X_val, y_val), (X_test, y_test) = split(train_idx), split(val_idx), split(test_idx)
X_train.shape, X_val.shape, X_test.shape, y_train[:10]

# %% [markdown]
# ## 朴素的 softmax 为什么会出错 <a id="why-the-naive-softmax-fails"></a>
#
# 在 float32 中，$o > 88.7$ 时 $e^{o}$ 就是 `inf`。模型要给出正确答案，从来不需要这么大的 logit，
# 但输入的尺度不当或学习率过大都会产生这样的 logit，这时朴素的 softmax 就会返回 `nan`。
# 减去每一行的最大值，在数学上什么也没有改变，却让每个指数都不超过 0：


# %%
def softmax_naive(logits):
    e = torch.exp(logits)
    return e / e.sum(dim=1, keepdim=True)


def softmax(logits):
    e = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)


logits = torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]])
print("naive: ", softmax_naive(logits))
print("stable:", softmax(logits))
assert softmax_naive(logits)[1].isnan().all()
assert torch.allclose(softmax(logits), torch.softmax(logits, dim=1))

# %% [markdown]
# ## 从零开始实现 <a id="from-scratch"></a>
#
# ### 损失函数及其梯度 <a id="the-loss-and-its-gradient"></a>
#
# 按上面最后一种形式计算交叉熵，每个样本一个值：对数概率等于平移后的 logit 减去它们指数之和的对数，
# `log_probs[range(n), y]` 取出每个样本真实类别的那一项。它与 `nn.functional.cross_entropy`
# 的结果一致（后者默认取平均值，除非指定 `reduction="none"`）。


# %%
def cross_entropy(logits, y):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -log_probs[torch.arange(len(y), device=y.device), y]


print(cross_entropy(logits, torch.tensor([2, 0])))
print(nn.functional.cross_entropy(logits, torch.tensor([2, 0]), reduction="none"))

# %% [markdown]
# 它关于 logit 的梯度是 $\mathrm{softmax}(\mathbf{o}) - \mathbf{y}$，其中 $\mathbf{y}$
# 是独热编码的标签；
# [矩阵微积分恒等式](../calculus/matrix-calculus.md#layers-activations-and-losses)一页推导并验证了这个恒等式。
# 因此每一步都把真实类别的 logit 提高 $1 - \hat y_y$，把其他每个 logit 降低它自己的概率。
# 自动微分给出的结果与此一致：

# %%
o = torch.randn(4, 10).to(device).requires_grad_()
y_small = torch.tensor([3, 0, 9, 3], device=device)
cross_entropy(o, y_small).sum().backward()
p_minus_y = softmax(o.detach()) - nn.functional.one_hot(y_small, num_classes=10)
assert torch.allclose(o.grad, p_minus_y, atol=1e-6)
o.grad[0]

# %% [markdown]
# ### 训练循环 <a id="the-loop"></a>
#
# $\mathbf{W}$（64 × 10）和 $\mathbf{b}$ 是需要梯度的张量；d2l 的 `data_iter` 和 `sgd`
# 与[线性回归](linear-regression.py)一页中的相同（`sgd` 把求和得到的梯度除以批量大小）。
# 训练十个迭代周期，批量大小为 64，学习率为 0.1；每个迭代周期之后计算验证精度。


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


def accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean().item()


def net_scratch(X):
    return X @ W + b


W = (0.01 * torch.randn(64, 10)).to(device).requires_grad_()
b = torch.zeros(10, device=device, requires_grad=True)
lr, num_epochs, batch_size = 0.1, 10, 64
history_scratch = []
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, X_train, y_train):
        loss = cross_entropy(net_scratch(X), y)
        loss.sum().backward()
        sgd([W, b], lr, len(y))  # the last batch is smaller than batch_size
    with torch.no_grad():
        history_scratch.append(accuracy(net_scratch(X_val), y_val))
    print(f"epoch {epoch + 1}: validation accuracy {history_scratch[-1]:.4f}")

# %% [markdown]
# ## 简洁实现 <a id="concise"></a>
#
# `nn.Linear(64, 10)` 含有同样的参数（它的权重以转置的形式存储，为 10 × 64），`nn.CrossEntropyLoss`
# 接受 logit 和类别索引，与上面的 `cross_entropy` 完全一样，并返回它们的平均值。
# 如果改为把概率（softmax 的输出）传给它，就犯了一个经典的错误：它会再做一次 softmax。由 `DataLoader`
# 提供小批量，由 `torch.optim.SGD` 更新参数。
#
# 学习率在这里根据验证集来选：每个候选学习率都从头训练一个新模型，训练十个迭代周期，
# 保留验证精度最高的那一个。


# %%
def train_concise(lr, num_epochs=10, seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(64, 10)).to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
    history = []
    for _epoch in range(num_epochs):
        for X, y in loader:
            loss = loss_fn(net(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            history.append(accuracy(net(X_val), y_val))
    return net, history


runs = {lr: train_concise(lr) for lr in (0.01, 0.1, 1.0)}
for lr, (_net, history) in runs.items():
    print(f"lr {lr}: validation accuracy {history[-1]:.4f}")
best_lr = max(runs, key=lambda lr: runs[lr][1][-1])
net, history_concise = runs[best_lr]
print("chosen learning rate:", best_lr)

# %% [markdown]
# ## 结果 <a id="the-result"></a>
#
# 直到现在才用到测试集，两个最终模型各用一次。如果用测试集来选学习率，
# 它给出的精度就有一部分衡量的是这个选择与那 360 张图像有多契合，从而高估模型在新图像上的精度。
# 两个模型对测试图像的分类正确率都至少为 93%，否则构建就会失败。

# %%
with torch.no_grad():
    test_scratch = accuracy(net_scratch(X_test), y_test)
    test_concise = accuracy(net(X_test), y_test)
assert test_scratch >= 0.93, test_scratch
assert test_concise >= 0.93, test_concise
print(f"test accuracy: from scratch {test_scratch:.3f}, concise (lr {best_lr}) {test_concise:.3f}")

# %% [markdown]
# ## 曲线和分错的样本 <a id="curves-and-mistakes"></a>
#
# 左图：从零开始实现的模型以及尝试过的每个学习率下，每个迭代周期的验证精度。右图：
# 从零开始实现的模型分错的一些测试图像，标出了它的预测和真实标签（用 `.cpu()` 移到 CPU 上：matplotlib
# 和 NumPy 处理的是主机内存中的数据）。

# %%
epochs = range(1, num_epochs + 1)
with torch.no_grad():
    predicted = net_scratch(X_test).argmax(dim=1).cpu()
wrong = (predicted != labels[test_idx]).nonzero().flatten()[:6]
fig = plt.figure(figsize=(10, 3.2))
left = fig.add_subplot(1, 2, 1)
left.plot(epochs, history_scratch, "o-", label="from scratch, lr 0.1")
for lr, (_net, history) in runs.items():
    left.plot(epochs, history, "--", label=f"concise, lr {lr}")
left.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0, 1.0))
left.legend(fontsize=8)
for i, index in enumerate(wrong.tolist()):
    ax = fig.add_subplot(2, 6, 4 + i + (3 if i >= 3 else 0))
    ax.imshow(images[test_idx[index]].reshape(8, 8).numpy(), cmap="gray_r")  # the raw pixels
    ax.set_title(f"{predicted[index]} (true {labels[test_idx[index]]})", fontsize=8)
    ax.axis("off")
fig.tight_layout()

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 证明给每个 logit 加上同一个数 $c$ 不会改变 softmax 的结果。那么，上面的 `cross_entropy`
# 为什么还要减去最大的 logit？

# %% tags=["solution"]
# exp(o_j + c) / sum_k exp(o_k + c) = e^c exp(o_j) / (e^c sum_k exp(o_k)): the e^c cancels. So
# subtracting the maximum changes nothing mathematically, and it keeps exp from overflowing:
# exp(100) is inf in float32, yet the softmax of (100, 0) is finite, as torch shifts it too.
o_check = torch.randn(3, 10)
assert torch.allclose(torch.softmax(o_check + 100.0, dim=1), torch.softmax(o_check, dim=1), atol=1e-6)
print(torch.exp(torch.tensor(100.0)), torch.softmax(torch.tensor([100.0, 0.0]), dim=0))

# %% [markdown]
# **2.** 把概率传给 `nn.CrossEntropyLoss` 会再做一次 softmax。这样一来，即使模型把概率 1
# 放在正确的类别上，在十个类别上能达到的最小损失是多少？

# %% tags=["solution"]
# The best input is a one-hot vector; its softmax puts e / (e + 9) on the right class, so the loss
# is log(1 + 9/e), about 1.46, however good the model: a model trained this way learns slowly.
one_hot = nn.functional.one_hot(torch.tensor([3]), num_classes=10).float()
floor_loss = nn.CrossEntropyLoss()(one_hot, torch.tensor([3])).item()
assert abs(floor_loss - torch.log1p(9 / torch.exp(torch.tensor(1.0))).item()) < 1e-6
print(f"smallest loss on probabilities: {floor_loss:.4f}")

# %% [markdown]
# **3.** 简洁实现的模型在**验证集**上把哪些数字弄混了？用 `torch.bincount` 统计（真实标签，预测）对，
# 得到一个 $10 \times 10$ 的混淆矩阵，并验证它的对角线给出的就是验证精度。

# %% tags=["solution"]
with torch.no_grad():
    predicted_val = net(X_val).argmax(dim=1)
confusion = torch.bincount(y_val * 10 + predicted_val, minlength=100).reshape(10, 10).cpu()
assert confusion.sum() == len(y_val)
assert abs(confusion.trace().item() / len(y_val) - history_concise[-1]) < 1e-6
mistakes = (confusion - torch.diag(confusion.diagonal())).nonzero().tolist()
print(f"{len(y_val) - confusion.trace().item()} mistakes in {len(y_val)} images; (true, predicted, count):")
print([(true, guess, confusion[true, guess].item()) for true, guess in mistakes])
