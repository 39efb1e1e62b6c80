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
# # Generalisation
#
# A model is fitted by minimising its **training error**, the mean loss on the examples it sees;
# what matters is its **generalisation error**, the expected loss on new examples from the same
# distribution,
#
# $$
# R_\text{emp}[f] = \frac1n \sum_{i=1}^n \ell\big(f(\mathbf{x}_i), y_i\big), \qquad
# R[f] = E_{(\mathbf{x}, y) \sim P}\left[\ell\big(f(\mathbf{x}), y\big)\right].
# $$
#
# $R[f]$ cannot be computed, but the mean loss on held-out examples estimates it. A model too
# simple for the data has high error on both (**underfitting**); a model flexible enough to fit
# the training examples' noise has a low training error and a high validation error
# (**overfitting**). This page shows both with d2l's polynomial regression, plots training against
# validation error as the degree grows, and chooses the degree by **K-fold cross-validation**.
# Everything below runs when the site is built, and the `assert`s fail the build if a result
# changes.
#
# ## The data
#
# d2l's cubic, with noise $\epsilon \sim \mathcal N(0, 0.1^2)$:
#
# $$
# y = 5 + 1.2x - 3.4\frac{x^2}{2!} + 5.6\frac{x^3}{3!} + \epsilon, \qquad x \sim \mathcal N(0, 1).
# $$
#
# The features of a degree-$d$ model are the powers $x^0, x^1, \dots, x^d$, and the true weights
# are $(5, 1.2, -1.7, 0.9\overline{3})$. (d2l divides $x^i$ by $i!$, which keeps the high powers
# small for training by gradient descent; the exact least-squares fit used here finds the same
# polynomial either way, see the pitfalls.) 20 training examples, 100 for validation and 100 for
# the test, used once at the end. The problem is small, so it stays on the CPU, in float64.

# %%
import itertools
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)
max_degree = 15
true_w = torch.tensor([5.0, 1.2, -3.4 / 2, 5.6 / 6], dtype=torch.float64)


def features(x, degree):
    """Columns x^0, x^1, ..., x^degree."""
    return x[:, None] ** torch.arange(degree + 1, dtype=torch.float64)


def make_data(n):
    x = torch.randn(n, dtype=torch.float64)
    y = features(x, 3) @ true_w + 0.1 * torch.randn(n, dtype=torch.float64)
    return x, y


(x_train, y_train), (x_val, y_val), (x_test, y_test) = make_data(20), make_data(100), make_data(100)
x_train.shape, x_val.shape, x_test.shape

# %% [markdown]
# ## Training and validation error against the degree
#
# For each degree the weights minimising the training squared error are found exactly, by least
# squares (`torch.linalg.lstsq`; gradient descent would approach the same weights, as the
# [least-squares walkthrough](../walkthroughs/least-squares.py) shows). The error reported is the
# mean squared error.


# %%
def fit(x, y, degree):
    return torch.linalg.lstsq(features(x, degree), y[:, None], driver="gelsd").solution[:, 0]


def mse(w, x, y):
    return ((features(x, len(w) - 1) @ w - y) ** 2).mean().item()


degrees = range(max_degree + 1)
weights = [fit(x_train, y_train, d) for d in degrees]
train_error = [mse(w, x_train, y_train) for w in weights]
val_error = [mse(w, x_val, y_val) for w in weights]
for d in (1, 3, 12):
    print(f"degree {d:2d}: training {train_error[d]:.4g}, validation {val_error[d]:.4g}")

# %% [markdown]
# The three regimes, checked:
#
# - **Underfitting**: a line (degree 1) cannot follow a cubic; both errors are hundreds of times
#   the noise variance $0.01$.
# - **The right capacity**: at degree 3 both errors are near $0.01$, the best any model can do,
#   and the weights are close to the true ones.
# - **Overfitting**: each higher degree contains the lower ones, so the training error can only
#   go down (up to rounding); the validation error goes up, by orders of magnitude at degree 12,
#   where 13 weights are fitted to 20 noisy points.

# %%
noise = 0.1**2
assert train_error[1] > 100 * noise
assert val_error[1] > 100 * noise
assert train_error[3] < 1.5 * noise
assert val_error[3] < 2 * noise
assert torch.allclose(weights[3], true_w, atol=0.1)
assert all(later <= earlier * (1 + 1e-3) for earlier, later in itertools.pairwise(train_error))
assert min(range(len(val_error)), key=val_error.__getitem__) == 3
assert val_error[12] > 1000 * val_error[3]
assert train_error[12] < train_error[3]
print(
    "true weights:", [round(w, 3) for w in true_w.tolist()], "\ndegree 3:", [round(w, 3) for w in weights[3].tolist()]
)

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
ax1.semilogy(degrees, train_error, "o-", label="training")
ax1.semilogy(degrees, val_error, "s-", label="validation")
ax1.axhline(noise, color="black", linestyle=":", label=r"noise variance $0.1^2$")
ax1.set(xlabel="degree", ylabel="mean squared error")
ax1.legend()
grid = torch.linspace(x_train.min().item(), x_train.max().item(), 300, dtype=torch.float64)
ax2.plot(x_train, y_train, "k.", label="training data")
for d, style in [(1, "--"), (3, "-"), (12, ":")]:
    ax2.plot(grid, features(grid, d) @ weights[d], style, label=f"degree {d}")
ax2.set(xlabel="$x$", ylabel="$y$", ylim=(y_train.min().item() - 3, y_train.max().item() + 3))
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## K-fold cross-validation
#
# With little data, a separate validation split wastes examples. **K-fold cross-validation**
# splits the training data into $K$ folds, trains $K$ times, each time on $K - 1$ folds, and
# validates on the one left out; the mean of the $K$ validation errors estimates the
# generalisation error, and every example is used for validation once. With $n$ examples, fold
# $i$ holds a contiguous run of $\lfloor n/K \rfloor$ or $\lceil n/K \rceil$ of them (the first
# $n \bmod K$ folds get one more). Our data are already in random order; shuffle yours first if
# their order means anything.


# %%
def k_fold_error(x, y, k, degree):
    n = len(x)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    starts = [sum(sizes[:i]) for i in range(k)]
    errors = []
    for start, size in zip(starts, sizes, strict=True):
        held_out = torch.zeros(n, dtype=torch.bool)
        held_out[start : start + size] = True
        w = fit(x[~held_out], y[~held_out], degree)
        errors.append(mse(w, x[held_out], y[held_out]))
    return sum(errors) / k


cv_error = [k_fold_error(x_train, y_train, k=5, degree=d) for d in range(12)]
chosen = min(range(12), key=cv_error.__getitem__)
print("5-fold error by degree:", [f"{e:.3g}" for e in cv_error])
print("chosen degree:", chosen)
assert chosen == 3

# %% [markdown]
# Cross-validation chose degree 3 from the 20 training examples alone. Only now is the test set
# used, once, for the chosen model refitted on all the training data: its error is near the noise
# variance.

# %%
test_error = mse(fit(x_train, y_train, chosen), x_test, y_test)
print(f"test error of degree {chosen}: {test_error:.4f}")
assert test_error < 2 * noise

# %% [markdown]
# ## From scratch
#
# [`dlref.train.kfold`](../api/train.md#dlref.train.kfold) has `kfold_splits`, the index pairs of
# the folds (on any device), and `cross_validate`, which calls a function of
# `(X_train, y_train, X_val, y_val)` on each. Its folds are scikit-learn's `KFold` without
# shuffling, and it gives the same cross-validation errors as the loop above:

# %%
from sklearn.model_selection import KFold

from dlref.train.kfold import cross_validate, kfold_splits

for (train, val), (sk_train, sk_val) in zip(kfold_splits(20, k=5), KFold(n_splits=5).split(range(20)), strict=True):
    assert train.tolist() == sk_train.tolist()
    assert val.tolist() == sk_val.tolist()
for d in range(12):
    errors = cross_validate(lambda xt, yt, xv, yv, d=d: mse(fit(xt, yt, d), xv, yv), x_train, y_train, k=5)
    assert math.isclose(sum(errors) / 5, cv_error[d], rel_tol=1e-9), d
print([val.tolist() for _, val in kfold_splits(7, k=3)])

# %% [markdown]
# ## Pitfalls
#
# **Scaling columns changes the conditioning, not the fit.** d2l's features $x^i / i!$ span the
# same polynomials as $x^i$, so exact least squares finds the same curve from either. But the
# least-squares solution is only as accurate as the matrix's **condition number** allows (float64
# keeps about 16 digits, and a condition number of $10^k$ can cost $k$ of them): dividing by $i!$
# makes the high-degree columns tiny and the condition number far larger here. It helps gradient
# descent, whose steps the large powers would dominate, and hurts a direct solve.

# %%
scaled = features(x_train, max_degree) / torch.exp(torch.lgamma(torch.arange(max_degree + 1.0) + 1))
cond_raw, cond_scaled = torch.linalg.cond(features(x_train, max_degree)), torch.linalg.cond(scaled)
print(f"condition number, degree {max_degree}: x^i {cond_raw:.2e}, x^i/i! {cond_scaled:.2e}")
assert cond_scaled > 1e4 * cond_raw
w_scaled = torch.linalg.lstsq(features(x_train, 3) / torch.tensor([1.0, 1.0, 2.0, 6.0]), y_train[:, None]).solution
assert torch.allclose(w_scaled[:, 0] / torch.tensor([1.0, 1.0, 2.0, 6.0], dtype=torch.float64), weights[3])

# %% [markdown]
# **Choosing with the test set.** Had the degree been chosen by the test error, the test error
# of the choice would be the smallest of 16 noisy estimates, biased low; it would no longer
# estimate the generalisation error. The validation split (or cross-validation) chooses; the test
# set reports once. The same holds for the epoch, the learning rate and every other choice.
#
# **Folds of ordered data.** `kfold_splits` and `KFold(shuffle=False)` cut contiguous runs. On
# data sorted by $x$, each fold is a range of $x$ the model never saw, and cross-validation
# measures extrapolation instead: here the 5-fold error of degree 5 is many times larger on the
# sorted data than on the same data in random order.

# %%
order = x_train.argsort()
shuffled, by_x = k_fold_error(x_train, y_train, 5, 5), k_fold_error(x_train[order], y_train[order], 5, 5)
print(f"5-fold error, degree 5: random order {shuffled:.3g}, sorted by x {by_x:.3g}")
assert by_x > 10 * shuffled

# %% [markdown]
# ## Exercises
#
# 1. Draw 500 training examples instead of 20. Does degree 12 still overfit? Compare its
#    validation error with degree 3's.
# 2. Leave-one-out cross-validation is K-fold with $K = n$. Compute it for degrees 1 to 5 with
#    `kfold_splits` and check that it also chooses degree 3.
# 3. How does the validation error of degree 3 compare with the noise variance as the number of
#    training examples grows from 5 to 1000? Plot it.

# %% [markdown]
# **Solution**

# %% tags=["solution"]
torch.manual_seed(1)
x_many, y_many = make_data(500)
w3, w12 = fit(x_many, y_many, 3), fit(x_many, y_many, 12)
print(f"500 examples: validation degree 3 {mse(w3, x_val, y_val):.4f}, degree 12 {mse(w12, x_val, y_val):.4f}")
assert mse(w12, x_val, y_val) < 2 * mse(w3, x_val, y_val)  # enough data tames the extra capacity

# %% [markdown]
# **Solution**

# %% tags=["solution"]
loo = []
for d in range(1, 6):
    errors = [mse(fit(x_train[t], y_train[t], d), x_train[v], y_train[v]) for t, v in kfold_splits(20, k=20)]
    loo.append(sum(errors) / 20)
print("leave-one-out error, degrees 1-5:", [f"{e:.3g}" for e in loo])
assert 1 + min(range(5), key=loo.__getitem__) == 3

# %% [markdown]
# **Solution**

# %% tags=["solution"]
torch.manual_seed(2)
sizes = [5, 10, 20, 50, 100, 200, 500, 1000]
curve = []
for n in sizes:
    x_n, y_n = make_data(n)
    curve.append(mse(fit(x_n, y_n, 3), x_val, y_val))
fig, ax = plt.subplots(figsize=(4.5, 2.8))
ax.loglog(sizes, curve, "o-", label="validation error, degree 3")
ax.axhline(noise, color="black", linestyle=":", label="noise variance")
ax.set(xlabel="training examples", ylabel="mean squared error")
ax.legend()
fig.tight_layout()
assert curve[-1] < 1.3 * noise
assert curve[0] > curve[-1]

# %% [markdown]
# ## See also
#
# - [Probability and statistics](../probability/probability.py): the normal noise, and why the
#   squared loss is its likelihood.
# - [Least squares three ways](../walkthroughs/least-squares.py): the exact fit used here.
# - [Multilayer perceptrons](../training/mlp.py): choosing the epoch on a validation split.
# - API reference: [`dlref.train.kfold`](../api/train.md#dlref.train.kfold).
