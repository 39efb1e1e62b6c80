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
# # Linear regression, from scratch and concise
#
# Generate data from a known linear model, then train a model on it twice: first **from scratch**
# (parameters as tensors, the squared loss, a minibatch iterator and SGD written out), then
# **concisely** with `nn.Linear`, `nn.MSELoss`, `torch.optim.SGD` and a `DataLoader`. Both loops
# are on the page, and both recover the true parameters $w = (2, -3.4)$, $b = 4.2$ to within 0.01.
# The same problem has a closed-form solution, worked three ways in
# [Least squares three ways](../walkthroughs/least-squares.py); here it is solved the way every
# larger model is trained.
#
# The model and the loss, for a batch $\mathcal{B}$ of examples $(\mathbf{x}_i, y_i)$:
#
# $$
# \hat y_i = \mathbf{x}_i^\top \mathbf{w} + b, \qquad
# \ell_i(\mathbf{w}, b) = \tfrac12 (\hat y_i - y_i)^2,
# \qquad
# (\mathbf{w}, b) \leftarrow (\mathbf{w}, b) - \frac{\eta}{|\mathcal{B}|} \sum_{i \in \mathcal{B}}
# \nabla_{\mathbf{w}, b}\, \ell_i .
# $$
#
# ## The data
#
# 1400 examples $\mathbf{x} \sim \mathcal{N}(0, I)$ with $y = \mathbf{x}^\top \mathbf{w} + b + \epsilon$,
# $\epsilon \sim \mathcal{N}(0, 0.01^2)$, split into 1000 for training, 200 for **validation**
# (to watch training and make choices with) and 200 for **test** (looked at once, at the end).
# They are drawn on the CPU, with a seed, and then moved to the device, so a GPU run sees the
# same numbers.

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
# ## From scratch
#
# ### Minibatches
#
# Each epoch visits every training example once, in a new random order, `batch_size` at a time.
# d2l's `data_iter` is a generator that shuffles the indices and yields one batch per slice; here
# the shuffle is `torch.randperm`, so that `torch.manual_seed` fixes the order too.


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
# ### Model, loss and optimiser
#
# The parameters are tensors that require gradients: $\mathbf{w} \sim \mathcal{N}(0, 0.01^2)$,
# $b = 0$. The loss returns **one value per example** (as d2l's does); `sgd` updates each
# parameter in place under `torch.no_grad()` (the update must not be recorded for autograd) and
# zeroes its gradient, which `backward` would otherwise add to.

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
# ### Why does `sgd` divide by `batch_size`?
#
# `loss.sum().backward()` adds up the examples' gradients, so the sum grows with the batch.
# Dividing by `batch_size` makes it the gradient of the **mean** loss, whose size does not depend
# on the batch size. One step with the summed loss and `lr / batch_size` is the step with the mean
# loss and `lr`:


# %%
def one_step(reduce, lr):
    params = [w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()]
    reduce(squared_loss(linreg(X_batch, *params), y_batch)).backward()
    return torch.cat([(p - lr * p.grad).flatten() for p in params])


summed, mean = one_step(torch.sum, lr=0.03 / len(X_batch)), one_step(torch.mean, lr=0.03)
assert torch.allclose(summed, mean)
summed, mean

# %% [markdown]
# `nn.MSELoss` and dlref's [`squared_loss`](../api/models.md#dlref.models.losses.squared_loss) take
# the mean themselves (dlref's reference implementation is imported here to show that), so with
# them an optimiser steps with `lr` as it is: dividing again would shrink every step by the batch
# size.

# %%
from dlref.models.losses import squared_loss as dlref_squared_loss

y_hat = linreg(X_batch, w, b).detach()
assert torch.allclose(dlref_squared_loss(y_hat, y_batch), squared_loss(y_hat, y_batch).mean())

# %% [markdown]
# ### The loop
#
# Each epoch: for every batch, compute the loss, backpropagate, step; then, without tracking
# gradients, the loss on the validation split. The noise alone sets a floor under the expected
# loss: $\tfrac12 \cdot 0.01^2 = 5 \times 10^{-5}$.

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
# ## Concise
#
# The same model is one `nn.Linear(2, 1)` (here inside an `nn.Sequential`, which later pages grow
# into deeper networks), its weight drawn like the scratch one's. `TensorDataset` + `DataLoader` replace
# `data_iter`; `torch.optim.SGD` replaces `sgd`, with `zero_grad` called before each `backward`.
# `nn.MSELoss` is the mean of $(\hat y - y)^2$ **without** the $\tfrac12$: its gradients are
# twice as large, so the same steps need half the learning rate.

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
# ## The validation curve
#
# The validation loss per epoch, on a logarithmic y axis (the concise loss halved, to be on the
# scale of the squared loss), against the noise floor. The first epoch ends far above it; the last
# ends within a factor of 1.5 of it, as the `assert`s below check.

# %% alt="Validation loss per epoch (log scale), scratch and concise alike, down to the noise floor"
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
# ## The result
#
# Both recover the parameters that made the data to within 0.01.
#
# Only now is the test split used, once per model: every choice above (the learning rate, the
# number of epochs) was made by looking at the validation loss. A test set that has been used to
# make choices measures how well those choices fit it, not how the model does on new data.

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
# ## Exercises
#
# **1.** Train the concise model again with learning rates 0.001, 0.015 and 1.5, five epochs each,
# and compare their validation losses with the noise floor. What goes wrong at each end?


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
# **2.** Initialise the weight to zero instead of drawing it at random. Does the model still
# train? (In a network with a hidden layer, zero weights make every hidden unit the same; why is
# that no problem here?)

# %% tags=["solution"]
# There is only one output unit and no hidden layer, so there is no symmetry to break: the
# gradient of each weight is different from the start, and the loss is convex in (w, b).
net_zero, val_zero = train_concise(0.015, init=nn.init.zeros_)
w_zero = net_zero[0].weight.detach().flatten().cpu()
assert (w_zero - w_true).abs().max() < 0.01, w_zero
assert val_zero < 1.5 * floor, val_zero
print(f"from zero: w = [{w_zero[0]:.4f}, {w_zero[1]:.4f}], validation loss {val_zero:.1e}")

# %% [markdown]
# **3.** Linear regression has a closed-form solution. Solve the least-squares problem on the
# training split with `torch.linalg.lstsq` (append a column of ones for $b$), and compare with the
# parameters SGD found.

# %% tags=["solution"]
design = torch.cat([X_train, torch.ones(len(X_train), 1, device=device)], dim=1).cpu()
theta = torch.linalg.lstsq(design, y_train.cpu()).solution.flatten()
assert (theta[:2] - w_concise).abs().max() < 0.01, (theta, w_concise)
assert abs(theta[2].item() - b_concise) < 0.01, (theta, b_concise)
print(f"closed form: w = [{theta[0]:.4f}, {theta[1]:.4f}], b = {theta[2]:.4f}")
