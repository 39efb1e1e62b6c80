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
# # Softmax regression on handwritten digits
#
# Classify 8×8 images of the digits 0–9 (scikit-learn's bundled `digits`: 1797 images, nothing
# downloaded) with one linear layer followed by a softmax, trained with the cross-entropy loss:
#
# $$
# \mathbf{o} = \mathbf{W}^\top \mathbf{x} + \mathbf{b}, \qquad
# \hat{y}_j = \mathrm{softmax}(\mathbf{o})_j = \frac{e^{o_j}}{\sum_k e^{o_k}}, \qquad
# \ell = -\log \hat{y}_{y} = \log \sum_k e^{o_k} - o_{y} .
# $$
#
# The last form is the one to compute: it never builds the probabilities, and with the
# **log-sum-exp trick**, $\log \sum_k e^{o_k} = m + \log \sum_k e^{o_k - m}$ with $m = \max_k o_k$,
# no exponential can overflow. First from scratch, then with `nn.Linear` and
# `nn.CrossEntropyLoss`; both reach a test accuracy of at least 0.93.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.data.datasets import digits
from dlref.device import default_device
from dlref.models.linear import SoftmaxRegressionScratch
from dlref.models.losses import cross_entropy, cross_entropy_naive, softmax, softmax_naive
from dlref.train.loop import accuracy, evaluate, fit
from dlref.train.optim import SGD

device = default_device()
data = digits(device)  # split 75/25 with a fixed seed; standardised with the training split's statistics
data.X_train.shape, data.X_test.shape, data.y_train[:10]

# %% [markdown]
# ## Why the naive softmax fails
#
# In float32, $e^{o}$ is `inf` for $o > 88.7$. A model never needs logits that large to be right,
# but a badly scaled input or a large learning rate produces them, and then the naive softmax
# returns `nan` and the loss is `inf` or `nan`. Shifting by the maximum changes nothing
# mathematically and keeps every exponent at most 0:

# %%
logits = torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]])
labels = torch.tensor([2, 2])
print("naive softmax:", softmax_naive(logits))
print("stable softmax:", softmax(logits))
print("naive cross-entropy:", cross_entropy_naive(logits, labels), " stable:", cross_entropy(logits, labels))
print("torch:", nn.functional.cross_entropy(logits, labels))

# %% [markdown]
# ## From scratch
#
# `SoftmaxRegressionScratch` holds $\mathbf{W}$ (64 × 10) and $\mathbf{b}$ as tensors and returns
# the logits $\mathbf{X}\mathbf{W} + \mathbf{b}$; `cross_entropy` is the formula above. Ten epochs
# of minibatch SGD, batch size 64.

# %%
torch.manual_seed(0)
train = Batches(data.X_train, data.y_train, batch_size=64)
test = Batches(data.X_test, data.y_test, batch_size=256, shuffle=False)
model = SoftmaxRegressionScratch(64, 10).to(device)
history = fit(model, cross_entropy, SGD(model.parameters(), lr=0.1), train, epochs=10, val=test, metric=accuracy)
scratch = evaluate(model, cross_entropy, test, accuracy)
print(f"from scratch: test loss {scratch.loss:.4f}, test accuracy {scratch.metric:.4f}")

# %% [markdown]
# ## Concise
#
# `nn.Linear(64, 10)` holds the same parameters (its weight stored transposed, 10 × 64) and
# `nn.CrossEntropyLoss` takes the logits and the class indices, exactly like `cross_entropy`.
# Passing probabilities (the output of a softmax) to it instead is a classic bug: it would apply a
# second softmax. A `DataLoader` serves the batches.

# %%
torch.manual_seed(0)
net = nn.Linear(64, 10).to(device)
loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(data.X_train, data.y_train), batch_size=64, shuffle=True
)
history_concise = fit(
    net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1), loader, epochs=10, val=test, metric=accuracy
)
concise = evaluate(net, nn.CrossEntropyLoss(), test, accuracy)
print(f"concise: test loss {concise.loss:.4f}, test accuracy {concise.metric:.4f}")

# %% [markdown]
# ## The result
#
# Both models classify at least 93% of the 449 held-out images correctly; the build fails if not.

# %%
assert scratch.metric >= 0.93, scratch
assert concise.metric >= 0.93, concise
print(f"test accuracy: from scratch {scratch.metric:.3f}, concise {concise.metric:.3f}")

# %% [markdown]
# ## Curves and mistakes
#
# Left: the training loss and the test accuracy per epoch. Right: some test images the
# from-scratch model gets wrong, with its prediction and the true label.

# %%
epochs = range(1, 11)
with torch.no_grad():
    predicted = model(data.X_test).argmax(dim=1)
wrong = (predicted != data.y_test).nonzero().flatten()[:6].cpu()
images = (data.X_test * data.std + data.mean).reshape(-1, 8, 8).cpu()  # undo the standardisation
fig = plt.figure(figsize=(10, 3.2))
left = fig.add_subplot(1, 2, 1)
left.plot(epochs, history.loss, "o-", label="train loss (scratch)")
left.plot(epochs, history_concise.loss, "s--", label="train loss (concise)")
left.plot(epochs, history.val_metric, "o-", label="test accuracy (scratch)")
left.plot(epochs, history_concise.val_metric, "s--", label="test accuracy (concise)")
left.set(xlabel="epoch", ylim=(0, 1.05))
left.legend(fontsize=8)
for i, index in enumerate(wrong.tolist()):
    ax = fig.add_subplot(2, 6, 4 + i + (3 if i >= 3 else 0))
    ax.imshow(images[index], cmap="gray_r")
    ax.set_title(f"{predicted[index].item()} (true {data.y_test[index].item()})", fontsize=8)
    ax.axis("off")
fig.tight_layout()
