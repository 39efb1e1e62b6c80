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
# expressive than softmax regression. We show that first, then train the same MLP written three
# ways (from scratch, as an `nn.Module` subclass, as `nn.Sequential`) on scikit-learn's bundled
# digits, each reaching a test accuracy of at least 0.96.

# %%
import inspect

import matplotlib.pyplot as plt
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.data.datasets import digits
from dlref.device import default_device
from dlref.models.losses import cross_entropy
from dlref.models.mlp import MLP, MLPScratch, collapse_linear, mlp_sequential
from dlref.train.loop import accuracy, evaluate, fit
from dlref.train.optim import SGD

device = default_device()
data = digits(device)
_ = torch.manual_seed(0)

# %% [markdown]
# ## Two linear layers are one linear layer
#
# `nn.Linear` computes $\mathbf{x} A^\top + \mathbf{c}$. Stacking two of them gives
# $\mathbf{x} (A_2 A_1)^\top + (A_2 \mathbf{c}_1 + \mathbf{c}_2)$: a single `nn.Linear` whose
# weight and bias [`collapse_linear`](../api/index.md#dlref.models.mlp.collapse_linear) computes.
# The two-layer network and the single layer give the same outputs on every input:

# %%
first, second = nn.Linear(64, 32).to(device), nn.Linear(32, 10).to(device)
one = collapse_linear(first, second)
x = data.X_test[:5]
print(one)
print("largest difference:", (second(first(x)) - one(x)).abs().max().item())
assert torch.allclose(second(first(x)), one(x), atol=1e-5)

# %% [markdown]
# With a ReLU in between there is no such single layer: the ReLU zeroes each hidden unit on half
# of input space, so the network is linear only piecewise, with a different map on each piece.

# %% [markdown]
# ## Three ways to write the same MLP
#
# From scratch, the parameters are tensors and `forward` is the formula:

# %%
print(inspect.getsource(MLPScratch.forward))

# %% [markdown]
# As an `nn.Module` subclass, the layers are declared in `__init__` and used in `forward` (the way to
# write anything that is not a straight chain). As `nn.Sequential`, the layers are listed in order:

# %%
print(MLP(64, 128, 10))
print(mlp_sequential(64, 128, 10))

# %% [markdown]
# ## Training
#
# 128 hidden units, minibatch SGD with batch size 64 for 15 epochs. The from-scratch model uses the
# from-scratch loss and optimiser; the other two use `nn.CrossEntropyLoss` and `torch.optim.SGD`.
# Every model goes through the same loop.

# %%
train = Batches(data.X_train, data.y_train, batch_size=64)
test = Batches(data.X_test, data.y_test, batch_size=512, shuffle=False)
results, histories = {}, {}
for name in ["from scratch", "nn.Module subclass", "nn.Sequential"]:
    torch.manual_seed(0)
    if name == "from scratch":
        model = MLPScratch(64, 128, 10, sigma=0.1).to(device)
        loss_fn, optimizer = cross_entropy, SGD(model.parameters(), lr=0.1)
    else:
        model = (MLP if name == "nn.Module subclass" else mlp_sequential)(64, 128, 10).to(device)
        loss_fn, optimizer = nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1)
    histories[name] = fit(model, loss_fn, optimizer, train, epochs=15, val=test, metric=accuracy)
    results[name] = evaluate(model, loss_fn, test, accuracy)
    print(f"{name:20s} test loss {results[name].loss:.4f}, test accuracy {results[name].metric:.4f}")

# %% [markdown]
# ## The result
#
# Each of the three reaches a test accuracy of at least 0.96 (softmax regression, on the
# [previous page](softmax-regression.py), stops near 0.96 with the loss still higher).

# %%
for name, result in results.items():
    assert result.metric >= 0.96, (name, result)
print({name: round(result.metric, 3) for name, result in results.items()})

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
for name, history in histories.items():
    epochs = range(1, len(history.loss) + 1)
    left.plot(epochs, history.loss, label=name)
    right.plot(epochs, history.val_metric, label=name)
left.set(xlabel="epoch", ylabel="training loss", yscale="log")
right.set(xlabel="epoch", ylabel="test accuracy", ylim=(0.8, 1.0))
right.legend()
fig.tight_layout()
