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
# # Activation functions
#
# A hidden layer computes $\mathbf{H} = \phi(\mathbf{X}\mathbf{W} + \mathbf{b})$, where the
# **activation function** $\phi$ acts on each entry. Without it, layers compose to one affine map
# and depth adds nothing. The common choices:
#
# $$
# \begin{aligned}
# \mathrm{ReLU}(x) &= \max(x, 0), & \mathrm{ReLU}'(x) &= [x > 0], \\
# \sigma(x) &= \frac{1}{1 + e^{-x}}, & \sigma'(x) &= \sigma(x)\,(1 - \sigma(x)), \\
# \tanh(x) &= \frac{1 - e^{-2x}}{1 + e^{-2x}}, & \tanh'(x) &= 1 - \tanh^2(x), \\
# \mathrm{GELU}(x) &= x\,\Phi(x), & \mathrm{GELU}'(x) &= \Phi(x) + x\,\varphi(x),
# \end{aligned}
# $$
#
# where $\Phi$ and $\varphi$ are the standard normal distribution function and density. GELU,
# used in BERT and GPT, is a smooth ReLU: it weights $x$ by the probability that a standard normal
# variable is below $x$. This page computes each function and its derivative with autograd, plots
# them, checks the formulas, and shows what a network without activations cannot learn. Everything
# below runs when the site is built, and the `assert`s fail the build if a result changes.
#
# ## The functions and their derivatives, from autograd
#
# Each is a function of `torch` (`torch.relu`, `torch.sigmoid`, `torch.tanh`) or of
# `torch.nn.functional` (`F.gelu`), and a module for `nn.Sequential` (`nn.ReLU()`, `nn.Sigmoid()`,
# `nn.Tanh()`, `nn.GELU()`). Since each acts element-wise, the derivative at every point comes from
# one backward pass: the gradient of $\sum_i \phi(x_i)$ with respect to $x_i$ is $\phi'(x_i)$.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

activations = {"ReLU": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "GELU": F.gelu}
x = (torch.arange(-600, 601, dtype=torch.float64) / 100).to(device).requires_grad_()  # -6 to 6, 0 exactly
values, derivatives = {}, {}
for name, phi in activations.items():
    y = phi(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    values[name], derivatives[name] = y.detach(), grad
print(nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 1)))

# %%
fig, axes = plt.subplots(2, 4, figsize=(10, 4.5), sharex=True)
grid = x.detach().cpu()
for col, name in enumerate(activations):
    axes[0, col].plot(grid, values[name].cpu())
    axes[0, col].set_title(name)
    axes[1, col].plot(grid, derivatives[name].cpu(), color="C1")
    axes[1, col].set_xlabel("$x$")
    for ax in axes[:, col]:
        ax.axhline(0, color="black", linewidth=0.5)
        ax.axvline(0, color="black", linewidth=0.5)
axes[0, 0].set_ylabel(r"$\phi(x)$")
axes[1, 0].set_ylabel(r"$\phi'(x)$ (autograd)")
fig.tight_layout()

# %% [markdown]
# What the plots show, checked on the grid:
#
# - ReLU's derivative is 0 or 1. At the kink $x = 0$ autograd returns 0.
# - The sigmoid's derivative is at most $\tfrac14$, at $x = 0$; tanh's is at most 1. Both vanish
#   for large $|x|$ (the unit **saturates**), and a product of many factors below $\tfrac14$ shrinks
#   gradients fast in a deep stack of sigmoids.
# - $\tanh(x) = 2\sigma(2x) - 1$: tanh is a sigmoid stretched to $(-1, 1)$ and centred at 0.
# - GELU's derivative is smooth and slightly negative for $x$ below about $-0.75$, lowest at
#   $x = -\sqrt 2$, where $\mathrm{GELU}''(x) = \varphi(x)(2 - x^2)$ is 0.

# %%
xs = x.detach()
assert set(derivatives["ReLU"].unique().tolist()) == {0.0, 1.0}
assert derivatives["ReLU"][xs == 0].item() == 0.0
assert derivatives["sigmoid"].max().item() == 0.25
assert xs[derivatives["sigmoid"].argmax()].item() == 0.0
assert derivatives["tanh"].max().item() == 1.0
assert torch.allclose(values["tanh"], 2 * torch.sigmoid(2 * xs) - 1)
lowest = derivatives["GELU"].argmin()
print(f"GELU' is lowest at x = {xs[lowest].item():.2f}: {derivatives['GELU'][lowest].item():.4f}")
assert abs(xs[lowest].item() + math.sqrt(2)) < 0.01

# %% [markdown]
# The closed forms above are what autograd computed:

# %%
s, t = values["sigmoid"], values["tanh"]
Phi = 0.5 * (1 + torch.erf(xs / math.sqrt(2)))
phi = torch.exp(-(xs**2) / 2) / math.sqrt(2 * math.pi)
assert torch.allclose(derivatives["sigmoid"], s * (1 - s))
assert torch.allclose(derivatives["tanh"], 1 - t**2)
assert torch.allclose(derivatives["GELU"], Phi + xs * phi)
assert torch.allclose(values["GELU"], xs * Phi)

# %% [markdown]
# ## Without activations, a network is linear
#
# `nn.Linear` computes $\mathbf{x}\mathbf{A}^\top + \mathbf{c}$. Three of them in a row compute
# $\mathbf{x}(\mathbf{A}_3\mathbf{A}_2\mathbf{A}_1)^\top + \mathbf{c}'$: one `nn.Linear`, whose
# weight is the product and whose bias is the first bias carried through the later layers.

# %%
deep = nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1)).to(device)
A1, A2, A3 = (layer.weight for layer in deep)
c1, c2, c3 = (layer.bias for layer in deep)
one = nn.Linear(2, 1).to(device)
with torch.no_grad():  # copying into parameters is not part of any computation to differentiate
    one.weight.copy_(A3 @ A2 @ A1)
    one.bias.copy_(A3 @ (A2 @ c1 + c2) + c3)
inputs = torch.randn(5, 2).to(device)
assert torch.allclose(deep(inputs), one(inputs), atol=1e-6)
print("largest difference:", (deep(inputs) - one(inputs)).abs().max().item())

# %% [markdown]
# So a linear network cannot learn XOR, whose four points no line separates: the best affine fit
# (least squares) predicts 0.5 everywhere, a mean squared error of 0.25. With a ReLU between the
# same layers, the network fits it. Both are trained the same way, with full-batch Adam:

# %%
X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], device=device)
y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], device=device)


def fit(net, steps=2000):
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    for _step in range(steps):
        loss = F.mse_loss(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


torch.manual_seed(0)
linear_loss = fit(nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 1)).to(device))
torch.manual_seed(0)
relu_loss = fit(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)).to(device))
print(f"mean squared error on XOR: linear {linear_loss:.4f}, with ReLU {relu_loss:.6f}")
assert abs(linear_loss - 0.25) < 1e-3
assert relu_loss < 1e-4

# %% [markdown]
# ## From scratch
#
# [`dlref.models.activations`](../api/models.md#dlref.models.activations) writes tanh and GELU from
# their definitions and the four derivatives in closed form (ReLU and the sigmoid are
# [`dlref.models.mlp.relu`](../api/models.md#dlref.models.mlp.relu) and
# [`dlref.models.losses.sigmoid`](../api/models.md#dlref.models.losses.sigmoid)). Their tanh is
# computed from $e^{-2|x|}$, which cannot overflow; each agrees with `torch.nn.functional` and with
# autograd:

# %%
from dlref.models import activations as dlref_activations
from dlref.models.losses import sigmoid as dlref_sigmoid
from dlref.models.mlp import relu as dlref_relu

assert torch.allclose(dlref_relu(xs), F.relu(xs))
assert torch.allclose(dlref_sigmoid(xs), torch.sigmoid(xs))
assert torch.allclose(dlref_activations.tanh(xs), torch.tanh(xs))
assert torch.allclose(dlref_activations.gelu(xs), F.gelu(xs))
assert torch.allclose(dlref_activations.gelu(xs, approximate="tanh"), F.gelu(xs, approximate="tanh"))
for name, ours in [
    ("ReLU", dlref_activations.relu_derivative),
    ("sigmoid", dlref_activations.sigmoid_derivative),
    ("tanh", dlref_activations.tanh_derivative),
    ("GELU", dlref_activations.gelu_derivative),
]:
    assert torch.allclose(ours(xs), derivatives[name]), name
print(dlref_activations.tanh(torch.tensor([-1000.0, 0.5, 1000.0])))

# %% [markdown]
# ## Pitfalls
#
# **A saturated sigmoid passes no gradient.** Autograd computes $\sigma'(x)$ as
# $\sigma(x)(1 - \sigma(x))$ from the saved output, and in float32 $\sigma(x)$ rounds to exactly 1
# from $x \approx 17$ on: the gradient there is 0, not a small number. A unit whose input sits there
# stops learning; so does a ReLU whose input is negative for every example (a "dead" ReLU).

# %%
z = torch.tensor([0.0, 10.0, 20.0, -3.0], requires_grad=True)
torch.sigmoid(z[:3]).sum().backward()
print("sigmoid'(0, 10, 20):", z.grad[:3].tolist(), " sigmoid(20) == 1:", torch.sigmoid(z[2]).item() == 1.0)
assert z.grad[2] == 0
assert 0 < z.grad[1] < 1e-4
z.grad = None
torch.relu(z[3]).backward()
print("ReLU'(-3):", z.grad[3].item())

# %% [markdown]
# **Changing an activation's output in place breaks backward.** The sigmoid's backward pass uses
# its output $\sigma(x)$; modifying that tensor in place makes autograd refuse, at `backward`:

# %%
z = torch.tensor([0.5, -1.0], requires_grad=True)
out = torch.sigmoid(z)
out.add_(1)  # shifts the saved output in place
try:
    out.sum().backward()
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %% [markdown]
# **GELU has no integer kernel.** `torch.relu` and `torch.tanh` accept integers (tanh returns
# floats); `F.gelu` refuses them:

# %%
print(torch.relu(torch.tensor([-1, 2])), torch.tanh(torch.tensor([-1, 2])))
try:
    F.gelu(torch.tensor([-1, 2]))
except NotImplementedError as error:
    print(f"NotImplementedError: {error}")

# %% [markdown]
# ## Exercises
#
# 1. The softplus $\log(1 + e^x)$ (`F.softplus`) is a smooth ReLU. Show with autograd that its
#    derivative is the sigmoid.
# 2. Leaky ReLU is $\max(x, 0) + \alpha \min(x, 0)$. Write it with torch, compare it with
#    `F.leaky_relu(x, negative_slope=0.1)`, and check its derivative with autograd.
# 3. Show numerically that a product of 10 sigmoid derivatives is at most $4^{-10}$, while 10 ReLU
#    derivatives at positive inputs multiply to 1: take the gradient of ten nested sigmoids at 0.

# %% [markdown]
# **Solution**

# %% tags=["solution"]
(grad,) = torch.autograd.grad(F.softplus(x).sum(), x)
assert torch.allclose(grad, torch.sigmoid(xs))
print("softplus' = sigmoid on", len(xs), "points")

# %% [markdown]
# **Solution**

# %% tags=["solution"]
alpha = 0.1


def leaky_relu(v):
    return torch.clamp(v, min=0) + alpha * torch.clamp(v, max=0)


assert torch.allclose(leaky_relu(xs), F.leaky_relu(xs, negative_slope=alpha))
(grad,) = torch.autograd.grad(F.leaky_relu(x, negative_slope=alpha).sum(), x)
assert torch.allclose(grad, torch.where(xs > 0, 1.0, alpha).double())
print(leaky_relu(torch.tensor([-2.0, 3.0])))

# %% [markdown]
# **Solution**

# %% tags=["solution"]
v = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
h = v
for _layer in range(10):
    h = torch.sigmoid(h)
(grad,) = torch.autograd.grad(h, v)
print(f"gradient through 10 sigmoids: {grad.item():.3e}, bound 4^-10 = {4.0**-10:.3e}")
assert 0 < grad.item() <= 4.0**-10
w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
h = w
for _layer in range(10):
    h = torch.relu(h)
(grad,) = torch.autograd.grad(h, w)
assert grad.item() == 1.0

# %% [markdown]
# ## See also
#
# - [Multilayer perceptrons](../training/mlp.py): the MLP trained on handwritten digits.
# - [Gradients and the chain rule](../calculus/gradients.md): what autograd returns at a kink.
# - [Generalisation](../generalisation/generalisation.py): when a more expressive model does worse.
# - API reference: [`dlref.models.activations`](../api/models.md#dlref.models.activations).
