# ---
# jupyter:
#   translated_from: 4a46a01f772f5f66
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
# # 多层感知机：识别手写数字 <a id="multilayer-perceptrons-on-handwritten-digits"></a>
#
# 多层感知机（multilayer perceptron，MLP）在输入和输出之间加入一个带非线性激活函数的隐藏层（hidden
# layer）：
#
# $$
# \mathbf{H} = \mathrm{ReLU}(\mathbf{X}\mathbf{W}_1 + \mathbf{b}_1), \qquad
# \mathbf{O} = \mathbf{H}\mathbf{W}_2 + \mathbf{b}_2 .
# $$
#
# 为什么需要非线性？没有它，两层合起来只是一个线性映射，模型的表达能力并不比 softmax回归强。
# 我们先展示这一点，再用三种方式写出同一个 MLP（从零开始实现、写成 `nn.Module` 的子类、写成
# `nn.Sequential`），在 scikit-learn 自带的手写数字数据集上用页面上各自的训练循环训练，
# 每一种的测试精度都至少达到 0.95。
#
# ## 数据 <a id="the-data"></a>
#
# 与 [softmax回归](softmax-regression.py)一页相同：用固定的种子打乱，按 60/20/20 划分为训练集、
# 验证集（用来做选择）和测试集（只在最后用一次），并用训练集的统计量标准化。

# %%
import copy

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

digits = load_digits()
images = torch.tensor(digits.data, dtype=torch.float32)
labels = torch.tensor(digits.target)
order = torch.randperm(len(images))
train_idx, val_idx, test_idx = order[:1077], order[1077:1437], order[1437:]
mean, std = images[train_idx].mean(dim=0), images[train_idx].std(dim=0)
std[std == 0] = 1


def split(idx):
    return ((images[idx] - mean) / std).to(device), labels[idx].to(device)


(X_train, y_train), (X_val, y_val), (X_test, y_test) = split(train_idx), split(val_idx), split(test_idx)
X_train.shape, X_val.shape, X_test.shape

# %% [markdown]
# ## 隐藏层：两个线性层就是一个线性层 <a id="two-linear-layers-are-one-linear-layer"></a>
#
# `nn.Linear` 计算 $\mathbf{x} A^\top + \mathbf{c}$。把两个这样的层叠起来，得到
# $\mathbf{x} (A_2 A_1)^\top + (A_2 \mathbf{c}_1 + \mathbf{c}_2)$：这就是一个权重为 $A_2 A_1$、偏置为
# $A_2 \mathbf{c}_1 + \mathbf{c}_2$ 的 `nn.Linear`。两层的网络和这个单层在每个输入上都给出相同的输出：

# %%
first, second = nn.Linear(64, 32).to(device), nn.Linear(32, 10).to(device)
one = nn.Linear(64, 10).to(device)
with torch.no_grad():  # copying into parameters is not part of any computation to differentiate
    one.weight.copy_(second.weight @ first.weight)
    one.bias.copy_(second.weight @ first.bias + second.bias)
x = X_test[:5]
print("largest difference:", (second(first(x)) - one(x)).abs().max().item())
assert torch.allclose(second(first(x)), one(x), atol=1e-5)

# %% [markdown]
# 中间加上 ReLU 以后，就不存在这样的单层了：ReLU 让每个隐藏单元在输入空间的一半（一个半空间）上为零，
# 因此网络只是分段线性的，每一段上是不同的线性映射。
#
# ## 同一个 MLP 的三种写法 <a id="three-ways-to-write-the-same-mlp"></a>
#
# **从零开始实现**：参数是需要梯度的张量，模型就是那个公式。
# $\mathbf{W}_1, \mathbf{W}_2 \sim \mathcal{N}(0, 0.1^2)$，偏置为 0，在 CPU 上抽取后移到设备上。

# %%
num_inputs, num_hiddens, num_outputs = 64, 128, 10


def init_scratch():
    W1 = (0.1 * torch.randn(num_inputs, num_hiddens)).to(device).requires_grad_()
    b1 = torch.zeros(num_hiddens, device=device, requires_grad=True)
    W2 = (0.1 * torch.randn(num_hiddens, num_outputs)).to(device).requires_grad_()
    b2 = torch.zeros(num_outputs, device=device, requires_grad=True)
    return [W1, b1, W2, b2]


def relu(X):
    return torch.max(X, torch.zeros_like(X))


def mlp_scratch(X, params):
    W1, b1, W2, b2 = params
    H = relu(X @ W1 + b1)
    return H @ W2 + b2


# %% [markdown]
# **写成 `nn.Module` 的子类**：在 `__init__` 中声明各层（这会把它们的参数注册到模块中），在 `forward`
# 中使用它们。凡不是由各层依次串联而成的模型，都要这样写。


# %%
class Net(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_outputs):
        super().__init__()
        self.hidden = nn.Linear(num_inputs, num_hiddens)
        self.output = nn.Linear(num_hiddens, num_outputs)

    def forward(self, X):
        return self.output(torch.relu(self.hidden(X)))


Net(num_inputs, num_hiddens, num_outputs)

# %% [markdown]
# **写成 `nn.Sequential`**：按顺序列出各层，每一层的输出就是下一层的输入：

# %%
nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, num_outputs))

# %% [markdown]
# ## 训练 <a id="training"></a>
#
# 128 个隐藏单元，小批量随机梯度下降，批量大小为 64，学习率为 0.5，训练 15 个迭代周期。
#
# **从零开始实现**：d2l 的 `data_iter` 和 `sgd`（与[线性回归](linear-regression.py)一页中的相同），
# 以及用 `torch.logsumexp` 写出的交叉熵，每个样本一个损失值。


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


def cross_entropy(logits, y):
    return torch.logsumexp(logits, dim=1) - logits[torch.arange(len(y), device=y.device), y]


def accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean().item()


lr, num_epochs, batch_size = 0.5, 15, 64
torch.manual_seed(0)
params = init_scratch()
history_scratch = []
for _epoch in range(num_epochs):
    for X, y in data_iter(batch_size, X_train, y_train):
        cross_entropy(mlp_scratch(X, params), y).sum().backward()
        sgd(params, lr, len(y))
    with torch.no_grad():
        history_scratch.append(accuracy(mlp_scratch(X_val, params), y_val))
print("validation accuracy per epoch:", [round(a, 3) for a in history_scratch])

# %% [markdown]
# **简洁实现**（两个模块共用）：一个 `DataLoader`、`nn.CrossEntropyLoss` 和 `torch.optim.SGD`。
# `net.train()` 和 `net.eval()` 让暂退法（dropout）和批量规范化（batch norm）
# 这类层在训练行为和推理行为之间切换；这个 MLP 没有这样的层，但每个训练循环都应该调用它们。
# 每个迭代周期之后测量验证精度，并保留到目前为止最好的那个迭代周期的参数（`state_dict` 的一份副本）：
# 迭代周期数是在验证集上选出来的。


# %%
def train(net, num_epochs=num_epochs, lr=lr, batch_size=batch_size):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True
    )
    history, best = [], (0.0, None)
    for _epoch in range(num_epochs):
        net.train()
        for X, y in loader:
            loss = loss_fn(net(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        net.eval()
        with torch.no_grad():
            history.append(accuracy(net(X_val), y_val))
        if history[-1] > best[0]:
            best = (history[-1], copy.deepcopy(net.state_dict()))
    net.load_state_dict(best[1])
    return history


torch.manual_seed(0)
net_module = Net(num_inputs, num_hiddens, num_outputs).to(device)
history_module = train(net_module)
torch.manual_seed(0)
net_sequential = nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, num_outputs)).to(
    device
)
history_sequential = train(net_sequential)
for name, history in [("nn.Module subclass", history_module), ("nn.Sequential", history_sequential)]:
    print(f"{name:18s} best validation accuracy {max(history):.4f} after epoch {history.index(max(history)) + 1}")

# %% [markdown]
# 子类和 `Sequential` 含有相同的层，用同一个种子按同样的顺序初始化，看到的小批量也相同：
# 它们训练出的参数相同（在 CPU 上逐位相同；GPU 上每次运行的加法顺序可能不同，
# 所以在那里它们只在舍入误差范围内一致）。

# %%
for p, q in zip(net_module.parameters(), net_sequential.parameters(), strict=True):
    if device == "cpu":
        assert torch.equal(p, q)
    else:
        assert torch.allclose(p, q, rtol=1e-4, atol=1e-5)

# %% [markdown]
# ## 结果 <a id="the-result"></a>
#
# 直到现在才用到测试集，每个最终模型只用一次（如果用测试集来选迭代周期，
# 它报告的就是这个选择与它有多契合，而不是模型在新图像上表现如何）。每个模型的测试精度都至少达到
# 0.95。

# %%
with torch.no_grad():
    results = {
        "from scratch": accuracy(mlp_scratch(X_test, params), y_test),
        "nn.Module subclass": accuracy(net_module(X_test), y_test),
        "nn.Sequential": accuracy(net_sequential(X_test), y_test),
    }
for name, result in results.items():
    assert result >= 0.95, (name, result)
print({name: round(result, 3) for name, result in results.items()})

# %% alt="三个 MLP 每个迭代周期的验证精度，都升到 0.95 以上"
fig, ax = plt.subplots(figsize=(5, 3.2))
epochs = range(1, num_epochs + 1)
ax.plot(epochs, history_scratch, "o-", label="from scratch")
ax.plot(epochs, history_module, "s--", label="nn.Module / nn.Sequential")
ax.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.8, 1.0))
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 这个 MLP 有多少个参数？先手工计算，再用 `numel` 统计。

# %% tags=["solution"]
# W1: 64 x 128, b1: 128, W2: 128 x 10, b2: 10.
by_hand = 64 * 128 + 128 + 128 * 10 + 10
counted = sum(p.numel() for p in net_sequential.parameters())
assert counted == by_hand == 9610, counted
counted

# %% [markdown]
# **2.** 用 8 个隐藏单元代替 128 个训练 `nn.Sequential` 的 MLP，其他一切不变。少了这些隐藏单元，
# 验证精度会下降多少？

# %% tags=["solution"]
torch.manual_seed(0)
narrow = nn.Sequential(nn.Linear(num_inputs, 8), nn.ReLU(), nn.Linear(8, num_outputs)).to(device)
history_narrow = train(narrow)
assert max(history_narrow) < max(history_sequential), (max(history_narrow), max(history_sequential))
print(f"best validation accuracy: 8 hidden units {max(history_narrow):.4f}, 128 {max(history_sequential):.4f}")

# %% [markdown]
# **3.** 去掉 ReLU，像上面一样训练 `nn.Sequential(nn.Linear(64, 128), nn.Linear(128, 10))`。
# 验证训练好的网络等价于一个线性层，并把它的验证精度与 MLP 的比较。

# %% tags=["solution"]
# Without a nonlinearity the two layers compose to x (A2 A1)^T + (A2 c1 + c2): softmax regression
# with more parameters, so it can do no better than the best linear classifier. On these 8 x 8
# digits a linear classifier is already good (see softmax regression), so the gap is small here;
# it is large where the classes are not separated by hyperplanes.
torch.manual_seed(0)
linear_stack = nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.Linear(num_hiddens, num_outputs)).to(device)
history_linear = train(linear_stack)
fused = nn.Linear(num_inputs, num_outputs).to(device)
with torch.no_grad():
    fused.weight.copy_(linear_stack[1].weight @ linear_stack[0].weight)
    fused.bias.copy_(linear_stack[1].weight @ linear_stack[0].bias + linear_stack[1].bias)
    assert torch.allclose(linear_stack(X_val), fused(X_val), atol=1e-4)
print(f"best validation accuracy: without ReLU {max(history_linear):.4f}, with ReLU {max(history_sequential):.4f}")
