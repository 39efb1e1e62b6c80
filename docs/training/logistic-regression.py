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
# here, where the boundary can be drawn; then on scikit-learn's bundled breast cancer data, with a
# test accuracy of at least 0.95.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.data.datasets import breast_cancer
from dlref.device import default_device
from dlref.models.linear import LogisticRegressionScratch
from dlref.models.losses import binary_cross_entropy_naive, binary_cross_entropy_with_logits, sigmoid
from dlref.train.loop import accuracy, evaluate, fit
from dlref.train.optim import SGD

device = default_device()

# %% [markdown]
# ## Compute the loss from the logits
#
# Written as above, the loss goes through $\sigma(z)$, which in float32 is exactly 1 for
# $z > 17$; a confident wrong answer then costs $-\log(1 - 1) = \infty$. `nn.BCELoss`, which takes
# probabilities, clamps the log at −100, and so does `binary_cross_entropy_naive`: the loss is
# finite but wrong, 100 for $z = 20$ and for $z = 40$ alike, which hides the problem instead of
# removing it. The same loss written in terms of $z$, $\max(z, 0) - z y + \log(1 + e^{-|z|})$,
# never takes the log of 0: that is `binary_cross_entropy_with_logits`, and `nn.BCEWithLogitsLoss`.

# %%
z = torch.tensor([[2.0], [20.0], [40.0]])
y = torch.tensor([[1.0], [0.0], [0.0]])
print("sigmoid:", sigmoid(z).flatten())
print("naive BCE:", binary_cross_entropy_naive(z, y), " nn.BCELoss:", nn.functional.binary_cross_entropy(sigmoid(z), y))
print("BCE with logits:", binary_cross_entropy_with_logits(z, y))
print("torch:", nn.functional.binary_cross_entropy_with_logits(z, y))

# %% [markdown]
# ## A decision boundary in 2-D
#
# Two Gaussian clouds of 200 points each, centred at $(-1, -1)$ and $(1.5, 1)$.

# %%
torch.manual_seed(0)
n = 200
X2 = torch.cat([torch.randn(n, 2) + torch.tensor([-1.0, -1.0]), torch.randn(n, 2) + torch.tensor([1.5, 1.0])])
y2 = torch.cat([torch.zeros(n, 1), torch.ones(n, 1)])
X2, y2 = X2.to(device), y2.to(device)
model2 = LogisticRegressionScratch(2).to(device)
history2 = fit(
    model2, binary_cross_entropy_with_logits, SGD(model2.parameters(), lr=0.5), Batches(X2, y2, batch_size=32),
    epochs=20, metric=accuracy,
)  # fmt: skip
w1, w2 = model2.w.detach().flatten().tolist()
b = model2.b.item()
print(f"w = ({w1:.3f}, {w2:.3f}), b = {b:.3f}, training accuracy {history2.metric[-1]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(4.5, 4))
points = X2.cpu()
ax.scatter(points[:n, 0], points[:n, 1], s=8, label="class 0")
ax.scatter(points[n:, 0], points[n:, 1], s=8, label="class 1")
grid = torch.linspace(-4, 4, 2)
ax.plot(grid, -(w1 * grid + b) / w2, color="k", label=r"$w^\top x + b = 0$")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="$x_1$", ylabel="$x_2$", title="decision boundary")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Breast cancer
#
# 569 tumours, 30 features measured from images, labelled benign (1) or malignant (0). The loader
# splits them 75/25 with a fixed seed and standardises the features with the training split's mean
# and standard deviation. From scratch, and then concisely with `nn.Linear(30, 1)` and
# `nn.BCEWithLogitsLoss`.

# %%
data = breast_cancer(device)
train = Batches(data.X_train, data.y_train, batch_size=32)
test = Batches(data.X_test, data.y_test, batch_size=256, shuffle=False)

torch.manual_seed(0)
model = LogisticRegressionScratch(30).to(device)
fit(model, binary_cross_entropy_with_logits, SGD(model.parameters(), lr=0.1), train, epochs=20)
scratch = evaluate(model, binary_cross_entropy_with_logits, test, accuracy)

torch.manual_seed(0)
net = nn.Linear(30, 1).to(device)
fit(net, nn.BCEWithLogitsLoss(), torch.optim.SGD(net.parameters(), lr=0.1), train, epochs=20)
concise = evaluate(net, nn.BCEWithLogitsLoss(), test, accuracy)
print(f"from scratch: test accuracy {scratch.metric:.4f}; concise: test accuracy {concise.metric:.4f}")

# %% [markdown]
# ## The result
#
# Both classify at least 95% of the 142 held-out tumours correctly.

# %%
assert history2.metric[-1] >= 0.9, history2.metric
assert scratch.metric >= 0.95, scratch
assert concise.metric >= 0.95, concise
print(f"breast cancer test accuracy: from scratch {scratch.metric:.3f}, concise {concise.metric:.3f}")
