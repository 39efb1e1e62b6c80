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
# # Multilayer perceptrons on handwritten digits
#
# An MLP puts a hidden layer with a nonlinearity between the input and the output:
#
# $$
# \mathbf{H} = \mathrm{ReLU}(\mathbf{X}\mathbf{W}_1 + \mathbf{b}_1), \qquad
# \mathbf{O} = \mathbf{H}\mathbf{W}_2 + \mathbf{b}_2 .
# $$
#
# Why the nonlinearity? Without it the two layers are one linear map, and the model is no more
# expressive than softmax regression. We show that first, then write the same MLP three ways
# (from scratch, as an `nn.Module` subclass, as `nn.Sequential`), train each with its loop on the
# page on scikit-learn's bundled digits, and reach a test accuracy of at least 0.95 with each.
#
# ## The data
#
# As on the [softmax regression](softmax-regression.py) page: shuffled with a seed, split 60/20/20
# into training, validation (for choices) and test (used once, at the end), and standardised
# with the training split's statistics.

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
# ## Two linear layers are one linear layer
#
# `nn.Linear` computes $\mathbf{x} A^\top + \mathbf{c}$. Stacking two of them gives
# $\mathbf{x} (A_2 A_1)^\top + (A_2 \mathbf{c}_1 + \mathbf{c}_2)$: a single `nn.Linear` with weight
# $A_2 A_1$ and bias $A_2 \mathbf{c}_1 + \mathbf{c}_2$. The two-layer network and that single
# layer give the same outputs on every input:

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
# With a ReLU in between there is no such single layer: the ReLU zeroes each hidden unit on half
# of input space, so the network is linear only piecewise, with a different map on each piece.
#
# ## Three ways to write the same MLP
#
# **From scratch**, the parameters are tensors that require gradients, and the model is the
# formula. $\mathbf{W}_1, \mathbf{W}_2 \sim \mathcal{N}(0, 0.1^2)$, biases 0, drawn on the CPU and
# moved to the device.

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
# **As an `nn.Module` subclass**, the layers are declared in `__init__` (which registers their
# parameters with the module) and used in `forward`. This is the way to write anything that is
# not a straight chain of layers.


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
# **As `nn.Sequential`**, the layers are listed in order, and each one's output is the next one's
# input:

# %%
nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, num_outputs))

# %% [markdown]
# ## Training
#
# 128 hidden units, minibatch SGD with batch size 64 and learning rate 0.5, for 15 epochs.
#
# **From scratch**: d2l's `data_iter` and `sgd` (as on the [linear regression](linear-regression.py)
# page) and the cross-entropy written with `torch.logsumexp`, one loss per example.


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
# **Concise**, for both modules: a `DataLoader`, `nn.CrossEntropyLoss` and `torch.optim.SGD`.
# `net.train()` and `net.eval()` switch layers such as dropout and batch norm between their
# training and inference behaviour; this MLP has none, but the calls belong in every loop. After
# each epoch the validation accuracy is measured, and the parameters of the best epoch so far are
# kept (a copy of the `state_dict`): the number of epochs is chosen on the validation split.


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
# The subclass and the `Sequential` hold the same layers, initialised from the same seed in the
# same order, and see the same batches: they train to the same parameters (on the CPU bit for bit;
# a GPU may add in another order from run to run, so there they agree to rounding).

# %%
for p, q in zip(net_module.parameters(), net_sequential.parameters(), strict=True):
    if device == "cpu":
        assert torch.equal(p, q)
    else:
        assert torch.allclose(p, q, rtol=1e-4, atol=1e-5)

# %% [markdown]
# ## The result
#
# Only now is the test split used, once per final model (a test set that chose the epoch would
# report how well that choice fits it, not how the model does on new images). Each reaches a test
# accuracy of at least 0.95.

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

# %% alt="Validation accuracy per epoch of the three MLPs, rising above 0.95"
fig, ax = plt.subplots(figsize=(5, 3.2))
epochs = range(1, num_epochs + 1)
ax.plot(epochs, history_scratch, "o-", label="from scratch")
ax.plot(epochs, history_module, "s--", label="nn.Module / nn.Sequential")
ax.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.8, 1.0))
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## Exercises
#
# **1.** How many parameters does the MLP have? Count them by hand, then with `numel`.

# %% tags=["solution"]
# W1: 64 x 128, b1: 128, W2: 128 x 10, b2: 10.
by_hand = 64 * 128 + 128 + 128 * 10 + 10
counted = sum(p.numel() for p in net_sequential.parameters())
assert counted == by_hand == 9610, counted
counted

# %% [markdown]
# **2.** Train the `nn.Sequential` MLP with 8 hidden units instead of 128, everything else
# unchanged. How much validation accuracy do the missing units cost?

# %% tags=["solution"]
torch.manual_seed(0)
narrow = nn.Sequential(nn.Linear(num_inputs, 8), nn.ReLU(), nn.Linear(8, num_outputs)).to(device)
history_narrow = train(narrow)
assert max(history_narrow) < max(history_sequential), (max(history_narrow), max(history_sequential))
print(f"best validation accuracy: 8 hidden units {max(history_narrow):.4f}, 128 {max(history_sequential):.4f}")

# %% [markdown]
# **3.** Remove the ReLU and train `nn.Sequential(nn.Linear(64, 128), nn.Linear(128, 10))` as
# above. Check that the trained network is one linear layer, and compare its validation accuracy
# with the MLP's.

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
