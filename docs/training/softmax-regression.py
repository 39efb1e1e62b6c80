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
# no exponential can overflow. First from scratch, then with `nn.Linear`, `nn.CrossEntropyLoss`
# and `torch.optim.SGD`; both loops are on the page, and both reach a test accuracy of at least
# 0.93.
#
# ## The data
#
# The images are shuffled with a seed and split 60/20/20 into **training**, **validation** (for
# every choice: the learning rate, when to stop) and **test** (used once, at the end). Each pixel
# is standardised with the mean and standard deviation of the training split only: statistics
# taken from the other splits would leak them into training. A pixel that is blank in every
# training image has a standard deviation of 0, replaced by 1.

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
# ## Why the naive softmax fails
#
# In float32, $e^{o}$ is `inf` for $o > 88.7$. A model never needs logits that large to be right,
# but a badly scaled input or a large learning rate produces them, and then the naive softmax
# returns `nan`. Shifting by the row's maximum changes nothing mathematically and keeps every
# exponent at most 0:


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
# ## From scratch
#
# ### The loss and its gradient
#
# The cross-entropy from the last form above, one value per example: the log-probabilities are
# the shifted logits minus the log of their exponentials' sum, and `log_probs[range(n), y]` picks
# each example's true class. It agrees with `nn.functional.cross_entropy` (which takes the mean
# unless told `reduction="none"`).


# %%
def cross_entropy(logits, y):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -log_probs[torch.arange(len(y), device=y.device), y]


print(cross_entropy(logits, torch.tensor([2, 0])))
print(nn.functional.cross_entropy(logits, torch.tensor([2, 0]), reduction="none"))

# %% [markdown]
# Its gradient with respect to the logits is $\mathrm{softmax}(\mathbf{o}) - \mathbf{y}$, with
# $\mathbf{y}$ the one-hot label: the identity derived and checked on
# [Matrix-calculus identities](../calculus/matrix-calculus.md#layers-activations-and-losses).
# So each step pushes the true class's logit up by $1 - \hat y_y$ and every other logit down by
# its probability. Autograd agrees:

# %%
o = torch.randn(4, 10).to(device).requires_grad_()
y_small = torch.tensor([3, 0, 9, 3], device=device)
cross_entropy(o, y_small).sum().backward()
p_minus_y = softmax(o.detach()) - nn.functional.one_hot(y_small, num_classes=10)
assert torch.allclose(o.grad, p_minus_y, atol=1e-6)
o.grad[0]

# %% [markdown]
# ### The loop
#
# $\mathbf{W}$ (64 × 10) and $\mathbf{b}$ are tensors that require gradients; d2l's `data_iter`
# and `sgd` are as on the [linear regression](linear-regression.py) page (`sgd` divides the summed
# gradient by the batch size). Ten epochs, batch size 64, learning rate 0.1; after each epoch, the
# validation accuracy.


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
# ## Concise
#
# `nn.Linear(64, 10)` holds the same parameters (its weight stored transposed, 10 × 64), and
# `nn.CrossEntropyLoss` takes the logits and the class indices, exactly like `cross_entropy`
# above, and returns their mean. Passing it probabilities (the output of a softmax) instead is a
# classic bug: it would apply a second softmax. A `DataLoader` serves the batches, and
# `torch.optim.SGD` steps.
#
# The learning rate is chosen here, on the validation split: each candidate trains a fresh model
# for ten epochs, and the one with the best validation accuracy is kept.


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
# ## The result
#
# Only now is the test split used, once for each of the two final models. Had it been used to
# choose the learning rate, its accuracy would partly measure how well that choice suits those
# 360 images, and would overstate the accuracy on new ones. Both models classify at least 93% of
# the test images correctly; the build fails if not.

# %%
with torch.no_grad():
    test_scratch = accuracy(net_scratch(X_test), y_test)
    test_concise = accuracy(net(X_test), y_test)
assert test_scratch >= 0.93, test_scratch
assert test_concise >= 0.93, test_concise
print(f"test accuracy: from scratch {test_scratch:.3f}, concise (lr {best_lr}) {test_concise:.3f}")

# %% [markdown]
# ## Curves and mistakes
#
# Left: the validation accuracy per epoch, of the from-scratch model and of each learning rate
# tried. Right: some test images the from-scratch model gets wrong, with its prediction and the
# true label (moved to the CPU with `.cpu()`: matplotlib and NumPy take host memory).

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
# ## Exercises
#
# **1.** Show that adding the same number $c$ to every logit does not change the softmax. Why
# does `cross_entropy` above subtract the largest logit, then?

# %% tags=["solution"]
# exp(o_j + c) / sum_k exp(o_k + c) = e^c exp(o_j) / (e^c sum_k exp(o_k)): the e^c cancels. So
# subtracting the maximum changes nothing mathematically, and it keeps exp from overflowing:
# exp(100) is inf in float32, yet the softmax of (100, 0) is finite, as torch shifts it too.
o_check = torch.randn(3, 10)
assert torch.allclose(torch.softmax(o_check + 100.0, dim=1), torch.softmax(o_check, dim=1), atol=1e-6)
print(torch.exp(torch.tensor(100.0)), torch.softmax(torch.tensor([100.0, 0.0]), dim=0))

# %% [markdown]
# **2.** Passing probabilities to `nn.CrossEntropyLoss` applies a second softmax. What is the
# smallest loss a model can then reach on ten classes, even when it puts probability 1 on the
# right class?

# %% tags=["solution"]
# The best input is a one-hot vector; its softmax puts e / (e + 9) on the right class, so the loss
# is log(1 + 9/e), about 1.46, however good the model: a model trained this way learns slowly.
one_hot = nn.functional.one_hot(torch.tensor([3]), num_classes=10).float()
floor_loss = nn.CrossEntropyLoss()(one_hot, torch.tensor([3])).item()
assert abs(floor_loss - torch.log1p(9 / torch.exp(torch.tensor(1.0))).item()) < 1e-6
print(f"smallest loss on probabilities: {floor_loss:.4f}")

# %% [markdown]
# **3.** Which digits does the concise model confuse on the **validation** split? Count the pairs
# (true label, prediction) into a $10 \times 10$ confusion matrix with `torch.bincount`, and check
# that its diagonal gives the validation accuracy.

# %% tags=["solution"]
with torch.no_grad():
    predicted_val = net(X_val).argmax(dim=1)
confusion = torch.bincount(y_val * 10 + predicted_val, minlength=100).reshape(10, 10).cpu()
assert confusion.sum() == len(y_val)
assert abs(confusion.trace().item() / len(y_val) - history_concise[-1]) < 1e-6
mistakes = (confusion - torch.diag(confusion.diagonal())).nonzero().tolist()
print(f"{len(y_val) - confusion.trace().item()} mistakes in {len(y_val)} images; (true, predicted, count):")
print([(true, guess, confusion[true, guess].item()) for true, guess in mistakes])
