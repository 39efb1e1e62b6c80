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
# (parameters as tensors, the squared loss and minibatch SGD written out), then **concisely** with
# `nn.Linear`, `nn.MSELoss`, `torch.optim.SGD` and a `DataLoader`. Both recover the true parameters
# $w = (2, -3.4)$, $b = 4.2$ to within 0.01, and both are trained by the same loop,
# [`fit`](../api/index.md#dlref.train.loop.fit).
#
# The model and the loss, for a batch $\mathcal{B}$ of examples $(\mathbf{x}_i, y_i)$:
#
# $$
# \hat y_i = \mathbf{x}_i^\top \mathbf{w} + b, \qquad
# \ell(\mathbf{w}, b) = \frac{1}{|\mathcal{B}|} \sum_{i \in \mathcal{B}} \tfrac12 (\hat y_i - y_i)^2,
# \qquad
# (\mathbf{w}, b) \leftarrow (\mathbf{w}, b) - \eta \, \nabla_{\mathbf{w}, b}\, \ell .
# $$

# %%
import inspect

import matplotlib.pyplot as plt
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.data.synthetic import synthetic_linear
from dlref.device import default_device
from dlref.models.linear import LinearRegressionScratch
from dlref.models.losses import squared_loss
from dlref.train.loop import fit
from dlref.train.optim import SGD

device = default_device()
torch.manual_seed(0)
w_true, b_true = torch.tensor([2.0, -3.4]), 4.2
X, y = synthetic_linear(w_true.to(device), b_true, n=1000, noise=0.01)
X.shape, y.shape, X[0], y[0]

# %% [markdown]
# ## Minibatches
#
# Each epoch visits every example once, in a new random order, a batch of 10 at a time.
# [`Batches`](../api/index.md#dlref.data.batching.Batches) draws the order with `torch.randperm` on
# the data's own device, gathers the data once in that order, and hands out slices:

# %%
print(inspect.getsource(Batches.__iter__))
train = Batches(X, y, batch_size=10)
X_batch, y_batch = next(iter(train))
len(train), X_batch.shape, y_batch.shape

# %% [markdown]
# d2l's first version (`data_iter`) shuffles a Python list of indices and builds a new index tensor
# from each slice of it; on a GPU that is also a host-to-device copy per batch. It is kept as
# [`ListShuffleBatches`](../api/index.md#dlref.data.batching.ListShuffleBatches), and
# `scripts/bench_training.py` measures how much slower it is.
#
# ## From scratch
#
# The model keeps $\mathbf{w} \sim \mathcal{N}(0, 0.01^2)$ and $b = 0$ as plain tensors, and its
# `forward` is the formula, `X @ w + b`. The optimiser subtracts `lr * grad` from each parameter.

# %%
print(inspect.getsource(LinearRegressionScratch))
print(inspect.getsource(SGD.step))
model = LinearRegressionScratch(2).to(device)
history = fit(model, squared_loss, SGD(model.parameters(), lr=0.03), train, epochs=5)
w_scratch, b_scratch = model.w.detach().flatten().cpu(), model.b.item()
print("loss per epoch:", ", ".join(f"{v:.2e}" for v in history.loss))
print(f"w = [{w_scratch[0]:.4f}, {w_scratch[1]:.4f}], b = {b_scratch:.4f}")

# %% [markdown]
# ## Concise
#
# The same model is one `nn.Linear(2, 1)`; `nn.MSELoss` is the mean of $(\hat y - y)^2$ **without**
# the $\tfrac12$, so its gradients are twice as large and the same steps need half the learning
# rate. `TensorDataset` + `DataLoader` replace `Batches`; the `DataLoader` fetches the examples one
# at a time and stacks them, which is fine for 1000 examples.

# %%
torch.manual_seed(0)
net = nn.Linear(2, 1).to(device)
nn.init.normal_(net.weight, std=0.01)
nn.init.zeros_(net.bias)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=10, shuffle=True)
history_concise = fit(net, nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=0.015), loader, epochs=5)
w_concise, b_concise = net.weight.detach().flatten().cpu(), net.bias.item()
print(f"w = [{w_concise[0]:.4f}, {w_concise[1]:.4f}], b = {b_concise:.4f}")

# %% [markdown]
# ## The result
#
# Both recover the parameters that made the data to within 0.01. These `assert`s run whenever the
# site is built and whenever the tests run.

# %%
for w_hat, b_hat in [(w_scratch, b_scratch), (w_concise, b_concise)]:
    assert (w_hat - w_true).abs().max() < 0.01, w_hat
    assert abs(b_hat - b_true) < 0.01, b_hat
print("both recover w = [2, -3.4] and b = 4.2 to within 0.01")

# %% [markdown]
# ## The loss curve
#
# The training loss per epoch, on a log scale (the concise loss is halved to be on the same scale
# as the squared loss). It drops to the noise floor, $\tfrac12 \cdot 0.01^2 = 5 \times 10^{-5}$,
# within three epochs.

# %%
epochs = range(1, len(history.loss) + 1)
fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(epochs, history.loss, "o-", label="from scratch (squared_loss)")
ax.semilogy(epochs, [v / 2 for v in history_concise.loss], "s--", label="concise (MSELoss / 2)")
ax.axhline(0.5 * 0.01**2, color="gray", lw=0.8, label="noise floor")
ax.set(xlabel="epoch", ylabel="training loss", xticks=list(epochs))
ax.legend()
fig.tight_layout()
