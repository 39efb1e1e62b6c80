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
# # Weight decay
#
# **Weight decay** (L2 regularisation) adds the squared norm of the weights to the loss, so that
# the model pays for large weights:
#
# $$
# L_\lambda(\mathbf{w}, b) = \frac{1}{n} \sum_{i=1}^{n} \frac12 \left(\mathbf{w}^\top \mathbf{x}_i + b - y_i\right)^2
# + \frac{\lambda}{2} \|\mathbf{w}\|_2^2 .
# $$
#
# The penalty's gradient is $\lambda \mathbf{w}$, so one step of gradient descent with learning
# rate $\eta$ is
#
# $$
# \mathbf{w} \leftarrow \mathbf{w} - \eta \left(\nabla L(\mathbf{w}) + \lambda \mathbf{w}\right)
#            = (1 - \eta\lambda)\,\mathbf{w} - \eta \nabla L(\mathbf{w}) :
# $$
#
# before each step the weights shrink ("decay") by the factor $1 - \eta\lambda$. The bias is
# usually left out of the penalty: it shifts the output and does not make the model more flexible.
#
# This page writes the penalty into the loss (from scratch), then lets `torch.optim.SGD` apply it
# (`weight_decay=`), checks that the two updates agree, and shows what it does to a model that
# over-fits: a linear model with 200 inputs trained on 20 examples, as in d2l.
#
# ## The data
#
# $y = 0.05 + \sum_{j=1}^{200} 0.01\, x_j + \epsilon$ with $x_j \sim \mathcal{N}(0, 1)$ and noise
# $\epsilon \sim \mathcal{N}(0, 0.01^2)$. With 200 weights and only 20 training examples, a linear
# model can fit the training set exactly, noise included. 100 examples are for validation (to choose
# $\lambda$) and 100 for the test, used once at the end.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

n_train, n_val, n_test, num_inputs = 20, 100, 100, 200
w_true, b_true = torch.full((num_inputs, 1), 0.01), 0.05
X = torch.randn(n_train + n_val + n_test, num_inputs)
y = X @ w_true + b_true + 0.01 * torch.randn(len(X), 1)
X_train, X_val, X_test = X.to(device).split([n_train, n_val, n_test])
y_train, y_val, y_test = y.to(device).split([n_train, n_val, n_test])

# %% [markdown]
# ## From scratch
#
# The penalty is one line, added to the mean squared loss; the step is d2l's `sgd` (here on the
# mean loss, so it does not divide by the batch size). Only $\mathbf{w}$ is penalised.


# %%
def l2_penalty(w):
    return (w**2).sum() / 2


def squared_loss(y_hat, y):
    return ((y_hat - y) ** 2 / 2).mean()


def sgd(params, lr):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()


def train_scratch(lambd, num_epochs=100, lr=0.003, batch_size=5):
    torch.manual_seed(1)
    w = torch.randn(num_inputs, 1).to(device).requires_grad_()
    b = torch.zeros(1, device=device, requires_grad=True)
    train_losses, val_losses = [], []
    for _epoch in range(num_epochs):
        for batch in torch.randperm(n_train).split(batch_size):  # d2l's data_iter: shuffled minibatches
            X_batch, y_batch = X_train[batch], y_train[batch]
            loss = squared_loss(X_batch @ w + b, y_batch) + lambd * l2_penalty(w)
            loss.backward()
            sgd([w, b], lr)
        with torch.no_grad():
            train_losses.append(squared_loss(X_train @ w + b, y_train).item())
            val_losses.append(squared_loss(X_val @ w + b, y_val).item())
    return w.detach(), train_losses, val_losses


# %% [markdown]
# Without the penalty the model fits the 20 training examples almost exactly and is far off on the
# validation set; with $\lambda = 3$ the training loss is higher and the validation loss is orders
# of magnitude lower. (The losses reported are the data term only, without the penalty.)

# %%
scratch = {lambd: train_scratch(lambd) for lambd in (0, 3)}
for lambd, (w, train_losses, val_losses) in scratch.items():
    print(f"lambda = {lambd}: train {train_losses[-1]:.2e}, validation {val_losses[-1]:.2e}, |w| = {w.norm():.3f}")
assert scratch[0][1][-1] < 1e-4 < scratch[0][2][-1] / 1e5  # over-fitting: train ~0, validation huge
assert scratch[3][2][-1] < scratch[0][2][-1] / 100
assert scratch[3][0].norm() < scratch[0][0].norm() / 10

# %% [markdown]
# ## Concise
#
# `torch.optim.SGD(..., weight_decay=λ)` adds $\lambda\,\mathbf{p}$ to the gradient of each
# parameter $\mathbf{p}$ it updates, so the loss no longer mentions the penalty. Parameter groups
# give the weight the decay and the bias none (`weight_decay=` on the whole optimiser would decay
# the bias too).


# %%
def make_net():
    torch.manual_seed(1)
    net = nn.Linear(num_inputs, 1)
    nn.init.normal_(net.weight)  # as the scratch model: w ~ N(0, 1), b = 0
    nn.init.zeros_(net.bias)
    return net.to(device)


def train_concise(lambd, num_epochs=100, lr=0.003, batch_size=5):
    net = make_net()
    optimizer = torch.optim.SGD(
        [{"params": net.weight, "weight_decay": lambd}, {"params": net.bias}],  # no decay on the bias
        lr=lr,
    )
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True
    )
    loss_fn = nn.MSELoss()  # the mean of (y_hat - y)^2, without d2l's 1/2
    train_losses, val_losses = [], []
    for _epoch in range(num_epochs):
        for X_batch, y_batch in loader:
            loss = loss_fn(net(X_batch), y_batch) / 2  # halved: the same gradient as squared_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            train_losses.append(loss_fn(net(X_train), y_train).item() / 2)
            val_losses.append(loss_fn(net(X_val), y_val).item() / 2)
    return net, train_losses, val_losses


# %% [markdown]
# ### The two updates agree
#
# One step from the same weights on the same batch: the penalty in the loss, and `weight_decay=`
# in the optimiser, give the same weights (to float32 rounding) as the shrink by $1 - \eta\lambda$
# followed by a plain step, $(1 - \eta\lambda)\,\mathbf{w} - \eta\,\nabla L(\mathbf{w})$; the
# bias is not decayed.

# %%
lr, lambd = 0.003, 3.0
X_batch, y_batch = X_train[:5], y_train[:5]
init = make_net().weight.detach().T.clone()  # the starting weights, (200, 1)

w = init.clone().requires_grad_()  # from scratch: the penalty in the loss
b = torch.zeros(1, device=device, requires_grad=True)
data_loss = squared_loss(X_batch @ w + b, y_batch)
grad_L = torch.autograd.grad(data_loss, w, retain_graph=True)[0]  # the data term's gradient alone
(data_loss + lambd * l2_penalty(w)).backward()
sgd([w, b], lr)

net = make_net()  # concise: weight_decay in the optimiser
optimizer = torch.optim.SGD([{"params": net.weight, "weight_decay": lambd}, {"params": net.bias}], lr=lr)
(nn.MSELoss()(net(X_batch), y_batch) / 2).backward()
optimizer.step()

shrunk = (1 - lr * lambd) * init - lr * grad_L
assert torch.allclose(net.weight.detach().T, w, atol=1e-6)
assert torch.allclose(shrunk, w, atol=1e-6)
assert torch.allclose(net.bias.detach(), b)
assert (w - (init - lr * grad_L)).abs().max() > 1e-3  # and the decay did move w

# %% [markdown]
# ## Training and validation error
#
# The losses per epoch, on a log scale. Without decay (left) the training loss falls towards 0
# while the validation loss stays near where it started: the model has learned the noise of 20
# examples. With $\lambda = 3$ (right) the training loss stops higher, and the validation loss
# falls with it.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, lambd in zip(axes, (0, 3), strict=True):
    _, train_losses, val_losses = scratch[lambd]
    ax.semilogy(range(1, 101), train_losses, label="training")
    ax.semilogy(range(1, 101), val_losses, "--", label="validation")
    ax.set(title=f"λ = {lambd}", xlabel="epoch", ylabel="squared loss")
    assert train_losses[-1] < train_losses[0] / 100
axes[0].legend()
fig.tight_layout()
assert scratch[0][2][-1] > scratch[0][2][0] / 10  # without decay, validation barely improves
assert scratch[3][2][-1] < scratch[3][2][0] / 100  # with it, it falls more than a hundredfold

# %% [markdown]
# ## Choosing λ
#
# $\lambda$ is chosen on the validation set, training with the concise loop (which reaches the
# scratch loop's losses: its batches come in another order). With 20 examples for 200 weights the
# data cannot pin down $\mathbf{w}$, and the best the penalty can do is shrink it towards 0: the
# validation loss falls as $\lambda$ grows, down to about that of predicting the training mean,
# $\approx 0.01$ (half the variance of $\mathbf{w}^{*\top}\mathbf{x}$,
# $\tfrac12 \cdot 200 \cdot 0.01^2$). The test set is used once, for the chosen model.

# %%
lambdas = [0, 0.3, 1, 3, 10, 30]
sweep = {lambd: train_concise(lambd) for lambd in lambdas}
final_val = [sweep[lambd][2][-1] for lambd in lambdas]
best = lambdas[min(range(len(lambdas)), key=final_val.__getitem__)]

net = sweep[best][0]
with torch.no_grad():
    test_loss = nn.MSELoss()(net(X_test), y_test).item() / 2
    mean_baseline = nn.MSELoss()(torch.full_like(y_test, y_train.mean().item()), y_test).item() / 2
print("validation loss for lambda = 0, 0.3, ..., 30:", [f"{v:.3g}" for v in final_val])
print(f"chosen lambda = {best}: test loss {test_loss:.4f} (predicting the training mean: {mean_baseline:.4f})")
assert final_val == sorted(final_val, reverse=True)  # more decay, lower validation loss
for lambd in (0, 3):  # the concise loop reaches the scratch loop's losses
    assert abs(sweep[lambd][2][-1] / scratch[lambd][2][-1] - 1) < 0.5
assert best == 30
assert test_loss < 1.5 * mean_baseline
assert test_loss < sweep[0][2][-1] / 1000

# %% [markdown]
# ## Pitfalls
#
# - **`weight_decay=` on all of `net.parameters()` decays the bias too.** Usually harmless, but not
#   the penalty written above; use parameter groups, as here.
# - **Adam's `weight_decay` is the L2 penalty, not decay.** `torch.optim.Adam(weight_decay=λ)`
#   adds $\lambda \mathbf{w}$ to the gradient, which Adam then rescales per parameter, so
#   parameters with large gradients are barely decayed; `torch.optim.AdamW` shrinks the weights
#   directly (exercise 1 checks both).
# - **The value of λ depends on how the loss is reduced.** With a summed loss (d2l's from-scratch
#   `sgd` divides by the batch size) the same penalty weighs $n$ times less. Move between the two by
#   scaling λ.
#
# ## Exercises
#
# 1. Check with one step from the same weights that `torch.optim.Adam(..., weight_decay=λ)` equals
#    Adam on the loss plus $\tfrac{\lambda}{2}\|\mathbf{w}\|^2$, that `torch.optim.AdamW(...,
#    weight_decay=λ)` equals shrinking $\mathbf{w}$ by $1 - \eta\lambda$ and then a plain Adam step,
#    and that the two differ.

# %% [markdown]
# **Solution**


# %% tags=["solution"]
def adam_step(optimizer_class, weight_decay=0.0, penalty=0.0, shrink=0.0, lr=0.1):
    torch.manual_seed(0)
    w, x, target = torch.randn(5, 1, requires_grad=True), torch.randn(8, 5), torch.randn(8, 1)
    optimizer = optimizer_class([w], lr=lr, weight_decay=weight_decay)
    (((x @ w - target) ** 2).mean() + penalty * l2_penalty(w)).backward()
    with torch.no_grad():
        w *= 1 - lr * shrink
    optimizer.step()
    return w.detach().flatten()


adam, adamw = adam_step(torch.optim.Adam, weight_decay=0.5), adam_step(torch.optim.AdamW, weight_decay=0.5)
print(f"Adam: {adam}\nAdamW: {adamw}")
assert torch.allclose(adam, adam_step(torch.optim.Adam, penalty=0.5))
assert torch.allclose(adamw, adam_step(torch.optim.Adam, shrink=0.5))
assert not torch.allclose(adam, adamw, atol=1e-3)

# %% [markdown]
# 2. Ridge regression has a closed form: with centred data, $\mathbf{w}_\lambda$ solves
#    $(\mathbf{X}^\top\mathbf{X}/n + \lambda \mathbf{I})\,\mathbf{w} = \mathbf{X}^\top\mathbf{y}/n$.
#    Compute it for each λ of the sweep and show that $\|\mathbf{w}_\lambda\|$ shrinks as λ grows
#    and that, as λ → 0, the model fits the 20 training examples exactly. Compare its norm at
#    λ → 0 with that of the model SGD trained without decay: why are they so different?

# %% [markdown]
# **Solution**

# %% tags=["solution"]
Xc, yc = (X_train - X_train.mean(dim=0)).double(), (y_train - y_train.mean()).double()
eye = torch.eye(num_inputs, dtype=torch.float64, device=device)
ridge = [torch.linalg.solve(Xc.T @ Xc / n_train + lambd * eye, Xc.T @ yc / n_train) for lambd in [1e-6, *lambdas[1:]]]
norms = [w_ridge.norm().item() for w_ridge in ridge]
exact = ((Xc @ ridge[0] - yc) ** 2 / 2).mean().item()
print("|w| for lambda = 1e-6, 0.3, ..., 30:", [f"{v:.3g}" for v in norms], f"; training loss at 1e-6: {exact:.1e}")
assert norms == sorted(norms, reverse=True)
assert exact < 1e-10  # 200 weights, 20 equations: an exact fit
# Each gradient is a combination of the 20 training inputs, so gradient steps never change the part
# of w orthogonal to them: SGD keeps that part of its N(0, 1) start, the closed form (the fit of
# least norm as lambda -> 0) has none of it. Weight decay shrinks it by 1 - lr * lambda each step.
print(f"closed form, lambda -> 0: |w| = {norms[0]:.3f}; SGD without decay: |w| = {scratch[0][0].norm():.3f}")
assert norms[0] < scratch[0][0].norm().item() / 100

# %% [markdown]
# ## See also
#
# - [Dropout](dropout.md): the other regulariser of d2l's chapter.
# - [Linear regression](../training/linear-regression.py): the model and loop this page adds the
#   penalty to.
# - [Norms](../linalg/norms.md): the $L_2$ norm in the penalty.
# - PyTorch's [`torch.optim.SGD`](https://pytorch.org/docs/stable/generated/torch.optim.SGD.html)
#   (`weight_decay`, parameter groups) and
#   [`torch.optim.AdamW`](https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html).
