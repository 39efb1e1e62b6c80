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
# # Numerical stability and initialisation
#
# The gradient of a deep network is a product of one Jacobian per layer. For $L$ layers
# $\mathbf{h}^{(l)} = f_l(\mathbf{h}^{(l-1)})$ and the output $\mathbf{o} = \mathbf{h}^{(L)}$,
#
# $$
# \frac{\partial \mathbf{o}}{\partial \mathbf{W}^{(l)}}
# = \underbrace{\frac{\partial \mathbf{h}^{(L)}}{\partial \mathbf{h}^{(L-1)}} \cdots
#   \frac{\partial \mathbf{h}^{(l+1)}}{\partial \mathbf{h}^{(l)}}}_{L - l \text{ matrices}}
#   \frac{\partial \mathbf{h}^{(l)}}{\partial \mathbf{W}^{(l)}} ,
# $$
#
# and a product of many matrices tends to shrink to 0 (**vanishing gradients**) or grow without
# bound (**exploding gradients**), unless each factor keeps the size of what passes through it. The
# remedy is in the initial weights: choose their variance so that every layer keeps the variance
# of its activations (forward) and of its gradients (backward). That gives **Xavier** and
# **Kaiming** initialisation, derived below from the variance formula and checked against
# `torch.nn.init`.

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## Vanishing gradients
#
# The sigmoid's derivative, $\sigma'(x) = \sigma(x)(1 - \sigma(x))$, is at most $\tfrac14$ (at 0)
# and almost 0 once $|x|$ is more than a few units. Autograd computes it:

# %%
x = torch.linspace(-8, 8, 161, requires_grad=True)
torch.sigmoid(x).sum().backward()
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(x.detach(), torch.sigmoid(x.detach()), label="sigmoid")
ax.plot(x.detach(), x.grad, "--", label="its derivative")
ax.legend()
print(f"largest derivative {x.grad.max():.4f} (at x = 0); at x = 8: {x.grad[-1]:.2e}")
assert x.grad.max() == 0.25 == x.grad[80]
assert x.grad[-1] < 4e-4

# %% [markdown]
# Each sigmoid layer multiplies the gradient that flows back through it by such a factor (and by
# the weights). `through_stack` passes a batch through 20 bias-free layers of width 256 and
# returns, per layer, the standard deviation of its output and the norm of its weight's gradient.
# Through sigmoids (Xavier-initialised, see below), the first layer's gradient is more than 10
# orders of magnitude smaller than the last's: the first layers barely learn.

# %%
depth, width = 20, 256
X = torch.randn(512, width).to(device)


def through_stack(init, activation, depth=depth):
    """Each layer's output std, and the norm of each layer's weight gradient for the loss o.mean()."""
    torch.manual_seed(1)
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    h, stds = X, []
    for layer in layers:
        init(layer.weight)
        h = activation(layer.to(device)(h))
        stds.append(h.std().item())
    h.mean().backward()
    return stds, [layer.weight.grad.double().norm().item() for layer in layers]  # float64: no overflow


_, sigmoid_grads = through_stack(nn.init.xavier_normal_, torch.sigmoid)
fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(range(1, depth + 1), sigmoid_grads, "o-")
ax.set(xlabel="layer", ylabel="‖∂o/∂W‖ (sigmoid stack)")
fig.tight_layout()
print(f"first layer {sigmoid_grads[0]:.2e}, last layer {sigmoid_grads[-1]:.2e}")
assert sigmoid_grads[0] < 1e-10 * sigmoid_grads[-1]
assert sigmoid_grads == sorted(sigmoid_grads)  # smaller at every layer back

# %% [markdown]
# This is why ReLU, whose derivative is 1 for every positive input, replaced the sigmoid in hidden
# layers.
#
# ## Exploding gradients
#
# The opposite: the product of 100 random $4 \times 4$ matrices with standard normal entries (as
# d2l shows) has entries around $10^{25}$. No learning rate can work with gradients that large.

# %%
torch.manual_seed(0)
M = torch.randn(4, 4)
for _ in range(100):
    M = M @ torch.randn(4, 4)
print(f"largest entry after 100 products: {M.abs().max():.2e}")
assert M.abs().max() > 1e20

# %% [markdown]
# ## Keeping the variance: the formula
#
# Take one linear layer $o_i = \sum_{j=1}^{n_\text{in}} w_{ij} x_j$, with weights drawn
# independently, mean 0 and variance $\sigma^2$, independent of inputs with mean 0 and variance
# $\gamma^2$. Then $\mathbb{E}[o_i] = 0$ and
#
# $$
# \operatorname{Var}[o_i] = \sum_{j=1}^{n_\text{in}} \mathbb{E}[w_{ij}^2]\, \mathbb{E}[x_j^2]
# = n_\text{in}\, \sigma^2 \gamma^2 .
# $$
#
# The backward pass multiplies the gradients by $\mathbf{W}^\top$, which sums over the
# $n_\text{out}$ outputs: their variance is scaled by $n_\text{out} \sigma^2$. To keep both:
#
# - $n_\text{in} \sigma^2 = 1$ and $n_\text{out} \sigma^2 = 1$ cannot both hold unless the layer
#   is square; **Xavier** (Glorot and Bengio, 2010) takes their average,
#   $\sigma^2 = \dfrac{2}{n_\text{in} + n_\text{out}}$. It assumes an activation that is close to
#   the identity around 0, such as tanh.
# - A ReLU zeroes half of its (symmetric) input, so $\mathbb{E}[\mathrm{ReLU}(o)^2] = \tfrac12
#   \operatorname{Var}[o]$: each ReLU layer halves the second moment. **Kaiming** (He et al., 2015)
#   doubles the variance to compensate, $\sigma^2 = \dfrac{2}{n_\text{in}}$.
#
# A uniform $U(-a, a)$ has variance $a^2 / 3$, so the same variance comes from
# $a = \sqrt{3}\,\sigma$: $a = \sqrt{6 / (n_\text{in} + n_\text{out})}$ for Xavier.
#
# The formula, checked by sampling one layer of 400 inputs with weights of standard deviation 0.1
# and inputs of standard deviation 2: $\operatorname{Var}[o] = 400 \cdot 0.01 \cdot 4 = 16$. The
# estimate from 20 000 outputs has a relative standard error of about $\sqrt{2 / 20\,000} = 1\%$;
# the page allows 5%.

# %%
torch.manual_seed(0)
o = (0.1 * torch.randn(200, 400)).to(device) @ (2.0 * torch.randn(400, 100)).to(device)  # 20 000 outputs
relu_ratio = torch.relu(o).pow(2).mean() / o.var()
print(f"Var[o] = {o.var():.2f} (formula: 16); E[ReLU(o)^2] / Var[o] = {relu_ratio:.3f} (1/2)")
assert abs(o.var().item() / 16 - 1) < 0.05
assert abs(relu_ratio.item() - 0.5) < 0.05

# %% [markdown]
# ## Through a deep stack
#
# `torch.nn.init` has the initialisers: `xavier_normal_`, `xavier_uniform_`, `kaiming_normal_`,
# `kaiming_uniform_` (each fills a tensor in place), and `calculate_gain(nonlinearity)` for the
# factor an activation needs. On the left, the standard deviation of the activations at each layer of a
# 20-layer stack of width 256, for five choices:
#
# - $\mathcal{N}(0, 1)$ with ReLU: each layer multiplies the scale by $\sqrt{256 / 2} \approx 11$;
# - $\mathcal{N}(0, 0.01^2)$ with ReLU: by $0.01 \sqrt{128} \approx 0.11$;
# - Xavier with ReLU: by $\sqrt{1/2}$, as the ReLU halves the second moment;
# - Xavier with tanh, and Kaiming with ReLU: stable.
#
# On the right, the backward pass for the ReLU stacks: the norm of each layer's weight gradient.
# A ReLU is positively homogeneous ($\mathrm{ReLU}(cx) = c\,\mathrm{ReLU}(x)$ for $c > 0$), so
# scaling every weight of this bias-free stack by $c$ scales every layer's gradient by the same
# $c^{L-1}$: the layers keep their proportions (the curves are parallel), but the whole gradient
# explodes with $\mathcal{N}(0, 1)$ and vanishes with $\mathcal{N}(0, 0.01^2)$, by twenty orders
# of magnitude either way. With Kaiming it stays of order 1.


# %%
choices = {  # name: (initialiser, activation, the range the std at layer 20 falls in)
    "N(0, 1), ReLU": (lambda w: nn.init.normal_(w, std=1.0), torch.relu, (1e18, math.inf)),
    "N(0, 0.01²), ReLU": (lambda w: nn.init.normal_(w, std=0.01), torch.relu, (0, 1e-16)),
    "Xavier, ReLU": (nn.init.xavier_normal_, torch.relu, (1e-4, 1e-2)),
    "Xavier, tanh": (nn.init.xavier_normal_, torch.tanh, (0.05, 1)),
    "Kaiming, ReLU": (nn.init.kaiming_normal_, torch.relu, (0.5, 2)),
}
relu, stds, grads = ["N(0, 1), ReLU", "N(0, 0.01²), ReLU", "Kaiming, ReLU"], {}, {}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, (init, activation, (low, high)) in choices.items():
    stds[name], grads[name] = through_stack(init, activation)
    print(f"{name:18} std at layer 1: {stds[name][0]:.3g}, at layer {depth}: {stds[name][-1]:.3g}")
    assert low < stds[name][-1] < high
    axes[0].semilogy(range(1, depth + 1), stds[name], "o-", ms=3, label=name)
    if name in relu:
        axes[1].semilogy(range(1, depth + 1), grads[name], "o-", ms=3, label=name)
axes[0].set(xlabel="layer", ylabel="std of the activations")
axes[1].set(xlabel="layer", ylabel="‖∂o/∂W‖")
axes[0].legend(fontsize=8)
fig.tight_layout()
assert min(grads["N(0, 1), ReLU"]) > 1e15
assert max(grads["N(0, 0.01²), ReLU"]) < 1e-15
assert all(1e-3 < g < 10 for g in grads["Kaiming, ReLU"])
ratios = [grads[name][0] / grads[name][-1] for name in relu]
assert max(ratios) / min(ratios) < 1.001  # the same proportions at every scale

# %% [markdown]
# ## From scratch
#
# [`dlref.models.init`](../api/models.md#dlref.models.init) writes the four initialisers from the
# variances above: `fans(shape)` reads $n_\text{in}$ and $n_\text{out}$ from a weight's shape
# (`(out_features, in_features)` for `nn.Linear`; `(out_channels, in_channels, *kernel)` for a
# convolution, each output summing over `in_channels` times the kernel's size), and each
# initialiser draws zero-mean values of the standard deviation its formula gives, normal or
# uniform with $a = \sqrt{3}\,\sigma$. The API page shows the source. They replace `torch.nn.init`'s
# one for one: the deep ReLU stack keeps its scale with dlref's Kaiming initialisation.
#
# They cannot draw the same numbers as torch, so the check is statistical. For a $512 \times 256$
# weight (131 072 entries) drawn with a fixed seed, by both dlref and `torch.nn.init`: the sample
# standard deviation must be within 1% of the formula's $\sigma$ (the standard error of a sample
# standard deviation is about $\sigma / \sqrt{2n} = 0.2\%$ of it), the mean within
# $5\sigma/\sqrt{n}$ of 0, and a uniform draw must stay inside $\pm a$ and reach past $0.99\,a$.

# %%
from dlref.models import init as dlref_init

shape = (512, 256)
fan_in, fan_out = dlref_init.fans(shape)
n, xavier, kaiming = 512 * 256, math.sqrt(2 / (fan_in + fan_out)), math.sqrt(2 / fan_in)
for name, sigma in [("xavier_uniform_", xavier), ("xavier_normal_", xavier), ("kaiming_uniform_", kaiming),
                    ("kaiming_normal_", kaiming)]:  # fmt: skip
    ours = getattr(dlref_init, name)(torch.empty(shape, device=device), generator=torch.Generator().manual_seed(0))
    theirs = getattr(nn.init, name)(torch.empty(shape), generator=torch.Generator().manual_seed(0))
    print(f"{name:17} sigma {sigma:.5f}: dlref {ours.std():.5f}, torch {theirs.std():.5f}")
    for W in (ours, theirs):
        assert abs(W.std().item() / sigma - 1) < 0.01
        assert abs(W.mean().item()) < 5 * sigma / math.sqrt(n)
        if "uniform" in name:
            assert 0.99 * math.sqrt(3) * sigma < W.abs().max().item() <= (1 + 1e-6) * math.sqrt(3) * sigma
assert dlref_init.fans((16, 3, 5, 5)) == (75, 400)  # a Conv2d(3, 16, kernel_size=5) weight
ours, _ = through_stack(dlref_init.kaiming_normal_, torch.relu)  # in the deep ReLU stack
assert 0.5 < ours[-1] < 2, ours

# %% [markdown]
# ## Pitfalls
#
# **`nn.Linear`'s default is not Kaiming for ReLU.** `nn.Linear` initialises its weight with
# `kaiming_uniform_(w, a=math.sqrt(5))`, a variance of $1 / (3 n_\text{in})$, six times smaller
# than ReLU needs. Shallow networks train anyway; through the 20-layer ReLU stack the activations
# shrink by about $1/\sqrt{6}$ per layer:

# %%
default, _ = through_stack(lambda w: None, torch.relu)  # keep nn.Linear's own initialisation
print(f"std at layer 1: {default[0]:.3g}, at layer {depth}: {default[-1]:.3g}")
assert default[-1] < 1e-6

# %% [markdown]
# **A 1-D tensor has no fans.** A bias cannot be Xavier- or Kaiming-initialised; initialise it
# directly, with `nn.init.zeros_`:

# %%
try:
    nn.init.xavier_normal_(torch.empty(5))
except ValueError as error:
    message = f"ValueError: {error}"
print(message)
assert "fewer than 2 dimensions" in message

# %% [markdown]
# ## Exercises
#
# 1. **Symmetry.** Initialise every weight of a two-layer MLP to the same constant. Show that the
#    hidden units then get identical gradients, so no number of gradient steps can make them
#    differ: the network behaves as if it had one hidden unit.

# %% [markdown]
# **Solution**

# %% tags=["solution"]
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
for parameter in mlp.parameters():
    nn.init.constant_(parameter, 0.1)
optimizer = torch.optim.SGD(mlp.parameters(), lr=0.1)
inputs, targets = torch.randn(32, 4), torch.randn(32, 1)
for _step in range(20):
    optimizer.zero_grad()
    nn.functional.mse_loss(mlp(inputs), targets).backward()
    optimizer.step()
W1 = mlp[0].weight.detach()
print("hidden units' weights after 20 steps (one row per unit):\n", W1[:3])
assert torch.allclose(W1, W1[0].expand_as(W1))  # every row still equal
assert not torch.allclose(W1, torch.full_like(W1, 0.1))  # though they did change

# %% [markdown]
# 2. **Convolutions.** Check statistically, with a seed and a stated tolerance, that
#    `nn.init.kaiming_normal_` on the weight of `nn.Conv2d(16, 32, kernel_size=3)` has standard
#    deviation $\sqrt{2 / (16 \cdot 3 \cdot 3)}$, and `mode="fan_out"` gives
#    $\sqrt{2 / (32 \cdot 3 \cdot 3)}$.

# %% [markdown]
# **Solution**

# %% tags=["solution"]
conv = nn.Conv2d(16, 32, kernel_size=3)
for mode, fan in (("fan_in", 16 * 9), ("fan_out", 32 * 9)):
    w = nn.init.kaiming_normal_(torch.empty_like(conv.weight), mode=mode, generator=torch.Generator().manual_seed(0))
    expected = math.sqrt(2 / fan)
    # 4608 draws: the sample std's standard error is expected / sqrt(2 * 4608), about 1%; allow 5%
    print(f"{mode}: std {w.std():.4f}, formula {expected:.4f}")
    assert abs(w.std().item() / expected - 1) < 0.05

# %% [markdown]
# ## See also
#
# - API reference: [`dlref.models.init`](../api/models.md#dlref.models.init).
# - [Multilayer perceptrons](../training/mlp.py): the network whose layers these initialise.
# - [Dropout](../generalisation/dropout.md) and [Weight decay](../generalisation/weight-decay.py).
# - PyTorch's [`torch.nn.init`](https://pytorch.org/docs/stable/nn.init.html).
