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
# # Probability and statistics
#
# A **random variable** $X$ takes each value $x$ with probability $P(X = x)$, and the probabilities
# of all values sum to 1. For two variables, the **joint** probability $P(A = a, B = b)$ gives the
# **marginal** $P(A = a) = \sum_b P(A = a, B = b)$ by summing the other variable out, and the
# **conditional** probability
#
# $$
# P(B = b \mid A = a) = \frac{P(A = a, B = b)}{P(A = a)} .
# $$
#
# Writing the joint both ways, $P(A, B) = P(B \mid A)\,P(A) = P(A \mid B)\,P(B)$, gives
# **Bayes' rule**, $P(A \mid B) = P(B \mid A)\,P(A) / P(B)$. The **expectation**
# $E[X] = \sum_x x\,P(X = x)$ is the probability-weighted mean, and the **variance**
# $\mathrm{Var}[X] = E[(X - E[X])^2]$ the expected squared distance from it. This page samples with
# `torch.multinomial` and `torch.distributions`, watches relative frequencies converge, works
# d2l's Bayes example, and shows why the squared loss is the maximum-likelihood loss for normal
# noise. Everything below runs when the site is built, and the `assert`s fail the build if a result
# changes.
#
# ## Sampling, and frequencies that converge
#
# `torch.multinomial(probs, n, replacement=True)` draws `n` outcomes, outcome $i$ with probability
# `probs[i]` (weights that do not sum to 1 are normalised). `torch.distributions.Categorical` is
# the same distribution as an object, with `sample`, `log_prob` and more. A fair die:

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

fair = torch.ones(6) / 6
rolls = torch.multinomial(fair, 10, replacement=True) + 1  # faces 1 to 6
die = torch.distributions.Categorical(probs=fair)
print(rolls)
print(die.sample((10,)) + 1)
print(die.log_prob(torch.tensor(2)).exp())  # P(face 3): the outcome index 2

# %% [markdown]
# By the **law of large numbers**, the relative frequency of each face,
# $\hat P_n(k) = \frac1n \#\{i \le n : x_i = k\}$, tends to $P(k) = 1/6$ as the number of rolls $n$
# grows; its standard deviation is $\sqrt{P(k)(1 - P(k))/n}$, so it shrinks like $1/\sqrt n$.
# One-hot encoding the rolls and taking cumulative sums gives every $\hat P_n$ at once:

# %%
n = 10_000
outcomes = torch.multinomial(fair, n, replacement=True).to(device)  # face k+1 as index k
counts = F.one_hot(outcomes, num_classes=6).cumsum(dim=0)  # counts[t, k]: face k+1 in rolls 0..t
frequencies = counts / torch.arange(1, n + 1, device=device)[:, None]
final = frequencies[-1].cpu()
print("after", n, "rolls:", final)
spread = math.sqrt(1 / 6 * 5 / 6 / n)
assert (final - 1 / 6).abs().max() < 4 * spread, final  # within 4 standard deviations
assert (frequencies[9].cpu() - 1 / 6).abs().max() > (final - 1 / 6).abs().max()  # 10 rolls are far off

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
draws = torch.arange(1, n + 1)
for k in range(6):
    ax.semilogx(draws, frequencies[:, k].cpu(), label=f"face {k + 1}")
ax.semilogx(draws, 1 / 6 + 2 * torch.sqrt(1 / 6 * 5 / 6 / draws), "k:", label=r"$1/6 \pm 2$ std")
ax.semilogx(draws, 1 / 6 - 2 * torch.sqrt(1 / 6 * 5 / 6 / draws), "k:")
ax.axhline(1 / 6, color="black", linewidth=0.8)
ax.set(xlabel="number of rolls $n$", ylabel="relative frequency", ylim=(0, 0.5))
ax.legend(ncol=2, fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Joint, marginal and conditional probability
#
# A joint distribution of two variables is a table, `joint[a, b]` $= P(A = a, B = b)$. Marginals
# are sums over a dimension, and a conditional divides a row by its marginal (broadcasting a column
# of marginals across the row). Take weather $A$ (0: dry, 1: rain) and whether someone carries an
# umbrella $B$ (0: no, 1: yes):

# %%
joint = torch.tensor([[0.56, 0.14], [0.03, 0.27]], dtype=torch.float64)
P_A = joint.sum(dim=1)  # sum B out: P(A = a)
P_B = joint.sum(dim=0)  # sum A out: P(B = b)
P_B_given_A = joint / P_A[:, None]  # row a: P(B = b | A = a)
print("P(A):", P_A, "\nP(B):", P_B, "\nP(B | A):\n", P_B_given_A)
assert torch.allclose(P_A, torch.tensor([0.7, 0.3], dtype=torch.float64))
assert torch.allclose(P_B_given_A.sum(dim=1), torch.ones(2, dtype=torch.float64))  # each row is a distribution
assert torch.allclose(P_B_given_A[1], torch.tensor([0.1, 0.9], dtype=torch.float64))  # rain: 90% carry one

# %% [markdown]
# Sampling pairs from the flattened table and counting recovers the table, and the conditional:
# among the sampled rainy days, the fraction with an umbrella is close to 0.9.

# %%
pairs = torch.multinomial(joint.flatten(), 200_000, replacement=True)
a, b = pairs // 2, pairs % 2  # flat index 2a + b
estimate = torch.bincount(pairs, minlength=4).reshape(2, 2).double() / len(pairs)
umbrella_when_rain = b[a == 1].float().mean().item()
print(estimate, round(umbrella_when_rain, 4))
assert torch.allclose(estimate, joint, atol=0.005)
assert abs(umbrella_when_rain - 0.9) < 0.005

# %% [markdown]
# ## Bayes' rule on a worked example
#
# d2l's example: a disease $H$ has prevalence $P(H = 1) = 0.0015$. A test $D_1$ detects it
# always, $P(D_1 = 1 \mid H = 1) = 1$, and has a false-positive rate
# $P(D_1 = 1 \mid H = 0) = 0.01$. After a positive test,
#
# $$
# P(H = 1 \mid D_1 = 1) = \frac{P(D_1 = 1 \mid H = 1)\,P(H = 1)}
# {P(D_1 = 1 \mid H = 1)\,P(H = 1) + P(D_1 = 1 \mid H = 0)\,P(H = 0)}
# = \frac{0.0015}{0.0015 + 0.01 \cdot 0.9985} \approx 0.1306 .
# $$
#
# The denominator is the marginal $P(D_1 = 1)$. A second, independent test $D_2$ (given $H$),
# with $P(D_2 = 1 \mid H = 1) = 0.98$ and $P(D_2 = 1 \mid H = 0) = 0.03$, uses that posterior as
# its prior.

# %%
prior = torch.tensor([0.9985, 0.0015], dtype=torch.float64)  # P(H = 0), P(H = 1)
test1 = torch.tensor([0.01, 1.0], dtype=torch.float64)  # P(D1 = 1 | H = h)
test2 = torch.tensor([0.03, 0.98], dtype=torch.float64)  # P(D2 = 1 | H = h)
after1 = test1 * prior / (test1 * prior).sum()
after2 = test2 * after1 / (test2 * after1).sum()
print(f"P(H=1 | D1=1) = {after1[1]:.4f}, P(H=1 | D1=1, D2=1) = {after2[1]:.4f}")
assert round(after1[1].item(), 4) == 0.1306
assert round(after2[1].item(), 4) == 0.8307

# %% [markdown]
# The counter-intuitive 13% is checked by simulating a population: draw each person's $H$, then
# each test's result given $H$ with `torch.bernoulli`, and look at those who tested positive.

# %%
people = 2_000_000
H = torch.bernoulli(torch.full((people,), 0.0015, dtype=torch.float64)).bool()
D1 = torch.bernoulli(torch.where(H, 1.0, 0.01)).bool()
D2 = torch.bernoulli(torch.where(H, 0.98, 0.03)).bool()
sick_if_positive = H[D1].double().mean().item()
sick_if_both = H[D1 & D2].double().mean().item()
print(f"simulated: {sick_if_positive:.4f}, {sick_if_both:.4f}")
assert abs(sick_if_positive - after1[1].item()) < 0.01
assert abs(sick_if_both - after2[1].item()) < 0.02

# %% [markdown]
# ## Expectation and variance
#
# For a fair die, $E[X] = \frac{1 + \dots + 6}{6} = 3.5$ and
# $\mathrm{Var}[X] = E[X^2] - E[X]^2 = \frac{91}{6} - 3.5^2 = \frac{35}{12} \approx 2.917$. The
# sample mean and variance of many rolls approach them. `torch.var` divides by $n - 1$ by default
# (the unbiased estimate from a sample, see the pitfalls); `correction=0` gives the mean squared
# deviation.

# %%
faces = torch.arange(1, 7, dtype=torch.float64)
E = (faces * fair.double()).sum()
Var = ((faces - E) ** 2 * fair.double()).sum()
rolls = (torch.multinomial(fair, 100_000, replacement=True) + 1).double()
print(f"exact: E = {E:.4f}, Var = {Var:.4f}; sampled: mean = {rolls.mean():.4f}, var = {rolls.var(correction=0):.4f}")
assert torch.isclose(Var, torch.tensor(35 / 12, dtype=torch.float64))
assert abs(rolls.mean() - E) < 0.02
assert abs(rolls.var(correction=0) - Var) < 0.05

# %% [markdown]
# Every `torch.distributions` distribution knows its moments: a binomial with $n$ trials of
# probability $p$ has mean $np$ and variance $np(1 - p)$.

# %%
binomial = torch.distributions.Binomial(total_count=10, probs=torch.tensor(0.3, dtype=torch.float64))
k = torch.arange(11, dtype=torch.float64)
pmf = binomial.log_prob(k).exp()
print(binomial.mean, binomial.variance)
assert torch.isclose((k * pmf).sum(), binomial.mean)
assert torch.isclose(((k - 3) ** 2 * pmf).sum(), binomial.variance)

# %% [markdown]
# ## The normal distribution and the squared loss
#
# The normal (Gaussian) distribution $\mathcal N(\mu, \sigma^2)$ has the density
#
# $$
# p(x) = \frac{1}{\sqrt{2\pi\sigma^2}} \exp\left(-\frac{(x - \mu)^2}{2\sigma^2}\right),
# $$
#
# with mean $\mu$ and variance $\sigma^2$. `torch.distributions.Normal(loc, scale)` takes the
# **standard deviation** $\sigma$ as `scale`:

# %%
x = torch.linspace(-7, 7, 401)
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for mu, sigma in [(0, 1), (0, 2), (3, 1)]:
    normal = torch.distributions.Normal(loc=float(mu), scale=float(sigma))
    ax.plot(x, normal.log_prob(x).exp(), label=rf"$\mu = {mu}, \sigma = {sigma}$")
    area = torch.trapezoid(normal.log_prob(x).exp(), x)
    assert abs(area - 1) < 1e-3, area  # a density integrates to 1
ax.set(xlabel="$x$", ylabel="$p(x)$")
ax.legend()
fig.tight_layout()

# %% [markdown]
# Linear regression assumes $y = \mathbf{w}^\top \mathbf{x} + b + \epsilon$ with noise
# $\epsilon \sim \mathcal N(0, \sigma^2)$, so $y \sim \mathcal N(\hat y, \sigma^2)$ with
# $\hat y = \mathbf{w}^\top \mathbf{x} + b$. The negative log-likelihood of $n$ independent
# examples, averaged, is
#
# $$
# -\frac1n \sum_i \log p(y_i \mid \mathbf{x}_i)
# = \frac12 \log(2\pi\sigma^2) + \frac{1}{\sigma^2} \cdot \frac1n \sum_i \frac12 (y_i - \hat y_i)^2 .
# $$
#
# For a fixed $\sigma$ the first term does not depend on $\mathbf{w}$ or $b$, and the second is the
# squared loss over $\sigma^2$: the parameters that maximise the likelihood are exactly those that
# minimise the squared loss. `F.gaussian_nll_loss(input, target, var, full=True)` computes this
# negative log-likelihood (it takes the **variance**). Over a grid of slopes, it is an affine
# function of the mean squared error, and both are smallest at the same slope:

# %%
torch.manual_seed(0)
sigma = 0.5
X = torch.rand(100, dtype=torch.float64)
y = 2 * X + 1 + sigma * torch.randn(100, dtype=torch.float64)
slopes = torch.linspace(0, 4, 401, dtype=torch.float64)
mse = torch.stack([F.mse_loss(w * X + 1, y) for w in slopes])
nll = torch.stack([F.gaussian_nll_loss(w * X + 1, y, torch.full_like(y, sigma**2), full=True) for w in slopes])
assert torch.allclose(nll, 0.5 * math.log(2 * math.pi * sigma**2) + mse / (2 * sigma**2))
assert mse.argmin() == nll.argmin()
print(f"best slope on the grid: {slopes[mse.argmin()]:.2f} (squared loss), {slopes[nll.argmin()]:.2f} (likelihood)")

# %% [markdown]
# ## From scratch
#
# [`dlref.probability.basics`](../api/probability.md#dlref.probability.basics) writes these from their
# definitions: `relative_frequencies` (the cumulative counts above), `bayes_posterior`,
# `expectation`, `variance`, `normal_pdf` and `gaussian_nll`. Each agrees with torch:

# %%
from dlref.probability.basics import (
    bayes_posterior,
    expectation,
    gaussian_nll,
    normal_pdf,
    relative_frequencies,
    variance,
)

assert torch.allclose(relative_frequencies(outcomes, num_classes=6), frequencies)
assert torch.allclose(bayes_posterior(prior, test1), after1)
assert torch.isclose(expectation(k, pmf), binomial.mean)
assert torch.isclose(variance(k, pmf), binomial.variance)
assert torch.allclose(normal_pdf(x, 3.0, 2.0), torch.distributions.Normal(3.0, 2.0).log_prob(x).exp())
assert torch.isclose(
    gaussian_nll(2 * X + 1, y, sigma), F.gaussian_nll_loss(2 * X + 1, y, torch.full_like(y, sigma**2), full=True)
)
print(bayes_posterior(prior, test1), variance(faces, fair.double()))

# %% [markdown]
# ## Pitfalls
#
# **Sampling without replacement is the default.** `torch.multinomial` draws without replacement
# unless told otherwise, so asking for more draws than outcomes fails, and fewer draws never
# repeat an outcome:

# %%
try:
    torch.multinomial(fair, 10)
except RuntimeError as error:
    print(f"RuntimeError: {error}")
print(torch.multinomial(fair, 6))  # a permutation: every face exactly once

# %% [markdown]
# **`torch.var` is the sample variance.** By default it divides by $n - 1$ (Bessel's correction),
# an unbiased estimate of a population's variance from a sample. The variance of a distribution
# you hold in full, or d2l's $\frac1n \sum_i (x_i - \bar x)^2$, needs `correction=0`:

# %%
values = torch.tensor([1.0, 2.0, 3.0, 4.0])
print(values.var(), values.var(correction=0))
assert values.var(correction=0) == 1.25
assert torch.isclose(values.var(), torch.tensor(5 / 3))

# %% [markdown]
# **`scale` is $\sigma$, `var` is $\sigma^2$.** `Normal(loc, scale)` takes the standard
# deviation, `F.gaussian_nll_loss` the variance; passing the one for the other gives a different
# distribution without a word. A scale that is not positive is refused (distributions validate
# their arguments by default):

# %%
print(torch.distributions.Normal(0.0, 4.0).variance)  # scale 4 means variance 16
try:
    torch.distributions.Normal(0.0, 0.0)
except ValueError as error:
    print(f"ValueError: {error}")

# %% [markdown]
# ## Exercises
#
# 1. Roll two fair dice 100 000 times. Estimate $P(\text{sum} = 7)$ and compare it with the exact
#    value $6/36$.
# 2. In the disease example, how many positive results in a row from independent repeats of the
#    first test $D_1$ does it take before $P(H = 1 \mid \text{all positive})$ exceeds 0.99?
# 3. Show by sampling, and exactly from the distribution of the sum, that the variance of the sum
#    of two independent dice is twice the variance of one, $2 \cdot 35/12$.

# %% [markdown]
# **Solution**

# %% tags=["solution"]
torch.manual_seed(0)
two = torch.multinomial(fair, 2 * 100_000, replacement=True).reshape(-1, 2) + 1
p7 = (two.sum(dim=1) == 7).double().mean().item()
print(f"P(sum = 7) ≈ {p7:.4f}, exact {6 / 36:.4f}")
assert abs(p7 - 6 / 36) < 0.005

# %% [markdown]
# **Solution**

# %% tags=["solution"]
posterior, tests = prior, 0
while posterior[1] <= 0.99:
    posterior = test1 * posterior / (test1 * posterior).sum()
    tests += 1
print(tests, "positive tests:", posterior[1].item())
assert tests == 3

# %% [markdown]
# **Solution**

# %% tags=["solution"]
# The sum's distribution: P(S = s) counts the pairs (i, j) with i + j = s.
sums = faces[:, None] + faces[None, :]  # 6 x 6 table of i + j
s = torch.arange(2, 13, dtype=torch.float64)
p_s = torch.stack([(sums == value).double().sum() / 36 for value in s])
exact = ((s - (s * p_s).sum()) ** 2 * p_s).sum()
sampled = two.sum(dim=1).double().var(correction=0)
print(f"exact {exact:.4f}, sampled {sampled:.4f}, 2 * 35/12 = {2 * 35 / 12:.4f}")
assert torch.isclose(exact, torch.tensor(2 * 35 / 12, dtype=torch.float64))
assert abs(sampled - exact) < 0.05

# %% [markdown]
# ## See also
#
# - [Linear regression](../training/linear-regression.py): training with the squared loss.
# - [Information theory](information-theory.md): entropy, cross-entropy and the KL divergence, the
#   quantities behind classification's loss.
# - [Generalisation](../generalisation/generalisation.py): validation error as an estimate of the
#   expected error on new data.
# - API reference: [`dlref.probability.basics`](../api/probability.md#dlref.probability.basics).
