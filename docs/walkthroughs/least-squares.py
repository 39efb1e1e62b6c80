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
# # Least squares three ways
#
# Fit a line $y \approx w x + b$ to noisy points, three ways, and check that they agree:
#
# 1. the **normal equations** $X^\top X \theta = X^\top y$, solved directly;
# 2. **`torch.linalg.lstsq`**, which uses a QR-type factorisation and never forms $X^\top X$;
# 3. **gradient descent** on the mean squared error, with gradients from autograd.
#
# The data are made here (nothing is downloaded): 100 points on the line $y = 2x - 1$ with
# Gaussian noise of standard deviation 0.3. Random values are drawn on the CPU and then moved to
# the device, so a GPU shows the same numbers.

# %%
import matplotlib.pyplot as plt
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
n, w_true, b_true = 100, 2.0, -1.0
x = torch.linspace(-2, 2, n)
y = w_true * x + b_true + 0.3 * torch.randn(n)
x, y = x.to(device), y.to(device)
# The design matrix: one row (x_i, 1) per point, so that X @ (w, b) = w * x + b.
X = torch.stack([x, torch.ones_like(x)], dim=1)
X.shape, y.shape

# %% [markdown]
# ## 1. The normal equations
#
# Setting the gradient of $\frac{1}{n}\lVert X\theta - y\rVert^2$ to zero gives
# $X^\top X \theta = X^\top y$, a 2×2 system here.

# %%
theta_normal = torch.linalg.solve(X.T @ X, X.T @ y)
theta_normal

# %% [markdown]
# ## 2. The library solver, lstsq
#
# `torch.linalg.lstsq` finds the same minimiser without squaring the condition number of $X$.
# Note the column vector: `lstsq` solves $XA = B$ for a matrix $B$.

# %%
solution = torch.linalg.lstsq(X.cpu(), y.cpu().unsqueeze(1)).solution
theta_lstsq = solution.squeeze(1).to(device)
theta_lstsq

# %% [markdown]
# `lstsq` runs on the CPU here: on CUDA it supports only the `gels` driver, which requires a
# full-rank, well-conditioned $X$; this $X$ is both, but the CPU default (`gelsy`) is the one a
# reader gets everywhere.
#
# ## 3. Gradient descent with autograd
#
# Start at $\theta = 0$ and step against the gradient of the mean squared error. For this
# problem the loss is a quadratic bowl, so a fixed learning rate of 0.1 converges. The losses are
# kept as tensors and copied to the host once, after the loop: calling `.item()` in every step
# would make a GPU wait for the CPU 200 times.

# %%
theta = torch.zeros(2, device=device, requires_grad=True)
losses = []
for _step in range(200):
    loss = ((X @ theta - y) ** 2).mean()
    losses.append(loss.detach())
    loss.backward()
    with torch.no_grad():
        theta -= 0.1 * theta.grad
    theta.grad.zero_()
theta_gd = theta.detach()
losses = torch.stack(losses).cpu()
theta_gd, losses[0], losses[-1]

# %% [markdown]
# ## They agree
#
# All three estimates agree to within $10^{-4}$, and recover the true line to within the noise.
# These `assert`s are checked whenever the site is built and whenever the tests run.

# %%
assert torch.allclose(theta_normal, theta_lstsq, atol=1e-4), (theta_normal, theta_lstsq)
assert torch.allclose(theta_normal, theta_gd, atol=1e-4), (theta_normal, theta_gd)
w, b = theta_normal.tolist()
assert abs(w - w_true) < 0.1, w
assert abs(b - b_true) < 0.1, b
print(f"w = {w:.3f}, b = {b:.3f}")

# %% [markdown]
# ## The picture
#
# Left: the points and the fitted line. Right: how far gradient descent's loss is above the
# least-squares minimum, on a logarithmic y axis against a linear step axis. There the gap falls
# along a nearly straight line until it reaches float32 round-off: each step multiplies it by
# between 0.5 and 0.7 (checked below for the first 30 steps), which is what geometric convergence
# means.

# %% alt="Left: the data and the least-squares line. Right: loss minus its minimum per step"
loss_min = ((X @ theta_normal - y) ** 2).mean().cpu()
gap = (losses - loss_min).clamp_min(1e-10)
ratios = gap[1:31] / gap[:30]
assert ((ratios > 0.5) & (ratios < 0.7)).all(), ratios
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.scatter(x.cpu().numpy(), y.cpu().numpy(), s=8, alpha=0.6, label="data")
grid = torch.linspace(-2, 2, 2)
left.plot(grid, w * grid + b, color="C1", label="least squares")
left.set(xlabel="x", ylabel="y", title="fit")
left.legend()
right.semilogy(gap)
right.set(xlabel="step", ylabel="loss - minimum", title="gradient descent")
fig.tight_layout()

# %% [markdown]
# ## Exercises
#
# **1.** The mean squared error has the Hessian $H = \frac{2}{n} X^\top X$, and gradient descent
# with step $\eta$ converges only if $\eta < 2 / \lambda_{\max}(H)$. Compute that limit, and run
# gradient descent just below and just above it.

# %% tags=["solution"]
# Along the eigenvector of the largest eigenvalue, each step multiplies the error by
# 1 - lr * lambda_max: below the limit its size shrinks, above it the size grows every step.
H = 2 * X.T @ X / n
limit = 2 / torch.linalg.eigvalsh(H).max().item()


def descend(lr, steps=200):
    theta = torch.zeros(2, device=device, requires_grad=True)
    for _step in range(steps):
        loss = ((X @ theta - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            theta -= lr * theta.grad
        theta.grad.zero_()
    return ((X @ theta - y) ** 2).mean().item()


below, above = descend(0.95 * limit), descend(1.05 * limit)
assert abs(below - loss_min.item()) < 1e-4, below
assert not above < 1e3, above  # diverged (or overflowed to inf)
print(f"limit {limit:.3f}: loss after 200 steps {below:.4f} at 0.95 x limit, {above:.3g} at 1.05 x limit")

# %% [markdown]
# **2.** Drop the column of ones (fit $y \approx w x$, no intercept). Predict whether the fitted
# $w$ changes, then check. Would it change if the points were on $[0, 4]$ instead of $[-2, 2]$?

# %% tags=["solution"]
# Here the x values are symmetric about 0, so sum(x_i) = 0: the two columns of X are orthogonal,
# and the normal equations decouple into w = x.y / x.x and b = mean(y). On [0, 4] the columns
# are not orthogonal, and without b the slope has to absorb the offset.
w_alone = (x @ y / (x @ x)).item()
assert abs(w_alone - w) < 1e-5, (w_alone, w)
x_shifted = x + 2
y_shifted = w_true * x_shifted + b_true + (y - w_true * x - b_true)  # the same noise
w_shifted_alone = (x_shifted @ y_shifted / (x_shifted @ x_shifted)).item()
assert abs(w_shifted_alone - w) > 0.1, (w_shifted_alone, w)
print(f"w with intercept {w:.4f}, without {w_alone:.4f}; on [0, 4] without intercept {w_shifted_alone:.4f}")
