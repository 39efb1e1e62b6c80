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
# # Logistic regression
#
# A binary classifier: a linear score (the **logit**) $z = \mathbf{w}^\top \mathbf{x} + b$, turned
# into the probability of class 1 by the sigmoid, and trained with the binary cross-entropy:
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
# \ell = -\frac1n \sum_i \left[ y_i \log \sigma(z_i) + (1 - y_i) \log\left(1 - \sigma(z_i)\right) \right].
# $$
#
# The model predicts class 1 where $\sigma(z) > 0.5$, that is where $z > 0$: the **decision
# boundary** $\mathbf{w}^\top \mathbf{x} + b = 0$ is a line (a hyperplane). First on 2-D data made
# here, where the boundary can be drawn; then on scikit-learn's bundled breast cancer data, from
# scratch and concisely, with a test accuracy of at least 0.95.

# %%
import copy

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## Compute the loss from the logits
#
# Written as above, the loss goes through $\sigma(z)$, which in float32 is exactly 1 for
# $z > 17$; a confident wrong answer then costs $-\log(1 - 1) = \infty$. The same loss written in
# terms of $z$, $\max(z, 0) - z y + \log(1 + e^{-|z|})$, never takes the log of 0: that is what
# `nn.BCEWithLogitsLoss` computes. (`nn.BCELoss` takes probabilities and clamps the log at −100,
# which hides the problem instead of removing it.) Both written out, one loss per example:


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
# ## From scratch: a decision boundary in 2-D
#
# Two Gaussian clouds of 200 points each, centred at $(-1, -1)$ and $(1.5, 1)$. The model's
# parameters are tensors that require gradients, and the loop is d2l's: `data_iter` shuffles and
# slices, the summed loss is backpropagated, and `sgd` steps by `lr / batch_size` times the
# gradient (why: see [linear regression](linear-regression.py)).
# This toy problem is here for the picture, so it reports its training accuracy.


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

# %% alt="The two classes of points in the plane, split by the learned straight decision boundary"
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
# ## Breast cancer
#
# 569 tumours, 30 features measured from images, labelled benign (1) or malignant (0). They are
# shuffled with a seed and split 60/20/20 into training, **validation** (to choose with) and test
# (to report, once), and each feature is standardised with the training split's mean and standard
# deviation. The labels get shape `(n, 1)`, the shape of `nn.Linear(30, 1)`'s output.

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
# ### From scratch
#
# The same loop as in 2-D, with 30 weights, 20 epochs of batches of 32, and the validation loss
# after each epoch.

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
# ### Concise
#
# `nn.Linear(30, 1)`, `nn.BCEWithLogitsLoss` (the mean of `bce_with_logits`), `torch.optim.SGD`
# and a `DataLoader`. This time the number of epochs is chosen by the validation split: after
# each epoch, if the validation loss is the lowest so far, a copy of the model's `state_dict` is
# kept (early stopping), and that copy is the final model.

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
# ## The result
#
# Only now is the test split used, once for each final model: the test set answers "how well
# does this model do on data it has never influenced?", which it cannot answer about a choice
# it was used to make. Both models classify at least 95% of the 114 test tumours correctly.

# %%
with torch.no_grad():
    test_scratch = accuracy(X_test @ w + b, y_test)
    test_concise = accuracy(net(X_test), y_test)
assert test_scratch >= 0.95, test_scratch
assert test_concise >= 0.95, test_concise
print(f"test accuracy: from scratch {test_scratch:.3f}, concise {test_concise:.3f}")

# %% alt="Validation loss per epoch of the from-scratch and concise models, the epoch kept marked"
fig, ax = plt.subplots(figsize=(5, 3))
epochs = range(1, 21)
ax.plot(epochs, val_scratch, "o-", label="from scratch")
ax.plot(epochs, val_concise, "s--", label="concise")
ax.axvline(best_epoch, color="gray", lw=0.8, label="epoch kept (concise)")
ax.set(xlabel="epoch", ylabel="validation loss", xticks=list(range(0, 21, 5)))
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## Exercises
#
# **1.** Show by hand that the derivative of $\ell(z, y) = \max(z, 0) - z y + \log(1 + e^{-|z|})$
# with respect to the logit $z$ is $\sigma(z) - y$, and check it with autograd. What does
# autograd give at $z = 0$ exactly?

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
# **2.** Train the concise model on the breast-cancer features *without* standardising them, with
# the same learning rate and epochs. What happens to the validation loss, and why?

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
# **3.** On the 2-D example, the decision boundary is the line $w_1 x_1 + w_2 x_2 + b = 0$.
# What probability does the model give a point on it? Check with the point where it crosses
# $x_1 = 0$.

# %% tags=["solution"]
# On the line the logit is 0, and sigmoid(0) = 1/2: the model cannot tell the classes apart there.
on_line = torch.tensor([0.0, -b0 / w2])
probability = torch.sigmoid(on_line @ torch.tensor([w1, w2]) + b0).item()
assert abs(probability - 0.5) < 1e-6, probability
print(f"probability on the boundary: {probability:.6f}")
